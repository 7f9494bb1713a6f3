"""The target cluster as the controller sees it: lazily started watches per kind, and what we last applied
(network: target client, through kubecore informers).

Why (spec §10.2, §10.3): GRM re-sends every object on every sync and notices a manual edit only at the
next sync (1 h in production) unless health changes. We watch every kind an MR manages instead, so

* a resync decides "unchanged" locally, from the watch cache and the record of our last apply
  (:meth:`TargetCache.observe` + :meth:`TargetCache.unchanged`), and sends no request at all;
* an edit of a field we own, or a deletion, reaches the owning MR within milliseconds
  (``on_drift``, meant for the work queue's priority lane), while edits of fields we do not own and
  status updates only trigger a health recomputation when the object's kstatus changed (``on_health``).

Watches are label-selected by ``resources.gardener.cloud/managed-by`` (GRM's label, also on pod
templates, so the ReplicaSets and Pods of a managed Deployment are selected too), started when the first
MR needs the kind and stopped when the last one lets go. ConfigMaps and Secrets are watched
metadata-only (their data can be large, and their health is their presence): a change by someone else
shows as a new ``resourceVersion``, and only then is the object read in full. Objects annotated
``resources.gardener.cloud/ignore`` carry no label and are read with a GET.

Events of our own writes are recognised by their ``resourceVersion`` (the one our write returned), so
they trigger nothing. Events map to their MR by the ``origin`` annotation, generated objects through
their controller owner references.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import orjson
import structlog

from kubecore import Client, Forbidden, NoMatchError, NotFound
from kubecore.informer import Informer
from kubecore.store import namespace_index, object_key
from resource_manager import annotations as ann
from resource_manager.drift import drifted, fingerprint, write_needed
from resource_manager.health import LiveOf, health_signature
from resource_manager.identity import group_of
from resource_manager.merge import ApplyPlan
from resource_manager.origin import OriginError, split_origin

log = structlog.get_logger("resource_manager.target_cache")

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
_OWNER_DEPTH = 3
_NAMESPACE = "namespace"


def intent_of(desired: Mapping[str, Any]) -> str:
    """Fingerprint of what we *want*, independent of the live object and of the inventory memory.

    The apply body also carries values copied from the live object (a Service's clusterIP, replicas
    under an HPA), and the merge inputs change after the first round (old labels from
    ``status.resources``) without changing the body; neither may cause a write of its own. Whether the
    live object still carries the body, and the keys to remove, are checked separately.
    """
    return fingerprint(desired)


class Record(NamedTuple):
    """What we last applied to one object."""

    intent: str
    """:func:`intent_of` the desired object of that write."""
    body: bytes | None
    """The applied body (orjson), kept for full watches: the drift check of an update event needs it."""
    resource_version: str
    """The object's resourceVersion after our write, or when we last saw it still carry the body."""
    owner: MRKey


class Observation(NamedTuple):
    live: Obj | None
    """The live object: from the cache, or read when the cache cannot tell (``None``: absent)."""
    verified: bool
    """The object has not changed since our last write (same resourceVersion as recorded)."""


@dataclass
class _Watch:
    informer: Informer
    metadata_only: bool
    synced: asyncio.Task[None]
    users: set[MRKey] = field(default_factory=set)


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


def kinds_for(references: Iterable[Mapping[str, Any]]) -> set[Kind]:
    """The watches an MR needs: the kinds it manages plus what kstatus reads for its workloads."""
    kinds: set[Kind] = set()
    for reference in references:
        api_version, kind = reference.get("apiVersion") or "", reference.get("kind") or ""
        kinds.add((api_version, kind))
        kinds.update(GENERATED.get((group_of(api_version), kind), ()))
    return kinds


