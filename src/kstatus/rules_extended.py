"""Opt-in rules beyond the Go kstatus: the `extended` rule set, `jobs="complete"` and `pdb="observed"`.

Each kind is one small function plus one row in `EXTENDED_RULES`, keyed like `CORE_RULES`.  They
cover kinds upstream leaves to the generic path, where "Resource is current" is reported before
anything has actually happened (an Ingress without an address, an HPA that cannot scale).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kstatus.fields import Conditions, bool_field, child, str_field
from kstatus.result import TERMINATING, Result, current, failed, in_progress
from kstatus.rules_core import (
    JOB_NOT_STARTED,
    JOB_SUSPENDED,
    PDB_CURRENT,
    SERVICE_READY,
    Rule,
    deployment_conditions,
    has_int64,
    job_counts,
    job_terminal_result,
    replica_controller_status,
    service_conditions,
)

DEPLOYMENT_PAUSED = current("Deployment is paused")
NAMESPACE_TERMINATING = Result(TERMINATING, "Namespace is terminating", ())
NAMESPACE_CURRENT = current("Resource is current")
INGRESS_CURRENT = current("Ingress has an address assigned")
APISERVICE_CURRENT = current("APIService is available")
HPA_CURRENT = current("HorizontalPodAutoscaler is able to scale and scaling is active")
HPA_DISABLED = current("HorizontalPodAutoscaler scaling is disabled")
# Results with fixed messages are built once: a result costs two tuple allocations.
NO_LOAD_BALANCER_INGRESS = in_progress("NoLoadBalancerIngress", "LoadBalancer ingress not assigned")
NO_ADDRESS_ASSIGNED = in_progress("NoAddressAssigned", "Waiting for an address in status.loadBalancer.ingress")
NO_AVAILABLE_CONDITION = in_progress("NoAvailableCondition", "Waiting for the Available condition")
PDB_NOT_OBSERVED = in_progress("NotObserved", "PodDisruptionBudget has not been observed by its controller yet")
NO_SCALING_CONDITIONS = in_progress("NoScalingConditions", "Waiting for the AbleToScale and ScalingActive conditions")


def _has_lb_ingress(obj: dict[str, Any]) -> bool:
    """True once a load balancer address is published in `status.loadBalancer.ingress`."""
    ingress = child(child(obj.get("status"), "loadBalancer"), "ingress")
    return type(ingress) is list and len(ingress) > 0


def paused_deployment_conditions(obj: dict[str, Any], conds: Conditions, now: datetime | None) -> Result:
    """A paused Deployment is a deliberate state, not a rollout that never ends."""
    if bool_field(obj.get("spec"), "paused", False):
        return DEPLOYMENT_PAUSED
    return deployment_conditions(obj, conds, now)


def lb_service_conditions(obj: dict[str, Any], conds: Conditions, now: datetime | None) -> Result:
    """A LoadBalancer Service also needs its external address (upstream stops at the cluster IP)."""
    result = service_conditions(obj, conds, now)
    if result is not SERVICE_READY:
        return result
    if str_field(obj.get("spec"), "type", "ClusterIP") == "LoadBalancer" and not _has_lb_ingress(obj):
        return NO_LOAD_BALANCER_INGRESS
    return result


def ingress_conditions(obj: dict[str, Any], conds: Conditions, now: datetime | None) -> Result:
    """An Ingress serves traffic once its controller has published an address."""
    if _has_lb_ingress(obj):
        return INGRESS_CURRENT
    return NO_ADDRESS_ASSIGNED


def apiservice_conditions(obj: dict[str, Any], conds: Conditions, now: datetime | None) -> Result:
    """An aggregated API is usable once `Available=True`."""
    for ctype, cstatus, reason, message in conds:
        if ctype == "Available":
            if cstatus == "True":
                return APISERVICE_CURRENT
            return in_progress(reason, message)
    return NO_AVAILABLE_CONDITION


def namespace_conditions(obj: dict[str, Any], conds: Conditions, now: datetime | None) -> Result:
    """A Namespace in phase Terminating is being deleted even before deletionTimestamp is seen."""
    if str_field(obj.get("status"), "phase", "") == "Terminating":
        return NAMESPACE_TERMINATING
    return NAMESPACE_CURRENT


def pv_conditions(obj: dict[str, Any], conds: Conditions, now: datetime | None) -> Result:
    """A PersistentVolume is usable when Available or Bound; Failed means reclamation failed."""
    status = obj.get("status")
    phase = str_field(status, "phase", "unknown")
    if phase in ("Available", "Bound"):
        return current(f"PersistentVolume is {phase}")
    if phase == "Failed":
        detail = str_field(status, "message", "")
        return failed("VolumeFailed", f"PersistentVolume phase: Failed{', ' + detail if detail else ''}")
    return in_progress("VolumeNotAvailable", f"PersistentVolume phase: {phase}")


def replication_controller_conditions(obj: dict[str, Any], conds: Conditions, now: datetime | None) -> Result:
    """ReplicationController has the ReplicaSet status fields and the same rule."""
    return replica_controller_status(obj, conds, "ReplicationController")


def hpa_conditions(obj: dict[str, Any], conds: Conditions, now: datetime | None) -> Result:
    """An HPA is Current when it can scale and its metrics work (conditions AbleToScale, ScalingActive)."""
    able = active = None
    for condition in conds:
        if condition[0] == "AbleToScale" and able is None:
            able = condition
        elif condition[0] == "ScalingActive" and active is None:
            active = condition
    if able is not None and able[1] == "False":
        if able[2].startswith("Backoff"):  # still inside a scaling window: it will act later
            return in_progress(able[2], able[3])
        return failed(able[2], able[3])
    if active is not None and active[1] == "False":
        if active[2] == "ScalingDisabled":
            return HPA_DISABLED
        return in_progress(active[2], active[3])
    if able is not None and active is not None and able[1] == "True" and active[1] == "True":
        return HPA_CURRENT
    return NO_SCALING_CONDITIONS


def complete_job_conditions(obj: dict[str, Any], conds: Conditions, now: datetime | None) -> Result:
    """`jobs="complete"`: a Job is Current only when it has completed (or is suspended)."""
    spec = obj.get("spec")
    if bool_field(spec, "suspend", False):
        return JOB_SUSPENDED
    completions, succeeded, active, failures = job_counts(obj)
    terminal = job_terminal_result(conds, completions, succeeded, failures, False)
    if terminal is not None:
        return terminal
    if str_field(obj.get("status"), "startTime", "") == "":
        return JOB_NOT_STARTED
    return in_progress("JobInProgress", f"Job in progress. success:{succeeded}, active: {active}, failed: {failures}")


def observed_pdb_conditions(obj: dict[str, Any], conds: Conditions, now: datetime | None) -> Result:
    """`pdb="observed"`: Current once the disruption controller has observed the budget.

    Upstream calls every PDB Current ("AllowedDisruptions has been computed.") even before the
    controller has looked at it: a PDB without `status.observedGeneration` has computed nothing.
    Whether disruptions are allowed right now is not the question (a budget that allows none is
    doing its job), so that is not checked.  A mismatching generation never gets here: the generic
    check reports it first.
    """
    if not has_int64(obj.get("status"), "observedGeneration", "status.observedGeneration"):
        return PDB_NOT_OBSERVED
    return PDB_CURRENT


EXTENDED_RULES: dict[tuple[str, str], Rule] = {
    ("apps", "Deployment"): paused_deployment_conditions,
    ("extensions", "Deployment"): paused_deployment_conditions,
    ("", "Service"): lb_service_conditions,
    ("networking.k8s.io", "Ingress"): ingress_conditions,
    ("extensions", "Ingress"): ingress_conditions,
    ("apiregistration.k8s.io", "APIService"): apiservice_conditions,
    ("", "Namespace"): namespace_conditions,
    ("", "PersistentVolume"): pv_conditions,
    ("", "ReplicationController"): replication_controller_conditions,
    ("autoscaling", "HorizontalPodAutoscaler"): hpa_conditions,
}

COMPLETE_JOB_RULES: dict[tuple[str, str], Rule] = {("batch", "Job"): complete_job_conditions}

OBSERVED_PDB_RULES: dict[tuple[str, str], Rule] = {("policy", "PodDisruptionBudget"): observed_pdb_conditions}
