"""The target cluster as the controller sees it: lazily started watches per kind, and what we last applied
(network: target client, through kubecore informers).

Why (spec §10.2, §10.3): GRM re-sends every object on every sync and notices a manual edit only at the
next sync (1 h in production) unless health changes. We watch every kind an MR manages instead, so

* a resync decides "unchanged" locally, from the live object in the watch cache and the summary of its
  managedFields (:meth:`TargetCache.observe` + :meth:`TargetCache.unchanged`, rule in :mod:`drift`), and
  sends no request at all — also right after a restart, since nothing of it lives in process memory;
* an edit of a field we own, a field added by an interactive field manager (``kubectl patch``), or a
  deletion reaches the owning MR within milliseconds (``on_drift``, meant for the work queue's priority
  lane), while edits of fields we do not own and status updates only trigger a health recomputation when
  the object's health changed (GRM's verdict or its kstatus: :func:`health.health_signature`,
  ``on_health``).

Watches are label-selected by ``resources.gardener.cloud/managed-by`` (GRM's label, also on pod
templates, so the ReplicaSets and Pods of a managed Deployment are selected too), started when the first
MR needs the kind and stopped when the last one lets go. ConfigMaps and Secrets are watched
metadata-only (their data can be large, and their health is their presence): a change by someone else
shows as a new ``resourceVersion``, and only then is the object read in full. Cached objects keep a
:class:`~resource_manager.ssa.fields.FieldsSummary` instead of their managedFields (about half of an object's
memory). With ``targetClientConnection.namespaces`` (:attr:`TargetCache.namespaces`) a namespaced kind
is watched only in those namespaces, one informer each, as GRM restricts its target cache; objects of
other namespaces are still applied (GRM writes them too) but are read like objects of unwatched kinds.

A cache miss is never taken for "absent": the object may exist without our label (created by someone
else, or the label removed by hand, or an ``ignore`` object), and the ownership check and the merge
rules must see it. Such objects are read with GETs, concurrently before the apply loop
(:meth:`TargetCache.prefetch`). A kind we may not list is not retried on every round but after a
back-off; its objects are read meanwhile.

Events of our own writes are recognised by their ``resourceVersion`` (the one our write returned), so
they trigger nothing; what we last applied (:class:`Record`) is a shortcut, not the basis of any
decision. Events map to their MR by the ``origin`` annotation, generated objects through their
controller owner references.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import orjson
import structlog

from kubecore import Client, Forbidden, KubeError, NoMatchError, NotFound
from kubecore.informer import Informer
from kubecore.store import namespace_index, object_key
from resource_manager.api import annotations as ann
from resource_manager.api.identity import group_of
from resource_manager.api.origin import OriginError, split_origin
from resource_manager.controller.interning import share_metadata_strings
from resource_manager.health.assess import LiveOf, health_signature
from resource_manager.ssa.drift import drifted, fingerprint, removals_pending, write_needed
from resource_manager.ssa.fields import DEFAULT_TAKEOVER_MANAGERS, FieldsSummary, summarise
from resource_manager.ssa.plan import ApplyPlan

log = structlog.get_logger("resource_manager.controller.target_cache")

Obj = dict[str, Any]
MRKey = tuple[str, str]
"""``(namespace, name)`` of a ManagedResource (the work queue's item)."""
Kind = tuple[str, str]
"""``(apiVersion, kind)``: one watch."""
RecordKey = tuple[str, str, str]
"""``(apiVersion, kind, "namespace/name")``."""

METADATA_ONLY = frozenset({("", "ConfigMap"), ("", "Secret")})
"""GroupKinds watched metadata-only: nothing the merge or kstatus needs beyond metadata."""
GENERATED: Mapping[tuple[str, str], tuple[Kind, ...]] = {
    ("apps", "Deployment"): (("apps/v1", "ReplicaSet"), ("v1", "Pod")),
    ("apps", "StatefulSet"): (("v1", "Pod"),),
}
"""Kinds whose objects kstatus reads to judge a managed workload (``kstatus.live.resolve``)."""
SCALERS: Kind = ("autoscaling/v1", "HorizontalPodAutoscaler")
"""Watched unselected (anyone's HPAs) for MRs with scalable kinds: whether an HPA scales a workload decides
whether the apply keeps its replicas, without a cluster-wide LIST per round."""
SCALABLE = frozenset({("apps", "Deployment"), ("apps", "StatefulSet")})
_OWNER_DEPTH = 3
_NAMESPACE = "namespace"
FIELDS = "resource-manager/fields"
"""Metadata key of the :class:`FieldsSummary` that replaces managedFields in cached objects."""
FORBIDDEN_BACKOFF = (30.0, 600.0)
"""Seconds before a kind we may not list is tried again: first, and at most (doubling)."""
TARGET_CONCURRENCY = 32
"""Object requests (reads ahead, applies) in flight at once, over all MRs: as many as one plain client
needs to keep the API server busy, and no more (each one may hold a connection of its own: memory)."""


def intent_of(desired: Mapping[str, Any]) -> str:
    """Fingerprint of what we *want*, independent of the live object and of the inventory memory.

    The apply body also carries values copied from the live object (a Service's clusterIP, replicas
    under an HPA), and the merge inputs change after the first round (old labels from
    ``status.resources``) without changing the body; neither may cause a write of its own. Whether the
    live object still carries the body, and the keys to remove, are checked separately.
    """
    return fingerprint(desired)


class Record(NamedTuple):
    """What we last applied to (or last verified on) one object."""

    intent: str
    """:func:`intent_of` the desired object of that write."""
    body: bytes | None
    """The applied body (orjson), kept for full watches: the drift check of an update event needs it."""
    resource_version: str
    """The object's resourceVersion after our write, or when we last saw it still carry the body."""
    owner: MRKey


Prefetched = Mapping[RecordKey, "Obj | None"]
"""Objects read ahead of the apply loop (``None``: absent)."""


class Observation(NamedTuple):
    live: Obj | None
    """The live object: from the cache, or read when the cache cannot tell (``None``: absent)."""
    verified: bool
    """The object has not changed since our last write or check (same resourceVersion as recorded)."""


@dataclass
class _Watch:
    """One kind's informers: one cluster-wide, or one per namespace of ``targetClientConnection.namespaces``
    for a namespaced kind (keyed by namespace; ``None``: cluster-wide)."""

    informers: dict[str | None, Informer]
    metadata_only: bool
    synced: asyncio.Future[Any]
    users: set[MRKey] = field(default_factory=set)

    def _informer(self, namespace: str | None) -> Informer | None:
        return self.informers.get(None) or self.informers.get(namespace)

    def covers(self, key: str) -> bool:
        """Whether the object with store key ``key`` (``ns/name`` or ``name``) can be in this watch."""
        return self._informer(key.rpartition("/")[0] or None) is not None

    @property
    def has_synced(self) -> bool:
        return all(informer.has_synced for informer in self.informers.values())

    def get(self, key: str) -> Obj | None:
        informer = self._informer(key.rpartition("/")[0] or None)
        return None if informer is None else informer.store.get(key)

    def in_namespace(self, namespace: str) -> list[Obj]:
        informer = self._informer(namespace)
        return [] if informer is None else informer.store.by_index(_NAMESPACE, namespace)

    def objects(self) -> list[Obj]:
        return [obj for informer in self.informers.values() for obj in informer.store.list()]

    async def stop(self) -> None:
        self.synced.cancel()
        for informer in self.informers.values():
            await informer.stop()


def resource_version(obj: Mapping[str, Any] | None) -> str:
    return str(((obj or {}).get("metadata") or {}).get("resourceVersion") or "")


def not_older(rv: str, than: str) -> bool:
    """Whether resourceVersion ``rv`` is ``than`` or newer (etcd revisions compare as integers; opaque
    values only when equal)."""
    if rv.isdigit() and than.isdigit():
        return int(rv) >= int(than)
    return rv == than


def record_key(api_version: str, kind: str, name: str, namespace: str | None) -> RecordKey:
    return api_version, kind, f"{namespace}/{name}" if namespace else name


def _record_key_of(obj: Mapping[str, Any]) -> RecordKey:
    metadata = obj.get("metadata") or {}
    return record_key(
        obj.get("apiVersion") or "", obj.get("kind") or "", metadata.get("name") or "", metadata.get("namespace")
    )


def split_key(rk: RecordKey) -> tuple[str, str, str, str | None]:
    """``(apiVersion, kind, name, namespace)`` of a record key."""
    namespace, _, name = rk[2].rpartition("/")
    return rk[0], rk[1], name, namespace or None


def kinds_for(references: Iterable[Mapping[str, Any]]) -> set[Kind]:
    """The watches an MR needs: the kinds it manages plus what kstatus reads for its workloads."""
    kinds: set[Kind] = set()
    for reference in references:
        api_version, kind = reference.get("apiVersion") or "", reference.get("kind") or ""
        kinds.add((api_version, kind))
        kinds.update(GENERATED.get((group_of(api_version), kind), ()))
        if (group_of(api_version), kind) in SCALABLE:
            kinds.add(SCALERS)
    return kinds


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
        self.selector = f"{ann.MANAGED_BY}={managed_by}"
        self.cluster_id = cluster_id
        self.takeover_managers = takeover_managers
        """Field managers whose fields are hand edits (:mod:`resource_manager.ssa.fields`)."""
        self.on_drift: Callable[[MRKey], None] = lambda _: None
        """Called with the owning MR when an object lost a value we applied or was deleted (the manager
        routes it to the work queue's priority lane)."""
        self.always_update = False
        """GRM's ``alwaysUpdate``: send every object on every round, even when nothing changed."""
        self.on_health: Callable[[MRKey], None] = lambda _: None
        """Called with the owning MR when an object's (or a generated object's) health changed."""
        self.namespaces: tuple[str, ...] = ()
        """``targetClientConnection.namespaces``: namespaced kinds are watched only there (empty: everywhere);
        objects elsewhere are read, like those of kinds we may not list."""
        self._watches: dict[Kind, _Watch] = {}
        self._needs: dict[MRKey, set[Kind]] = {}
        self._records: dict[RecordKey, Record] = {}
        self._pending: set[RecordKey] = set()
        self._recent: dict[RecordKey, Obj] = {}
        """Results of our writes the watch has not delivered yet (the health check of the same round)."""
        self.slots = asyncio.Semaphore(TARGET_CONCURRENCY)
        """Taken by each read ahead and each object's apply (:data:`TARGET_CONCURRENCY`)."""
        self._forbidden: dict[Kind, tuple[float, float]] = {}
        """Kinds we may not list: (monotonic time of the next try, back-off that led to it)."""

    # --- lifecycle ----------------------------------------------------------------------------------------
    async def ensure(self, mr: MRKey, kinds: Iterable[Kind]) -> None:
        """Watch ``kinds`` for ``mr`` (starting what is not watched yet) and let go of what it no longer
        needs. Kinds the target does not serve (yet) or we may not list are left unwatched: lookups then
        read from the API server, and the next call tries again."""
        wanted = set(kinds)
        previous = self._needs.get(mr, set())
        self._needs[mr] = wanted
        now = time.monotonic()
        for kind in wanted:
            if kind in self._forbidden and self._forbidden[kind][0] > now:
                continue  # read instead until the back-off ends
            watch = self._watches.get(kind)
            if watch is None:
                scopes = await self._scopes(kind)
                watch = self._watches.get(kind)  # another MR may have started it meanwhile
                if watch is None and scopes is None:
                    continue  # not served (yet): read instead, try again next time
                watch = watch or self._start(kind, scopes or [None])
            watch.users.add(mr)
        for kind in previous - wanted:
            await self._let_go(kind, mr)
        await asyncio.gather(*(self._ready(kind) for kind in wanted))

    async def release(self, mr: MRKey) -> None:
        """``mr`` is gone (or handed over): stop the watches only it needed, forget its records."""
        for kind in self._needs.pop(mr, set()):
            await self._let_go(kind, mr)
        for key in [k for k, r in self._records.items() if r.owner == mr]:
            del self._records[key]

    async def stop(self) -> None:
        watches, self._watches = list(self._watches.values()), {}
        for watch in watches:
            await watch.stop()

    def resync(self) -> None:
        """``targetClientConnection.cacheResyncPeriod``'s tick: like an informer resync hands every cached
        object to its handlers again, every MR owning a cached object is handed to ``on_health``, so the
        work queue reconciles it (a round without changes sends no writes)."""
        owners = {
            owner
            for watch in list(self._watches.values())
            if watch.has_synced
            for obj in watch.objects()
            if (owner := self._owner(obj)) is not None
        }
        for owner in sorted(owners):
            self.on_health(owner)

    def watched(self) -> list[Kind]:
        """The kinds watched right now (synced or not)."""
        return sorted(self._watches)

    async def _scopes(self, kind: Kind) -> list[str | None] | None:
        """Where to watch ``kind``: everywhere (``[None]``), or in each configured namespace when it is
        namespaced; ``None`` when the target cannot tell (the kind is not served, discovery failed)."""
        if not self.namespaces or kind == SCALERS:  # an HPA anywhere may scale a workload we manage anywhere
            return [None]
        try:
            info = await self.client.resource(*kind)
        except KubeError as exc:
            log.info("cannot watch, reading instead", api_version=kind[0], kind=kind[1], reason=str(exc))
            return None
        return list(self.namespaces) if info.namespaced else [None]

    def _start(self, kind: Kind, scopes: list[str | None]) -> _Watch:
        api_version, name = kind
        metadata_only = (group_of(api_version), name) in METADATA_ONLY
        indexers = {_NAMESPACE: namespace_index} if kind in {k for ks in GENERATED.values() for k in ks} else None
        informers: dict[str | None, Informer] = {}
        for namespace in scopes:
            informer = informers[namespace] = Informer(
                self.client,
                api_version,
                name,
                namespace=namespace,
                label_selector=None if kind == SCALERS else self.selector,
                metadata_only=metadata_only,
                indexers=indexers,
                on_error=_stop_on_permanent_error,
                transform=lambda obj: self._summarised(obj, kind, metadata_only),
            )
            informer.add_handler(
                on_add=lambda obj: self._changed(kind, None, obj),
                on_update=lambda old, new: self._changed(kind, old, new),
                on_delete=lambda obj: self._deleted(kind, obj),
            )
            informer.start()
        synced = asyncio.gather(*(informer.wait_synced() for informer in informers.values()))
        watch = _Watch(informers, metadata_only, synced)
        self._watches[kind] = watch
        where = [namespace for namespace in scopes if namespace] or "all namespaces"
        log.info("watching", api_version=api_version, kind=name, metadata_only=metadata_only, namespaces=where)
        return watch

    async def _ready(self, kind: Kind) -> None:
        watch = self._watches.get(kind)
        if watch is None:
            return
        try:
            await asyncio.shield(watch.synced)
        except asyncio.CancelledError:
            if not watch.synced.cancelled():
                raise  # we are cancelled; a cancelled sync only means the watch was let go meanwhile
        except Exception as exc:  # any failure means: no cache for this kind, read instead
            log.info("cannot watch, reading instead", api_version=kind[0], kind=kind[1], reason=str(exc))
            if isinstance(exc, Forbidden):
                self._back_off(kind)
            if self._watches.get(kind) is watch:
                del self._watches[kind]
                await watch.stop()
        else:
            self._forbidden.pop(kind, None)

    def _back_off(self, kind: Kind) -> None:
        """Remember that we may not list ``kind``: no LIST before the (doubling) back-off ends."""
        first, ceiling = FORBIDDEN_BACKOFF
        previous = self._forbidden.get(kind)
        delay = first if previous is None else min(previous[1] * 2, ceiling)
        self._forbidden[kind] = (time.monotonic() + delay, delay)

    async def _let_go(self, kind: Kind, mr: MRKey) -> None:
        watch = self._watches.get(kind)
        if watch is None:
            return
        watch.users.discard(mr)
        if watch.users:
            return
        del self._watches[kind]
        await watch.stop()
        for table in (self._records, self._recent):
            for key in [k for k in table if k[:2] == kind]:
                del table[key]
        log.info("stopped watching", api_version=kind[0], kind=kind[1])

    # --- reading --------------------------------------------------------------------------------------------
    def _cached(self, kind: Kind, key: str) -> tuple[_Watch | None, Obj | None]:
        watch = self._watches.get(kind)
        if watch is None or not watch.has_synced or not watch.covers(key):
            return None, None  # no cache for it: outside the watched namespaces, or not watched (yet)
        return watch, watch.get(key)

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
        the resourceVersion the read must not be older than: a miss (absent, or present without our
        label: ``""``), or a metadata-only object changed since our last write or check (its data is
        not cached)."""
        watch, cached = self._cached(rk[:2], rk[2])
        if watch is None or cached is None:
            return ""
        record = self._records.get(rk)
        if record is not None and record.resource_version == resource_version(cached):
            return Observation(cached, True)
        if watch.metadata_only:
            return resource_version(cached)
        return Observation(cached, False)

    async def prefetch(self, objects: Iterable[Mapping[str, Any]]) -> Prefetched:
        """Read, concurrently, the objects whose :meth:`observe` would need a request: a new MR costs one
        GET per object, without waiting for each in turn."""
        keys = dict.fromkeys(_record_key_of(obj) for obj in objects)
        missing = {rk: seen for rk in keys if isinstance(seen := self._from_cache(rk), str)}

        async def read(rk: RecordKey, minimum: str) -> tuple[RecordKey, Obj | None] | None:
            async with self.slots:
                try:
                    return rk, await self._read_not_older(rk, minimum)
                except KubeError:
                    return None  # left to observe(), which reads again and lets the error be reported

        found = await asyncio.gather(*(read(rk, minimum) for rk, minimum in missing.items()))
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
        watch = self._watches.get(SCALERS)
        if watch is None or not watch.has_synced:
            return None
        return watch.objects()

    def fields_of(self, api_version: str, live: Mapping[str, Any] | None) -> FieldsSummary | None:
        """The managedFields summary of a live object, cached or read (``None`` for no object)."""
        if live is None:
            return None
        metadata = live.get("metadata") or {}
        summary = metadata.get(FIELDS)
        if isinstance(summary, FieldsSummary):
            return summary
        return summarise(metadata.get("managedFields"), api_version, self.takeover_managers)

    def unchanged(self, rk: RecordKey, intent: str, plan: ApplyPlan, seen: Observation, owner: MRKey) -> bool:
        """Whether ``plan`` needs no request (rule in :mod:`drift`). An object unchanged since we wrote or
        checked it for the same intent needs only the removal check. A matching object is recorded as
        checked, so that the watch notices when it changes."""
        if self.always_update:
            return False
        record = self._records.get(rk)
        if record is not None and record.intent == intent and seen.verified:
            return not removals_pending(plan, seen.live)
        if write_needed(plan, seen.live, self.fields_of(rk[0], seen.live)):
            return False
        if plan.body is not None and seen.live is not None:
            body = None if (group_of(rk[0]), rk[1]) in METADATA_ONLY else orjson.dumps(plan.body)
            self._records[rk] = Record(intent, body, resource_version(seen.live), owner)
        return True

    def snapshot_lookup(self) -> Callable[[tuple[str, str], str, dict[str, Any]], list[Obj]]:
        """kstatus' child lookup (``kstatus.live.resolve``) over the ReplicaSet/Pod watches."""

        def children(group_kind: tuple[str, str], namespace: str, _selector: dict[str, Any]) -> list[Obj]:
            for (api_version, kind), watch in self._watches.items():
                if (group_of(api_version), kind) == group_kind and watch.has_synced:
                    return watch.in_namespace(namespace)
            return []

        return children

    async def live_of(self, references: Iterable[Mapping[str, Any]]) -> LiveOf:
        """``live_of(reference)`` over the live objects of ``references``, as fresh as our own writes.

        Cached objects are used as they are unless we wrote a newer version the watch has not delivered
        yet; those, objects of unwatched kinds and ``ignore`` objects (they carry no label; the
        ``status.resources`` entry holds their manifest annotations) are read.
        """
        result: dict[RecordKey, Obj | None] = {}
        for reference in references:
            api_version, kind = reference.get("apiVersion") or "", reference.get("kind") or ""
            name, namespace = reference.get("name") or "", reference.get("namespace")
            rk = record_key(api_version, kind, name, namespace)
            watch, cached = self._cached(rk[:2], rk[2])
            record = self._records.get(rk)
            fresh = record is None or not_older(resource_version(cached), record.resource_version)
            labelled = not ann.parse_bool(ann.mapping(reference.get("annotations")).get(ann.IGNORE))
            if watch is not None and fresh and (cached is not None or labelled):
                result[rk] = cached
            elif rk in self._recent:
                result[rk] = self._recent[rk]
            else:
                result[rk] = await self.read(api_version, kind, name, namespace)
        return lambda r: result.get(
            record_key(r.get("apiVersion") or "", r.get("kind") or "", r.get("name") or "", r.get("namespace"))
        )

    # --- our writes -----------------------------------------------------------------------------------------
    def begin_write(self, rk: RecordKey) -> None:
        """A write of the object starts: its watch events are ours until :meth:`written`."""
        self._pending.add(rk)

    def written(self, rk: RecordKey, intent: str, plan: ApplyPlan, result: Obj | None, owner: MRKey) -> None:
        """Our write succeeded; ``result`` is the object it returned (the last of apply + patch)."""
        self._pending.discard(rk)
        if plan.body is None or result is None:
            self._records.pop(rk, None)
            return
        metadata_only = (group_of(rk[0]), rk[1]) in METADATA_ONLY
        body = None if metadata_only else orjson.dumps(plan.body)
        self._records[rk] = Record(intent, body, resource_version(result), owner)
        _, cached = self._cached(rk[:2], rk[2])
        echoes = ann.labels_of(result).get(ann.MANAGED_BY) == self.managed_by and rk[:2] in self._watches
        if echoes and (cached is None or not not_older(resource_version(cached), resource_version(result))):
            self._recent[rk] = result
        if cached is not None and self._drifted(rk, cached):  # changed by someone else meanwhile
            self.on_drift(owner)

    def write_failed(self, rk: RecordKey) -> None:
        """Our write failed: the next round writes again."""
        self._pending.discard(rk)
        self._records.pop(rk, None)

    def _summarised(self, obj: Obj, kind: Kind, metadata_only: bool) -> Obj:
        """Informer transform: managedFields give way to their :class:`FieldsSummary` (they are about half
        of an object's memory), and metadata-only objects are named by their real kind, so messages
        read ``v1/ConfigMap/ns/name``. (The dict is fresh from the decoder: changing it in place is safe.)"""
        metadata = obj.get("metadata")
        if isinstance(metadata, dict):
            metadata[FIELDS] = summarise(metadata.pop("managedFields", None), kind[0], self.takeover_managers)
            share_metadata_strings(metadata)
        if metadata_only:
            obj["apiVersion"], obj["kind"] = kind
        return obj

    # --- watch events ---------------------------------------------------------------------------------------
    def _owner(self, obj: Obj, depth: int = 0) -> MRKey | None:
        """The MR named by the origin annotation (our cluster ID only), else the controller owner's MR."""
        origin = ann.annotations_of(obj).get(ann.ORIGIN)
        if origin:
            try:
                parsed = split_origin(origin)
            except OriginError:
                return None
            return (parsed.namespace, parsed.name) if parsed.cluster_id == self.cluster_id else None
        if depth >= _OWNER_DEPTH:
            return None
        owner = next((o for o in (obj.get("metadata") or {}).get("ownerReferences") or () if o.get("controller")), None)
        if owner is None:
            return None
        namespace = (obj.get("metadata") or {}).get("namespace") or ""
        for (api_version, kind), watch in self._watches.items():
            if kind == owner.get("kind") and group_of(api_version) == group_of(owner.get("apiVersion") or ""):
                parent = watch.get(f"{namespace}/{owner.get('name')}")
                return None if parent is None else self._owner(parent, depth + 1)
        return None

    def _drifted(self, rk: RecordKey, live: Obj) -> bool:
        """Whether ``live`` lost a value of our last apply (metadata-only: whether someone changed it)."""
        record = self._records.get(rk)
        if record is None or rk in self._pending:
            return False
        rv = resource_version(live)
        if not_older(record.resource_version, rv):
            return False  # our own write, or an event older than it
        fields = self.fields_of(rk[0], live)
        if fields is not None and fields.takeover:
            return True  # a hand edit added (or took) fields: take them over
        if record.body is not None and not drifted(orjson.loads(record.body), live):
            self._records[rk] = record._replace(resource_version=rv)
            return False
        return True

    def _changed(self, kind: Kind, old: Obj | None, new: Obj) -> None:
        watch = self._watches.get(kind)
        if watch is None or not watch.has_synced:
            return  # the first list: the MRs are reconciled anyway
        rk: RecordKey = (*kind, object_key(new))
        recent = self._recent.get(rk)
        if recent is not None and not_older(resource_version(new), resource_version(recent)):
            del self._recent[rk]
        owner = self._owner(new)
        record = self._records.get(rk)
        if owner is None or rk in self._pending:
            return
        if record is not None and not_older(record.resource_version, resource_version(new)):
            return  # the echo of our own write (the round that wrote it computes health itself)
        if self._drifted(rk, new):
            log.info("drift", api_version=kind[0], kind=kind[1], object=rk[2], mr="/".join(owner))
            self.on_drift(owner)
        elif old is None or health_signature(old, watch.metadata_only) != health_signature(new, watch.metadata_only):
            self.on_health(owner)

    def _deleted(self, kind: Kind, obj: Obj) -> None:
        self._recent.pop((*kind, object_key(obj)), None)
        owner = self._owner(obj)
        if owner is None:
            return
        if ann.ORIGIN in ann.annotations_of(obj):
            self._records.pop((*kind, object_key(obj)), None)
            self.on_drift(owner)  # a managed object is gone: re-create it (a no-op if we pruned it)
        else:
            self.on_health(owner)


def _stop_on_permanent_error(exc: Exception) -> None:
    """A kind we may not list, or that is not served: stop its watch (reads take over)."""
    if isinstance(exc, Forbidden | NoMatchError):
        raise exc
    log.warning("watch error, retrying", error=str(exc))
