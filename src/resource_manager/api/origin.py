"""The ``origin`` annotation: which ManagedResource manages an object, and refusing to take over others'.

Why: GRM writes ``[<clusterID>:]<namespace>/<name>`` on every object and silently overwrites an object
another MR manages (spec §3.11). We refuse instead (§10.4): an object whose origin names another MR of
the same cluster ID is not applied and the MR reports ``ApplyFailed`` naming both owners. The
sanctioned hand-over stays GRM's: ``mode: Ignore`` in the old MR releases the object (only if its
origin is still that MR's), then the new MR adopts it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from resource_manager.api.annotations import DESCRIPTION, ORIGIN, annotations_of
from resource_manager.api.identity import display_name
from resource_manager.api.messages import APPLY_FAILED


class OriginError(ValueError):
    """An origin value that is not ``[<clusterID>:]<namespace>/<name>``."""


class Origin(NamedTuple):
    cluster_id: str
    namespace: str
    name: str


class OwnershipConflict(NamedTuple):
    """Refusal to apply an object another ManagedResource manages; ``message`` is the condition text."""

    object_name: str
    owner: Origin
    message: str

    @property
    def reason(self) -> str:
        return APPLY_FAILED


def origin_for(namespace: str, name: str, cluster_id: str = "") -> str:
    """GRM's ``OriginForManagedResource``."""
    return f"{cluster_id}:{namespace}/{name}" if cluster_id else f"{namespace}/{name}"


def split_origin(origin: str) -> Origin:
    """GRM's ``SplitOrigin``: at most one ``:``, exactly one ``/``."""
    parts = origin.split(":")
    if len(parts) > 2:
        raise OriginError(f'unexpected origin format: "{origin}"')
    cluster_id, key = ("", parts[0]) if len(parts) == 1 else (parts[0], parts[1])
    key_parts = key.split("/")
    if len(key_parts) != 2:
        raise OriginError(f'unexpected origin format: "{origin}"')
    return Origin(cluster_id, key_parts[0], key_parts[1])


def ownership_conflict(live: Mapping[str, Any] | None, origin: str) -> OwnershipConflict | None:
    """A conflict if ``live`` carries the origin of another MR with the same cluster ID as ``origin``.

    No live object, no/unparsable origin, or an origin of another cluster ID: no conflict (the last two
    cannot be attributed to an MR we could name).
    """
    if live is None:
        return None
    current = annotations_of(live).get(ORIGIN)
    if not current or current == origin:
        return None
    try:
        owner, ours = split_origin(current), split_origin(origin)
    except OriginError:
        return None
    if owner.cluster_id != ours.cluster_id or owner[1:] == ours[1:]:
        return None
    name = display_name(live)
    message = (
        f'error during apply of object "{name}": it is managed by ManagedResource '
        f'"{owner.namespace}/{owner.name}" (origin "{current}"), not by "{ours.namespace}/{ours.name}"; '
        f"refusing to take it over. To move it, mark it with resources.gardener.cloud/mode=Ignore in "
        f'"{owner.namespace}/{owner.name}" first.'
    )
    return OwnershipConflict(name, owner, message)


def release_patch(live: Mapping[str, Any] | None, origin: str) -> dict[str, Any] | None:
    """JSON merge patch that releases a ``mode: Ignore`` object, or ``None`` if it is not ours to release.

    GRM removes ``origin`` and ``description`` only if the live origin still equals this MR's origin.
    """
    if live is None or annotations_of(live).get(ORIGIN) != origin:
        return None
    return {"metadata": {"annotations": {ORIGIN: None, DESCRIPTION: None}}}