class TargetCache:
    """Watches of the target cluster shared by all MRs; ``stop()`` when the controller stops."""

    def __init__(
        self,
        client: Client,
        *,
        managed_by: str = ann.DEFAULT_MANAGED_BY,
        cluster_id: str = "",
    ) -> None:
        self.client = client
        self.managed_by = managed_by
        self.selector = f"{ann.MANAGED_BY}={managed_by}"
        self.cluster_id = cluster_id
        self.on_drift: Callable[[MRKey], None] = lambda _: None
        """Called with the owning MR when an object lost a value we applied or was deleted (the manager
        routes it to the work queue's priority lane)."""
        self.on_health: Callable[[MRKey], None] = lambda _: None
        """Called with the owning MR when an object's (or a generated object's) kstatus changed."""
        self._watches: dict[Kind, _Watch] = {}
        self._needs: dict[MRKey, set[Kind]] = {}
        self._records: dict[RecordKey, Record] = {}
        self._pending: set[RecordKey] = set()
        self._recent: dict[RecordKey, Obj] = {}
        """Results of our writes the watch has not delivered yet (the health check of the same round)."""

    # --- lifecycle ----------------------------------------------------------------------------------------
    async def ensure(self, mr: MRKey, kinds: Iterable[Kind]) -> None:
        """Watch ``kinds`` for ``mr`` (starting what is not watched yet) and let go of what it no longer
        needs. Kinds the target does not serve (yet) or we may not list are left unwatched: lookups then
        read from the API server, and the next call tries again."""
        wanted = set(kinds)
        previous = self._needs.get(mr, set())
        self._needs[mr] = wanted
        for kind in wanted:
            watch = self._watches.get(kind) or self._start(kind)
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
            await watch.informer.stop()

    def watched(self) -> list[Kind]:
        """The kinds watched right now (synced or not)."""
        return sorted(self._watches)

    def _start(self, kind: Kind) -> _Watch:
        api_version, name = kind
        metadata_only = (group_of(api_version), name) in METADATA_ONLY
        indexers = {_NAMESPACE: namespace_index} if kind in {k for ks in GENERATED.values() for k in ks} else None
        informer = Informer(
            self.client,
            api_version,
            name,
            label_selector=self.selector,
            metadata_only=metadata_only,
            indexers=indexers,
            on_error=_stop_on_permanent_error,
            transform=_without_managed_fields,
        )
        informer.add_handler(
            on_add=lambda obj: self._changed(kind, None, obj),
            on_update=lambda old, new: self._changed(kind, old, new),
            on_delete=lambda obj: self._deleted(kind, obj),
        )
        informer.start()
        watch = _Watch(informer, metadata_only, asyncio.ensure_future(informer.wait_synced()))
        self._watches[kind] = watch
        log.info("watching", api_version=api_version, kind=name, metadata_only=metadata_only)
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
            if self._watches.get(kind) is watch:
                del self._watches[kind]
                await watch.informer.stop()

    async def _let_go(self, kind: Kind, mr: MRKey) -> None:
        watch = self._watches.get(kind)
        if watch is None:
            return
        watch.users.discard(mr)
        if watch.users:
            return
        del self._watches[kind]
        watch.synced.cancel()
        await watch.informer.stop()
        for table in (self._records, self._recent):
            for key in [k for k in table if k[:2] == kind]:
                del table[key]
        log.info("stopped watching", api_version=kind[0], kind=kind[1])

    # --- reading --------------------------------------------------------------------------------------------
    def _cached(self, kind: Kind, key: str) -> tuple[_Watch | None, Obj | None]:
        watch = self._watches.get(kind)
        if watch is None or not watch.informer.has_synced:
            return None, None
        return watch, watch.informer.store.get(key)

    async def read(self, api_version: str, kind: str, name: str, namespace: str | None) -> Obj | None:
        """The object from the API server (``None`` when it or its kind does not exist)."""
        try:
            return await self.client.get(api_version, kind, name, namespace=namespace)
        except (NotFound, NoMatchError):
            return None

    async def observe(
        self, api_version: str, kind: str, name: str, namespace: str | None, *, labelled: bool = True
    ) -> Observation:
        """The live object for the apply decision, from the cache whenever the cache can tell.

        ``labelled``: the object will carry our managed-by label (not an ``ignore`` object). A cache miss
        of such an object we never wrote means it does not exist: no request (this is what makes a new
        MR as cheap as a plain apply loop). Other misses are confirmed with a GET (the object may have
        lost our label, or carry none); a metadata-only object that changed since our write is read in
        full.
        """
        rk = record_key(api_version, kind, name, namespace)
        watch, cached = self._cached(rk[:2], rk[2])
        record = self._records.get(rk)
        if watch is not None and cached is None and record is None and labelled:
            return Observation(None, False)
        if watch is None or cached is None:
            return Observation(await self.read(api_version, kind, name, namespace), False)
        if record is not None and record.resource_version == resource_version(cached):
            return Observation(cached, True)
        if watch.metadata_only:
            return Observation(await self.read(api_version, kind, name, namespace), False)
        return Observation(cached, False)

    def unchanged(self, rk: RecordKey, intent: str, plan: ApplyPlan, seen: Observation) -> bool:
        """Whether ``plan`` needs no request (spec §10.2): we want what we last applied, and the live
        object still carries the body (unchanged since our write, or every value still there) and none
        of the keys to remove. If so the live object counts as verified."""
        record = self._records.get(rk)
        if record is None or record.intent != intent or plan.body is None:
            return not write_needed(plan, seen.live, None)  # no record: always written (plan.body set)
        if seen.verified:
            return not write_needed(plan._replace(body=None), seen.live, None)
        if write_needed(plan, seen.live, fingerprint(plan.body)) or seen.live is None:
            return False
        body = record.body if record.body is None else orjson.dumps(plan.body)
        self._records[rk] = record._replace(body=body, resource_version=resource_version(seen.live))
        return True

    def snapshot_lookup(self) -> Callable[[tuple[str, str], str, dict[str, Any]], list[Obj]]:
        """kstatus' child lookup (``kstatus.live.resolve``) over the ReplicaSet/Pod watches."""

        def children(group_kind: tuple[str, str], namespace: str, _selector: dict[str, Any]) -> list[Obj]:
            for (api_version, kind), watch in self._watches.items():
                if (group_of(api_version), kind) == group_kind and watch.informer.has_synced:
                    return watch.informer.store.by_index(_NAMESPACE, namespace)
            return []

        return children

    async def live_of(self, references: Iterable[Mapping[str, Any]]) -> LiveOf:
        """``live_of(reference)`` over the live objects of ``references``, as fresh as our own writes.

        Cached objects are used as they are unless we wrote a newer version the watch has not delivered
        yet; those, objects of unwatched kinds and objects that carry no label are read.
        """
        result: dict[RecordKey, Obj | None] = {}
        for reference in references:
            api_version, kind = reference.get("apiVersion") or "", reference.get("kind") or ""
            name, namespace = reference.get("name") or "", reference.get("namespace")
            rk = record_key(api_version, kind, name, namespace)
            watch, cached = self._cached(rk[:2], rk[2])
            record = self._records.get(rk)
            fresh = record is None or not_older(resource_version(cached), record.resource_version)
            if watch is not None and fresh and (cached is not None or not ann.ignored(reference)):
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
                parent = watch.informer.store.get(f"{namespace}/{owner.get('name')}")
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
        if record.body is not None and not drifted(orjson.loads(record.body), live):
            self._records[rk] = record._replace(resource_version=rv)
            return False
        return True

    def _changed(self, kind: Kind, old: Obj | None, new: Obj) -> None:
        watch = self._watches.get(kind)
        if watch is None or not watch.informer.has_synced:
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


def _without_managed_fields(obj: Obj) -> Obj:
    """Cached objects lose ``metadata.managedFields``: neither the merge, the drift check nor kstatus
    reads them, and they are about half of an object's memory. (Informer transform: the dict is fresh
    from the decoder, so trimming it in place is safe.)"""
    metadata = obj.get("metadata")
    if isinstance(metadata, dict):
        metadata.pop("managedFields", None)
    return obj


def _stop_on_permanent_error(exc: Exception) -> None:
    """A kind we may not list, or that is not served: stop its watch (reads take over)."""
    if isinstance(exc, Forbidden | NoMatchError):
        raise exc
    log.warning("watch error, retrying", error=str(exc))
