"""The ManagedResource controller process: watches, work queue, workers, resync (network: source cluster).

Why this shape: informers on ManagedResources and Secrets of the *source* cluster feed one work queue
of ``(namespace, name)`` keys; workers run :class:`reconciler.Reconciler` against the *target*
cluster. Unlike GRM (PR #14212) a Secret *created* after the MR that references it triggers a
reconcile too: MRs are indexed by the Secret names they reference, so the mapping is a dict lookup.
Every reconcile schedules the next one (``sync_period`` after success, back-off after errors), which
is the safety net behind the watches.

MR events that only touch ``status`` (our own writes) are not enqueued; the predicates follow GRM's
(generation, operation/ignore annotations, deletion, finalizers for the class hand-over,
``ResourcesHealthy`` turning ``False``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

import structlog

from kubecore import Client, NotFound
from kubecore.informer import Informer
from kubecore.ratelimit import RateLimiter
from kubecore.workqueue import ShutDown, WorkQueue
from resource_manager import annotations as ann
from resource_manager.crd import MR_API_VERSION, MR_KIND
from resource_manager.reconciler import Reconciler

log = structlog.get_logger("resource_manager.manager")

Obj = dict[str, Any]
Key = tuple[str, str]
SECRET_INDEX = "secret"


def referenced_secrets(mr: Mapping[str, Any]) -> list[str]:
    """Index function: ``namespace/name`` of every Secret the MR references."""
    namespace = (mr.get("metadata") or {}).get("namespace") or ""
    refs = (mr.get("spec") or {}).get("secretRefs") or []
    return [f"{namespace}/{ref.get('name', '')}" for ref in refs if isinstance(ref, Mapping)]


def _key(obj: Mapping[str, Any]) -> Key:
    meta = obj.get("metadata") or {}
    return meta.get("namespace") or "", meta.get("name") or ""


def _healthy_status(mr: Mapping[str, Any]) -> str | None:
    for condition in (mr.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "ResourcesHealthy":
            status: str | None = condition.get("status")
            return status
    return None


def mr_changed(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """GRM's MR update predicates, minus the class filter (the reconciler applies that)."""
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
    if old_meta.get("finalizers") != new_meta.get("finalizers"):
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


class Manager:
    """Runs the controller until cancelled: ``await Manager(...).run()``."""

    def __init__(
        self,
        source: Client,
        reconciler: Reconciler,
        *,
        namespaces: Sequence[str | None] = (None,),
        workers: int = 5,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        self.source = source
        self.reconciler = reconciler
        self.namespaces = list(namespaces) or [None]
        self.workers = workers
        self.queue: WorkQueue[Key] = WorkQueue(name="managedresource", rate_limiter=rate_limiter)
        self.mr_informers = [
            Informer(source, MR_API_VERSION, MR_KIND, namespace=ns, indexers={SECRET_INDEX: referenced_secrets})
            for ns in self.namespaces
        ]
        self.secret_informers = [Informer(source, "v1", "Secret", namespace=ns) for ns in self.namespaces]
        self.started = asyncio.Event()
        """Set once the caches are synced and the workers run."""

    def secret(self, namespace: str, name: str) -> Obj | None:
        """A Secret from the cache (read-only)."""
        for informer in self.secret_informers:
            found = informer.store.get(f"{namespace}/{name}")
            if found is not None:
                return found
        return None

    async def run(self) -> None:
        """Start the caches, then the workers; runs until cancelled (cancellation stops everything)."""
        self._wire_handlers()
        informers = [*self.mr_informers, *self.secret_informers]
        tasks: list[asyncio.Task[None]] = []
        try:
            for informer in informers:
                informer.start()
            await asyncio.gather(*(informer.wait_synced() for informer in informers))
            log.info("caches synced", managedresources=sum(len(i.store) for i in self.mr_informers))
            tasks = [asyncio.create_task(self._work(), name=f"mr-worker-{i}") for i in range(self.workers)]
            self.started.set()
            await asyncio.gather(*tasks)
        finally:
            self.queue.shutdown()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            for informer in informers:
                await informer.stop()
            await self.reconciler.cache.stop()

    def _wire_handlers(self) -> None:
        # drift (a field we own changed, a managed object deleted) jumps ahead of resyncs
        self.reconciler.cache.on_drift = lambda key: self._target_event(key, priority=True)
        self.reconciler.cache.on_health = lambda key: self._target_event(key, priority=False)
        for informer in self.mr_informers:
            informer.add_handler(
                on_add=lambda mr: self.queue.add(_key(mr)),
                on_update=lambda old, new: self.queue.add(_key(new)) if mr_changed(old, new) else None,
                on_delete=lambda mr: self.queue.add(_key(mr)),
            )
        for informer in self.secret_informers:
            informer.add_handler(
                on_add=self._secret_event,
                on_update=lambda old, new: self._secret_event(new) if old.get("data") != new.get("data") else None,
                on_delete=self._secret_event,
            )

    def _target_event(self, key: Key, *, priority: bool) -> None:
        """A target object of MR ``key`` changed: reconcile it if it is one of ours (the target watches
        see the objects of every MR with our managed-by label, also those of other namespaces)."""
        if any(f"{key[0]}/{key[1]}" in informer.store for informer in self.mr_informers):
            self.queue.add(key, priority=priority)

    def _secret_event(self, secret: Obj) -> None:
        namespace, name = _key(secret)
        for informer in self.mr_informers:
            for mr in informer.store.by_index(SECRET_INDEX, f"{namespace}/{name}"):
                self.queue.add(_key(mr))

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
        try:
            outcome = await self.reconciler.reconcile(namespace, name, self.secret)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("reconcile crashed", namespace=namespace, name=name)
            self.queue.add_rate_limited(key)
            return
        if outcome.error is not None:
            log.info("reconcile failed, backing off", namespace=namespace, name=name, reason=outcome.error)
            self.queue.add_rate_limited(key)
            return
        self.queue.forget(key)
        if outcome.requeue_after is not None:
            self.queue.add_after(key, outcome.requeue_after)
