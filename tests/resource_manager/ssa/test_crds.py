"""The CRD lookup: custom resources wait for the CRD their MR brings (spec §10.7)."""

from __future__ import annotations

from resource_manager.ssa.crds import crd_index, defining_crd


def test_custom_resources_wait_for_their_crd_in_the_same_mr() -> None:
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "foos.x.io"},
        "spec": {"group": "x.io", "names": {"kind": "Foo", "plural": "foos"}},
    }
    index = crd_index([crd, {"apiVersion": "v1", "kind": "ConfigMap"}])
    assert index == {("x.io", "Foo"): "foos.x.io"}
    assert defining_crd({"apiVersion": "x.io/v1beta1", "kind": "Foo"}, index) == "foos.x.io"
    assert defining_crd({"apiVersion": "y.io/v1", "kind": "Foo"}, index) is None
