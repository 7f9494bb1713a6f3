"""The lazily started watches of the target cluster, one per :data:`~keys.TypeKey` (network: target client,
through kubecore informers).

Why: GRM re-sends every object on every sync; we watch every type an MR manages instead, so reads come from
memory and edits reach the owning MR at once (:mod:`drift_events` says what an event means).

Watches are label-selected by ``resources.gardener.cloud/managed-by`` (GRM's label, also on pod
templates, so the ReplicaSets and Pods of a managed Deployment are selected too), started when the first
MR needs the type and stopped when the last one lets go. Beside each type an MR applies runs a second,
metadata-only watch of its objects *without* our label (the complement selector, ``managed-by notin
(...)``), keeping only name and resourceVersion: together the two see every object of the type, so the
ownership check before a new object's first apply needs no request ("absent" is known; an unlabelled
object is read in full). It costs memory for the names of foreign objects of those types in the watched
namespaces, and none of their events reach the routing. ConfigMaps and Secrets are watched
metadata-only (their data can be large, and their health is their presence): a change by someone else
shows as a new ``resourceVersion``, and only then is the object read in full. Cached objects keep a
:class:`~resource_manager.ssa.fields.FieldsSummary` instead of their managedFields (about half of an object's
memory). With ``targetClientConnection.namespaces`` (:attr:`Watches.namespaces`) a namespaced type is
watched only in those namespaces, one informer each, as GRM restricts its target cache; objects of other
namespaces are read like objects of unwatched types. A type we may not list is not retried on every round
but after a back-off; its objects are read meanwhile.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog

from kubecore import Client, Forbidden, KubeError, ListOptions, NoMatchError
from kubecore.gvk import group_of
from kubecore.informer import Informer
from kubecore.store import namespace_index
from resource_manager.controller.interning import share_metadata_strings
from resource_manager.controller.keys import MRKey, TypeKey
from resource_manager.ssa.fields import FieldsSummary, summarise

log = structlog.get_logger("resource_manager.controller.watches")

Obj = dict[str, Any]

METADATA_ONLY = frozenset({("", "ConfigMap"), ("", "Secret")})
"""GroupKinds watched metadata-only: nothing the merge or kstatus needs beyond metadata."""
GENERATED: Mapping[tuple[str, str], tuple[TypeKey, ...]] = {
    ("apps", "Deployment"): (("apps/v1", "ReplicaSet"), ("v1", "Pod")),
    ("apps", "StatefulSet"): (("v1", "Pod"),),
}
"""Types whose objects kstatus reads to judge a managed workload (``kstatus.live.resolve``)."""
SCALERS: TypeKey = ("autoscaling/v1", "HorizontalPodAutoscaler")
"""Watched unselected (anyone's HPAs) for MRs with scalable kinds: whether an HPA scales a workload decides
whether the apply keeps its replicas, without a cluster-wide LIST per round."""
SCALABLE = frozenset({("apps", "Deployment"), ("apps", "StatefulSet")})
_NAMESPACE = "namespace"
FIELDS = "resource-manager/fields"
"""Metadata key of the :class:`FieldsSummary` that replaces managedFields in cached objects."""
FORBIDDEN_BACKOFF = (30.0, 600.0)
"""Seconds before a type we may not list is tried again: first, and at most (doubling)."""


def metadata_only(type_key: TypeKey) -> bool:
    return (group_of(type_key[0]), type_key[1]) in METADATA_ONLY


def types_for(references: Iterable[Mapping[str, Any]]) -> set[TypeKey]:
    """The watches an MR needs: the types it manages plus what kstatus reads for its workloads."""
    types: set[TypeKey] = set()
    for reference in references:
        api_version, kind = reference.get("apiVersion") or "", reference.get("kind") or ""
        types.add((api_version, kind))
        types.update(GENERATED.get((group_of(api_version), kind), ()))
        if (group_of(api_version), kind) in SCALABLE:
            types.add(SCALERS)
    return types


def fields_of(
    api_version: str, live: Mapping[str, Any] | None, takeover_managers: frozenset[str]
) -> FieldsSummary | None:
    """The managedFields summary of a live object, cached or read (``None`` for no object)."""
    if live is None:
        return None
    metadata = live.get("metadata") or {}
    summary = metadata.get(FIELDS)
    if isinstance(summary, FieldsSummary):
        return summary
    return summarise(metadata.get("managedFields"), api_version, takeover_managers)


@dataclass
class Watch:
    """One type's informers: one cluster-wide, or one per namespace of ``targetClientConnection.namespaces``
    for a namespaced type (keyed by namespace; ``None``: cluster-wide)."""

    informers: dict[str | None, Informer]
    metadata_only: bool
    synced: asyncio.Future[Any]
    users: set[MRKey] = field(default_factory=set)
    unlabelled: dict[str | None, Informer] = field(default_factory=dict)
    """The complement watch (objects without our label: name and resourceVersion only), keyed like
    ``informers``; empty for types watched only for kstatus or HPAs."""

    def _informer(self, namespace: str | None) -> Informer | None:
        return self.informers.get(None) or self.informers.get(namespace)

    def covers(self, key: str) -> bool:
        """Whether the object with store key ``key`` (``ns/name`` or ``name``) can be in this watch."""
        return self._informer(key.rpartition("/")[0] or None) is not None

    @property
    def has_synced(self) -> bool:
        return all(informer.has_synced for informer in (*self.informers.values(), *self.unlabelled.values()))

    @property
    def complete(self) -> bool:
        """Whether the watch sees every object of the type: an object in neither store does not exist."""
        return bool(self.unlabelled)

    def without_label(self, key: str) -> Obj | None:
        """The object ``key`` if it exists without our label (name and resourceVersion only)."""
        informer = self.unlabelled.get(None) or self.unlabelled.get(key.rpartition("/")[0] or None)
        return None if informer is None else informer.store.get(key)

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
        for informer in (*self.informers.values(), *self.unlabelled.values()):
            await informer.stop()


class Watches:
    """The watches shared by all MRs; events go to ``on_changed``/``on_deleted``, and ``on_stopped`` hears
    when a type is no longer watched. ``stop()`` when the controller stops."""

    def __init__(
        self,
        client: Client,
        selector: str,
        complement: str,
        takeover_managers: frozenset[str],
        *,
        on_changed: Callable[[TypeKey, Obj | None, Obj], None],
        on_deleted: Callable[[TypeKey, Obj], None],
        on_stopped: Callable[[TypeKey], None],
    ) -> None:
        self.client = client
        self.selector = selector
        self.complement = complement
        """The selector of the objects without our label (:attr:`Watch.unlabelled`)."""
        self.takeover_managers = takeover_managers
        self.namespaces: tuple[str, ...] = ()
        """``targetClientConnection.namespaces``: namespaced types are watched only there (empty: everywhere)."""
        self._on_changed, self._on_deleted, self._on_stopped = on_changed, on_deleted, on_stopped
        self._watches: dict[TypeKey, Watch] = {}
        self._needs: dict[MRKey, set[TypeKey]] = {}
        self._forbidden: dict[TypeKey, tuple[float, float]] = {}
        """Types we may not list: (monotonic time of the next try, back-off that led to it)."""

    async def ensure(self, mr: MRKey, types: Iterable[TypeKey]) -> None:
        """Watch ``types`` for ``mr`` (starting what is not watched yet) and let go of what it no longer
        needs. Types the target does not serve (yet) or we may not list are left unwatched: lookups then
        read from the API server, and the next call tries again."""
        wanted = set(types)
        previous = self._needs.get(mr, set())
        self._needs[mr] = wanted
        now = time.monotonic()
        for type_key in wanted:
            if type_key in self._forbidden and self._forbidden[type_key][0] > now:
                continue  # read instead until the back-off ends
            watch = self._watches.get(type_key)
            if watch is None:
                scopes = await self._scopes(type_key)
                watch = self._watches.get(type_key)  # another MR may have started it meanwhile
                if watch is None and scopes is None:
                    continue  # not served (yet): read instead, try again next time
                watch = watch or self._start(type_key, scopes or [None])
            watch.users.add(mr)
        for type_key in previous - wanted:
            await self._let_go(type_key, mr)
        await asyncio.gather(*(self._ready(type_key) for type_key in wanted))

    async def release(self, mr: MRKey) -> None:
        """``mr`` is gone (or handed over): stop the watches only it needed."""
        for type_key in self._needs.pop(mr, set()):
            await self._let_go(type_key, mr)

    async def stop(self) -> None:
        watches, self._watches = list(self._watches.values()), {}
        for watch in watches:
            await watch.stop()

    def watched(self) -> list[TypeKey]:
        """The types watched right now (synced or not)."""
        return sorted(self._watches)

    def watching(self, type_key: TypeKey) -> bool:
        return type_key in self._watches

    def synced(self, type_key: TypeKey) -> Watch | None:
        """The watch of ``type_key`` once it has listed everything (before, its store is incomplete)."""
        watch = self._watches.get(type_key)
        return watch if watch is not None and watch.has_synced else None

    def cached(self, type_key: TypeKey, key: str) -> tuple[Watch | None, Obj | None]:
        """The watch that can tell about object ``key``, and the object if it holds it."""
        watch = self.synced(type_key)
        if watch is None or not watch.covers(key):
            return None, None  # no cache for it: outside the watched namespaces, or not watched (yet)
        return watch, watch.get(key)

    def synced_objects(self) -> list[Obj]:
        return [obj for watch in list(self._watches.values()) if watch.has_synced for obj in watch.objects()]

    def scalers(self) -> list[Obj] | None:
        """Every HPA of the target from the watch, ``None`` when it is not watched (cannot be, or not yet)."""
        watch = self.synced(SCALERS)
        return None if watch is None else watch.objects()

    def children(self, group_kind: tuple[str, str], namespace: str, _selector: dict[str, Any]) -> list[Obj]:
        """kstatus' child lookup (``kstatus.live.resolve``) over the ReplicaSet/Pod watches."""
        for (api_version, kind), watch in self._watches.items():
            if (group_of(api_version), kind) == group_kind and watch.has_synced:
                return watch.in_namespace(namespace)
        return []

    def owner(self, reference: Mapping[str, Any], namespace: str) -> Obj | None:
        """The cached object an owner reference names (``None``: not watched, or not there)."""
        for (api_version, kind), watch in self._watches.items():
            if kind == reference.get("kind") and group_of(api_version) == group_of(reference.get("apiVersion") or ""):
                return watch.get(f"{namespace}/{reference.get('name')}")
        return None

    async def _scopes(self, type_key: TypeKey) -> list[str | None] | None:
        """Where to watch ``type_key``: everywhere (``[None]``), or in each configured namespace when it is
        namespaced; ``None`` when the target cannot tell (the type is not served, discovery failed)."""
        if not self.namespaces or type_key == SCALERS:  # an HPA anywhere may scale a workload we manage anywhere
            return [None]
        try:
            info = await self.client.resource(*type_key)
        except KubeError as exc:
            log.info("cannot watch, reading instead", api_version=type_key[0], kind=type_key[1], reason=str(exc))
            return None
        return list(self.namespaces) if info.namespaced else [None]

    def _start(self, type_key: TypeKey, scopes: list[str | None]) -> Watch:
        api_version, name = type_key
        only_metadata = metadata_only(type_key)
        generated = {k for ks in GENERATED.values() for k in ks}
        indexers = {_NAMESPACE: namespace_index} if type_key in generated else None
        selector = None if type_key == SCALERS else self.selector
        informers: dict[str | None, Informer] = {}
        unlabelled: dict[str | None, Informer] = {}
        for namespace in scopes:
            informer = informers[namespace] = Informer(
                self.client,
                api_version,
                name,
                namespace=namespace,
                options=ListOptions(label_selector=selector, metadata_only=only_metadata),
                indexers=indexers,
                on_error=_stop_on_permanent_error,
                transform=lambda obj: self._summarised(obj, type_key, only_metadata),
            )
            informer.add_handler(
                on_add=lambda obj: self._on_changed(type_key, None, obj),
                on_update=lambda old, new: self._on_changed(type_key, old, new),
                on_delete=lambda obj: self._on_deleted(type_key, obj),
            )
            if selector is not None and type_key not in generated:  # a type MRs apply: see the others too
                unlabelled[namespace] = Informer(
                    self.client,
                    api_version,
                    name,
                    namespace=namespace,
                    options=ListOptions(label_selector=self.complement, metadata_only=True),
                    on_error=_stop_on_permanent_error,
                    transform=_name_and_version,
                )
        for informer in (*informers.values(), *unlabelled.values()):
            informer.start()
        everything = (*informers.values(), *unlabelled.values())
        synced = asyncio.gather(*(informer.wait_synced() for informer in everything))
        watch = Watch(informers, only_metadata, synced, unlabelled=unlabelled)
        self._watches[type_key] = watch
        where = [namespace for namespace in scopes if namespace] or "all namespaces"
        log.info(
            "watching",
            api_version=api_version,
            kind=name,
            metadata_only=only_metadata,
            namespaces=where,
            unlabelled=bool(unlabelled),
        )
        return watch

    async def _ready(self, type_key: TypeKey) -> None:
        watch = self._watches.get(type_key)
        if watch is None:
            return
        try:
            await asyncio.shield(watch.synced)
        except asyncio.CancelledError:
            if not watch.synced.cancelled():
                raise  # we are cancelled; a cancelled sync only means the watch was let go meanwhile
        except Exception as exc:  # any failure means: no cache for this type, read instead
            log.info("cannot watch, reading instead", api_version=type_key[0], kind=type_key[1], reason=str(exc))
            if isinstance(exc, Forbidden):
                self._back_off(type_key)
            if self._watches.get(type_key) is watch:
                del self._watches[type_key]
                await watch.stop()
        else:
            self._forbidden.pop(type_key, None)

    def _back_off(self, type_key: TypeKey) -> None:
        """Remember that we may not list ``type_key``: no LIST before the (doubling) back-off ends."""
        first, ceiling = FORBIDDEN_BACKOFF
        previous = self._forbidden.get(type_key)
        delay = first if previous is None else min(previous[1] * 2, ceiling)
        self._forbidden[type_key] = (time.monotonic() + delay, delay)

    async def _let_go(self, type_key: TypeKey, mr: MRKey) -> None:
        watch = self._watches.get(type_key)
        if watch is None:
            return
        watch.users.discard(mr)
        if watch.users:
            return
        del self._watches[type_key]
        await watch.stop()
        self._on_stopped(type_key)
        log.info("stopped watching", api_version=type_key[0], kind=type_key[1])

    def _summarised(self, obj: Obj, type_key: TypeKey, only_metadata: bool) -> Obj:
        """Informer transform: managedFields give way to their :class:`FieldsSummary` (they are about half
        of an object's memory), and metadata-only objects are named by their real kind, so messages
        read ``v1/ConfigMap/ns/name``, and keep neither UID nor creation time (most of the cached objects
        are of these kinds; nothing reads either from the cache: a deletion reads the object again and
        deletes that UID, and their health is their presence). (The dict is fresh from the decoder:
        changing it in place is safe.)"""
        metadata = obj.get("metadata")
        if isinstance(metadata, dict):
            metadata[FIELDS] = summarise(metadata.pop("managedFields", None), type_key[0], self.takeover_managers)
            share_metadata_strings(metadata)
            if only_metadata:
                metadata.pop("uid", None)
                metadata.pop("creationTimestamp", None)
        if only_metadata:
            obj["apiVersion"], obj["kind"] = type_key
        return obj


def _name_and_version(obj: Obj) -> Obj:
    """Informer transform of the complement watch: all the ownership check needs to know of an object
    without our label is that it exists, and which version to read (it is read in full then)."""
    metadata = obj.get("metadata") or {}
    namespace = metadata.get("namespace")
    kept = {"name": metadata.get("name"), "resourceVersion": metadata.get("resourceVersion")}
    return {"metadata": {**kept, "namespace": sys.intern(namespace)} if isinstance(namespace, str) else kept}


def _stop_on_permanent_error(exc: Exception) -> None:
    """A type we may not list, or that is not served: stop its watch (reads take over)."""
    if isinstance(exc, Forbidden | NoMatchError):
        raise exc
    log.warning("watch error, retrying", error=str(exc))
