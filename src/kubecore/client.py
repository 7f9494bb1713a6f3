"""The calls: get, list, create, update, patch, apply, delete, watch — raw dicts in and out.

A `Client` is one cluster as one user: its transport (session, auth, rate limit) and its REST mapper.
Each call resolves the kind through discovery, builds the path and sends one request (list: one per
page). Nothing is cached here; caching is the informer's job.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

import orjson

from kubecore.config import ClusterConfig
from kubecore.errors import Gone, KubeError, error_from_status
from kubecore.mapping import ResourceInfo, RESTMapper
from kubecore.paths import EVERYTHING, ListOptions, query, resource_path
from kubecore.transport import Transport

Obj = dict[str, Any]
Items = list[Obj]  # (the class below has a method named `list`)
Patch = dict[str, Any] | list[Any]  # merge/strategic patches are objects, JSON patches are lists
PatchType = Literal["merge", "json", "strategic"]
PropagationPolicy = Literal["Foreground", "Background", "Orphan"]

PATCH_CONTENT_TYPES: dict[str, str] = {
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
    "strategic": "application/strategic-merge-patch+json",
}
APPLY_CONTENT_TYPE = "application/apply-patch+yaml"
METADATA_ACCEPT = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json"
METADATA_LIST_ACCEPT = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"


def _dry_run(dry_run: bool) -> str | None:
    return "All" if dry_run else None


def _identity(obj: Obj) -> tuple[str, str, str]:
    """apiVersion, kind and name of an object given to a write call, with a clear error if missing."""
    meta = obj.get("metadata") or {}
    api_version, kind, name = obj.get("apiVersion"), obj.get("kind"), meta.get("name")
    if not api_version or not kind:
        raise KubeError("object needs apiVersion and kind")
    return str(api_version), str(kind), str(name or "")


async def collect_pages(
    pages: Callable[[int], AsyncIterator[Obj]], limit: int, transform: Callable[[Obj], Obj] | None = None
) -> Obj:
    """All pages of `pages(limit)` as one List, each item passed through `transform` as its page
    arrives. If the continue token expires mid-list (410), one unpaginated list instead of failing,
    like client-go's pager: the pages read so far belong to a snapshot that is gone."""
    try:
        return await _joined(pages(limit), transform)
    except Gone:
        return await _joined(pages(0), transform)


async def _joined(pages: AsyncIterator[Obj], transform: Callable[[Obj], Obj] | None) -> Obj:
    items: Items = []
    last: Obj = {}
    async for last in pages:
        items.extend(last["items"] if transform is None else map(transform, last["items"]))
    return {**last, "items": items}


