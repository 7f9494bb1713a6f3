"""Builders for the workload objects the live tests resolve, with only the fields that matter."""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]
SELECTOR = {"matchLabels": {"app": "web"}}


def obj(
    api: str,
    kind: str,
    name: str,
    *,
    namespace: str = "ns",
    labels: dict[str, str] | None = None,
    spec: Obj | None = None,
    status: Obj | None = None,
    **meta: Any,
) -> Obj:
    out: Obj = {
        "apiVersion": api,
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace, "labels": labels or {}, **meta},
    }
    if spec is not None:
        out["spec"] = spec
    if status is not None:
        out["status"] = status
    return out


def pod(name: str, *, labels: dict[str, str] | None = None, status: Obj | None = None, **meta: Any) -> Obj:
    return obj(
        "v1",
        "Pod",
        name,
        labels={"app": "web"} if labels is None else labels,
        status=status or {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]},
        **meta,
    )


def crash_looping(name: str) -> Obj:
    waiting = {"state": {"waiting": {"reason": "CrashLoopBackOff"}}}
    return pod(name, status={"phase": "Running", "containerStatuses": [{"name": "app", **waiting}]})


def unschedulable(name: str, created: str) -> Obj:
    cond = {"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}
    return pod(name, status={"phase": "Pending", "conditions": [cond]}, creationTimestamp=created)


def replica_set(name: str, *, ready: int = 1, spec_replicas: int = 1) -> Obj:
    status = {"replicas": ready, "fullyLabeledReplicas": ready, "availableReplicas": ready, "readyReplicas": ready}
    return obj(
        "apps/v1",
        "ReplicaSet",
        name,
        labels={"app": "web"},
        spec={"replicas": spec_replicas, "selector": SELECTOR},
        status=status,
    )


def deployment(name: str, *, ready: int = 1) -> Obj:
    conds = [
        {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
        {"type": "Available", "status": "True"},
    ]
    counts = {"replicas": 1, "updatedReplicas": 1, "readyReplicas": ready, "availableReplicas": ready}
    return obj(
        "apps/v1",
        "Deployment",
        name,
        spec={"replicas": 1, "selector": SELECTOR, "template": {"metadata": {"labels": {"app": "web"}}}},
        status={**counts, "conditions": conds},
    )
