"""Label/annotation keys of the ``resources.gardener.cloud`` family and GRM's exact parsing of each (spec §2).

Why one module: GRM parses these inconsistently (``strconv.ParseBool`` for some, the exact string
``"true"`` for others, an enum, a Go duration); users rely on those rules, so each predicate here
states which rule it follows and where the value is read from (desired manifest, live object or MR).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from kstatus.selectors import labels_of
from kubecore import durations

PREFIX = "resources.gardener.cloud/"
MODE = PREFIX + "mode"
MODE_IGNORE = "Ignore"
IGNORE = PREFIX + "ignore"
KEEP_OBJECT = PREFIX + "keep-object"
DELETE_ON_INVALID_UPDATE = PREFIX + "delete-on-invalid-update"
DELETION_PROPAGATION_ON_INVALID_UPDATE = PREFIX + "deletion-propagation-on-invalid-update"
FINALIZE_DELETION_AFTER = PREFIX + "finalize-deletion-after"
SKIP_HEALTH_CHECK = PREFIX + "skip-health-check"
PRESERVE_REPLICAS = PREFIX + "preserve-replicas"
PRESERVE_RESOURCES = PREFIX + "preserve-resources"
ORIGIN = PREFIX + "origin"
DESCRIPTION = PREFIX + "description"
DESCRIPTION_TEXT = (
    "DO NOT EDIT - This resource is managed by gardener-resource-manager.\n"
    "Any modifications are discarded and the resource is returned to the original state."
)
MANAGED_BY = PREFIX + "managed-by"
DEFAULT_MANAGED_BY = "gardener"
GARBAGE_COLLECTABLE = PREFIX + "garbage-collectable-reference"
REFERENCE_PREFIX = "reference.resources.gardener.cloud/"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
OPENSTACK_LOADBALANCER_PREFIX = "loadbalancer.openstack.org"
OPERATION = "gardener.cloud/operation"

_PARSE_BOOL_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_PROPAGATION_POLICIES = ("Foreground", "Background", "Orphan")
_IMMUTABLE_MESSAGE = "field is immutable when `immutable` is set"


class AnnotationError(ValueError):
    """An annotation value GRM would reject; the message names key and value (never object content)."""


def mapping(value: object) -> Mapping[str, Any]:
    """A map field of a raw object, empty when absent or malformed (the API server rejects those)."""
    return value if isinstance(value, Mapping) else {}


def annotations_of(obj: Mapping[str, Any]) -> Mapping[str, str]:
    """``metadata.annotations`` of a raw object, empty if absent."""
    return mapping(mapping(obj.get("metadata")).get("annotations"))


def parse_bool(value: str | None) -> bool:
    """Go's ``strconv.ParseBool`` where a parse error counts as false (GRM's ``keyExistsAndValueTrue``)."""
    return value in _PARSE_BOOL_TRUE


def ignore_mode(desired: Mapping[str, Any]) -> bool:
    """``mode: Ignore`` on a desired manifest (exact ``Ignore``): not applied, released if previously managed."""
    return annotations_of(desired).get(MODE) == MODE_IGNORE


def ignored(obj: Mapping[str, Any]) -> bool:
    """``ignore`` (ParseBool) on a desired manifest — or on the MR itself, which skips the whole MR."""
    return parse_bool(annotations_of(obj).get(IGNORE))


def keep_object(live: Mapping[str, Any]) -> bool:
    """``keep-object`` (ParseBool), read from the **live** object so operators can set it in-cluster."""
    return parse_bool(annotations_of(live).get(KEEP_OBJECT))


def preserve_replicas(desired: Mapping[str, Any]) -> bool:
    """``preserve-replicas`` on the desired manifest; exact ``"true"`` (not ParseBool)."""
    return annotations_of(desired).get(PRESERVE_REPLICAS) == "true"


def preserve_resources(desired: Mapping[str, Any]) -> bool:
    """``preserve-resources`` on the desired manifest; exact ``"true"`` (not ParseBool)."""
    return annotations_of(desired).get(PRESERVE_RESOURCES) == "true"


def skip_health_check(live: Mapping[str, Any]) -> bool:
    """``skip-health-check`` on the live object; exact ``"true"``: healthy and never progressing."""
    return annotations_of(live).get(SKIP_HEALTH_CHECK) == "true"


def garbage_collectable(live: Mapping[str, Any]) -> bool:
    """A ``v1`` ConfigMap/Secret labelled ``garbage-collectable-reference`` (ParseBool): left to the GC."""
    return (
        live.get("apiVersion") == "v1"
        and live.get("kind") in ("ConfigMap", "Secret")
        and parse_bool(labels_of(live).get(GARBAGE_COLLECTABLE))
    )


def delete_on_invalid_update(
    api_version: str, kind: str, annotations: Mapping[str, str], causes: Iterable[Mapping[str, Any]]
) -> bool:
    """Whether a 422 on update means "delete and re-create".

    ``annotations`` are the merged ones (desired over live, as GRM reads them after its merge); ``causes``
    are ``details.causes`` of the Invalid status. Implicit for immutable ``v1`` ConfigMaps/Secrets: GRM
    looks at the first ``FieldValueForbidden`` cause only.
    """
    if parse_bool(annotations.get(DELETE_ON_INVALID_UPDATE)):
        return True
    if api_version != "v1" or kind not in ("ConfigMap", "Secret"):
        return False
    forbidden = next((c for c in causes if c.get("reason") == "FieldValueForbidden"), None)
    return forbidden is not None and _IMMUTABLE_MESSAGE in str(forbidden.get("message", ""))


def deletion_propagation(annotations: Mapping[str, str]) -> str | None:
    """Propagation policy for the delete-on-invalid-update delete; ``None`` = server default.

    Raises :class:`AnnotationError` for values other than Foreground/Background/Orphan (the apply fails).
    """
    value = annotations.get(DELETION_PROPAGATION_ON_INVALID_UPDATE)
    if value is None:
        return None
    if value not in _PROPAGATION_POLICIES:
        supported = ", ".join(f'"{p}"' for p in _PROPAGATION_POLICIES)
        raise AnnotationError(
            f'value "{value}" of annotation "{DELETION_PROPAGATION_ON_INVALID_UPDATE}" is invalid, '
            f"supported values are {supported}"
        )
    return value


def parse_go_duration(text: str) -> timedelta:
    """Go's ``time.ParseDuration`` (``1h30m``, ``1.5s``, ``-2m``, ``0``), with Go's error texts."""
    try:
        return timedelta(seconds=durations.parse_go_duration(text))
    except ValueError as exc:
        raise AnnotationError(str(exc)) from None


def finalize_deletion_after(live: Mapping[str, Any]) -> timedelta | None:
    """Grace period of ``finalize-deletion-after`` on the live object; ``None`` if absent or zero."""
    value = annotations_of(live).get(FINALIZE_DELETION_AFTER)
    if value is None:
        return None
    try:
        grace = parse_go_duration(value)
    except AnnotationError as exc:
        raise AnnotationError(f"failed parsing duration of {FINALIZE_DELETION_AFTER} annotation: {exc}") from None
    return grace or None


def finalizers_due_for_removal(live: Mapping[str, Any], now: datetime) -> bool:
    """Whether GRM would now strip all finalizers of an object it deleted (grace period elapsed)."""
    grace = finalize_deletion_after(live)
    metadata = live.get("metadata") or {}
    stamp = metadata.get("deletionTimestamp")
    if grace is None or not stamp or not metadata.get("finalizers"):
        return False
    deleted_at = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return deleted_at + grace <= now
