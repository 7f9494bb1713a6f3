"""How the target cache names things: an MR, a watched type, one object, and the order of its versions (pure).

A watch is keyed by :data:`TypeKey` ``(apiVersion, kind)`` (the version matters: it is the version the watch
lists and the one our writes return), an object by :data:`RecordKey`, the type key plus its informer store
key. resourceVersions of one object compare as etcd revisions (:func:`not_older`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MRKey = tuple[str, str]
"""``(namespace, name)`` of a ManagedResource (the work queue's item)."""
TypeKey = tuple[str, str]
"""``(apiVersion, kind)``: one watch (GroupKinds, elsewhere called "kind", leave out the version)."""
RecordKey = tuple[str, str, str]
"""``(apiVersion, kind, "namespace/name")`` (``name`` alone when cluster-scoped)."""


def record_key(api_version: str, kind: str, name: str, namespace: str | None) -> RecordKey:
    return api_version, kind, f"{namespace}/{name}" if namespace else name


def record_key_of(obj: Mapping[str, Any]) -> RecordKey:
    metadata = obj.get("metadata") or {}
    return record_key(
        obj.get("apiVersion") or "", obj.get("kind") or "", metadata.get("name") or "", metadata.get("namespace")
    )


def split_key(rk: RecordKey) -> tuple[str, str, str, str | None]:
    """``(apiVersion, kind, name, namespace)`` of a record key."""
    namespace, _, name = rk[2].rpartition("/")
    return rk[0], rk[1], name, namespace or None


def resource_version(obj: Mapping[str, Any] | None) -> str:
    return str(((obj or {}).get("metadata") or {}).get("resourceVersion") or "")


def not_older(rv: str, than: str) -> bool:
    """Whether resourceVersion ``rv`` is ``than`` or newer (etcd revisions compare as integers; opaque
    values only when equal)."""
    if rv.isdigit() and than.isdigit():
        return int(rv) >= int(than)
    return rv == than
