"""The ManagedResource controller process: watches, work queue, workers, resync (network: source cluster).

Why this shape: informers on ManagedResources and Secrets of the *source* cluster feed one work queue
of ``(namespace, name)`` keys; workers run :class:`reconciler.Reconciler` against the *target*
cluster. Unlike GRM (PR #14212) a Secret *created* after the MR that references it triggers a
reconcile too: MRs are indexed by the Secret names they reference, so the mapping is a dict lookup.
Every reconcile schedules the next one (``sync_period`` after success, back-off after errors), which
is the safety net behind the watches; ``cache_resync_period`` re-queues every cached MR on top (GRM's
informer resync).

The Secret cache holds the data only of Secrets some MR references when their event arrives (the
others cost their metadata only: a namespace may hold many Secrets no MR reads). An MR that starts
referencing a Secret cached without its data has that Secret read once (a GET) before its reconcile,
and the cache keeps the answer; the MRs are listed before the Secrets, so a restart reads none.

Observability lives here because the controller sees every round and every MR change: one log line per
reconcile with its result, controller-runtime's reconcile metrics, per-MR gauges from the cached MRs, and
Events for apply failures, prunes and drift repairs. ``stop()`` drains: reconciles in flight finish
(their applies are not cut in half), nothing new starts.

MR events that only touch ``status`` (our own writes) are not enqueued; the predicates follow GRM's
(generation, operation/ignore annotations, deletion, finalizers for the class hand-over,
``ResourcesHealthy`` turning ``False``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp
import structlog

from kubecore import Client, ConnectionFailed, KubeError, NotFound, ServerError, TooManyRequests
from kubecore.informer import Informer, drop_managed_fields
from kubecore.ratelimit import RateLimiter
from kubecore.store import object_key
from kubecore.workqueue import ShutDown, WorkQueue
from resource_manager.api import annotations as ann
from resource_manager.api.crd import MR_API_VERSION, MR_KIND
from resource_manager.controller.interning import share_inventory_strings
from resource_manager.controller.reconciler import Reconciler, ReconcileResult
from resource_manager.manager import metrics
from resource_manager.manager.recorder import Recorder
from resource_manager.manager.sharding import Shard
from resource_manager.ssa.changeset import Action, ChangeSet

log = structlog.get_logger("resource_manager.controller.controller")
OBJECTS_CHANGED = "ObjectsChanged"
"""Reason of the Normal Event a round that created, configured or deleted objects records (its summary)."""

Obj = dict[str, Any]
Key = tuple[str, str]
SECRET_INDEX = "secret"
DATA_DROPPED = "dataDroppedByCache"
"""Marks a cached Secret kept without its data: no MR referenced it when its event arrived."""


def referenced_secrets(mr: Mapping[str, Any]) -> list[str]:
    """Index function: ``namespace/name`` of every Secret the MR references."""
    namespace = (mr.get("metadata") or {}).get("namespace") or ""
    refs = (mr.get("spec") or {}).get("secretRefs") or []
    return [f"{namespace}/{ref.get('name', '')}" for ref in refs if isinstance(ref, Mapping)]


def compact_mr(mr: Obj) -> Obj:
    """MR informer transform: no managedFields (they describe every ``status.resources`` entry and no step
    reads them; a status update without them keeps the server's), one copy of the strings the
    ``status.resources`` entries repeat."""
    share_inventory_strings(drop_managed_fields(mr))
    return mr


def _key(obj: Mapping[str, Any]) -> Key:
    meta = obj.get("metadata") or {}
    return meta.get("namespace") or "", meta.get("name") or ""


def _rv(obj: Mapping[str, Any]) -> str | None:
    rv: str | None = (obj.get("metadata") or {}).get("resourceVersion")
    return rv


def _healthy_status(mr: Mapping[str, Any]) -> str | None:
    for condition in (mr.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "ResourcesHealthy":
            status: str | None = condition.get("status")
            return status
    return None


def mr_changed(old: Mapping[str, Any], new: Mapping[str, Any], own_finalizer: str = "") -> bool:
    """GRM's MR update predicates, minus the class filter (the reconciler applies that). Unlike GRM,
    ``own_finalizer`` being added is no reason: the round that added it goes on to apply everything."""
    old_meta, new_meta = old.get("metadata") or {}, new.get("metadata") or {}
    if old_meta.get("generation") != new_meta.get("generation"):
        return True
    if new_meta.get("deletionTimestamp") and not old_meta.get("deletionTimestamp"):
        return True
    old_ann, new_ann = old_meta.get("annotations") or {}, new_meta.get("annotations") or {}
    if new_ann.get(ann.OPERATION) in ("reconcile", "restore", "migrate") or ann.ignored(old) != ann.ignored(new):
        return True
    if old_ann.get(ann.OPERATION) != new_ann.get(ann.OPERATION):
        return True
    old_finalizers, new_finalizers = list(old_meta.get("finalizers") or ()), list(new_meta.get("finalizers") or ())
    if new_finalizers not in (old_finalizers, [*old_finalizers, own_finalizer]):
        return True
    return _healthy_status(old) in (None, "True") and _healthy_status(new) == "False"


async def resolve_cluster_id(source: Client, value: str) -> str:
    """GRM's ``clusterID`` bootstrap: ``<cluster>`` / ``<default>`` read ``kube-system/cluster-identity``
    (key ``cluster-identity``) from the source cluster; ``<default>`` tolerates its absence."""
    if value not in ("<cluster>", "<default>"):
        return value
    try:
        identity = await source.get("v1", "ConfigMap", "cluster-identity", namespace="kube-system")
    except NotFound:
        if value == "<default>":
            return ""
        raise
    return str((identity.get("data") or {}).get("cluster-identity", ""))


class Controller:
    """Runs the controller until cancelled: ``await Controller(...).run()``."""

    def __init__(
        self,
        source: Client,
        reconciler: Reconciler,
        *,
        namespaces: Sequence[str | None] = (None,),
        workers: int = 5,
        rate_limiter: RateLimiter | None = None,
        cache_resync_period: float | None = None,
        cache_sync_timeout: float | None = None,
        recorder: Recorder | None = None,
        shard: Shard | None = None,
    ) -> None:
        self.source = source
        self.reconciler = reconciler
        self.namespaces = list(namespaces) or [None]
        self.workers = workers
        self.cache_resync_period = cache_resync_period
        self.cache_sync_timeout = cache_sync_timeout
        self.recorder = recorder
        self.shard = shard or Shard()
        """Only MRs of this shard are enqueued (the caches hold all: the Secret index and drift need no filter)."""
        self.queue: WorkQueue[Key] = WorkQueue(name="managedresource", rate_limiter=rate_limiter)
        self.mr_informers = [
            Informer(
                source,
                MR_API_VERSION,
                MR_KIND,
                namespace=ns,
                indexers={SECRET_INDEX: referenced_secrets},
                transform=compact_mr,
            )
            for ns in self.namespaces
        ]
        self.secret_informers = [
            Informer(source, "v1", "Secret", namespace=ns, transform=self._trim_secret) for ns in self.namespaces
        ]
        self.started = asyncio.Event()
        """Set once the caches are synced and the workers run."""
        self._caches_started = False
        self._drift_noted: dict[Key, float] = {}

    def secret(self, namespace: str, name: str) -> Obj | None:
        """A Secret from the cache (read-only); ``None`` if the cache holds it without its data."""
        for informer in self.secret_informers:
            found = informer.store.get(f"{namespace}/{name}")
            if found is not None:
                return None if DATA_DROPPED in found else found
        return None

    @property
    def informers(self) -> list[Informer]:
        return [*self.mr_informers, *self.secret_informers]

    @property
    def synced(self) -> bool:
        """All source caches listed at least once (readiness)."""
        return all(informer.has_synced for informer in self.informers)

    async def sync_caches(self) -> None:
        """Start the source caches (once) and wait until they are synced, at most ``cache_sync_timeout``.

        A standby replica calls this before it leads, so it is ready and takes over with warm caches."""
        if not self._caches_started:
            self._caches_started = True
            self._wire_handlers()
            for informer in self.mr_informers:
                informer.start()
        try:
            async with asyncio.timeout(self.cache_sync_timeout):
                # the MRs first: the Secret cache decides by them which Secrets keep their data
                await asyncio.gather(*(informer.wait_synced() for informer in self.mr_informers))
                for informer in self.secret_informers:
                    informer.start()
                await asyncio.gather(*(informer.wait_synced() for informer in self.secret_informers))
        except TimeoutError:
            raise CacheSyncTimeout(
                f"the ManagedResource and Secret caches did not sync within {self.cache_sync_timeout:g}s: "
                "check that the source API server is reachable and that we may list and watch both"
            ) from None

    async def run(self) -> None:
        """Sync the caches, then run the workers until ``stop()`` (drained) or cancellation (at once);
        either way everything is stopped when this returns."""
        tasks: list[asyncio.Task[None]] = []
        try:
            await self.sync_caches()
            log.info("caches synced", managedresources=sum(len(i.store) for i in self.mr_informers))
            metrics.MAX_WORKERS.labels(metrics.CONTROLLER).set(self.workers)
            tasks = [asyncio.create_task(self._work(), name=f"mr-worker-{i}") for i in range(self.workers)]
            if self.cache_resync_period:
                tasks.append(asyncio.create_task(self._resync(self.cache_resync_period), name="mr-resync"))
            self.started.set()
            await asyncio.gather(*tasks[: self.workers])
        finally:
            self.queue.shutdown()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await self.close()

    async def close(self) -> None:
        """Stop the caches and send the Events still in flight (idempotent)."""
        for informer in self.informers:
            await informer.stop()
        await self.reconciler.cache.stop()
        if self.recorder is not None:
            await self.recorder.flush()

    async def stop(self, grace: float) -> None:
        """Graceful stop: take no new work, let the reconciles in flight finish (at most ``grace``
        seconds); ``run()`` then returns."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace):
                await self.queue.shutdown_with_drain()
        self.queue.shutdown()

    async def _resync(self, period: float) -> None:
        while True:
            await asyncio.sleep(period)
            for informer in self.mr_informers:
                for mr in informer.store.list():
                    if self._ours(mr):
                        self.queue.add(_key(mr))

    def _wire_handlers(self) -> None:
        # drift (a field we own changed, a managed object deleted) jumps ahead of resyncs
        self.reconciler.cache.on_drift = self._drift
        self.reconciler.cache.on_health = lambda key: self._target_event(key, priority=False)
        for informer in self.mr_informers:
            informer.add_handler(on_add=self._mr_added, on_update=self._mr_updated, on_delete=self._mr_deleted)
        for informer in self.secret_informers:
            informer.add_handler(
                on_add=self._secret_event,
                on_update=lambda old, new: self._secret_event(new) if old.get("data") != new.get("data") else None,
                on_delete=self._secret_event,
            )

    def _ours(self, mr: Obj) -> bool:
        """Whether the MR belongs to this process's shard (the per-MR series, too, are only its shard's)."""
        return self.shard.owns(*_key(mr))

    def _mr_added(self, mr: Obj) -> None:
        if not self._ours(mr):
            return
        metrics.observe_mr(mr)
        self.queue.add(_key(mr))

    def _mr_updated(self, old: Obj, new: Obj) -> None:
        if not self._ours(new):
            return
        metrics.observe_mr(new)
        self._report_changes(old, new)
        if mr_changed(old, new, self.reconciler.finalizer):
            self.queue.add(_key(new))

    def _mr_deleted(self, mr: Obj) -> None:
        if not self._ours(mr):
            return
        metrics.forget_mr(*_key(mr))
        self._drift_noted.pop(_key(mr), None)
        self.queue.add(_key(mr))

    def _report_changes(self, old: Obj, new: Obj) -> None:
        """Objects that left the inventory and new apply failures, read off our own status writes as the
        cache sees them."""
        gone = metrics.resources(old) - metrics.resources(new)
        if gone and not (new.get("metadata") or {}).get("deletionTimestamp"):
            names = ", ".join(f"{kind} {f'{ns}/' if ns else ''}{name}" for _, kind, ns, name in sorted(gone))
            self._event(new, "Normal", "Pruned", f"{len(gone)} object(s) left the ManagedResource: {names}")
        failed = metrics.condition(new, "ResourcesApplied")
        if metrics.apply_failed(new) and failed.get("message") != metrics.condition(old, "ResourcesApplied").get(
            "message"
        ):
            self._event(new, "Warning", "ApplyFailed", str(failed.get("message", "")))

    def _report_round(self, key: Key, changes: ChangeSet | None) -> None:
        """What a reconcile round did: the objects it deleted are counted, and a round that changed anything
        is told on the MR with its summary. An unchanged round (a resync) records nothing: it stays
        write-free. Nothing for an MR that is gone meanwhile (its series are forgotten)."""
        mr = self._cached_mr(key)
        if changes is None or mr is None:
            return
        deleted = changes.count(Action.DELETED)
        if deleted:
            metrics.PRUNES.labels(*key).inc(deleted)
        if changes.changed:
            self._event(mr, "Normal", OBJECTS_CHANGED, changes.summary())

    def _drift(self, key: Key) -> None:
        """A managed object lost a value we applied (or was deleted): count it, tell the user (at most
        once per sync period and MR), and repair it ahead of the resyncs."""
        mr = self._cached_mr(key)
        if mr is None:
            return
        metrics.DRIFT_CORRECTIONS.labels(*key).inc()
        now = time.monotonic()
        if now - self._drift_noted.get(key, -1e9) >= self.reconciler.settings.sync_period:
            self._drift_noted[key] = now
            self._event(
                mr, "Normal", "DriftCorrected", "a managed object was changed or deleted by someone else; reverting it"
            )
        self.queue.add(key, priority=True)

    def _event(self, mr: Obj, event_type: str, reason: str, message: str) -> None:
        if self.recorder is not None:
            self.recorder.record(mr, event_type, reason, message)

    def _cached_mr(self, key: Key) -> Obj | None:
        """The cached MR ``key`` if it is of this shard (target events of other shards' MRs are theirs)."""
        for informer in self.mr_informers:
            found = informer.store.get(f"{key[0]}/{key[1]}")
            if found is not None:
                return found if self._ours(found) else None
        return None

    def _target_event(self, key: Key, *, priority: bool) -> None:
        """A target object of MR ``key`` changed: reconcile it if it is one of ours (the target watches
        see the objects of every MR with our managed-by label, also those of other namespaces)."""
        if self._cached_mr(key) is not None:
            self.queue.add(key, priority=priority)

    def _secret_event(self, secret: Obj) -> None:
        for mr in self._referencing(object_key(secret)):
            if self._ours(mr):
                self.queue.add(_key(mr))

    def _referencing(self, secret_key: str) -> list[Obj]:
        """The cached MRs that reference the Secret ``namespace/name``."""
        return [mr for informer in self.mr_informers for mr in informer.store.by_index(SECRET_INDEX, secret_key)]

    def _trim_secret(self, secret: Obj) -> Obj:
        """Informer transform: a Secret no cached MR references is kept without ``data``/``stringData``."""
        if self._referencing(object_key(secret)):
            return secret
        trimmed = {field: value for field, value in secret.items() if field not in ("data", "stringData")}
        return {**trimmed, DATA_DROPPED: True}

    async def _restore_secret_data(self, key: Key) -> None:
        """Read the Secrets the cached MR references but the cache holds without data (one GET each) and
        cache them whole, so that later rounds read them from the cache. Errors are left to the
        reconcile, which reads what the cache does not hold and reports what it cannot read."""
        mr = self._cached_mr(key)
        for secret_key in referenced_secrets(mr) if mr is not None else []:
            if not any(DATA_DROPPED in (i.store.get(secret_key) or {}) for i in self.secret_informers):
                continue
            namespace, name = secret_key.split("/", 1)
            try:
                secret = await self.source.get("v1", "Secret", name, namespace=namespace)
            except KubeError:
                return
            for informer in self.secret_informers:
                cached = informer.store.get(secret_key)
                # the same resourceVersion: the same Secret, only its data had been dropped (a newer
                # one is on its way through the watch, which keeps its data now)
                if cached is not None and DATA_DROPPED in cached and _rv(cached) == _rv(secret):
                    informer.store.upsert(secret)

    async def _work(self) -> None:
        while True:
            try:
                key = await self.queue.get()
            except ShutDown:
                return
            try:
                await self._process(key)
            finally:
                self.queue.done(key)

    async def _process(self, key: Key) -> None:
        namespace, name = key
        started = time.monotonic()
        active = metrics.ACTIVE_WORKERS.labels(metrics.CONTROLLER)
        active.inc()
        interrupted = False
        try:
            await self._restore_secret_data(key)
            outcome = await self.reconciler.reconcile(namespace, name, self.secret, self._cached_mr(key))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            interrupted = transient(exc)
            if interrupted:  # the API server is away or overloaded: the retry is the whole story
                outcome = ReconcileResult(error=f"transient API error: {exc}")
            else:
                log.exception("reconcile crashed", namespace=namespace, name=name)
                outcome = ReconcileResult(error=f"crashed: {type(exc).__name__}")
        finally:
            active.dec()
        seconds = time.monotonic() - started
        result = _result(outcome)
        metrics.RECONCILE_TIME.labels(metrics.CONTROLLER).observe(seconds)
        metrics.RECONCILE_TOTAL.labels(metrics.CONTROLLER, result).inc()
        failed = outcome.error is not None
        detail: dict[str, Any] = {"requeue_after": outcome.requeue_after}
        if failed:
            delay = self.queue.add_rate_limited(key)
            detail = {"error": outcome.error, "retry": self.queue.num_requeues(key), "retry_in": round(delay, 3)}
        level = log.warning if interrupted else log.info
        level("reconcile", mr=f"{namespace}/{name}", result=result, seconds=round(seconds, 3), **detail)
        self._report_round(key, outcome.changes)
        if failed:
            metrics.RECONCILE_ERRORS.labels(metrics.CONTROLLER).inc()
            return
        self.queue.forget(key)
        if outcome.requeue_after is not None:
            self.queue.add_after(key, outcome.requeue_after)


TRANSIENT = (ConnectionFailed, TooManyRequests, ServerError, TimeoutError, aiohttp.ClientError)
"""Errors of an API server that is away, starting or overloaded: nothing is wrong with the MR or with us."""


def transient(exc: BaseException) -> bool:
    """True for :data:`TRANSIENT` errors, and for groups made only of them (concurrent requests)."""
    if isinstance(exc, BaseExceptionGroup):
        return all(transient(inner) for inner in exc.exceptions)
    return isinstance(exc, TRANSIENT)


def _result(outcome: ReconcileResult) -> str:
    """controller-runtime's ``result`` label."""
    if outcome.error is not None:
        return "error"
    return "requeue_after" if outcome.requeue_after is not None else "success"


class CacheSyncTimeout(KubeError):
    """The source caches did not sync in time (GRM's ``cacheSyncTimeout``)."""
