"""A keyed object cache with secondary indexes, pure (no I/O, no asyncio).

The informer keeps its cache here. Indexes answer "which cached objects have value V" without a scan:
e.g. the ManagedResource controller maps a Secret to the MRs that reference it, or a target object's
origin annotation to its MR.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Mapping
from typing import Any

Obj = dict[str, Any]
IndexFunc = Callable[[Obj], Iterable[str]]


def object_key(obj: Obj) -> str:
    """ "namespace/name", or "name" for cluster-scoped objects (client-go's MetaNamespaceKeyFunc)."""
    meta = obj.get("metadata") or {}
    namespace, name = meta.get("namespace"), meta.get("name", "")
    return f"{namespace}/{name}" if namespace else str(name)


def namespace_index(obj: Obj) -> list[str]:
    """Index function: the object's namespace ("" for cluster-scoped objects)."""
    return [(obj.get("metadata") or {}).get("namespace") or ""]


class Store:
    """Objects by key, plus named indexes kept in step on every change."""

    def __init__(self, indexers: Mapping[str, IndexFunc] | None = None) -> None:
        self._items: dict[str, Obj] = {}
        self._indexers: dict[str, IndexFunc] = {}
        self._indices: dict[str, dict[str, set[str]]] = {}
        for name, func in (indexers or {}).items():
            self.add_indexer(name, func)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: str) -> bool:
        return key in self._items

    def get(self, key: str) -> Obj | None:
        return self._items.get(key)

    def list(self) -> builtins.list[Obj]:
        return list(self._items.values())

    def keys(self) -> builtins.list[str]:
        return list(self._items)

    def by_index(self, index: str, value: str) -> builtins.list[Obj]:
        if index not in self._indexers:
            raise KeyError(f"no index named {index!r}")
        return [self._items[k] for k in sorted(self._indices[index].get(value, ()))]

    def index_values(self, index: str) -> builtins.list[str]:
        """The values that currently have at least one object in the index."""
        return sorted(self._indices[index])

    def add_indexer(self, name: str, func: IndexFunc) -> None:
        if name in self._indexers:
            raise ValueError(f"index {name!r} exists already")
        self._indexers[name] = func
        self._indices[name] = {}
        for key, obj in self._items.items():
            self._index_one(name, key, obj)

    def upsert(self, obj: Obj) -> Obj | None:
        """Insert or replace; returns the previous object with the same key, if any."""
        key = object_key(obj)
        old = self._items.get(key)
        if old is not None:
            self._unindex(key, old)
        self._items[key] = obj
        for name in self._indexers:
            self._index_one(name, key, obj)
        return old

    def remove(self, key: str) -> Obj | None:
        old = self._items.pop(key, None)
        if old is not None:
            self._unindex(key, old)
        return old

    def _index_one(self, name: str, key: str, obj: Obj) -> None:
        index = self._indices[name]
        for value in self._indexers[name](obj):
            index.setdefault(value, set()).add(key)

    def _unindex(self, key: str, obj: Obj) -> None:
        for name, func in self._indexers.items():
            index = self._indices[name]
            for value in func(obj):
                keys = index.get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[value]
