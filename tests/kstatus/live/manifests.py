"""Manifests the cluster tests apply: Deployments kwok rolls out (or crash-loops), CRDs and their CRs."""

from __future__ import annotations

import uuid
from typing import Any

Obj = dict[str, Any]
CRASH_LOOP = "devcluster.resource-manager.dev/crash-loop"


def deployment(name: str, namespace: str, *, replicas: int = 1, crash_loop: bool = False, **spec: Any) -> Obj:
    annotations = {CRASH_LOOP: "true"} if crash_loop else {}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}, "annotations": annotations},
                "spec": {"containers": [{"name": "app", "image": "example.invalid/app:1"}]},
            },
            **spec,
        },
    }


def config_map(name: str, namespace: str) -> Obj:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace}}


def crd(group: str, kind: str) -> Obj:
    """A namespaced CRD with a status subresource whose fields are free-form (any status goes)."""
    plural = kind.lower() + "s"
    free = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"kind": kind, "plural": plural, "singular": kind.lower(), "listKind": f"{kind}List"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": free, "status": free}}},
                }
            ],
        },
    }


def unique_group() -> str:
    """A CRD group no other test uses, so a test can watch a kind that does not exist yet."""
    return f"t{uuid.uuid4().hex[:8]}.live.kstatus.test"


def custom(group: str, kind: str, name: str, namespace: str) -> Obj:
    return {"apiVersion": f"{group}/v1", "kind": kind, "metadata": {"name": name, "namespace": namespace}}
