"""`watch_status`: statuses of a set of objects as they change, from watch caches (network).

Where this goes beyond upstream's watcher (spec §10.5), and why:
- one informer per (kind, namespace) shared by all ids of that kind, narrowed to one name by a
  field selector when only one object of it is watched; a kind spread over more than
  `CLUSTER_WIDE_FROM` namespaces gets one informer for all namespaces instead (fewer requests and
  watches; it needs list/watch rights cluster-wide, like upstream's root scope);
- informer handlers only mark ids dirty; statuses are computed when the consumer asks for the next
  event, from the cache, so an object that changed ten times is computed once, at its newest
  resourceVersion, and a slow consumer never makes the engine lag the API server;
- ReplicaSets and Pods for Deployments, ReplicaSets and StatefulSets come from their own informers
  (indexed by label), never from per-event LISTs; so do a Service's EndpointSlices (option
  `endpoints`, by their `kubernetes.io/service-name` label) and the PodDisruptionBudgets of a
  workload's namespace (option `budgets`);
- a kind the cluster does not serve yet is NotFound until its CRD is established, then watched;
- a Pod waiting in its schedule window is re-evaluated when the window ends, without an event;
- an Update is only sent when the status signature changed (deduplication).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter, deque
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from kstatus import Options
from kstatus.live.events import Error, Event, ResourceStatus, Signature, Sync, Update, not_found
from kstatus.live.ids import ObjectId
from kstatus.live.kinds import not_served, scope_problem, served
from kstatus.live.resolve import BUDGET, ENDPOINT_SLICE, GroupKind, read_kinds, resolve
from kstatus.options import DEFAULT_OPTIONS
from kstatus.related import SERVICE_NAME_LABEL
from kstatus.selectors import Labels, Matcher, SelectorError, index_value, label_index, labels_of, selector_of
from kubecore import Client, Forbidden, ListOptions, NoMatchError, NotFound, ResourceInfo, Unauthorized
from kubecore.informer import Informer, drop_managed_fields

Obj = dict[str, Any]
SourceKey = tuple[GroupKind, str]  # (kind, namespace of the ids it serves, or ALL)
ALL = "*"  # no namespace is called that: a source for every namespace
CLUSTER_WIDE_FROM = 10
LABELS = "labels"
DISCOVERY_TRIES = 100
RECHECK_SLACK = 0.05  # seconds after the schedule window, so the clock has surely passed it


class _Stop(Exception):
    """Raised from an informer's error handler to end its reflector (the engine took over)."""


@dataclass
class _Source:
    """One informer and what the engine knows about it."""

    key: SourceKey
    info: ResourceInfo
    informer: Informer
    synced: bool = False

    def store_key(self, oid: ObjectId) -> str:
        return f"{oid.namespace}/{oid.name}" if self.info.namespaced else oid.name


