"""What a watch event of the target means, and which MR it is for.

Why: we watch every type an MR manages, so an edit of a field we own, a field added by an interactive field
manager (``kubectl patch``), or a deletion reaches the owning MR within milliseconds (``on_drift``, meant for
the work queue's priority lane), while edits of fields we do not own and status updates only trigger a
health recomputation when the object's health changed (GRM's verdict or its kstatus:
:func:`~resource_manager.health.assess.health_signature`, ``on_health``). Events of our own writes are
recognised by their resourceVersion (the one our write returned, :mod:`last_applied`), so they trigger
nothing. Events map to their MR by the ``origin`` annotation, generated objects (a Deployment's
ReplicaSets and Pods) through their controller owner references.

An added or updated object (events of a watch's first list mean nothing: its MRs are being reconciled)::

    no MR (no origin of our cluster ID, no owner chain to one) ─────────────► ignored
    our write in flight, or resourceVersion ≤ our record's ────────────────► OWN_WRITE: ignored
    newer than our record, and
      ├─ fields of an interactive manager, metadata-only, or a value we
      │  applied is gone (LOST) ──────────────────────────────────────────► DRIFT: on_drift(MR)
      └─ every value we applied still there (KEPT: record moves to it) ──┐
    no record (a generated object; one we never wrote or checked) ───────┤
                                                                         ▼
                           health signature changed, or the object is new ─► HEALTH: on_health(MR)
                                                              otherwise ─► ignored

A deleted object: a managed one (it carries ``origin``) is DRIFT (the record goes; the MR re-creates it,
a no-op if we pruned it), a generated one is HEALTH. When our write returns, the version the watch holds
goes through the same check (LOST: someone changed it meanwhile). The decisions (:func:`since`, :func:`meaning`,
:func:`owner_of`) are pure; :class:`Router` applies them to the watches' events.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import Any

import orjson
import structlog

from kubecore.store import object_key
from resource_manager.api import annotations as ann
from resource_manager.api.origin import OriginError, split_origin
from resource_manager.controller.keys import MRKey, RecordKey, TypeKey, not_older, resource_version
from resource_manager.controller.last_applied import LastApplied, Record
from resource_manager.controller.watches import Watches, fields_of
from resource_manager.health.assess import health_signature
from resource_manager.ssa.drift import drifted
from resource_manager.ssa.fields import FieldsSummary

log = structlog.get_logger("resource_manager.controller.drift_events")

Obj = dict[str, Any]
OWNER_DEPTH = 3
"""Controller owner references followed up to an object with an origin (Pod → ReplicaSet → Deployment)."""


class Since(enum.Enum):
    """A version of an object compared with what we last applied to it."""

    OWN_WRITE = "own write"
    """Our write in flight, its echo, or an event older than it."""
    KEPT = "kept"
    """Changed by someone else, but every value we applied is still there."""
    LOST = "lost"
    """Changed by someone else and a value we applied is gone (or taken over, or unknown: metadata-only)."""
    UNRECORDED = "unrecorded"
    """No record: an object we have not written or checked (a generated one, or after a restart)."""


class Meaning(enum.Enum):
    IGNORED = "ignored"
    OWN_WRITE = "own write"
    DRIFT = "drift"
    HEALTH = "health"


def since(record: Record | None, pending: bool, live: Mapping[str, Any], fields: FieldsSummary | None) -> Since:
    """How ``live`` relates to our last write or check of it (``pending``: a write of it is in flight)."""
    if pending:
        return Since.OWN_WRITE
    if record is None:
        return Since.UNRECORDED
    if not_older(record.resource_version, resource_version(live)):
        return Since.OWN_WRITE
    if fields is not None and fields.takeover:
        return Since.LOST  # a hand edit added (or took) fields: take them over
    if record.body is not None and not drifted(orjson.loads(record.body), live):
        return Since.KEPT
    return Since.LOST


def meaning(state: Since, old: Mapping[str, Any] | None, new: Mapping[str, Any], metadata_only: bool) -> Meaning:
    """What an add (``old`` is ``None``) or update event of an object with an owning MR means."""
    if state is Since.OWN_WRITE:
        return Meaning.OWN_WRITE  # the round that wrote it computes health itself
    if state is Since.LOST:
        return Meaning.DRIFT
    if old is None or health_signature(old, metadata_only) != health_signature(new, metadata_only):
        return Meaning.HEALTH
    return Meaning.IGNORED


def owner_of(
    obj: Mapping[str, Any], cluster_id: str, parent: Callable[[Mapping[str, Any], str], Obj | None], depth: int = 0
) -> MRKey | None:
    """The MR named by the origin annotation (our cluster ID only), else the MR of the controller owner
    (``parent(ownerReference, namespace)`` finds it in the watches)."""
    origin = ann.annotations_of(obj).get(ann.ORIGIN)
    if origin:
        try:
            parsed = split_origin(origin)
        except OriginError:
            return None
        return (parsed.namespace, parsed.name) if parsed.cluster_id == cluster_id else None
    if depth >= OWNER_DEPTH:
        return None
    metadata = obj.get("metadata") or {}
    owner = next((o for o in metadata.get("ownerReferences") or () if o.get("controller")), None)
    if owner is None:
        return None
    found = parent(owner, metadata.get("namespace") or "")
    return None if found is None else owner_of(found, cluster_id, parent, depth + 1)


class Router:
    """Hands the watches' events to the MRs they mean (``on_drift``, ``on_health``)."""

    def __init__(
        self,
        watches: Watches,
        applied: LastApplied,
        cluster_id: str,
        on_drift: Callable[[MRKey], None],
        on_health: Callable[[MRKey], None],
    ) -> None:
        self.watches = watches
        self.applied = applied
        self.cluster_id = cluster_id
        self.on_drift = on_drift
        self.on_health = on_health

    def owner(self, obj: Mapping[str, Any]) -> MRKey | None:
        return owner_of(obj, self.cluster_id, self.watches.owner)

    def lost(self, rk: RecordKey, live: Obj) -> bool:
        """Whether ``live`` lost a value of our last apply; a version that kept them all becomes the record."""
        state = self._since(rk, live)
        if state is Since.KEPT:
            self.applied.still_carries(rk, resource_version(live))
        return state is Since.LOST

    def changed(self, type_key: TypeKey, old: Obj | None, new: Obj) -> None:
        watch = self.watches.synced(type_key)
        if watch is None:
            return  # the first list: the MRs are reconciled anyway
        rk: RecordKey = (*type_key, object_key(new))
        self.applied.delivered(rk, new)
        owner = self.owner(new)
        if owner is None:
            return
        state = self._since(rk, new)
        if state is Since.KEPT:
            self.applied.still_carries(rk, resource_version(new))
        what = meaning(state, old, new, watch.metadata_only)
        if what is Meaning.DRIFT:
            log.info("drift", api_version=type_key[0], kind=type_key[1], object=rk[2], mr="/".join(owner))
            self.on_drift(owner)
        elif what is Meaning.HEALTH:
            self.on_health(owner)

    def deleted(self, type_key: TypeKey, obj: Obj) -> None:
        rk: RecordKey = (*type_key, object_key(obj))
        self.applied.delivered(rk, None)
        owner = self.owner(obj)
        if owner is None:
            return
        if ann.ORIGIN in ann.annotations_of(obj):
            self.applied.forget(rk)
            self.on_drift(owner)  # a managed object is gone: re-create it (a no-op if we pruned it)
        else:
            self.on_health(owner)

    def _since(self, rk: RecordKey, live: Obj) -> Since:
        fields = fields_of(rk[0], live, self.watches.takeover_managers)
        return since(self.applied.get(rk), rk in self.applied.pending, live, fields)
