"""Discovery → REST mapping: which resource (plural, scope) serves a kind.

We ask for aggregated discovery (two requests for the whole cluster) and cache the result. A lookup miss
triggers one refresh before it fails, because a CRD created a moment ago must be usable without
restarting anything; concurrent misses share that refresh.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from kubecore.errors import KubeError, NoMatchError
from kubecore.gvk import GroupVersionError, group_of, join_api_version, split_api_version

DISCOVERY_ACCEPT = ",".join(
    (
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
        "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList",
        "application/json",
    )
)


@dataclass(frozen=True)
class ResourceInfo:
    """One served resource of one group/version."""

    group: str
    version: str
    kind: str
    resource: str
    namespaced: bool
    verbs: frozenset[str] = frozenset()
    subresources: frozenset[str] = frozenset()

    @property
    def api_version(self) -> str:
        return join_api_version(self.group, self.version)


def crd_scopes(objects: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], bool]:
    """(group, kind) → namespaced, from the CustomResourceDefinitions among manifests: the scope of a
    kind discovery does not serve yet because its CRD is applied in the same batch.

    Only a valid ``spec.scope`` (``Namespaced`` or ``Cluster``) answers; a CRD without one is rejected
    by the API server, so it gives no answer here and each caller keeps its own default for kinds it
    cannot place: kstatus assumes namespaced (as kubectl does), the controller treats the scope as
    unknown (as GRM does for a kind the target does not serve)."""
    out: dict[tuple[str, str], bool] = {}
    for obj in objects:
        if obj.get("kind") != "CustomResourceDefinition" or not isinstance(obj.get("apiVersion"), str):
            continue
        if group_of(obj["apiVersion"]) != "apiextensions.k8s.io":
            continue
        spec = obj.get("spec") or {}
        group, kind, scope = spec.get("group"), (spec.get("names") or {}).get("kind"), spec.get("scope")
        if group and kind and isinstance(group, str) and isinstance(kind, str) and scope in _SCOPES:
            out[(group, kind)] = scope == "Namespaced"
    return out


_SCOPES = ("Namespaced", "Cluster")


def parse_discovery(doc: dict[str, Any]) -> list[ResourceInfo]:
    """ResourceInfos of an aggregated discovery document, preferred versions first per group."""
    if doc.get("kind") != "APIGroupDiscoveryList":
        raise KubeError(
            "the API server does not support aggregated discovery (apidiscovery.k8s.io v2/v2beta1); "
            "Kubernetes 1.26 or newer is required"
        )
    out: list[ResourceInfo] = []
    for group_doc in doc.get("items") or []:
        group = (group_doc.get("metadata") or {}).get("name") or ""
        for version_doc in group_doc.get("versions") or []:
            version = version_doc.get("version", "")
            out.extend(_resource_info(group, version, r) for r in version_doc.get("resources") or [])
    return out


def _resource_info(group: str, version: str, doc: dict[str, Any]) -> ResourceInfo:
    kind = (doc.get("responseKind") or {}).get("kind", "")
    return ResourceInfo(
        group=group,
        version=version,
        kind=kind,
        resource=doc.get("resource", ""),
        namespaced=doc.get("scope") == "Namespaced",
        verbs=frozenset(doc.get("verbs") or ()),
        subresources=frozenset(s.get("subresource", "") for s in doc.get("subresources") or ()),
    )


class _Requester(Protocol):
    async def request(self, method: str, path: str, *, accept: str = ...) -> Any: ...


class _Index:
    """Lookup tables over one discovery snapshot."""

    def __init__(self, infos: list[ResourceInfo]) -> None:
        self.by_kind: dict[tuple[str, str, str], ResourceInfo] = {}
        self.preferred: dict[tuple[str, str], ResourceInfo] = {}
        self.known: dict[tuple[str, str], ResourceInfo] = {}
        """(apiVersion, kind) asked for before: every request looks its resource up, mostly the same few."""
        for info in infos:
            self.by_kind.setdefault((info.group, info.version, info.kind), info)
            self.preferred.setdefault((info.group, info.kind), info)


class RESTMapper:
    """Kind ↔ resource mapping of one cluster, refreshed on a miss."""

    def __init__(self, transport: _Requester) -> None:
        self._transport = transport
        self._index: _Index | None = None
        self._generation = 0
        self._lock = asyncio.Lock()

    async def resource_for(self, api_version: str, kind: str) -> ResourceInfo:
        """The resource serving a kind; an unparsable apiVersion (``a/b/c``) is a kind nobody serves."""
        index = self._index
        if index is not None and (known := index.known.get((api_version, kind))) is not None:
            return known  # the common case, without parsing or awaiting anything
        try:
            group, version = split_api_version(api_version)
        except GroupVersionError:
            raise NoMatchError(api_version, kind) from None
        info = await self._find(lambda ix: ix.by_kind.get((group, version, kind)), api_version, kind)
        index = self._index
        if index is not None and index.by_kind.get((group, version, kind)) is info:  # not refreshed meanwhile
            index.known[(api_version, kind)] = info
        return info

    async def preferred_version(self, group: str, kind: str) -> ResourceInfo:
        return await self._find(lambda ix: ix.preferred.get((group, kind)), f"{group}/*" if group else "*", kind)

    async def _find(self, find: Callable[[_Index], ResourceInfo | None], api_version: str, name: str) -> ResourceInfo:
        found = await self._lookup(find)
        if found is None:
            raise NoMatchError(api_version, name)
        return found

    async def _lookup(self, find: Callable[[_Index], ResourceInfo | None]) -> ResourceInfo | None:
        generation = self._generation
        if self._index is not None:
            found = find(self._index)
            if found is not None:
                return found
        async with self._lock:
            if self._generation == generation:  # nobody refreshed while we waited
                await self._refresh_locked()
        assert self._index is not None
        return find(self._index)

    async def refresh(self) -> None:
        async with self._lock:
            await self._refresh_locked()

    def invalidate(self) -> None:
        self._index = None

    async def _refresh_locked(self) -> None:
        infos: list[ResourceInfo] = []
        for path in ("/api", "/apis"):
            doc = await self._transport.request("GET", path, accept=DISCOVERY_ACCEPT)
            infos.extend(parse_discovery(doc))
        self._index = _Index(infos)
        self._generation += 1
