"""The target cluster as the controller sees it: what the reconciler and the applier ask of the watches
(:mod:`watches`), the records of our writes (:mod:`last_applied`) and the routing of events
(:mod:`drift_events`), behind one object (network: target client).

Why (spec §10.2, §10.3): GRM re-sends every object on every sync and notices a manual edit only at the
next sync (1 h in production) unless health changes. With the watches, a resync decides "unchanged"
locally, from the live object in the watch cache and the summary of its managedFields
(:meth:`TargetCache.observe` + :meth:`TargetCache.unchanged`, rule in :mod:`resource_manager.ssa.drift`),
and sends no request at all — also right after a restart, since nothing of it lives in process memory.

A miss of the label-selected watch is not "absent" by itself: the object may exist without our label
(created by someone else, the label removed by hand, an ``ignore`` object), and the ownership check and
the merge rules must see it. The complement watch beside it (the names of the objects *without* our
label, :attr:`Watch.unlabelled`) tells: in neither store means absent, with no request — a new MR's
first round reads nothing; an unlabelled object is read in full. Only objects of types we may not list,
do not watch in that namespace, or whose watches are still syncing are read one by one (concurrently,
before the apply loop: :meth:`TargetCache.prefetch`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

import structlog

from kstatus.selectors import labels_of
from kubecore import Client, KubeError, NoMatchError, NotFound
from resource_manager.api import annotations as ann
from resource_manager.controller.drift_events import Router
from resource_manager.controller.keys import (
    MRKey,
    RecordKey,
    TypeKey,
    not_older,
    record_key,
    record_key_of,
    resource_version,
    split_key,
)
from resource_manager.controller.last_applied import LastApplied
from resource_manager.controller.watches import Watches, fields_of, metadata_only
from resource_manager.health.assess import LiveOf
from resource_manager.ssa.drift import removals_pending, write_needed
from resource_manager.ssa.fields import DEFAULT_TAKEOVER_MANAGERS, FieldsSummary
from resource_manager.ssa.plan import ApplyPlan

log = structlog.get_logger("resource_manager.controller.target_cache")

Obj = dict[str, Any]
TARGET_CONCURRENCY = 32
"""Object requests (reads ahead, applies) in flight at once, over all MRs: as many as one plain client
needs to keep the API server busy, and no more (each one may hold a connection of its own: memory)."""

Prefetched = Mapping[RecordKey, "Obj | None"]
"""Objects read ahead of the apply loop (``None``: absent)."""


class Observation(NamedTuple):
    live: Obj | None
    """The live object: from the cache, or read when the cache cannot tell (``None``: absent)."""
    verified: bool
    """The object has not changed since our last write or check (same resourceVersion as recorded)."""


class TargetCache:
    """Watches of the target cluster shared by all MRs; ``stop()`` when the controller stops."""

    def __init__(
        self,
        client: Client,
        *,
        managed_by: str = ann.DEFAULT_MANAGED_BY,
        cluster_id: str = "",
        takeover_managers: frozenset[str] = DEFAULT_TAKEOVER_MANAGERS,
    ) -> None:
        self.client = client
        self.managed_by = managed_by
        self.takeover_managers = takeover_managers
        """Field managers whose fields are hand edits (:mod:`resource_manager.ssa.fields`)."""
        self.on_drift: Callable[[MRKey], None] = lambda _: None
        """Called with the owning MR when an object lost a value we applied or was deleted (the controller
        routes it to the work queue's priority lane)."""
        self.on_health: Callable[[MRKey], None] = lambda _: None
        """Called with the owning MR when an object's (or a generated object's) health changed."""
        self.always_update = False
        """GRM's ``alwaysUpdate``: send every object on every round, even when nothing changed."""
        self.applied = LastApplied()
        # the lambdas bind late: the router is made after the watches it reads, and ``on_drift``/``on_health``
        # are set by the controller after this constructor
        self.watches = Watches(
            client,
            f"{ann.MANAGED_BY}={managed_by}",
            f"{ann.MANAGED_BY} notin ({managed_by})",
            takeover_managers,
            on_changed=lambda type_key, old, new: self.router.changed(type_key, old, new),  # noqa: PLW0108
            on_deleted=lambda type_key, obj: self.router.deleted(type_key, obj),  # noqa: PLW0108
            on_stopped=self.applied.forget_type,
        )
        self.router = Router(
            self.watches,
            self.applied,
            cluster_id,
            on_drift=lambda mr: self.on_drift(mr),  # noqa: PLW0108
            on_health=lambda mr: self.on_health(mr),  # noqa: PLW0108
        )
        self.slots = asyncio.Semaphore(TARGET_CONCURRENCY)
        """Taken by each read ahead and each object's apply (:data:`TARGET_CONCURRENCY`)."""

    @property
    def namespaces(self) -> tuple[str, ...]:
        """``targetClientConnection.namespaces``: namespaced types are watched only there (empty: everywhere);
        objects elsewhere are read, like those of types we may not list."""
        return self.watches.namespaces

    @namespaces.setter
    def namespaces(self, value: tuple[str, ...]) -> None:
        self.watches.namespaces = value

    # --- lifecycle ----------------------------------------------------------------------------------------
    async def ensure(self, mr: MRKey, types: Iterable[TypeKey]) -> None:
        """Watch ``types`` for ``mr`` and let go of what it no longer needs (:meth:`Watches.ensure`)."""
        await self.watches.ensure(mr, types)

    async def release(self, mr: MRKey) -> None:
        """``mr`` is gone (or handed over): stop the watches only it needed, forget its records."""
        await self.watches.release(mr)
        self.applied.forget_owner(mr)

    async def stop(self) -> None:
        await self.watches.stop()

    def resync(self) -> None:
        """``targetClientConnection.cacheResyncPeriod``'s tick: like an informer resync hands every cached
        object to its handlers again, every MR owning a cached object is handed to ``on_health``, so the
        work queue reconciles it (a round without changes sends no writes)."""
        owners = {owner for obj in self.watches.synced_objects() if (owner := self.router.owner(obj)) is not None}
        for owner in sorted(owners):
            self.on_health(owner)

    def watched(self) -> list[TypeKey]:
        """The types watched right now (synced or not)."""
        return self.watches.watched()

    # --- reading --------------------------------------------------------------------------------------------
    async def read(
        self, api_version: str, kind: str, name: str, namespace: str | None, *, from_watch_cache: bool = False
    ) -> Obj | None:
        """The object from the API server (``None`` when it or its kind does not exist); optionally from
        the API server's watch cache (no quorum read from etcd: a new MR's reads cost little)."""
        try:
            rv = "0" if from_watch_cache else None
            return await self.client.get(api_version, kind, name, namespace=namespace, resource_version=rv)
        except (NotFound, NoMatchError):
            return None

    async def _read_not_older(self, rk: RecordKey, minimum: str) -> Obj | None:
        """The object from the API server's watch cache, or by a quorum read if that is behind
        ``minimum`` (the resourceVersion our own watch has seen; ``""``: none)."""
        obj = await self.read(*split_key(rk), from_watch_cache=True)
        if minimum and (obj is None or not not_older(resource_version(obj), minimum)):
            obj = await self.read(*split_key(rk))
        return obj

    def _from_cache(self, rk: RecordKey) -> Observation | str:
        """The observation the cache can give without a request, or — when the object must be read —
        the resourceVersion the read must not be older than: present without our label (the complement
        watch's version), not covered by a complete watch (``""``), or a metadata-only object changed
        since our last write or check (its data is not cached)."""
        watch, cached = self.watches.cached(rk[:2], rk[2])
        if watch is None:
            return ""
        if cached is None:
            if not watch.complete:
                return ""
            unlabelled = watch.without_label(rk[2])
            return Observation(None, False) if unlabelled is None else resource_version(unlabelled)
        if self.applied.verified(rk, cached):
            return Observation(cached, True)
        if watch.metadata_only:
            return resource_version(cached)
        return Observation(cached, False)

    async def prefetch(self, objects: Iterable[Mapping[str, Any]]) -> Prefetched:
        """Read, concurrently, the objects whose :meth:`observe` would need a request (see :meth:`_from_cache`):
        a new MR's round reads only the objects that exist without our label.

        The complement watch is as fresh as the reads from the API server's watch cache it replaces (both
        follow the same stream). An object created after our watches last delivered an event is missed by
        either; as before, the apply looks at the watch again right before writing and refuses an object of
        another MR that has arrived by then.
        """
        keys = dict.fromkeys(record_key_of(obj) for obj in objects)
        return await self._read_ahead({rk: seen for rk in keys if isinstance(seen := self._from_cache(rk), str)})

    async def _read_ahead(self, minimums: Mapping[RecordKey, str]) -> dict[RecordKey, Obj | None]:
        """Each object read, concurrently, not older than its minimum resourceVersion; one that cannot be
        read is left out, for :meth:`observe` to read again and report the error."""

        async def read(rk: RecordKey, minimum: str) -> tuple[RecordKey, Obj | None] | None:
            async with self.slots:
                try:
                    return rk, await self._read_not_older(rk, minimum)
                except KubeError:
                    return None

        found = await asyncio.gather(*(read(rk, minimum) for rk, minimum in minimums.items()))
        return dict(item for item in found if item is not None)

    async def observe(
        self, api_version: str, kind: str, name: str, namespace: str | None, *, prefetched: Prefetched | None = None
    ) -> Observation:
        """The live object for the apply decision: from the cache whenever the cache can tell, else from
        ``prefetched`` (see :meth:`prefetch`) or read now."""
        rk = record_key(api_version, kind, name, namespace)
        seen = self._from_cache(rk)
        if isinstance(seen, Observation):
            return seen
        if prefetched is not None and rk in prefetched:
            return Observation(prefetched[rk], False)
        return Observation(await self._read_not_older(rk, seen), False)

    def scalers(self) -> list[Obj] | None:
        """Every HPA of the target from the watch, ``None`` when it is not watched (cannot be, or not yet)."""
        return self.watches.scalers()

    def fields_of(self, api_version: str, live: Mapping[str, Any] | None) -> FieldsSummary | None:
        """The managedFields summary of a live object, cached or read (``None`` for no object)."""
        return fields_of(api_version, live, self.takeover_managers)

    def unchanged(self, rk: RecordKey, intent: bytes, plan: ApplyPlan, seen: Observation, owner: MRKey) -> bool:
        """Whether ``plan`` needs no request (rule in :mod:`drift`). An object unchanged since we wrote or
        checked it for the same intent needs only the removal check. A matching object is recorded as
        checked, so that the watch notices when it changes."""
        if self.always_update:
            return False
        record = self.applied.get(rk)
        if record is not None and record.intent == intent and seen.verified:
            return not removals_pending(plan, seen.live)
        if write_needed(plan, seen.live, self.fields_of(rk[0], seen.live)):
            return False
        if plan.body is not None and seen.live is not None:
            self.applied.remember(rk, intent, plan.body, seen.live, owner, full=not metadata_only(rk[:2]))
        return True

    def snapshot_lookup(self) -> Callable[[tuple[str, str], str, dict[str, Any]], list[Obj]]:
        """kstatus' child lookup (``kstatus.live.resolve``) over the ReplicaSet/Pod watches."""
        return self.watches.children

    async def live_of(self, references: Iterable[Mapping[str, Any]]) -> LiveOf:
        """``live_of(reference)`` over the live objects of ``references``, as fresh as our own writes.

        Cached objects are used as they are unless we wrote a newer version the watch has not delivered
        yet; those, objects of unwatched types and ``ignore`` objects (they carry no label; the
        ``status.resources`` entry holds their manifest annotations) are read.
        """
        result: dict[RecordKey, Obj | None] = {}
        for reference in references:
            api_version, kind = reference.get("apiVersion") or "", reference.get("kind") or ""
            name, namespace = reference.get("name") or "", reference.get("namespace")
            rk = record_key(api_version, kind, name, namespace)
            watch, cached = self.watches.cached(rk[:2], rk[2])
            record = self.applied.get(rk)
            fresh = record is None or not_older(resource_version(cached), record.resource_version)
            labelled = not ann.parse_bool(ann.mapping(reference.get("annotations")).get(ann.IGNORE))
            if watch is not None and fresh and (cached is not None or labelled):
                result[rk] = cached
            elif rk in self.applied.recent:
                result[rk] = self.applied.recent[rk]
            else:
                result[rk] = await self.read(api_version, kind, name, namespace)
        return lambda r: result.get(
            record_key(r.get("apiVersion") or "", r.get("kind") or "", r.get("name") or "", r.get("namespace"))
        )

    # --- our writes -----------------------------------------------------------------------------------------
    def begin_write(self, rk: RecordKey) -> None:
        """A write of the object starts: its watch events are ours until :meth:`written`."""
        self.applied.begin_write(rk)

    def written(self, rk: RecordKey, intent: bytes, plan: ApplyPlan, result: Obj | None, owner: MRKey) -> None:
        """Our write succeeded; ``result`` is the object it returned (the last of apply + patch)."""
        self.applied.end_write(rk)
        if plan.body is None or result is None:
            self.applied.forget(rk)
            return
        self.applied.remember(rk, intent, plan.body, result, owner, full=not metadata_only(rk[:2]))
        _, cached = self.watches.cached(rk[:2], rk[2])
        echoes = labels_of(result).get(ann.MANAGED_BY) == self.managed_by and self.watches.watching(rk[:2])
        if echoes and (cached is None or not not_older(resource_version(cached), resource_version(result))):
            self.applied.result_not_delivered(rk, result)
        if cached is not None and self.router.lost(rk, cached):  # changed by someone else meanwhile
            self.on_drift(owner)

    def write_failed(self, rk: RecordKey) -> None:
        """Our write failed: the next round writes again."""
        self.applied.end_write(rk)
        self.applied.forget(rk)
