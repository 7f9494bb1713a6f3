"""Healthy from GRM's checks, Progressing from kstatus (spec §4 reasons, §10.13: all offenders listed), and the
health signature the target watches compare."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from resource_manager.api.conditions import find
from resource_manager.health.assess import assess, health_conditions, health_signature

NOW = datetime(2026, 1, 1, tzinfo=UTC)
Obj = dict[str, Any]
UNAVAILABLE = ("MinimumReplicasUnavailable", "Deployment does not have minimum availability.")
NOT_AVAILABLE = (
    'condition "Available" has invalid status False (expected True) due to MinimumReplicasUnavailable: '
    "Deployment does not have minimum availability."
)


def ref(kind: str, name: str, namespace: str = "ns", api_version: str = "apps/v1") -> Obj:
    return {"apiVersion": api_version, "kind": kind, "name": name, "namespace": namespace}


def deployment(name: str, *, ready: int, replicas: int = 1, annotations: dict[str, str] | None = None) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "ns", "generation": 1, "annotations": annotations or {}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}}},
        "status": {
            "observedGeneration": 1,
            "replicas": replicas,
            "updatedReplicas": replicas,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "conditions": [
                {"type": "Available", "status": "True"}
                if ready == replicas
                else {"type": "Available", "status": "False", "reason": UNAVAILABLE[0], "message": UNAVAILABLE[1]},
                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
            ],
        },
    }


def replica_set(name: str, owner: str, ready: int) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": name, "namespace": "ns", "labels": {"app": owner}, "generation": 1},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": owner}}},
        "status": {"observedGeneration": 1, "replicas": 1, "readyReplicas": ready, "availableReplicas": ready},
    }


def crash_looping_pod(name: str, owner: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "ns", "labels": {"app": owner}},
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "False"}],
            "containerStatuses": [{"name": "main", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}],
        },
    }


def no_children(*_: Any) -> list[Obj]:
    return []


def test_all_current_is_healthy_and_rolled_out() -> None:
    live = {"web": deployment("web", ready=1)}
    conditions = health_conditions([], [ref("Deployment", "web")], lambda r: live.get(r["name"]), no_children, NOW)
    assert (find(conditions, "ResourcesHealthy") or {}).get("reason") == "ResourcesHealthy"
    assert find(conditions, "ResourcesProgressing") == {
        "type": "ResourcesProgressing",
        "status": "False",
        "reason": "ResourcesRolledOut",
        "message": "All resources have been fully rolled out.",
        "lastTransitionTime": "2026-01-01T00:00:00Z",
        "lastUpdateTime": "2026-01-01T00:00:00Z",
    }


def test_every_missing_object_is_listed_with_grm_reason_of_the_first() -> None:
    refs = [ref("ConfigMap", "a", api_version="v1"), ref("Deployment", "b")]
    found = assess(refs, lambda _: None, no_children)
    assert found.unhealthy == [
        ("ConfigMapMissing", 'Required ConfigMap "a" in namespace "ns" is missing'),
        ("DeploymentMissing", 'Required Deployment "b" in namespace "ns" is missing'),
    ]
    assert found.progressing == []  # missing objects are health's business only (GRM)
    conditions = health_conditions([], refs, lambda _: None, no_children, NOW)
    healthy = find(conditions, "ResourcesHealthy") or {}
    assert (healthy["status"], healthy["reason"]) == ("False", "ConfigMapMissing")
    assert healthy["message"].splitlines()[1] == 'Required Deployment "b" in namespace "ns" is missing'


def test_a_deployment_not_yet_available_is_unhealthy_and_progressing() -> None:
    found = assess([ref("Deployment", "web")], lambda _: deployment("web", ready=1, replicas=3), no_children)
    assert found.unhealthy == [("DeploymentUnhealthy", f'Deployment "ns/web" is unhealthy: {NOT_AVAILABLE}')]
    assert found.progressing == [
        ("DeploymentProgressing", 'Deployment "ns/web" is progressing: Available: 1/3'),
    ]


def test_a_just_created_deployment_is_unhealthy_at_once() -> None:
    created = {**deployment("web", ready=0), "status": {}}
    found = assess([ref("Deployment", "web")], lambda _: created, no_children)
    assert found.unhealthy == [
        ("DeploymentUnhealthy", 'Deployment "ns/web" is unhealthy: observed generation outdated (0/1)')
    ]


def test_crash_looping_pods_are_named_after_grm_s_verdict() -> None:
    children = {
        ("apps", "ReplicaSet"): [replica_set("web-1", "web", ready=0)],
        ("", "Pod"): [crash_looping_pod("web-1-x", "web")],
    }
    found = assess(
        [ref("Deployment", "web")],
        lambda _: deployment("web", ready=0),
        lambda group_kind, namespace, _: children.get(group_kind, []),
    )
    assert found.unhealthy == [
        (
            "DeploymentUnhealthy",
            f'Deployment "ns/web" is unhealthy: {NOT_AVAILABLE} (Pod "web-1-x": Containers in CrashLoop state: main)',
        )
    ]
    assert [reason for reason, _ in found.progressing] == ["DeploymentProgressing"]


def test_an_available_deployment_is_healthy_whatever_kstatus_says_of_its_pods() -> None:
    children = {("", "Pod"): [crash_looping_pod("web-1-x", "web")]}  # GRM looks at the Deployment only
    found = assess(
        [ref("Deployment", "web")],
        lambda _: deployment("web", ready=1),
        lambda group_kind, namespace, _: children.get(group_kind, []),
    )
    assert found.unhealthy == []


def test_every_unhealthy_object_is_listed_in_status_resources_order() -> None:
    live = {
        "a": deployment("a", ready=0),
        "b": deployment("b", ready=1),
        "c": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "c"}, "status": {"phase": "Pending"}},
    }
    refs = [
        ref("Deployment", "a"),
        ref("Deployment", "b"),
        ref("Pod", "c", api_version="v1"),
        ref("Secret", "d", api_version="v1"),
    ]
    conditions = health_conditions([], refs, lambda r: live.get(r["name"]), no_children, NOW)
    healthy = find(conditions, "ResourcesHealthy") or {}
    assert (healthy["status"], healthy["reason"]) == ("False", "DeploymentUnhealthy")
    assert healthy["message"].splitlines() == [
        f'Deployment "ns/a" is unhealthy: {NOT_AVAILABLE}',
        'Pod "ns/c" is unhealthy: pod is in invalid phase "Pending" (expected one of ["Running" "Succeeded"])',
        'Required Secret "d" in namespace "ns" is missing',
    ]


def test_skip_health_check_is_healthy_and_never_progressing() -> None:
    skipped = deployment("web", ready=0, annotations={"resources.gardener.cloud/skip-health-check": "true"})
    assert assess([ref("Deployment", "web")], lambda _: skipped, no_children) == ([], [])
    not_exact = deployment("web", ready=0, annotations={"resources.gardener.cloud/skip-health-check": "True"})
    assert assess([ref("Deployment", "web")], lambda _: not_exact, no_children).progressing


def test_metadata_only_objects_count_by_presence_and_malformed_status_is_a_health_check_error() -> None:
    metadata_only = {"apiVersion": "meta.k8s.io/v1", "kind": "PartialObjectMetadata", "metadata": {"name": "a"}}
    assert assess([ref("ConfigMap", "a", api_version="v1")], lambda _: metadata_only, no_children) == ([], [])
    broken = {**deployment("web", ready=1), "status": {"observedGeneration": "one"}}
    found = assess([ref("Deployment", "web")], lambda _: broken, no_children)
    assert found.unhealthy == [
        (
            "HealthCheckError",
            'Error executing health check for Deployment "ns/web": status.observedGeneration: unexpected value "one"',
        )
    ]


def test_the_signature_follows_grm_s_verdict_and_kstatus() -> None:
    available = deployment("web", ready=1)
    failing = {**available, "status": {**available["status"]}}
    failing["status"]["conditions"] = [*available["status"]["conditions"], {"type": "ReplicaFailure", "status": "True"}]
    assert health_signature(available, False) != health_signature(failing, False)
    assert health_signature(available, False)[1:] == health_signature(failing, False)[1:]  # kstatus sees no change
    assert health_signature(available, False) == health_signature(deployment("web", ready=1), False)
    rolling = deployment("web", ready=1, replicas=2)
    assert health_signature(available, False)[1:] != health_signature(rolling, False)[1:]  # kstatus' part
    skipped = deployment("web", ready=0, annotations={"resources.gardener.cloud/skip-health-check": "true"})
    assert health_signature(skipped, False) == health_signature(available, True) == (None, "", "")


def test_health_conditions_all_good() -> None:
    conditions = health_conditions([], [], lambda _: None, no_children, NOW)
    healthy, progressing = find(conditions, "ResourcesHealthy") or {}, find(conditions, "ResourcesProgressing") or {}
    assert (healthy["status"], healthy["reason"], healthy["message"]) == (
        "True",
        "ResourcesHealthy",
        "All resources are healthy.",
    )
    assert (progressing["status"], progressing["reason"]) == ("False", "ResourcesRolledOut")
    assert progressing["message"] == "All resources have been fully rolled out."


def test_health_conditions_list_every_problem_with_the_first_reason() -> None:
    refs = [
        ref("ConfigMap", "m1", api_version="v1"),
        ref("Deployment", "web"),
        ref("ConfigMap", "m3", api_version="v1"),
    ]
    live = {"web": deployment("web", ready=1, replicas=3)}
    conditions = health_conditions([], refs, lambda r: live.get(r["name"]), no_children, NOW, limit=2)
    healthy, progressing = find(conditions, "ResourcesHealthy") or {}, find(conditions, "ResourcesProgressing") or {}
    assert (healthy["status"], healthy["reason"]) == ("False", "ConfigMapMissing")
    assert healthy["message"] == (
        'Required ConfigMap "m1" in namespace "ns" is missing\n'
        f'Deployment "ns/web" is unhealthy: {NOT_AVAILABLE}\n... and 1 more'
    )
    assert (progressing["status"], progressing["reason"]) == ("True", "DeploymentProgressing")


def test_offenders_beyond_the_limit_are_counted() -> None:
    refs = [ref("ConfigMap", f"c{i}", api_version="v1") for i in range(12)]
    conditions = health_conditions([], refs, lambda _: None, no_children, NOW, limit=10)
    message = (find(conditions, "ResourcesHealthy") or {})["message"]
    assert len(message.splitlines()) == 11
    assert message.endswith("... and 2 more")


_STATES = {
    "ok": deployment("x", ready=1),
    "unavailable": deployment("x", ready=0),
    "pending": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}, "status": {"phase": "Pending"}},
    "missing": None,
}


@given(st.lists(st.sampled_from(sorted(_STATES)), max_size=15), st.integers(1, 12))
def test_healthy_exactly_when_no_object_is_unhealthy_and_every_offender_counts(states: list[str], limit: int) -> None:
    refs = [
        ref("Pod", f"o{i}", api_version="v1") if s == "pending" else ref("Deployment", f"o{i}")
        for i, s in enumerate(states)
    ]
    live = {r["name"]: _STATES[s] for r, s in zip(refs, states, strict=True)}
    conditions = health_conditions([], refs, lambda r: live[r["name"]], no_children, NOW, limit)
    healthy = find(conditions, "ResourcesHealthy") or {}
    bad = [i for i, s in enumerate(states) if s != "ok"]
    assert (healthy["status"] == "True") == (not bad)
    if bad:
        lines = healthy["message"].splitlines()
        assert len(lines) == min(len(bad), limit) + (len(bad) > limit)
        assert all(f'"o{i}"' in line or f'/o{i}"' in line for i, line in zip(bad, lines[:limit], strict=False))
        if len(bad) > limit:
            assert lines[-1] == f"... and {len(bad) - limit} more"