class Client:
    """Async client of one cluster; use as `async with Client(config) as client:`."""

    def __init__(
        self,
        config: ClusterConfig,
        *,
        name: str = "default",
        qps: float = 50.0,
        burst: int = 100,
        max_retries: int = 5,
    ) -> None:
        self.config = config
        self.name = name
        self.namespace = config.namespace
        self.transport = Transport(config, name=name, qps=qps, burst=burst, max_retries=max_retries)
        self.mapper = RESTMapper(self.transport)

    async def __aenter__(self) -> Client:
        await self.transport.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.transport.__aexit__(*exc)

    async def resource(self, api_version: str, kind: str) -> ResourceInfo:
        return await self.mapper.resource_for(api_version, kind)

    def _namespace(self, info: ResourceInfo, namespace: str | None, obj: Obj | None = None) -> str | None:
        """Single-object rule: argument, then the object's namespace, then the client's default."""
        if not info.namespaced:
            return None
        from_obj = ((obj or {}).get("metadata") or {}).get("namespace")
        return namespace or from_obj or self.namespace

    async def _object_path(
        self,
        api_version: str,
        kind: str,
        name: str,
        *,
        namespace: str | None,
        subresource: str | None = None,
        obj: Obj | None = None,
    ) -> str:
        info = await self.resource(api_version, kind)
        return resource_path(info, namespace=self._namespace(info, namespace, obj), name=name, subresource=subresource)

    async def get(
        self,
        api_version: str,
        kind: str,
        name: str,
        *,
        namespace: str | None = None,
        subresource: str | None = None,
        metadata_only: bool = False,
        resource_version: str | None = None,
    ) -> Obj:
        """One object; ``resource_version="0"`` lets the API server answer from its watch cache instead of
        a quorum read from etcd (cheaper, possibly a moment old)."""
        path = await self._object_path(api_version, kind, name, namespace=namespace, subresource=subresource)
        accept = METADATA_ACCEPT if metadata_only else "application/json"
        params = query(resourceVersion=resource_version)
        result: Obj = await self.transport.request("GET", path, params=params, accept=accept)
        return result

    async def list(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        options: ListOptions = EVERYTHING,
        limit: int = 500,
    ) -> Obj:
        """All pages of a list as one List object; items get apiVersion/kind filled in."""

        def pages(page_size: int) -> AsyncIterator[Obj]:
            return self.list_pages(api_version, kind, namespace=namespace, options=options, limit=page_size)

        return await collect_pages(pages, limit)

    async def list_pages(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        options: ListOptions = EVERYTHING,
        limit: int = 500,
    ) -> AsyncIterator[Obj]:
        """Each page of a list as it arrives, so a caller can trim or drop items before the next
        page is read (a cache of 10,000 objects then never holds all of them untrimmed at once).

        Every page is a List object like `list` returns, with the snapshot's resourceVersion (the
        first page's). A continue token that expired mid-list raises Gone after the pages already
        yielded: those are part of a lost snapshot (`collect_pages` then reads unpaginated).
        """
        info = await self.resource(api_version, kind)
        path = resource_path(info, namespace=namespace)
        accept = METADATA_LIST_ACCEPT if options.metadata_only else "application/json"
        selectors = options.selectors()
        item_api_version, item_kind = (
            ("meta.k8s.io/v1", "PartialObjectMetadata") if options.metadata_only else (info.api_version, info.kind)
        )
        resource_version = ""
        cont: str | None = None
        while True:
            params = {**selectors, **query(limit=limit or None, **{"continue": cont})}
            page: Obj = await self.transport.request("GET", path, params=params, accept=accept)
            meta = page.get("metadata") or {}
            resource_version = resource_version or meta.get("resourceVersion", "")
            items: Items = page.get("items") or []
            for item in items:
                item.setdefault("apiVersion", item_api_version)
                item.setdefault("kind", item_kind)
            yield {
                "apiVersion": item_api_version,
                "kind": f"{item_kind}List",
                "metadata": {"resourceVersion": resource_version},
                "items": items,
            }
            cont = meta.get("continue") or None
            if not cont:
                return

    async def create(
        self,
        obj: Obj,
        *,
        namespace: str | None = None,
        dry_run: bool = False,
        field_manager: str | None = None,
    ) -> Obj:
        api_version, kind, _ = _identity(obj)
        info = await self.resource(api_version, kind)
        path = resource_path(info, namespace=self._namespace(info, namespace, obj))
        params = query(dryRun=_dry_run(dry_run), fieldManager=field_manager)
        result: Obj = await self.transport.request("POST", path, params=params, body=obj)
        return result

    async def update(
        self,
        obj: Obj,
        *,
        namespace: str | None = None,
        subresource: str | None = None,
        dry_run: bool = False,
        field_manager: str | None = None,
    ) -> Obj:
        """PUT the whole object; its metadata.resourceVersion makes it an optimistic-lock write."""
        api_version, kind, name = _identity(obj)
        path = await self._object_path(api_version, kind, name, namespace=namespace, subresource=subresource, obj=obj)
        params = query(dryRun=_dry_run(dry_run), fieldManager=field_manager)
        result: Obj = await self.transport.request("PUT", path, params=params, body=obj)
        return result

    async def patch(
        self,
        api_version: str,
        kind: str,
        name: str,
        patch: Patch,
        *,
        namespace: str | None = None,
        patch_type: PatchType = "merge",
        subresource: str | None = None,
        dry_run: bool = False,
        field_manager: str | None = None,
    ) -> Obj:
        path = await self._object_path(api_version, kind, name, namespace=namespace, subresource=subresource)
        params = query(dryRun=_dry_run(dry_run), fieldManager=field_manager)
        result: Obj = await self.transport.request(
            "PATCH", path, params=params, body=patch, content_type=PATCH_CONTENT_TYPES[patch_type]
        )
        return result

    async def apply(
        self,
        obj: Obj,
        *,
        field_manager: str,
        force: bool = False,
        dry_run: bool = False,
        namespace: str | None = None,
        subresource: str | None = None,
    ) -> Obj:
        """Server-side apply: the object is the applied configuration of `field_manager`."""
        api_version, kind, name = _identity(obj)
        path = await self._object_path(api_version, kind, name, namespace=namespace, subresource=subresource, obj=obj)
        params = query(fieldManager=field_manager, force=force or None, dryRun=_dry_run(dry_run))
        result: Obj = await self.transport.request(
            "PATCH", path, params=params, body=obj, content_type=APPLY_CONTENT_TYPE
        )
        return result

    async def delete(
        self,
        api_version: str,
        kind: str,
        name: str,
        *,
        namespace: str | None = None,
        propagation_policy: PropagationPolicy | None = None,
        grace_period_seconds: int | None = None,
        preconditions: Obj | None = None,
        dry_run: bool = False,
    ) -> Obj:
        path = await self._object_path(api_version, kind, name, namespace=namespace)
        options: Obj = {"apiVersion": "v1", "kind": "DeleteOptions"}
        if propagation_policy:
            options["propagationPolicy"] = propagation_policy
        if grace_period_seconds is not None:
            options["gracePeriodSeconds"] = grace_period_seconds
        if preconditions:
            options["preconditions"] = preconditions
        if dry_run:
            options["dryRun"] = ["All"]
        result: Obj = await self.transport.request("DELETE", path, body=options)
        return result

    async def watch(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        options: ListOptions = EVERYTHING,
        resource_version: str | None = None,
        allow_bookmarks: bool = True,
        timeout_seconds: int | None = None,
    ) -> AsyncIterator[Obj]:
        """One watch stream: yields raw watch events until the server ends it.

        An ERROR event carrying a Status is raised as the typed ApiError (e.g. Gone for an expired
        resourceVersion), so callers handle one error path.
        """
        info = await self.resource(api_version, kind)
        path = resource_path(info, namespace=namespace)
        params = {
            **query(watch=True, resourceVersion=resource_version or None),
            **options.selectors(),
            **query(allowWatchBookmarks=allow_bookmarks or None, timeoutSeconds=timeout_seconds),
        }
        accept = METADATA_ACCEPT if options.metadata_only else "application/json"
        async with self.transport.stream("GET", path, params=params, accept=accept) as lines:
            async for line in lines:
                event: Obj = orjson.loads(line)
                if event.get("type") == "ERROR":
                    raise error_from_status(event.get("object") or {}, "WATCH", path)
                yield event
