"""Aggregated discovery parsing (the live RESTMapper is exercised in test_client.py)."""

from __future__ import annotations

from typing import Any

import pytest

from kubecore.errors import KubeError
from kubecore.mapping import ResourceInfo, crd_scopes, parse_discovery


def resource(plural: str, kind: str, scope: str, group: str, version: str, **extra: Any) -> dict[str, Any]:
    return {"resource": plural, "responseKind": {"group": group, "version": version, "kind": kind},
            "scope": scope, "verbs": ["get", "list"], **extra}  # fmt: skip


DOC = {
    "kind": "APIGroupDiscoveryList",
    "apiVersion": "apidiscovery.k8s.io/v2",
    "items": [
        {"metadata": {"name": "apps"}, "versions": [
            {"version": "v1", "resources": [
                resource("deployments", "Deployment", "Namespaced", "apps", "v1",
                         subresources=[{"subresource": "status"}, {"subresource": "scale"}]),
            ]},
        ]},
        {"metadata": {}, "versions": [{"version": "v1", "resources": [
            resource("namespaces", "Namespace", "Cluster", "", "v1"),
        ]}]},
    ],
}  # fmt: skip


def test_parse_aggregated_discovery() -> None:
    infos = parse_discovery(DOC)
    assert infos == [
        ResourceInfo("apps", "v1", "Deployment", "deployments", True, frozenset({"get", "list"}),
                     frozenset({"status", "scale"})),
        ResourceInfo("", "v1", "Namespace", "namespaces", False, frozenset({"get", "list"}), frozenset()),
    ]  # fmt: skip


def test_legacy_discovery_is_refused_with_a_reason() -> None:
    with pytest.raises(KubeError, match="aggregated discovery"):
        parse_discovery({"kind": "APIGroupList", "groups": []})


def _crd(group: object, kind: object, scope: object, api_version: str = "apiextensions.k8s.io/v1") -> dict[str, Any]:
    spec = {"group": group, "names": {"kind": kind}, "scope": scope}
    return {"apiVersion": api_version, "kind": "CustomResourceDefinition", "spec": spec}


def test_crd_scopes_answer_only_for_valid_crds() -> None:
    objects = [
        _crd("example.com", "Widget", "Namespaced"),
        _crd("example.com", "Gadget", "Cluster"),
        _crd("example.com", "NoScope", None),  # the API server rejects it: no answer
        _crd("example.com", "Odd", "Global"),
        _crd("", "NoGroup", "Cluster"),
        _crd("example.com", "Other", "Cluster", api_version="other.io/v1"),  # not the CRD kind
        {"apiVersion": "v1", "kind": "ConfigMap"},
    ]
    assert crd_scopes(objects) == {("example.com", "Widget"): True, ("example.com", "Gadget"): False}
