"""The informer as a reflector sink, without a cluster: handler events always replay to the cache.

Property: whatever mix of full lists (re-lists after a 410) and watch events arrives, a consumer that
applies the handler calls to its own dict ends up with exactly the informer's cache, and after a full
list the cache is exactly that list (so deletions in the gap are reported).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kubecore import Client, ClusterConfig
from kubecore.informer import Informer
from kubecore.store import object_key

NAMES = ["a", "b", "c", "d"]


def obj(name: str, rv: int) -> dict[str, Any]:
    return {"metadata": {"namespace": "ns", "name": name, "resourceVersion": str(rv)}}


snapshot = st.dictionaries(st.sampled_from(NAMES), st.integers(1, 5)).map(
    lambda d: ("list", [obj(n, rv) for n, rv in d.items()])
)
event = st.tuples(st.sampled_from(["ADDED", "MODIFIED", "DELETED"]), st.sampled_from(NAMES), st.integers(1, 5)).map(
    lambda t: (t[0], [obj(t[1], t[2])])
)


def informer_with_mirror() -> tuple[Informer, dict[str, dict[str, Any]], list[str]]:
    informer = Informer(Client(ClusterConfig(server="https://unused.invalid")), "v1", "ConfigMap")
    mirror: dict[str, dict[str, Any]] = {}
    log: list[str] = []

    def add(o: dict[str, Any]) -> None:
        assert object_key(o) not in mirror
        mirror[object_key(o)] = o
        log.append("add")

    def update(old: dict[str, Any], new: dict[str, Any]) -> None:
        assert mirror[object_key(new)] is old
        mirror[object_key(new)] = new
        log.append("update")

    def delete(o: dict[str, Any]) -> None:
        mirror.pop(object_key(o), None)
        log.append("delete")

    informer.add_handler(on_add=add, on_update=update, on_delete=delete)
    return informer, mirror, log


@given(st.lists(st.one_of(snapshot, event), max_size=30))
def test_handlers_replay_to_the_cache(steps: list[tuple[str, list[dict[str, Any]]]]) -> None:
    informer, mirror, _ = informer_with_mirror()
    for kind, objects in steps:
        if kind == "list":
            informer.replace(objects, "rv")
            assert sorted(informer.store.keys()) == sorted(object_key(o) for o in objects)
        else:
            informer.apply_event(kind, objects[0])
        assert mirror == {object_key(o): o for o in informer.store.list()}


def test_relist_reports_gap_deletions_and_skips_unchanged() -> None:
    informer, _, log = informer_with_mirror()
    informer.replace([obj("a", 1), obj("b", 1)], "1")
    assert informer.has_synced and log == ["add", "add"]
    log.clear()
    informer.replace([obj("a", 1), obj("c", 3)], "3")  # b deleted and c created while we were away
    assert sorted(log) == ["add", "delete"]
