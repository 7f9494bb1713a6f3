"""Pure parts of the live CLI: TYPE/NAME aliases, manifest scopes, durations, and the summary line."""

from __future__ import annotations

from typing import Any

import pytest

from kstatus import Status
from kstatus.live.cli import parse_duration
from kstatus.live.events import ResourceStatus
from kstatus.live.ids import ObjectId
from kstatus.live.table import duration, explain, summary
from kstatus.live.targets import KindRef, TargetError, split_target, type_aliases
from kstatus.live.tracker import Outcome
from kubecore.cli import UsageFailure
from kubecore.mapping import crd_scopes

DISCOVERY = [
    {
        "kind": "APIGroupDiscoveryList",
        "items": [
            {
                "metadata": {},
                "versions": [
                    {
                        "version": "v1",
                        "resources": [
                            {
                                "resource": "services",
                                "singularResource": "service",
                                "shortNames": ["svc"],
                                "scope": "Namespaced",
                                "responseKind": {"kind": "Service"},
                            },
                            {"resource": "events", "scope": "Namespaced", "responseKind": {"kind": "Event"}},
                        ],
                    }
                ],
            }
        ],
    },
    {
        "kind": "APIGroupDiscoveryList",
        "items": [
            {
                "metadata": {"name": "apps"},
                "versions": [
                    {
                        "version": "v1",
                        "resources": [
                            {
                                "resource": "deployments",
                                "singularResource": "deployment",
                                "shortNames": ["deploy"],
                                "scope": "Namespaced",
                                "responseKind": {"kind": "Deployment"},
                            }
                        ],
                    }
                ],
            },
            {
                "metadata": {"name": "events.k8s.io"},
                "versions": [
                    {
                        "version": "v1",
                        "resources": [{"resource": "events", "scope": "Namespaced", "responseKind": {"kind": "Event"}}],
                    }
                ],
            },
            {
                "metadata": {"name": "rbac.authorization.k8s.io"},
                "versions": [
                    {
                        "version": "v1",
                        "resources": [
                            {"resource": "clusterroles", "scope": "Cluster", "responseKind": {"kind": "ClusterRole"}}
                        ],
                    }
                ],
            },
        ],
    },
]


@pytest.mark.parametrize(
    ("alias", "ref"),
    [
        ("deploy", KindRef("apps", "Deployment", True)),
        ("deployment", KindRef("apps", "Deployment", True)),
        ("deployments.apps", KindRef("apps", "Deployment", True)),
        ("svc", KindRef("", "Service", True)),
        ("service", KindRef("", "Service", True)),
        ("events", KindRef("", "Event", True)),  # the core group wins, as in kubectl
        ("events.events.k8s.io", KindRef("events.k8s.io", "Event", True)),
        ("clusterrole", KindRef("rbac.authorization.k8s.io", "ClusterRole", False)),
    ],
)
def test_type_aliases_like_kubectl(alias: str, ref: KindRef) -> None:
    assert type_aliases(DISCOVERY)[alias] == ref


@pytest.mark.parametrize("arg", ["web", "deploy/", "/web", "deploy/a/b"])
def test_targets_must_be_type_slash_name(arg: str) -> None:
    with pytest.raises(TargetError, match="expected TYPE/NAME"):
        split_target(arg)
    assert split_target("deploy/web") == ("deploy", "web")


def test_crd_scopes_from_manifests() -> None:
    def crd(kind: str, scope: str) -> dict[str, Any]:
        spec = {"group": "example.com", "scope": scope, "names": {"kind": kind}}
        return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "spec": spec}

    objects: list[dict[str, Any]] = [crd("Widget", "Namespaced"), crd("Cluster", "Cluster"), {"kind": "ConfigMap"}]
    assert crd_scopes(objects) == {("example.com", "Widget"): True, ("example.com", "Cluster"): False}


@pytest.mark.parametrize(("text", "seconds"), [("5m", 300), ("1m30s", 90), ("1.5h", 5400), ("250ms", 0.25)])
def test_go_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "5x", "m", "0s", "1m 2s"])
def test_bad_durations_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageFailure, match="invalid duration"):
        parse_duration(text)


def test_durations_print_like_go() -> None:
    assert [duration(s) for s in (4.24, 65, 7203)] == ["4.2s", "1m5s", "2h0m3s"]


WEB = ObjectId("apps", "Deployment", "shop", "web")
CFG = ObjectId("", "ConfigMap", "shop", "cfg")


def test_summary_lines() -> None:
    rs = ResourceStatus(ObjectId("apps", "ReplicaSet", "shop", "web-1"), Status.FAILED, "1 pods have failed")
    web = ResourceStatus(WEB, Status.IN_PROGRESS, "Available: 0/1", generated=(rs,))
    cfg = ResourceStatus(CFG, Status.CURRENT, "Resource is always ready")
    assert summary(Outcome.REACHED, [cfg], Status.CURRENT, 4.24) == "all 1 resources reached Current after 4.2s"
    assert summary(Outcome.FAILED, [cfg, web], Status.CURRENT, 9) == (
        "failed after 9.0s: Deployment/shop/web InProgress: Available: 0/1 (ReplicaSet/shop/web-1: 1 pods have failed)"
    )
    assert summary(Outcome.TIMED_OUT, [cfg, web], Status.CURRENT, 300) == (
        "timed out after 5m0s: 1 of 2 resources not Current: Deployment/shop/web "
        "(InProgress: Available: 0/1 (ReplicaSet/shop/web-1: 1 pods have failed))"
    )
    assert summary(Outcome.ERROR, [], Status.CURRENT, 1, "Forbidden (403)") == "error after 1.0s: Forbidden (403)"
    assert explain(ResourceStatus(CFG, Status.UNKNOWN, error="boom")) == "boom"
