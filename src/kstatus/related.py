"""Statuses that depend on other objects (opt-in): Services on their EndpointSlices, Deployments
and StatefulSets on the PodDisruptionBudgets that cover their Pods.

Upstream calls a Service with a selector "Service is ready" the moment it has a cluster IP, though
no Pod may answer behind it, and a workload Current while a PodDisruptionBudget over its Pods
cannot be met (so every node drain blocks).  Both answers need objects other than the one whose
status is computed, so these functions take them as arguments: the caller (`kstatus.live`) reads
them from the cluster.  Pure; each function refines a result `compute` already produced, and only
a Current one: a workload still rolling out keeps upstream's message.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from kstatus.fields import child, int_field, str_field, type_name
from kstatus.result import CURRENT, ComputeError, Result, in_progress
from kstatus.selectors import SelectorError, compile_selector

Obj = dict[str, Any]
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
NO_READY_ENDPOINTS = in_progress("NoReadyEndpoints", "Service has no ready endpoints")


def service_needs_endpoints(service: Obj) -> bool:
    """Only a Service with a selector routes to Pods; an ExternalName Service is a DNS alias and a
    selector-less one has hand-made endpoints (or none on purpose), so neither has Pods to wait for."""
    spec = service.get("spec")
    if str_field(spec, "type", "ClusterIP") == "ExternalName":
        return False
    selector = child(spec, "selector")
    return type(selector) is dict and len(selector) > 0


def endpoint_slice_selector(service: Obj) -> Obj:
    """The label selector of a Service's EndpointSlices (the endpointslice controller sets the label)."""
    return {"matchLabels": {SERVICE_NAME_LABEL: str_field(service.get("metadata"), "name", "")}}


def has_ready_endpoint(slices: Iterable[Obj]) -> bool:
    """Whether any endpoint is ready; the API says a missing `conditions.ready` means ready."""
    for endpoint_slice in slices:
        endpoints = endpoint_slice.get("endpoints")
        if type(endpoints) is not list:
            continue
        for endpoint in endpoints:
            ready = child(child(endpoint, "conditions"), "ready")
            if ready is None or ready is True:
                return True
    return False


def endpoints_result(service: Obj, result: Result, slices: Iterable[Obj]) -> Result:
    """A Current Service with a selector stays InProgress until one of its endpoints is ready."""
    if result.status != CURRENT or not service_needs_endpoints(service) or has_ready_endpoint(slices):
        return result
    return NO_READY_ENDPOINTS


def covering_budgets(workload: Obj, budgets: Iterable[Obj]) -> list[Obj]:
    """The PodDisruptionBudgets whose selector matches the workload's Pod template labels.

    In policy/v1 an empty selector matches every Pod of the namespace and a missing one none.
    """
    template_meta = child(child(workload.get("spec"), "template"), "metadata")
    labels = child(template_meta, "labels")
    labels = labels if type(labels) is dict else {}
    out = []
    for budget in budgets:
        selector = child(budget.get("spec"), "selector")
        if selector is None:
            continue
        try:
            matches = compile_selector(selector)
        except SelectorError as exc:
            raise ComputeError(f"PodDisruptionBudget {_name(budget)}", str(exc)) from None
        if matches(labels):
            out.append(budget)
    return out


def required_healthy(budget: Obj, expected: int) -> int:
    """How many healthy Pods the budget demands of a workload of `expected` replicas, as the
    disruption controller computes it (percentages round up; maxUnavailable wins when set)."""
    spec = budget.get("spec")
    max_unavailable = child(spec, "maxUnavailable")
    if max_unavailable is not None:
        return max(0, expected - _scaled(max_unavailable, expected, budget, "maxUnavailable"))
    min_available = child(spec, "minAvailable")
    if min_available is not None:
        return _scaled(min_available, expected, budget, "minAvailable")
    return 0


def _scaled(value: object, total: int, budget: Obj, key: str) -> int:
    """An IntOrString: an integer, or "N%" of `total` rounded up (`GetScaledValueFromIntOrPercent`)."""
    if type(value) is int:
        return value
    if type(value) is str and value.endswith("%") and value[:-1].isdigit():
        return math.ceil(int(value[:-1]) * total / 100)
    field = f"PodDisruptionBudget {_name(budget)} spec.{key}"
    raise ComputeError(field, f"expected an integer or a percentage, got {type_name(value)} {value!r}")


def is_healthy_pod(pod: Obj) -> bool:
    """What the disruption controller counts as healthy: Ready=True and not being deleted."""
    if child(pod.get("metadata"), "deletionTimestamp"):
        return False
    conditions = child(pod.get("status"), "conditions")
    if type(conditions) is not list:
        return False
    return any(child(c, "type") == "Ready" and child(c, "status") == "True" for c in conditions)


def budget_result(workload: Obj, result: Result, pods: Iterable[Obj], budgets: Iterable[Obj]) -> Result:
    """A Current workload whose ready Pods fall short of a covering budget is InProgress.

    `pods` are the workload's own Pods and `budgets` the PodDisruptionBudgets of its namespace.
    The demand is computed against the workload's `spec.replicas`, so a budget no rollout can
    ever meet (minAvailable above the replica count) keeps it InProgress, naming the budget.
    """
    if result.status != CURRENT:
        return result
    covering = covering_budgets(workload, budgets)
    if not covering:
        return result
    healthy = sum(1 for pod in pods if is_healthy_pod(pod))
    expected = int_field(workload.get("spec"), "replicas", 1)
    for budget in covering:
        required = required_healthy(budget, expected)
        if healthy < required:
            message = f"PodDisruptionBudget {_name(budget)} needs {required} healthy Pods, {healthy} are ready"
            return in_progress("DisruptionBudgetNotMet", message)
    return result


def _name(obj: Obj) -> str:
    return str_field(obj.get("metadata"), "name", "")
