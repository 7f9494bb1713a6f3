"""A deterministic corpus of objects for the kstatus benchmarks: every kind, every branch.

Each template builds one object that lands on one branch of one rule (spec §2-3); the corpus
cycles through the templates with seeded variations in names and counts.  Branches that end in a
compute error are left out: the benchmark measures status computation, not exception handling.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

Obj = dict[str, Any]
CREATED = "2024-05-01T10:00:00Z"


def _meta(rng: random.Random, i: int, generation: int | None = 3) -> Obj:
    meta: Obj = {
        "name": f"obj-{i}",
        "namespace": f"ns-{rng.randrange(20)}",
        "uid": f"00000000-0000-0000-0000-{i:012d}",
        "resourceVersion": str(rng.randrange(1, 10**6)),
        "creationTimestamp": CREATED,
        "labels": {"app": f"app-{rng.randrange(50)}", "tier": rng.choice(["web", "db", "cache"])},
    }
    if generation is not None:
        meta["generation"] = generation
    return meta


def _cond(ctype: str, status: str, reason: str = "", message: str = "") -> Obj:
    return {
        "type": ctype,
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": CREATED,
    }


def _obj(api: str, kind: str, meta: Obj, spec: Obj | None, status: Obj | None) -> Obj:
    obj: Obj = {"apiVersion": api, "kind": kind, "metadata": meta}
    if spec is not None:
        obj["spec"] = spec
    if status is not None:
        obj["status"] = status
    return obj


def _deployment(spec: Obj, status: Obj, conds: list[Obj]) -> Callable[[random.Random, int], Obj]:
    def build(rng: random.Random, i: int) -> Obj:
        full_spec = {"selector": {"matchLabels": {"app": f"a{i}"}}, "progressDeadlineSeconds": 600, **spec}
        return _obj(
            "apps/v1",
            "Deployment",
            _meta(rng, i),
            full_spec,
            {"observedGeneration": 3, "conditions": conds, **status},
        )

    return build


AVAILABLE = _cond("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
PROGRESSED = _cond("Progressing", "True", "NewReplicaSetAvailable", "ReplicaSet has successfully progressed.")
FULL = {"replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3}


def _simple(api: str, kind: str, spec: Obj | None, status: Obj | None, generation: int | None = 3) -> Any:
    def build(rng: random.Random, i: int) -> Obj:
        return _obj(api, kind, _meta(rng, i, generation), spec, status)

    return build


def _cr(status: Obj | None, generation: int | None = 3, api: str = "example.com/v1") -> Any:
    return _simple(api, "Widget", {"size": 3}, status, generation)


def _sts(spec: Obj, status: Obj) -> Any:
    base = {"observedGeneration": 3, "currentRevision": "web-1", "updateRevision": "web-1"}
    return _simple("apps/v1", "StatefulSet", {"replicas": 3, **spec}, {**base, **status})


def _ds(status: Obj, generation: int | None = 3) -> Any:
    return _simple("apps/v1", "DaemonSet", {"template": {}}, status, generation)


def _pod(status: Obj) -> Any:
    return _simple("v1", "Pod", {"containers": [{"name": "app", "image": "nginx"}]}, status, None)


def _job(spec: Obj, status: Obj) -> Any:
    return _simple("batch/v1", "Job", {"parallelism": 2, "completions": 4, **spec}, status)


def _crd(conds: list[Obj]) -> Any:
    return _simple("apiextensions.k8s.io/v1", "CustomResourceDefinition", {"group": "x"}, {"conditions": conds})


STS_FULL = {"replicas": 3, "readyReplicas": 3, "currentReplicas": 3, "updatedReplicas": 3}
DS_FULL = {
    "observedGeneration": 3,
    "desiredNumberScheduled": 4,
    "currentNumberScheduled": 4,
    "updatedNumberScheduled": 4,
    "numberAvailable": 4,
    "numberReady": 4,
}
CRASH = {"name": "app", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}
UNSCHEDULABLE = _cond("PodScheduled", "False", "Unschedulable", "0/3 nodes are available")

TEMPLATES: list[Callable[[random.Random, int], Obj]] = [
    # generic pipeline
    lambda rng, i: {**_cr(None)(rng, i), "metadata": {**_meta(rng, i), "deletionTimestamp": CREATED}},
    _cr({"observedGeneration": 2}),
    _cr({"observedGeneration": 3, "conditions": [_cond("Reconciling", "True", "Progressing", "working")]}),
    _cr({"observedGeneration": 3, "conditions": [_cond("Stalled", "True", "Broken", "gave up")]}),
    _cr({"conditions": [_cond("Ready", "True", "Ok", "ready")]}),
    _cr({"conditions": [_cond("Ready", "False", "Waiting", "not yet")]}),
    _cr({"conditions": [_cond("Ready", "Unknown", "Pending", "unknown")]}),
    _cr(None),
    _cr({"phase": "Running"}, api="v1beta1"),
    # always ready
    _simple("v1", "Secret", None, None, None),
    _simple("v1", "ConfigMap", None, None, None),
    _simple("batch/v1", "CronJob", {"schedule": "* * * * *"}, {}),
    _simple("policy/v1", "PodDisruptionBudget", {"minAvailable": 1}, {"observedGeneration": 3}),
    # Deployment
    _deployment({"replicas": 3}, FULL, [_cond("Progressing", "False", "ProgressDeadlineExceeded", "too slow")]),
    _deployment({"replicas": 3}, {**FULL, "replicas": 2}, [PROGRESSED]),
    _deployment({"replicas": 3}, {**FULL, "updatedReplicas": 1}, [PROGRESSED]),
    _deployment({"replicas": 3}, {**FULL, "replicas": 4}, [PROGRESSED]),
    _deployment({"replicas": 3}, {**FULL, "availableReplicas": 2}, [PROGRESSED]),
    _deployment({"replicas": 3}, {**FULL, "readyReplicas": 2}, [PROGRESSED, AVAILABLE]),
    _deployment({"replicas": 3}, FULL, [AVAILABLE]),
    _deployment({"replicas": 3}, FULL, [PROGRESSED]),
    _deployment({"replicas": 3}, FULL, [AVAILABLE, PROGRESSED]),
    _deployment({"replicas": 3}, FULL, [AVAILABLE, PROGRESSED]),
    _deployment({"replicas": 3}, FULL, [AVAILABLE, PROGRESSED]),
    # ReplicaSet
    _simple("apps/v1", "ReplicaSet", {"replicas": 2}, {"conditions": [_cond("ReplicaFailure", "True", "x", "y")]}),
    _simple("apps/v1", "ReplicaSet", {"replicas": 2}, {"replicas": 2, "fullyLabeledReplicas": 1}),
    _simple("apps/v1", "ReplicaSet", {"replicas": 2}, {"replicas": 2, "fullyLabeledReplicas": 2}),
    _simple(
        "apps/v1",
        "ReplicaSet",
        {"replicas": 2},
        {"replicas": 2, "fullyLabeledReplicas": 2, "availableReplicas": 2, "readyReplicas": 1},
    ),
    _simple(
        "apps/v1",
        "ReplicaSet",
        {"replicas": 2},
        {"replicas": 3, "fullyLabeledReplicas": 2, "availableReplicas": 2, "readyReplicas": 2},
    ),
    _simple(
        "apps/v1",
        "ReplicaSet",
        {"replicas": 2},
        {"replicas": 2, "fullyLabeledReplicas": 2, "availableReplicas": 2, "readyReplicas": 2},
    ),
    # StatefulSet
    _sts({"updateStrategy": {"type": "OnDelete"}}, {}),
    _sts({}, {**STS_FULL, "replicas": 2}),
    _sts({}, {**STS_FULL, "readyReplicas": 2}),
    _sts({}, {**STS_FULL, "replicas": 4}),
    _sts({"updateStrategy": {"rollingUpdate": {"partition": 1}}}, {**STS_FULL, "updatedReplicas": 1}),
    _sts({"updateStrategy": {"rollingUpdate": {"partition": 0}}}, STS_FULL),
    _sts({}, {**STS_FULL, "currentReplicas": 2}),
    _sts({}, {**STS_FULL, "updateRevision": "web-2"}),
    _sts({}, STS_FULL),
    # DaemonSet
    _ds(DS_FULL, generation=None),
    _ds({k: v for k, v in DS_FULL.items() if k != "observedGeneration"}),
    _ds({"observedGeneration": 3}),
    _ds({**DS_FULL, "currentNumberScheduled": 3}),
    _ds({**DS_FULL, "updatedNumberScheduled": 3}),
    _ds({**DS_FULL, "numberAvailable": 3}),
    _ds({**DS_FULL, "numberReady": 3}),
    _ds(DS_FULL),
    # PVC
    _simple("v1", "PersistentVolumeClaim", {"resources": {}}, {"phase": "Pending"}, None),
    _simple("v1", "PersistentVolumeClaim", {"resources": {}}, {"phase": "Bound"}, None),
    # Pod
    _pod({"phase": "Succeeded"}),
    _pod({"phase": "Failed"}),
    _pod({"phase": "Running", "conditions": [_cond("Ready", "True")]}),
    _pod({"phase": "Running", "conditions": [_cond("Ready", "False")], "containerStatuses": [CRASH]}),
    _pod({"phase": "Running", "containerStatuses": [{"name": "app", "state": {"running": {}}}]}),
    _pod({"phase": "Pending", "conditions": [UNSCHEDULABLE]}),
    _pod({"phase": "Pending"}),
    _pod({}),
    # Job
    _job({}, {"succeeded": 4, "conditions": [_cond("Complete", "True")]}),
    _job({}, {"failed": 2, "conditions": [_cond("Failed", "True", "BackoffLimitExceeded")]}),
    _job({"suspend": True}, {"conditions": [_cond("Suspended", "True", "JobSuspended")]}),
    _job({}, {}),
    _job({}, {"startTime": CREATED, "active": 2}),
    # Service
    _simple("v1", "Service", {"type": "LoadBalancer"}, {}, None),
    _simple("v1", "Service", {"type": "ClusterIP", "clusterIP": "10.0.0.1"}, {}, None),
    # CRD
    _crd([_cond("NamesAccepted", "False", "Conflict", "names conflict")]),
    _crd([_cond("NamesAccepted", "True"), _cond("Established", "False", "Broken", "no")]),
    _crd([_cond("NamesAccepted", "True"), _cond("Established", "True", "InitialNamesAccepted")]),
    _crd([_cond("Established", "False", "Installing", "installing")]),
]


def corpus(size: int, seed: int = 42) -> list[Obj]:
    """`size` objects cycling through every template, varied with a seeded RNG."""
    rng = random.Random(seed)
    return [TEMPLATES[i % len(TEMPLATES)](rng, i) for i in range(size)]
