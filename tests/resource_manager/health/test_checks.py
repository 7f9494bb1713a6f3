"""GRM's per-kind health checks (spec §4.2): verdicts and error texts per kind, and properties."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resource_manager.health.checks import CHECKS, MalformedStatus, check_health, daemonset_max_unavailable

Obj = dict[str, Any]


def cond(condition_type: str, status: str, reason: str = "R", message: str = "M.", **extra: Any) -> Obj:
    return {"type": condition_type, "status": status, "reason": reason, "message": message, **extra}


def obj(generation: int = 1, spec: Obj | None = None, **status: Any) -> Obj:
    return {"metadata": {"name": "x", "generation": generation}, "spec": spec or {}, "status": status}


def mismatch(condition_type: str, actual: str, expected: str) -> str:
    return f'condition "{condition_type}" has invalid status {actual} (expected {expected}) due to R: M.'


# --- CustomResourceDefinition ---------------------------------------------------------------------------

CRD = ("apiextensions.k8s.io", "CustomResourceDefinition")
ESTABLISHED = [cond("NamesAccepted", "True"), cond("Established", "True")]


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        (ESTABLISHED, None),
        ([*ESTABLISHED, cond("Terminating", "False")], None),
        ([cond("Established", "True")], 'condition "NamesAccepted" is missing'),
        ([cond("NamesAccepted", "True"), cond("Established", "False")], mismatch("Established", "False", "True")),
        ([*ESTABLISHED, cond("Terminating", "True")], mismatch("Terminating", "True", "False")),
        ([cond("NamesAccepted", "False"), cond("Established", "True")], mismatch("NamesAccepted", "False", "True")),
    ],
)
def test_custom_resource_definition(conditions: list[Obj], expected: str | None) -> None:
    assert check_health(*CRD, obj(conditions=conditions)) == expected


# --- DaemonSet ------------------------------------------------------------------------------------------


def daemonset(max_unavailable: Any = 1, generation: int = 1, **status: Any) -> Obj:
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": max_unavailable}}
    base = {
        "observedGeneration": 1,
        "desiredNumberScheduled": 4,
        "currentNumberScheduled": 4,
        "updatedNumberScheduled": 4,
        "numberMisscheduled": 0,
        "numberUnavailable": 0,
    }
    return obj(generation, {"updateStrategy": strategy}, **{**base, **status})


@pytest.mark.parametrize(
    ("ds", "expected"),
    [
        (daemonset(), None),
        (daemonset(generation=2), "observed generation outdated (1/2)"),
        (daemonset(currentNumberScheduled=3), "not enough scheduled pods (3/4)"),
        (daemonset(numberMisscheduled=1), "misscheduled pods found (1)"),
        (daemonset(numberUnavailable=1), "too many unavailable pods found (1/4)"),
        (daemonset(updatedNumberScheduled=2, numberUnavailable=1), None),  # rolling out, 1 allowed
        (
            daemonset(updatedNumberScheduled=2, numberUnavailable=2),
            "too many unavailable pods found (2/4, only max. 1 unavailable pods allowed)",
        ),
        (daemonset("50%", updatedNumberScheduled=2, numberUnavailable=2), None),
    ],
)
def test_daemonset(ds: Obj, expected: str | None) -> None:
    assert check_health("apps", "DaemonSet", ds) == expected


@pytest.mark.parametrize(
    ("strategy", "desired", "expected"),
    [
        ({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 2}}, 4, 2),
        ({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "30%"}}, 5, 1),  # rounded down
        ({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "3"}}, 5, 0),  # not a percentage
        ({"type": "RollingUpdate", "rollingUpdate": {}}, 5, 0),
        ({"type": "RollingUpdate"}, 5, 0),
        ({"type": "OnDelete", "rollingUpdate": {"maxUnavailable": 2}}, 5, 0),
        ({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 2}}, 0, 0),
    ],
)
def test_daemonset_max_unavailable(strategy: Obj, desired: int, expected: int) -> None:
    ds = obj(spec={"updateStrategy": strategy}, desiredNumberScheduled=desired)
    assert daemonset_max_unavailable(ds) == expected


# --- Deployment -----------------------------------------------------------------------------------------

AVAILABLE = cond("Available", "True")


@pytest.mark.parametrize(
    ("deployment", "expected"),
    [
        (obj(observedGeneration=1, conditions=[AVAILABLE]), None),
        (obj(observedGeneration=1, conditions=[AVAILABLE, cond("Progressing", "True")]), None),
        (obj(2, observedGeneration=1, conditions=[AVAILABLE]), "observed generation outdated (1/2)"),
        (obj(), "observed generation outdated (0/1)"),  # just created: no status yet
        (obj(observedGeneration=1, conditions=[]), 'condition "Available" is missing'),
        (obj(observedGeneration=1, conditions=[cond("Available", "False")]), mismatch("Available", "False", "True")),
        (
            obj(observedGeneration=1, conditions=[AVAILABLE, cond("Progressing", "False")]),
            mismatch("Progressing", "False", "True"),
        ),
        (
            obj(observedGeneration=1, conditions=[AVAILABLE, cond("ReplicaFailure", "True")]),
            mismatch("ReplicaFailure", "True", "False"),
        ),
    ],
)
def test_deployment(deployment: Obj, expected: str | None) -> None:
    assert check_health("apps", "Deployment", deployment) == expected


def test_deployment_mismatch_reads_as_grm_writes_it() -> None:
    unavailable = cond(
        "Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability."
    )
    assert check_health("apps", "Deployment", obj(observedGeneration=1, conditions=[unavailable])) == (
        'condition "Available" has invalid status False (expected True) due to MinimumReplicasUnavailable: '
        "Deployment does not have minimum availability."
    )


# --- Job, Pod, ReplicaSet, ReplicationController, Service, StatefulSet -----------------------------------


def test_job_is_unhealthy_only_when_failed() -> None:
    assert check_health("batch", "Job", obj()) is None
    assert check_health("batch", "Job", obj(conditions=[cond("Failed", "False"), cond("Complete", "True")])) is None
    assert check_health("batch", "Job", obj(conditions=[cond("Failed", "True")])) == mismatch("Failed", "True", "False")


@pytest.mark.parametrize(
    ("phase", "expected"),
    [
        ("Running", None),
        ("Succeeded", None),
        ("Pending", 'pod is in invalid phase "Pending" (expected one of ["Running" "Succeeded"])'),
        ("Failed", 'pod is in invalid phase "Failed" (expected one of ["Running" "Succeeded"])'),
        (None, 'pod is in invalid phase "" (expected one of ["Running" "Succeeded"])'),
    ],
)
def test_pod(phase: str | None, expected: str | None) -> None:
    assert check_health("", "Pod", obj(phase=phase)) == expected


@pytest.mark.parametrize(("group", "kind"), [("apps", "ReplicaSet"), ("", "ReplicationController")])
def test_replica_set_and_replication_controller(group: str, kind: str) -> None:
    assert check_health(group, kind, obj(spec={"replicas": 2}, observedGeneration=1, readyReplicas=2)) is None
    assert check_health(group, kind, obj(observedGeneration=1)) is None  # no replicas asked for
    unready = obj(spec={"replicas": 2}, observedGeneration=1, readyReplicas=1)
    assert check_health(group, kind, unready) == f"{kind} does not have minimum availability"
    assert check_health(group, kind, obj(spec={"replicas": 0})) == "observed generation outdated (0/1)"


def test_service_load_balancer_needs_an_ingress() -> None:
    assert check_health("", "Service", obj(spec={"type": "ClusterIP"})) is None
    assert check_health("", "Service", obj(spec={"type": "LoadBalancer"})) == "service is missing ingress status"
    served = obj(spec={"type": "LoadBalancer"}, loadBalancer={"ingress": [{"ip": "10.0.0.1"}]})
    assert check_health("", "Service", served) is None


def test_statefulset() -> None:
    assert check_health("apps", "StatefulSet", obj(spec={"replicas": 2}, observedGeneration=1, readyReplicas=2)) is None
    assert check_health("apps", "StatefulSet", obj(observedGeneration=1)) == "not enough ready replicas (0/1)"
    assert check_health("apps", "StatefulSet", obj(3, observedGeneration=2)) == "observed generation outdated (2/3)"


# --- Prometheus, Alertmanager, VPA, cert-management ------------------------------------------------------


@pytest.mark.parametrize("kind", ["Prometheus", "Alertmanager"])
def test_prometheus_and_alertmanager(kind: str) -> None:
    def monitoring(*conditions: Obj, available: int = 1, generation: int = 1) -> Obj:
        return obj(generation, {"replicas": 1}, conditions=list(conditions), availableReplicas=available)

    current = cond("Available", "True", observedGeneration=2)
    assert check_health("monitoring.coreos.com", kind, monitoring(current, generation=2)) is None
    assert check_health("monitoring.coreos.com", kind, monitoring()) == 'condition "Available" is missing'
    outdated = cond("Available", "True", observedGeneration=1)
    assert check_health("monitoring.coreos.com", kind, monitoring(outdated, generation=2)) == (
        "observed generation outdated (1/2)"
    )
    degraded = cond("Available", "Degraded", observedGeneration=1)
    assert check_health("monitoring.coreos.com", kind, monitoring(degraded)) == mismatch(
        "Available", "Degraded", "True"
    )
    fewer = monitoring(cond("Available", "True", observedGeneration=1), available=0)
    assert check_health("monitoring.coreos.com", kind, fewer) == "not enough available replicas (0/1)"


def test_vertical_pod_autoscaler() -> None:
    assert check_health("autoscaling.k8s.io", "VerticalPodAutoscaler", obj()) is None
    unsupported = obj(conditions=[cond("ConfigUnsupported", "True")])
    assert check_health("autoscaling.k8s.io", "VerticalPodAutoscaler", unsupported) == (
        mismatch("ConfigUnsupported", "True", "False")
    )


def test_certificate_and_issuer() -> None:
    group = "cert.gardener.cloud"
    assert check_health(group, "Certificate", obj(state="Ready", conditions=[cond("Ready", "True")])) is None
    assert (
        check_health(group, "Certificate", obj(state="Pending")) == 'certificate state is "Pending" ("Ready" expected)'
    )
    not_ready = obj(state="Ready", conditions=[cond("Ready", "False")])
    assert check_health(group, "Certificate", not_ready) == mismatch("Ready", "False", "True")
    assert check_health(group, "Issuer", obj(state="Ready")) is None
    assert check_health(group, "Issuer", obj()) == 'issuer state is "" ("Ready" expected)'


# --- everything else, malformed input, properties ----------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "kind"),
    [
        ("", "Namespace"),
        ("", "ConfigMap"),
        ("networking.k8s.io", "Ingress"),
        ("extensions", "Deployment"),
        ("x", "Pod"),
    ],
)
def test_other_kinds_are_healthy_when_present(group: str, kind: str) -> None:
    assert check_health(group, kind, obj(phase="Pending", conditions=[cond("Available", "False")])) is None


@pytest.mark.parametrize(
    "status",
    [
        {"observedGeneration": "one"},
        {"observedGeneration": True},
        {"observedGeneration": 1, "conditions": "none"},
        {"observedGeneration": 1, "conditions": ["x"]},
    ],
)
def test_a_field_of_the_wrong_type_is_a_malformed_status(status: Obj) -> None:
    with pytest.raises(MalformedStatus):
        check_health("apps", "Deployment", {"metadata": {"generation": 1}, "status": status})


_STATUSES = st.sampled_from(["True", "False", "Unknown"])


@given(
    generation=st.integers(0, 5),
    observed=st.integers(0, 5),
    available=st.none() | _STATUSES,
    progressing=st.none() | _STATUSES,
    replica_failure=st.none() | _STATUSES,
)
def test_deployment_is_healthy_exactly_as_grm_defines_it(
    generation: int, observed: int, available: str | None, progressing: str | None, replica_failure: str | None
) -> None:
    conditions = [
        cond(condition_type, status)
        for condition_type, status in (
            ("Available", available),
            ("Progressing", progressing),
            ("ReplicaFailure", replica_failure),
        )
        if status is not None
    ]
    deployment = obj(generation, observedGeneration=observed, conditions=conditions)
    healthy = (
        observed >= generation
        and available == "True"
        and progressing in (None, "True")
        and replica_failure in (None, "False")
    )
    assert (check_health("apps", "Deployment", deployment) is None) == healthy


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.sampled_from(["", "True", "False", "Ready", "LoadBalancer", "x%"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["status", "spec", "metadata", "conditions", "type", "replicas", "state", "phase", "generation"]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@given(st.sampled_from(sorted(CHECKS)), st.dictionaries(st.sampled_from(["metadata", "spec", "status"]), _JSON))
def test_any_input_gets_a_verdict_or_a_malformed_status(group_kind: tuple[str, str], anything: Obj) -> None:
    try:
        verdict = check_health(*group_kind, anything)
    except MalformedStatus as exc:
        assert str(exc)
    else:
        assert verdict is None or isinstance(verdict, str)
