"""`fetch_and_resolve`: the statuses of a set of objects, read once from the cluster (network).

Like upstream's caching cluster reader: one LIST per (kind, namespace) when several ids share it
(one GET for a lone id), and one LIST of ReplicaSets / Pods per namespace that holds a Deployment,
ReplicaSet or StatefulSet (and of EndpointSlices / PodDisruptionBudgets when an option reads them),
so a thousand ids cost a handful of requests.  Per-object failures are
values: NotFound for a 404, Unknown with the error for anything else.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

import aiohttp

from kstatus import Options
from kstatus.live.events import ResourceStatus, not_found, unknown
from kstatus.live.ids import ObjectId
from kstatus.live.kinds import not_served, scope_problem, served
from kstatus.live.resolve import GroupKind, read_kinds, resolve
from kstatus.options import DEFAULT_OPTIONS
from kubecore import Client, KubeError, NotFound, ResourceInfo
from kubecore.gvk import join_api_version

Obj = dict[str, Any]
FAILURES = (KubeError, aiohttp.ClientError, TimeoutError)


async def fetch_and_resolve(
    client: Client, ids: Iterable[ObjectId], *, options: Options = DEFAULT_OPTIONS, now: datetime | None = None
) -> list[ResourceStatus]:
    """One status per id, in the order given (duplicates are answered once each)."""
    wanted = list(dict.fromkeys(ids))
    groups: dict[tuple[GroupKind, str], list[ObjectId]] = defaultdict(list)
    for oid in wanted:
        groups[(oid.group_kind, oid.namespace)].append(oid)
    infos = {gk: await served(client, *gk) for gk in {gk for gk, _ in groups}}
    results: dict[ObjectId, ResourceStatus] = {}
    objects: dict[ObjectId, Obj] = {}
    reads = [_read(client, infos[gk], ns, members) for (gk, ns), members in groups.items()]
    for found, problems in await asyncio.gather(*reads):
        objects.update(found)
        results.update(problems)
    children = await _children(client, objects, options)
    for oid, obj in objects.items():
        results[oid] = _resolve(oid, obj, children, options, now)
    return [results[oid] for oid in wanted]


async def _read(
    client: Client, info: ResourceInfo | None, namespace: str, ids: list[ObjectId]
) -> tuple[dict[ObjectId, Obj], dict[ObjectId, ResourceStatus]]:
    """The objects of one (kind, namespace) that exist, and statuses for those that cannot be read."""
    if info is None:
        return {}, {oid: not_served(oid) for oid in ids}
    problems = {oid: p for oid in ids if (p := scope_problem(oid, info)) is not None}
    ids = [oid for oid in ids if oid not in problems]
    if not ids:
        return {}, problems
    ns = namespace if info.namespaced else None
    try:
        if len(ids) == 1:
            by_name = {ids[0].name: await client.get(info.api_version, info.kind, ids[0].name, namespace=ns)}
        else:
            listed = await client.list(info.api_version, info.kind, namespace=ns)
            by_name = {item["metadata"]["name"]: item for item in listed["items"]}
    except NotFound:
        by_name = {}
    except FAILURES as exc:
        return {}, problems | {oid: unknown(oid, str(exc) or type(exc).__name__) for oid in ids}
    found = {oid: by_name[oid.name] for oid in ids if oid.name in by_name}
    missing = {oid: not_found(oid) for oid in ids if oid.name not in by_name}
    return found, problems | missing


class _Children:
    """Fetched ReplicaSets and Pods per namespace, and the errors of lists that failed."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.items: dict[tuple[GroupKind, str], list[Obj]] = {}
        self.errors: dict[tuple[GroupKind, str], str] = {}

    def lookup(self, kind: GroupKind, namespace: str, selector: Obj) -> list[Obj]:
        return self.items.get((kind, namespace), [])

    def error_for(self, kind: GroupKind, namespace: str) -> str | None:
        """The first failed list among the kinds the status of `kind` reads, recursively."""
        for child in read_kinds(kind, self.options):
            if (child, namespace) in self.errors:
                return self.errors[(child, namespace)]
        return None


async def _children(client: Client, parents: Iterable[ObjectId], options: Options) -> _Children:
    """LIST every kind the parents' statuses read (recursively) in every namespace that holds one."""
    needed = {(child, oid.namespace) for oid in parents for child in read_kinds(oid.group_kind, options)}
    out = _Children(options)

    async def list_one(kind: GroupKind, namespace: str) -> None:
        api_version = join_api_version(kind[0], "v1")
        try:
            listed = await client.list(api_version, kind[1], namespace=namespace)
            out.items[(kind, namespace)] = listed["items"]
        except FAILURES as exc:
            out.errors[(kind, namespace)] = str(exc) or type(exc).__name__

    await asyncio.gather(*(list_one(kind, ns) for kind, ns in needed))
    return out


def _resolve(oid: ObjectId, obj: Obj, children: _Children, options: Options, now: datetime | None) -> ResourceStatus:
    error = children.error_for(oid.group_kind, oid.namespace)
    if error is not None:
        return unknown(oid, error, obj)
    status = resolve(obj, children.lookup, options=options, now=now)
    # Report under the caller's id (e.g. a cluster-scoped object asked for with a namespace).
    return status if status.id == oid else replace(status, id=oid)
