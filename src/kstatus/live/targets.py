"""Which objects a command is about: `TYPE/NAME` arguments or manifests, as `ObjectId`s.

`TYPE` is read the way kubectl reads it: a kind, plural, singular or short name, optionally
qualified with its group (`deployment`, `deploy`, `deployments.apps`, `Deployment`).  The aliases
come from aggregated discovery (the REST mapper knows kinds and plurals, not short names).  A
manifest without a namespace gets the default namespace when its kind is namespaced, judged by
the cluster or, for a kind that is not served yet, by a CRD among the same manifests.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from kstatus.live.ids import IdError, ObjectId, id_of
from kstatus.live.kinds import served
from kubecore import Client, ListOptions
from kubecore.mapping import DISCOVERY_ACCEPT, crd_scopes

GroupKind = tuple[str, str]


class TargetError(ValueError):
    """An argument or manifest that names no object the command can look for."""


class KindRef(NamedTuple):
    group: str
    kind: str
    namespaced: bool


def split_target(arg: str) -> tuple[str, str]:
    """ "deploy/web" → ("deploy", "web")."""
    type_name, slash, name = arg.partition("/")
    if not slash or not type_name or not name or "/" in name:
        raise TargetError(f"{arg!r}: expected TYPE/NAME, e.g. deployment/web")
    return type_name, name


def type_aliases(docs: Iterable[dict[str, Any]]) -> dict[str, KindRef]:
    """Every lower-case name a kind goes by, from aggregated discovery documents (first wins:
    the core group, then groups in discovery order, preferred versions first, as kubectl)."""
    out: dict[str, KindRef] = {}
    for doc in docs:
        for group_doc in doc.get("items") or []:
            group = (group_doc.get("metadata") or {}).get("name") or ""
            for version_doc in group_doc.get("versions") or []:
                for res in version_doc.get("resources") or []:
                    kind = (res.get("responseKind") or {}).get("kind", "")
                    ref = KindRef(group, kind, res.get("scope") == "Namespaced")
                    names = [res.get("resource", ""), res.get("singularResource", ""), kind.lower()]
                    names.extend(res.get("shortNames") or [])
                    for name in filter(None, names):
                        out.setdefault(name.lower(), ref)
                        out.setdefault(f"{name.lower()}.{group}", ref)
    return out


async def discover_aliases(client: Client) -> dict[str, KindRef]:
    docs = [await client.transport.request("GET", path, accept=DISCOVERY_ACCEPT) for path in ("/api", "/apis")]
    return type_aliases(docs)


def _kind(aliases: dict[str, KindRef], type_name: str, arg: str) -> KindRef:
    """The kind a TYPE names; an unknown TYPE is an error (there is no manifest to trust)."""
    ref = aliases.get(type_name.lower())
    if ref is None:
        raise TargetError(f'{arg!r}: the server doesn\'t have a resource type "{type_name}"')
    return ref


async def argument_ids(client: Client, args: Sequence[str], namespace: str) -> list[ObjectId]:
    """Ids of `TYPE/NAME` arguments."""
    aliases = await discover_aliases(client)
    ids = []
    for arg in args:
        type_name, name = split_target(arg)
        ref = _kind(aliases, type_name, arg)
        ids.append(ObjectId(ref.group, ref.kind, namespace if ref.namespaced else "", name))
    return ids


async def selected_ids(
    client: Client, types: Sequence[str], namespace: str | None, selector: str | None
) -> list[ObjectId]:
    """Ids of the objects of bare `TYPE` arguments that exist now (kubectl's `-l`, `--all`, `-A`):
    one metadata-only LIST per type, in `namespace` or, when None, in every namespace."""
    aliases = await discover_aliases(client)
    ids = []
    for type_name in types:
        ref = _kind(aliases, type_name, type_name)
        info = await served(client, ref.group, ref.kind)
        if info is None:
            continue
        listing = await client.list(
            info.api_version,
            ref.kind,
            namespace=namespace if ref.namespaced else None,
            options=ListOptions(label_selector=selector, metadata_only=True),
        )
        for item in listing["items"]:
            meta = item["metadata"]
            ids.append(ObjectId(ref.group, ref.kind, meta.get("namespace") or "", meta["name"]))
    return ids


async def manifest_ids(client: Client, objects: Sequence[dict[str, Any]], namespace: str) -> list[ObjectId]:
    """Ids of manifests, in order, each once; a namespace is filled in only where the kind has one."""
    scopes = crd_scopes(objects)
    namespaced: dict[GroupKind, bool] = {}  # one discovery lookup per kind (a miss refreshes discovery)
    ids = []
    for obj in objects:
        try:
            oid = id_of(obj)
        except IdError as err:
            raise TargetError(str(err)) from None
        if not oid.namespace:
            if oid.group_kind not in namespaced:
                namespaced[oid.group_kind] = await _namespaced(client, oid.group_kind, scopes)
            if namespaced[oid.group_kind]:
                oid = oid._replace(namespace=namespace)
        ids.append(oid)
    return list(dict.fromkeys(ids))


async def _namespaced(client: Client, kind: GroupKind, crd_scopes: dict[GroupKind, bool]) -> bool:
    info = await served(client, *kind)
    if info is not None:
        return info.namespaced
    return crd_scopes.get(kind, True)  # most kinds are namespaced; kubectl assumes so too
