"""GroupKind → served resource, through the client's REST mapper (network: discovery).

An id names a GroupKind; the cluster decides the version.  A kind the cluster does not serve is not
an error here: its objects cannot exist (yet), so they are NotFound, and the watch engine picks the
kind up when its CRD is established.
"""

from __future__ import annotations

from kstatus.live.events import ResourceStatus, not_found, unknown
from kstatus.live.ids import ObjectId
from kubecore import Client, NoMatchError, ResourceInfo


async def served(client: Client, group: str, kind: str) -> ResourceInfo | None:
    """The preferred served resource of a GroupKind, or None when the cluster does not serve it."""
    try:
        return await client.mapper.preferred_version(group, kind)
    except NoMatchError:
        return None


def not_served(oid: ObjectId) -> ResourceStatus:
    """NotFound, with the reason: nothing of this kind can exist until its CRD is installed."""
    kind = f"{oid.kind}.{oid.group}" if oid.group else oid.kind
    return not_found(oid, f"Resource not found: the cluster does not serve kind {kind}")


def scope_problem(oid: ObjectId, info: ResourceInfo) -> ResourceStatus | None:
    """Unknown for a namespaced kind without a namespace (upstream rejects such ids)."""
    if info.namespaced and not oid.namespace:
        return unknown(oid, f"{oid.kind} {oid.name} is namespaced, but no namespace was given")
    return None
