"""GRM's per-kind health checks over raw objects (pure): what ``ResourcesHealthy`` means.

Why GRM's rules and not kstatus' (spec §4.2, §10.13): gardenlet's care controllers, dashboards and
operators read ``ResourcesHealthy`` as GRM defines it — a Deployment is unhealthy while it is not
``Available``, a StatefulSet while it has fewer ready replicas than wanted — and kstatus calls such a
workload merely "in progress". The rules and their error texts follow GRM's
``pkg/utils/kubernetes/health`` exactly (e.g. ``condition "Available" has invalid status False (expected
True) due to MinimumReplicasUnavailable: …``), keyed by ``(group, kind)`` so that every served version
of a kind is judged alike. Kinds without a rule are healthy when they exist.

Each check returns ``None`` (healthy) or GRM's error text. A field of the wrong type (which GRM's typed
client would fail to decode) raises :class:`MalformedStatus`: the reconciler reports it as
``HealthCheckError``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

Obj = Mapping[str, Any]
Check = Callable[[Obj], "str | None"]

_PERCENT = re.compile(r"([+-]?[0-9]+)%")


class MalformedStatus(ValueError):
    """A field a health check reads has the wrong type; the message names it."""


def _get(obj: Obj, path: str, expected: type | tuple[type, ...], default: Any) -> Any:
    """The value at the dotted ``path`` (``default`` when absent or null), of type ``expected``."""
    value: Any = obj
    for part in path.split("."):
        if value is None:
            return default
        if not isinstance(value, Mapping):
            raise MalformedStatus(f"{path}: expected an object on the way, got {json.dumps(value)}")
        value = value.get(part)
    if value is None:
        return default
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise MalformedStatus(f"{path}: unexpected value {json.dumps(value)}")
    return value


def _int(obj: Obj, path: str, default: int | None = 0) -> Any:
    return _get(obj, path, int, default)


def _quoted(text: str) -> str:
    """Go's ``%q`` of a string (printable text stays as it is)."""
    return json.dumps(text, ensure_ascii=False)


def _generation_outdated(obj: Obj) -> str | None:
    observed, generation = _int(obj, "status.observedGeneration"), _int(obj, "metadata.generation")
    return f"observed generation outdated ({observed}/{generation})" if observed < generation else None


def _condition(obj: Obj, condition_type: str) -> Obj | None:
    """The first condition of ``condition_type`` in ``status.conditions`` (Go's lookup)."""
    for condition in _get(obj, "status.conditions", list, []):
        if not isinstance(condition, Mapping):
            raise MalformedStatus(f"status.conditions: unexpected entry {json.dumps(condition)}")
        if condition.get("type") == condition_type:
            return condition
    return None


def _mismatch(condition: Obj, expected: str) -> str | None:
    """GRM's ``checkConditionState`` text, when the condition's status is not ``expected``."""
    status = condition.get("status") or ""
    if status == expected:
        return None
    reason, message = condition.get("reason") or "", condition.get("message") or ""
    return (
        f'condition "{condition.get("type")}" has invalid status {status} (expected {expected}) '
        f"due to {reason}: {message}"
    )


def _required(obj: Obj, condition_type: str, expected: str) -> str | None:
    condition = _condition(obj, condition_type)
    if condition is None:
        return f'condition "{condition_type}" is missing'
    return _mismatch(condition, expected)


def _optional(obj: Obj, condition_type: str, expected: str) -> str | None:
    condition = _condition(obj, condition_type)
    return None if condition is None else _mismatch(condition, expected)


def _first(*checks: Callable[[], str | None]) -> str | None:
    """The first problem of checks run in order (GRM returns at the first failed rule)."""
    for check in checks:
        problem = check()
        if problem is not None:
            return problem
    return None


def check_custom_resource_definition(crd: Obj) -> str | None:
    return _first(
        lambda: _required(crd, "NamesAccepted", "True"),
        lambda: _required(crd, "Established", "True"),
        lambda: _optional(crd, "Terminating", "False"),
    )


def daemonset_max_unavailable(daemonset: Obj) -> int:
    """``maxUnavailable`` of a rolling update scaled to the desired number, rounded down (0 when not
    a rolling update, unset, or unparsable)."""
    desired = _int(daemonset, "status.desiredNumberScheduled")
    strategy = _get(daemonset, "spec.updateStrategy", Mapping, {})
    if desired == 0 or strategy.get("type") != "RollingUpdate":
        return 0
    value = _get(strategy, "rollingUpdate.maxUnavailable", (int, str), None)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    percent = _PERCENT.fullmatch(value) if isinstance(value, str) else None
    return math.floor(int(percent.group(1)) * desired / 100) if percent else 0


