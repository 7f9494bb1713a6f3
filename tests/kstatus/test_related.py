"""The opt-in statuses that read other objects: Service endpoints, PodDisruptionBudgets (pure)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kstatus import ComputeError, Options, compute
from kstatus.related import (
    NO_READY_ENDPOINTS,
    budget_result,
    covering_budgets,
    endpoint_slice_selector,
    endpoints_result,
    has_ready_endpoint,
    required_healthy,
    service_needs_endpoints,
)
from kstatus.status_command import options_from_flags
from tests.kstatus.builders import Obj, cond, current, in_progress, make

SERVICE_READY = current("Service is ready")
DEPLOYMENT_CURRENT = current("Deployment is available. Replicas: 3")


def service(spec: Obj) -> Obj:
    return make("v1", "Service", spec=spec, name="web")


def endpoint_slice(*readiness: bool | None) -> Obj:
    endpoints = [{"addresses": ["10.0.0.1"], "conditions": {} if r is None else {"ready": r}} for r in readiness]
    return {**make("discovery.k8s.io/v1", "EndpointSlice"), "endpoints": endpoints}


def workload(replicas: int = 3, labels: dict[str, str] | None = None) -> Obj:
    template = {"metadata": {"labels": {"app": "web"} if labels is None else labels}}
    return make("apps/v1", "Deployment", spec={"replicas": replicas, "template": template})


def budget(name: str = "web-pdb", selector: Any = None, **spec: Any) -> Obj:
    sel = {"matchLabels": {"app": "web"}} if selector is None else selector
    return make("policy/v1", "PodDisruptionBudget", spec={"selector": sel, **spec}, name=name)


def ready_pod(ready: bool = True, **meta: Any) -> Obj:
    return make("v1", "Pod", status={"phase": "Running", "conditions": [cond("Ready", str(ready))]}, **meta)


# Service endpoints


@pytest.mark.parametrize(
    ("spec", "needs"),
    [
        ({"selector": {"app": "web"}}, True),
        ({"selector": {"app": "web"}, "type": "LoadBalancer"}, True),
        ({"selector": {"app": "web"}, "clusterIP": "None"}, True),
        ({}, False),
        ({"selector": {}}, False),
        ({"type": "ExternalName", "externalName": "example.com", "selector": {"app": "web"}}, False),
    ],
)
def test_which_services_wait_for_endpoints(spec: Obj, needs: bool) -> None:
    svc = service(spec)
    assert service_needs_endpoints(svc) is needs
    expected = NO_READY_ENDPOINTS if needs else SERVICE_READY
    assert endpoints_result(svc, SERVICE_READY, []) == expected


def test_no_ready_endpoints_is_in_progress_with_the_message() -> None:
    assert in_progress("NoReadyEndpoints", "Service has no ready endpoints") == NO_READY_ENDPOINTS


def test_one_ready_endpoint_in_any_slice_makes_the_service_current() -> None:
    svc = service({"selector": {"app": "web"}})
    assert endpoints_result(svc, SERVICE_READY, [endpoint_slice(False, False)]) == NO_READY_ENDPOINTS
    assert endpoints_result(svc, SERVICE_READY, [endpoint_slice(False), endpoint_slice(True)]) == SERVICE_READY
    # the API: a missing `ready` condition means ready
    assert endpoints_result(svc, SERVICE_READY, [endpoint_slice(None)]) == SERVICE_READY
    assert endpoints_result(svc, SERVICE_READY, [make("discovery.k8s.io/v1", "EndpointSlice")]) == NO_READY_ENDPOINTS


def test_a_service_that_is_not_current_keeps_its_result() -> None:
    svc = service({"selector": {"app": "web"}, "type": "LoadBalancer"})
    waiting = compute(svc)
    assert waiting.status != "Current"
    assert endpoints_result(svc, waiting, []) is waiting


def test_endpoint_slices_are_selected_by_the_service_name_label() -> None:
    assert endpoint_slice_selector(service({})) == {"matchLabels": {"kubernetes.io/service-name": "web"}}


@given(st.lists(st.lists(st.sampled_from([True, False, None]), max_size=4), max_size=4))
def test_service_is_current_exactly_when_some_endpoint_is_not_unready(readiness: list[list[bool | None]]) -> None:
    slices = [endpoint_slice(*r) for r in readiness]
    any_ready = any(r is not False for rs in readiness for r in rs)
    assert has_ready_endpoint(slices) is any_ready
    result = endpoints_result(service({"selector": {"app": "web"}}), SERVICE_READY, slices)
    assert result == (SERVICE_READY if any_ready else NO_READY_ENDPOINTS)


def test_compute_alone_ignores_the_options_that_need_other_objects() -> None:
    svc = service({"selector": {"app": "web"}, "clusterIP": "10.0.0.1"})
    assert compute(svc, options=Options(endpoints=True, budgets=True)) == SERVICE_READY


# PodDisruptionBudget observed


OBSERVED = Options(pdb="observed")


def test_pdb_observed_needs_the_controllers_observed_generation() -> None:
    fresh = make("policy/v1", "PodDisruptionBudget", spec={"minAvailable": 1}, generation=1)
    assert compute(fresh) == current("AllowedDisruptions has been computed.")  # upstream
    expected = in_progress("NotObserved", "PodDisruptionBudget has not been observed by its controller yet")
    assert compute(fresh, options=OBSERVED) == expected
    fresh["status"] = {"disruptionsAllowed": 0}
    assert compute(fresh, options=OBSERVED) == expected
    fresh["status"] = {"observedGeneration": 1, "disruptionsAllowed": 0}  # allows none: still Current
    assert compute(fresh, options=OBSERVED) == current("AllowedDisruptions has been computed.")
    fresh["metadata"]["generation"] = 2
    lagging = in_progress(
        "LatestGenerationNotObserved", "PodDisruptionBudget generation is 2, but latest observed generation is 1"
    )
    assert compute(fresh, options=OBSERVED) == lagging


def test_pdb_observed_rejects_a_non_integer_observed_generation() -> None:
    pdb = make("policy/v1", "PodDisruptionBudget", status={"observedGeneration": "1"})
    with pytest.raises(ComputeError, match=r"status.observedGeneration: expected an integer, got string"):
        compute(pdb, options=OBSERVED)


def test_pdb_mode_is_validated() -> None:
    with pytest.raises(ValueError, match="pdb must be one of default, observed"):
        Options(pdb="allowed")  # type: ignore[arg-type]


# PodDisruptionBudget covering a workload


def test_budgets_cover_by_the_pod_template_labels() -> None:
    matching, other, everything = budget("a"), budget("b", {"matchLabels": {"app": "db"}}), budget("c", {})
    no_selector = make("policy/v1", "PodDisruptionBudget", spec={"minAvailable": 1}, name="d")
    assert covering_budgets(workload(), [matching, other, everything, no_selector]) == [matching, everything]


@pytest.mark.parametrize(
    ("spec", "expected", "required"),
    [
        ({"minAvailable": 2}, 3, 2),
        ({"minAvailable": "50%"}, 3, 2),  # rounded up
        ({"minAvailable": "100%"}, 3, 3),
        ({"maxUnavailable": 1}, 3, 2),
        ({"maxUnavailable": "50%"}, 3, 1),  # 2 may be unavailable (rounded up)
        ({"maxUnavailable": 5}, 3, 0),
        ({}, 3, 0),
    ],
)
def test_required_healthy_pods(spec: Obj, expected: int, required: int) -> None:
    assert required_healthy(budget(**spec), expected) == required


def test_a_bad_budget_value_is_a_compute_error_naming_the_budget() -> None:
    with pytest.raises(ComputeError, match=r"PodDisruptionBudget web-pdb spec.minAvailable: expected an integer"):
        required_healthy(budget(minAvailable="half"), 3)


def test_workload_short_of_its_budget_is_in_progress_naming_it() -> None:
    pods = [ready_pod(), ready_pod(), ready_pod(False)]
    result = budget_result(workload(), DEPLOYMENT_CURRENT, pods, [budget(minAvailable=3)])
    assert result == in_progress(
        "DisruptionBudgetNotMet", "PodDisruptionBudget web-pdb needs 3 healthy Pods, 2 are ready"
    )
    assert budget_result(workload(), DEPLOYMENT_CURRENT, pods, [budget(minAvailable=2)]) is DEPLOYMENT_CURRENT
    deleting = ready_pod(deletionTimestamp="2026-01-01T00:00:00Z")
    result = budget_result(workload(), DEPLOYMENT_CURRENT, [*pods[:1], deleting], [budget(minAvailable=2)])
    assert result.status == "InProgress"


def test_a_budget_above_the_replica_count_is_never_met() -> None:
    pods = [ready_pod(), ready_pod()]
    result = budget_result(workload(replicas=2), current("ok"), pods, [budget(minAvailable=3)])
    assert result.message == "PodDisruptionBudget web-pdb needs 3 healthy Pods, 2 are ready"


def test_uncovered_or_unfinished_workloads_keep_their_result() -> None:
    waiting = in_progress("LessReady", "Ready: 1/3")
    assert budget_result(workload(), waiting, [], [budget(minAvailable=3)]) is waiting
    assert budget_result(workload(labels={"app": "db"}), DEPLOYMENT_CURRENT, [], [budget(minAvailable=3)]) is (
        DEPLOYMENT_CURRENT
    )


@given(
    replicas=st.integers(0, 10),
    ready=st.integers(0, 10),
    minimum=st.one_of(st.integers(0, 12), st.integers(0, 100).map(lambda p: f"{p}%")),
)
def test_budget_gate_agrees_with_the_disruption_controllers_arithmetic(replicas: int, ready: int, minimum: Any) -> None:
    pods = [ready_pod(i < ready) for i in range(max(ready, replicas))]
    result = budget_result(workload(replicas), DEPLOYMENT_CURRENT, pods, [budget(minAvailable=minimum)])
    required = minimum if isinstance(minimum, int) else math.ceil(int(minimum[:-1]) * replicas / 100)
    assert (result is DEPLOYMENT_CURRENT) is (ready >= required)


def test_cli_flags_select_the_options() -> None:
    chosen = options_from_flags(
        strict=False, jobs="default", extended=False, rules=None, pdb="observed", endpoints=True, budgets=True
    )
    assert chosen == Options(pdb="observed", endpoints=True, budgets=True)
    assert options_from_flags(strict=False, jobs="default", extended=False, rules=None) == Options()
