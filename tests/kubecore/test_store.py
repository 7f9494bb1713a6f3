"""Store and its indexes: indexes always equal a brute-force recomputation."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kubecore.store import Store, namespace_index, object_key


def obj(ns: str, name: str, app: str, rv: int = 1) -> dict[str, Any]:
    return {"metadata": {"namespace": ns, "name": name, "labels": {"app": app}, "resourceVersion": str(rv)}}


def by_app(o: dict[str, Any]) -> list[str]:
    return [o["metadata"]["labels"]["app"]]


def test_keys() -> None:
    assert object_key(obj("ns", "a", "x")) == "ns/a"
    assert object_key({"metadata": {"name": "node-1"}}) == "node-1"


def test_index_follows_updates_and_removal() -> None:
    store = Store({"app": by_app, "namespace": namespace_index})
    store.upsert(obj("ns", "a", "web"))
    store.upsert(obj("ns", "b", "web"))
    assert [object_key(o) for o in store.by_index("app", "web")] == ["ns/a", "ns/b"]
    old = store.upsert(obj("ns", "a", "db", rv=2))
    assert old is not None and old["metadata"]["resourceVersion"] == "1"
    assert [object_key(o) for o in store.by_index("app", "web")] == ["ns/b"]
    store.remove("ns/b")
    assert store.index_values("app") == ["db"] and store.by_index("namespace", "ns") == [obj("ns", "a", "db", 2)]
    with pytest.raises(KeyError):
        store.by_index("missing", "x")


def test_late_indexer_indexes_existing_items() -> None:
    store = Store()
    store.upsert(obj("ns", "a", "web"))
    store.add_indexer("app", by_app)
    assert len(store.by_index("app", "web")) == 1
    with pytest.raises(ValueError):
        store.add_indexer("app", by_app)


ops = st.lists(
    st.tuples(
        st.booleans(), st.sampled_from(["a", "b", "c"]), st.sampled_from(["x", "y"]), st.sampled_from(["n1", "n2"])
    ),
    max_size=40,
)


@given(ops)
def test_indexes_match_brute_force(operations: list[tuple[bool, str, str, str]]) -> None:
    store = Store({"app": by_app, "namespace": namespace_index})
    for upsert, name, app, ns in operations:
        if upsert:
            store.upsert(obj(ns, name, app))
        else:
            store.remove(f"{ns}/{name}")
    for app in ("x", "y"):
        expected = sorted(object_key(o) for o in store.list() if by_app(o) == [app])
        assert [object_key(o) for o in store.by_index("app", app)] == expected
    assert store.index_values("namespace") == sorted({o["metadata"]["namespace"] for o in store.list()})