def check_daemonset(daemonset: Obj) -> str | None:
    def scheduled() -> str | None:
        current, desired = (
            _int(daemonset, "status.currentNumberScheduled"),
            _int(daemonset, "status.desiredNumberScheduled"),
        )
        return f"not enough scheduled pods ({current}/{desired})" if current < desired else None

    def misscheduled() -> str | None:
        count = _int(daemonset, "status.numberMisscheduled")
        return f"misscheduled pods found ({count})" if count > 0 else None

    def unavailable() -> str | None:
        count, current = _int(daemonset, "status.numberUnavailable"), _int(daemonset, "status.currentNumberScheduled")
        if _int(daemonset, "status.updatedNumberScheduled") < _int(daemonset, "status.desiredNumberScheduled"):
            allowed = daemonset_max_unavailable(daemonset)
            if count > allowed:
                return (
                    f"too many unavailable pods found ({count}/{current}, only max. {allowed} unavailable pods allowed)"
                )
            return None
        return f"too many unavailable pods found ({count}/{current})" if count > 0 else None

    return _first(lambda: _generation_outdated(daemonset), scheduled, misscheduled, unavailable)


def check_deployment(deployment: Obj) -> str | None:
    return _first(
        lambda: _generation_outdated(deployment),
        lambda: _required(deployment, "Available", "True"),
        lambda: _optional(deployment, "Progressing", "True"),
        lambda: _optional(deployment, "ReplicaFailure", "False"),
    )


def check_job(job: Obj) -> str | None:
    return _optional(job, "Failed", "False")


def check_pod(pod: Obj) -> str | None:
    phase = _get(pod, "status.phase", str, "")
    if phase in ("Running", "Succeeded"):
        return None
    return f'pod is in invalid phase {_quoted(phase)} (expected one of ["Running" "Succeeded"])'


def _check_replicas(kind: str) -> Check:
    """ReplicaSet and ReplicationController: current generation, ready replicas ≥ ``spec.replicas``."""

    def check(obj: Obj) -> str | None:
        def available() -> str | None:
            replicas = _int(obj, "spec.replicas", None)
            if replicas is not None and _int(obj, "status.readyReplicas") < replicas:
                return f"{kind} does not have minimum availability"
            return None

        return _first(lambda: _generation_outdated(obj), available)

    return check


def check_service(service: Obj) -> str | None:
    if _get(service, "spec.type", str, "") != "LoadBalancer":
        return None
    if _get(service, "status.loadBalancer.ingress", list, []):
        return None
    return "service is missing ingress status"


def check_statefulset(statefulset: Obj) -> str | None:
    def ready() -> str | None:
        ready_replicas, replicas = _int(statefulset, "status.readyReplicas"), _int(statefulset, "spec.replicas", 1)
        return f"not enough ready replicas ({ready_replicas}/{replicas})" if ready_replicas < replicas else None

    return _first(lambda: _generation_outdated(statefulset), ready)


def check_monitoring(obj: Obj) -> str | None:
    """Prometheus and Alertmanager: a current ``Available=True`` and enough available replicas."""

    def available_condition() -> str | None:
        condition = _condition(obj, "Available")
        if condition is None:
            return 'condition "Available" is missing'
        observed, generation = _int(condition, "observedGeneration"), _int(obj, "metadata.generation")
        if observed < generation:
            return f"observed generation outdated ({observed}/{generation})"
        return _mismatch(condition, "True")

    def replicas() -> str | None:
        available, wanted = _int(obj, "status.availableReplicas"), _int(obj, "spec.replicas", 1)
        return f"not enough available replicas ({available}/{wanted})" if available < wanted else None

    return _first(available_condition, replicas)


def check_vertical_pod_autoscaler(vpa: Obj) -> str | None:
    return _optional(vpa, "ConfigUnsupported", "False")


def _check_state(what: str) -> Check:
    def check(obj: Obj) -> str | None:
        state = _get(obj, "status.state", str, "")
        return None if state == "Ready" else f'{what} state is {_quoted(state)} ("Ready" expected)'

    return check


def check_certificate(certificate: Obj) -> str | None:
    return _first(lambda: _optional(certificate, "Ready", "True"), lambda: _check_state("certificate")(certificate))


CHECKS: Mapping[tuple[str, str], Check] = {
    ("apiextensions.k8s.io", "CustomResourceDefinition"): check_custom_resource_definition,
    ("apps", "DaemonSet"): check_daemonset,
    ("apps", "Deployment"): check_deployment,
    ("batch", "Job"): check_job,
    ("", "Pod"): check_pod,
    ("apps", "ReplicaSet"): _check_replicas("ReplicaSet"),
    ("", "ReplicationController"): _check_replicas("ReplicationController"),
    ("", "Service"): check_service,
    ("apps", "StatefulSet"): check_statefulset,
    ("monitoring.coreos.com", "Prometheus"): check_monitoring,
    ("monitoring.coreos.com", "Alertmanager"): check_monitoring,
    ("autoscaling.k8s.io", "VerticalPodAutoscaler"): check_vertical_pod_autoscaler,
    ("cert.gardener.cloud", "Certificate"): check_certificate,
    ("cert.gardener.cloud", "Issuer"): _check_state("issuer"),
}
"""GRM's checked kinds; everything else is healthy when it exists."""


def check_health(group: str, kind: str, obj: Obj) -> str | None:
    """GRM's verdict on ``obj``: ``None`` if healthy (or not checked), else the error text.

    Raises :class:`MalformedStatus` when a field the check reads has the wrong type.
    """
    check = CHECKS.get((group, kind))
    return None if check is None else check(obj)