class StatusWatcher:
    """The engine behind `watch_status` (start, iterate `events()`, stop)."""

    def __init__(self, client: Client, ids: Iterable[ObjectId], *, options: Options = DEFAULT_OPTIONS) -> None:
        self.client = client
        self.options = options
        self.ids = list(dict.fromkeys(ids))
        self._watched: dict[SourceKey, set[ObjectId]] = {}
        for oid in self.ids:
            self._watched.setdefault((oid.group_kind, oid.namespace), set()).add(oid)
        # What each watched kind's status reads (Deployment → ReplicaSet → Pod, ...), and the reverse.
        self._reads = {gk: read_kinds(gk, options) for gk, _ns in self._watched}
        self._readers: dict[GroupKind, set[GroupKind]] = {}
        for gk, kinds in self._reads.items():
            for kind in kinds:
                self._readers.setdefault(kind, set()).add(gk)
        # Kinds read for other objects' statuses need unfiltered informers, whatever else watches them.
        self._generated = {(child, ns) for gk, ns in self._watched for child in self._reads[gk]}
        spread = Counter(kind for kind, _ns in set(self._watched) | self._generated)
        self._wide = {kind for kind, namespaces in spread.items() if namespaces > CLUSTER_WIDE_FROM}
        self._sources: dict[SourceKey, _Source] = {}
        self._unserved: set[GroupKind] = set()
        self._problems: dict[ObjectId, ResourceStatus] = {}
        self._signatures: dict[ObjectId, Signature] = {}
        self._selectors: dict[ObjectId, tuple[str, Matcher | None]] = {}
        self._timers: dict[ObjectId, asyncio.TimerHandle] = {}
        self._pending: dict[ObjectId, None] = {}
        self._out: deque[Event] = deque()
        self._wake = asyncio.Event()
        self._initial: set[SourceKey] = set()
        self._initial_synced = False
        self._crds: Informer | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # --- life cycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        """Resolve every kind and start the informers; statuses follow as events."""
        for gk in sorted({gk for gk, _ns in self._watched}):
            info = await served(self.client, *gk)
            if info is None:
                self._unserved.add(gk)
            else:
                self._open_kind(info)
        for kind, ns in sorted({self._key(kind, ns) for kind, ns in self._generated} - set(self._sources)):
            info = await served(self.client, *kind)
            assert info is not None, f"built-in kind {kind} not served"
            self._start_source(info, ns, narrow=False)
        self._initial = set(self._sources)
        if self._unserved:
            self._watch_crds()
        self._mark_all(self.ids)
        self._check_initial_sync()

    def _key(self, kind: GroupKind, ns: str) -> SourceKey:
        """The source that holds objects of `kind` in namespace `ns`."""
        return (kind, ALL if kind in self._wide else ns)

    def _open_kind(self, info: ResourceInfo) -> None:
        """Start the sources of the watched ids of one kind (per namespace, or one for all)."""
        kind = (info.group, info.kind)
        for ns in sorted(ns for gk, ns in self._watched if gk == kind):
            ids = self._watched[kind, ns]
            for oid in ids:
                problem = scope_problem(oid, info)
                if problem is not None:
                    self._problems[oid] = problem
            if all(oid in self._problems for oid in ids):
                continue
            narrow = kind not in self._wide and (kind, ns) not in self._generated and len(ids) == 1
            self._start_source(info, self._key(kind, ns)[1], narrow=narrow)

    def _start_source(self, info: ResourceInfo, ns: str, *, narrow: bool) -> None:
        key: SourceKey = ((info.group, info.kind), ns)
        if key in self._sources:
            return
        name = next(iter(self._watched[key])).name if narrow else None
        informer = Informer(
            self.client,
            info.api_version,
            info.kind,
            namespace=ns if info.namespaced and ns != ALL else None,
            options=ListOptions(field_selector=f"metadata.name={name}" if name else None),
            indexers={LABELS: label_index} if (info.group, info.kind) in self._readers else None,
            on_error=lambda exc: self._failed(key, exc),
            transform=drop_managed_fields,  # no status rule reads them (docs/performance.md)
        )
        source = _Source(key, info, informer)
        informer.add_handler(
            on_add=lambda obj: self._changed(key, obj),
            on_update=lambda old, new: self._changed(key, new, old),
            on_delete=lambda obj: self._changed(key, obj),
        )
        self._sources[key] = source
        informer.start()
        self._spawn(self._await_sync(source))

    async def stop(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        for task in list(self._tasks):
            task.cancel()
        informers = [s.informer for s in self._sources.values()]
        if self._crds is not None:
            informers.append(self._crds)
        for informer in informers:
            await informer.stop()  # never raises

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _await_sync(self, source: _Source) -> None:
        with contextlib.suppress(_Stop):
            await source.informer.wait_synced()
            source.synced = True
            self._mark_all(self._dependents(source.key))
        self._check_initial_sync()

    def _check_initial_sync(self) -> None:
        """Sync once every informer started at the beginning has listed (or failed for good)."""
        if not self._initial_synced and all(
            key not in self._sources or self._sources[key].synced for key in self._initial
        ):
            self._initial_synced = True
            self._wake.set()

    # --- events ---------------------------------------------------------------------------------
    async def events(self) -> AsyncIterator[Event]:
        """Updates as statuses change, one Sync after the first statuses, an Error at the end."""
        sync_due = True
        while True:
            while self._out:
                event = self._out.popleft()
                yield event
                if isinstance(event, Error):
                    return
            if self._pending:
                update = self._next_update()
                if update is not None:
                    yield update
                continue
            if self._initial_synced and sync_due:
                sync_due = False
                yield Sync()
                continue
            self._wake.clear()
            await self._wake.wait()

    def _next_update(self) -> Update | None:
        """Compute the oldest dirty id from the cache as it is now; None when nothing changed."""
        oid = next(iter(self._pending))
        del self._pending[oid]
        status = self._status_of(oid)
        if status is None:
            return None
        self._schedule_recheck(oid, status.recheck_at)
        signature = status.signature
        if self._signatures.get(oid) == signature:
            return None
        self._signatures[oid] = signature
        return Update(status)

    def _status_of(self, oid: ObjectId) -> ResourceStatus | None:
        """The status of `oid` now, or None while its caches have not listed yet."""
        if oid in self._problems:
            return self._problems[oid]
        if oid.group_kind in self._unserved:
            return not_served(oid)
        source = self._sources.get(self._key(oid.group_kind, oid.namespace))
        if source is None or not source.synced:
            return None
        children = [self._sources.get(self._key(kind, oid.namespace)) for kind in self._reads[oid.group_kind]]
        if not all(child is not None and child.synced for child in children):
            return None
        obj = source.informer.store.get(source.store_key(oid))
        if obj is None:
            return not_found(oid)
        status = resolve(obj, self._lookup, options=self.options)
        return status if status.id == oid else replace(status, id=oid)

    def _lookup(self, kind: GroupKind, namespace: str, selector: Obj) -> list[Obj]:
        source = self._sources.get(self._key(kind, namespace))
        if source is None:
            return []
        value = index_value(selector, namespace)
        store = source.informer.store
        if value is not None:
            return store.by_index(LABELS, value)
        return [obj for obj in store.list() if obj["metadata"].get("namespace") == namespace]

    def _schedule_recheck(self, oid: ObjectId, at: datetime | None) -> None:
        timer = self._timers.pop(oid, None)
        if timer is not None:
            timer.cancel()
        if at is not None:
            delay = max(0.0, (at - datetime.now(UTC)).total_seconds()) + RECHECK_SLACK
            self._timers[oid] = asyncio.get_running_loop().call_later(delay, self._mark, oid)

    # --- informer callbacks (cheap: mark ids dirty) ---------------------------------------------
    def _mark(self, oid: ObjectId) -> None:
        self._pending[oid] = None
        self._wake.set()

    def _mark_all(self, ids: Iterable[ObjectId]) -> None:
        for oid in ids:
            self._pending[oid] = None
        self._wake.set()

    def _changed(self, key: SourceKey, obj: Obj, old: Obj | None = None) -> None:
        kind, ns = key
        if ns == ALL:
            ns = obj["metadata"].get("namespace") or ""
        watched = self._watched.get((kind, ns))
        if watched:
            oid = ObjectId(kind[0], kind[1], ns, obj["metadata"]["name"])
            if oid in watched:
                self._mark(oid)
        parents = self._readers.get(kind)
        if parents:
            labels = [labels_of(obj)] if old is None else [labels_of(obj), labels_of(old)]
            for parent in parents:
                for oid in self._watched.get((parent, ns), ()):
                    if any(self._reads_object(oid, kind, labels_) for labels_ in labels):
                        self._mark(oid)

    def _reads_object(self, parent: ObjectId, kind: GroupKind, labels: Labels) -> bool:
        """Whether the status of `parent` reads an object of `kind` with these labels."""
        if kind == ENDPOINT_SLICE:
            return labels.get(SERVICE_NAME_LABEL) == parent.name
        if kind == BUDGET:
            return True  # any budget of the namespace may cover the workload's Pods
        return self._selects(parent, labels)

    def _selects(self, parent: ObjectId, labels: Labels) -> bool:
        """Whether the parent's current selector matches; a parent with a bad selector selects nothing."""
        source = self._sources.get(self._key(parent.group_kind, parent.namespace))
        obj = source.informer.store.get(source.store_key(parent)) if source else None
        if obj is None:
            return False
        rv = obj["metadata"].get("resourceVersion", "")
        cached = self._selectors.get(parent)
        if cached is None or cached[0] != rv:
            try:
                cached = (rv, selector_of(obj))
            except SelectorError:
                cached = (rv, None)
            self._selectors[parent] = cached
        matcher = cached[1]
        return matcher is not None and matcher(labels)

    def _dependents(self, key: SourceKey) -> set[ObjectId]:
        """The ids whose status reads this source: its own kind's, and parents of that kind."""
        kind, ns = key
        kinds = {kind} | self._readers.get(kind, set())
        return {oid for (k, n), ids in self._watched.items() if k in kinds and ns in (n, ALL) for oid in ids}

    def _failed(self, key: SourceKey, exc: Exception) -> None:
        """Informer errors: the kind went away → NotFound until its CRD returns; no rights → fatal."""
        if isinstance(exc, NoMatchError | NotFound):
            self._spawn(self._unserve(key[0]))
            raise _Stop from exc
        if isinstance(exc, Forbidden | Unauthorized):
            self._out.append(Error(str(exc)))
            self._wake.set()
            raise _Stop from exc
        # Anything else is worth retrying: the reflector backs off and tries again.

    async def _unserve(self, kind: GroupKind) -> None:
        """Stop watching a kind the cluster stopped serving; wait for its CRD to come back."""
        self.client.mapper.invalidate()
        self._unserved.add(kind)
        for key in [k for k in self._sources if k[0] == kind]:
            await self._sources.pop(key).informer.stop()
        self._mark_all(oid for oid in self.ids if oid.group_kind == kind)
        self._check_initial_sync()
        self._watch_crds()

    # --- CRDs: pick up kinds that become served -------------------------------------------------
    def _watch_crds(self) -> None:
        if self._crds is not None:
            return
        self._crds = Informer(self.client, "apiextensions.k8s.io/v1", "CustomResourceDefinition")
        self._crds.add_handler(on_add=self._crd_changed, on_update=lambda _old, new: self._crd_changed(new))
        self._crds.start()

    def _crd_changed(self, crd: Obj) -> None:
        spec = crd.get("spec") or {}
        kind = (spec.get("group", ""), (spec.get("names") or {}).get("kind", ""))
        conditions = (crd.get("status") or {}).get("conditions") or []
        established = any(c.get("type") == "Established" and c.get("status") == "True" for c in conditions)
        if established and kind in self._unserved:
            self._unserved.discard(kind)
            self._spawn(self._serve(kind))

    async def _serve(self, kind: GroupKind) -> None:
        """The CRD of an unserved kind is established: discover it and watch its objects."""
        info = await served(self.client, *kind)  # a miss refreshes discovery
        for _ in range(DISCOVERY_TRIES):  # discovery can lag the Established condition a moment
            if info is not None:
                break
            await asyncio.sleep(0.1)
            info = await served(self.client, *kind)
        if info is None:
            self._unserved.add(kind)
            return
        self._open_kind(info)
        self._mark_all(oid for oid in self.ids if oid.group_kind == kind)


async def watch_status(
    client: Client, ids: Iterable[ObjectId], *, options: Options = DEFAULT_OPTIONS
) -> AsyncGenerator[Event, None]:
    """Update / Sync / Error events for `ids` until the caller stops iterating (use `aclosing`)."""
    watcher = StatusWatcher(client, ids, options=options)
    try:
        await watcher.start()
        async for event in watcher.events():
            yield event
    finally:
        await watcher.stop()
