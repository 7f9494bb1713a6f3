"""How the target cache names objects, and how it orders their versions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from resource_manager.controller.keys import not_older, record_key, record_key_of, resource_version, split_key


def test_record_keys_name_namespaced_and_cluster_scoped_objects() -> None:
    assert record_key("v1", "Namespace", "x", None) == ("v1", "Namespace", "x")
    assert record_key("v1", "ConfigMap", "x", "ns") == ("v1", "ConfigMap", "ns/x")
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "ns"}}
    assert record_key_of(obj) == ("v1", "ConfigMap", "ns/x")
    assert split_key(("v1", "ConfigMap", "ns/x")) == ("v1", "ConfigMap", "x", "ns")
    assert split_key(("v1", "Namespace", "x")) == ("v1", "Namespace", "x", None)


def test_resource_version_of_nothing_is_empty() -> None:
    assert resource_version(None) == resource_version({"metadata": {}}) == ""
    assert resource_version({"metadata": {"resourceVersion": "7"}}) == "7"


@given(st.integers(0, 10**12), st.integers(0, 10**12))
def test_resource_versions_compare_as_revisions(a: int, b: int) -> None:
    assert not_older(str(a), str(b)) == (a >= b)
    assert not_older(f"x{a}", f"x{b}") == (a == b)  # opaque values: only equality is known
