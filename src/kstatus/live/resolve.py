"""The status of one object and the resources it generated, from objects already read (pure).

Upstream's status readers, minus their cluster reads: the caller hands in a `lookup` that returns
the candidate children of a kind in a namespace (a fetched list or a watch cache), and children are
picked by the parent's `spec.selector`:
- Deployment → ReplicaSets → Pods; ReplicaSet and StatefulSet → Pods;
- a ReplicaSet or StatefulSet that is InProgress with any Failed Pod is Failed, "<n> pods have
  failed" (upstream's pod-controller rule); a Deployment's own status is never overridden;
- a compute error or a bad selector is Unknown with the error as message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from kstatus import ComputeError, Options, Result, Status, compute
from kstatus.fields import timestamp
from kstatus.live.events import ResourceStatus, unknown
from kstatus.live.ids import ObjectId, id_of
from kstatus.live.selectors import SelectorError, labels_of, selector_of
from kstatus.options import DEFAULT_OPTIONS
from kstatus.rules_core import SCHEDULE_WINDOW

GroupKind = tuple[str, str]
# (kind, namespace, the parent's spec.selector) → candidate children; the selector lets a cache narrow
# the candidates through an index, `resolve` applies it exactly either way.
Lookup = Callable[[GroupKind, str, dict[str, Any]], Iterable[dict[str, Any]]]

REPLICA_SET: GroupKind = ("apps", "ReplicaSet")
POD: GroupKind = ("", "Pod")
GENERATED: dict[GroupKind, GroupKind] = {
    ("apps", "Deployment"): REPLICA_SET,
    REPLICA_SET: POD,
    ("apps", "StatefulSet"): POD,
}
POD_CONTROLLERS = frozenset({REPLICA_SET, ("apps", "StatefulSet")})


def resolve(
    obj: dict[str, Any], lookup: Lookup, *, options: Options = DEFAULT_OPTIONS, now: datetime | None = None
) -> ResourceStatus:
    """`obj`'s ResourceStatus with its generated resources, sorted as upstream sorts them."""
    oid = id_of(obj)
    generated: tuple[ResourceStatus, ...] = ()
    child_kind = GENERATED.get(oid.group_kind)
    if child_kind is not None:
        try:
            matches = selector_of(obj)
        except SelectorError as exc:
            return unknown(oid, str(exc), obj)
        children = (c for c in lookup(child_kind, oid.namespace, obj["spec"]["selector"]) if matches(labels_of(c)))
        statuses = (resolve(c, lookup, options=options, now=now) for c in children)
        generated = tuple(sorted(statuses, key=lambda r: r.id.sort_key()))
    recheck = min((g.recheck_at for g in generated if g.recheck_at is not None), default=None)
    try:
        result = compute(obj, options=options, now=now)
    except ComputeError as exc:
        return ResourceStatus(oid, Status.UNKNOWN, "", obj, str(exc), generated, recheck)
    status, message = result.status, result.message
    if oid.group_kind in POD_CONTROLLERS and status == Status.IN_PROGRESS:
        failed = sum(1 for g in generated if g.status == Status.FAILED)
        if failed:
            status, message = Status.FAILED, f"{failed} pods have failed"
    own_recheck = _schedule_window_end(oid, obj, result)
    if own_recheck is not None and (recheck is None or own_recheck < recheck):
        recheck = own_recheck
    return ResourceStatus(oid, status, message, obj, None, generated, recheck)


def _schedule_window_end(oid: ObjectId, obj: dict[str, Any], result: Result) -> datetime | None:
    """When a Pod that is not scheduled yet turns Failed by the clock alone (no event will say so)."""
    if oid.group_kind != POD or not result.conditions or result.conditions[0].reason != "PodNotScheduled":
        return None
    meta = obj.get("metadata")
    return timestamp(meta.get("creationTimestamp") if isinstance(meta, dict) else None) + SCHEDULE_WINDOW
