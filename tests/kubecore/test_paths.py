"""REST path and query building."""

from __future__ import annotations

import pytest

from kubecore.gvk import split_api_version
from kubecore.mapping import ResourceInfo
from kubecore.paths import label_selector, query, resource_path

CM = ResourceInfo("", "v1", "ConfigMap", "configmaps", namespaced=True)
DEPLOY = ResourceInfo("apps", "v1", "Deployment", "deployments", namespaced=True)
CRD = ResourceInfo("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", False)


def test_core_and_group_collections() -> None:
    assert resource_path(CM) == "/api/v1/configmaps"
    assert resource_path(CM, namespace="ns") == "/api/v1/namespaces/ns/configmaps"
    assert resource_path(DEPLOY, namespace="ns", name="web") == "/apis/apps/v1/namespaces/ns/deployments/web"


def test_cluster_scoped_ignores_namespace_and_subresource_goes_last() -> None:
    assert resource_path(CRD, namespace="ns", name="a.b") == (
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/a.b"
    )
    assert resource_path(DEPLOY, namespace="n", name="w", subresource="status") == (
        "/apis/apps/v1/namespaces/n/deployments/w/status"
    )


@pytest.mark.parametrize("name", ["", ".", "..", "a/b"])
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        resource_path(CM, namespace="ns", name=name)


def test_subresource_needs_a_name() -> None:
    with pytest.raises(ValueError):
        resource_path(CM, subresource="status")


def test_names_are_percent_encoded() -> None:
    assert resource_path(CM, namespace="ns", name="a:b") == "/api/v1/namespaces/ns/configmaps/a%3Ab"


def test_query_spelling() -> None:
    assert query(watch=True, force=False, limit=5, labelSelector=None) == {
        "watch": "true",
        "force": "false",
        "limit": "5",
    }
    assert label_selector({"b": "2", "a": "1"}) == "a=1,b=2"


def test_api_version_split() -> None:
    assert split_api_version("apps/v1") == ("apps", "v1")
    assert split_api_version("v1") == ("", "v1")
    assert CM.api_version == "v1" and DEPLOY.api_version == "apps/v1"
