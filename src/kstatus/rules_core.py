"""The built-in per-kind rules of the Go kstatus (cli-utils `core.go`), one function per kind.

Every rule takes the object, its conditions as `(type, status, reason, message)` tuples (already
validated by the generic step) and the clock, and returns a `Result`.  The messages are upstream's,
byte for byte, because callers compare them.  `CORE_RULES` is the one table, keyed by
`(API group, kind)`; the version is ignored, as upstream does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from kstatus.fields import (
    INT64_MAX,
    INT64_MIN,
    Conditions,
    bool_field,
    child,
    int_field,
    str_field,
    timestamp,
    type_name,
    wrap_int64,
)
from kstatus.result import (
    FAILED,
    STALLED,
    ComputeError,
    Condition,
    Result,
    current,
    failed,
    in_progress,
)

Rule = Callable[[dict[str, Any], Conditions, "datetime | None"], Result]

MAX_INT32 = 2**31 - 1
SCHEDULE_WINDOW = timedelta(seconds=15)

ALWAYS_READY = current("Resource is always ready")
PDB_CURRENT = current("AllowedDisruptions has been computed.")
SERVICE_READY = current("Service is ready")
PVC_BOUND = current("PVC is Bound")
STS_ON_DELETE = current("StatefulSet is using the ondelete update strategy")
POD_SUCCEEDED = current("Pod has completed successfully")
POD_FAILED = current("Pod has completed, but not successfully")
POD_READY = current("Pod is Ready")
JOB_SUSPENDED = current("Job is suspended")
CRD_ESTABLISHED = current("CRD is established")
# Results with fixed messages are built once: a result costs two tuple allocations.
NO_IP_ASSIGNED = in_progress("NoIPAssigned", "ClusterIP not set. Service type: LoadBalancer")
REPLICA_SET_NOT_AVAILABLE = in_progress("ReplicaSetNotAvailable", "ReplicaSet not Available")
DEPLOYMENT_NOT_AVAILABLE = in_progress("DeploymentNotAvailable", "Deployment not Available")
REPLICA_FAILURE = in_progress("ReplicaFailure", "Replica Failure condition. Check Pods")
REVISION_MISMATCH = in_progress("RevisionMismatch", "Waiting for updated revision to match current")
NO_DESIRED_NUMBER = in_progress("NoDesiredNumber", "Missing .status.desiredNumberScheduled")
POD_RUNNING_NOT_READY = in_progress("PodRunningNotReady", "Pod is running but is not Ready")
POD_PENDING = in_progress("PodPending", "Pod is in the Pending phase")
POD_NOT_OBSERVED = in_progress("PodNotObserved", "Pod phase not available")
POD_NOT_SCHEDULED = in_progress("PodNotScheduled", "Pod has not been scheduled")
POD_UNSCHEDULABLE = failed("PodUnschedulable", "Pod could not be scheduled")
JOB_NOT_STARTED = in_progress("JobNotStarted", "Job not started")
INSTALLING = in_progress("Installing", "Install in progress")


def kind_of(obj: dict[str, Any]) -> str:
    """`u.GetKind()`: the kind, or "" when it is not a string."""
    kind = obj.get("kind")
    return kind if type(kind) is str else ""


def always_ready(obj: dict[str, Any], conds: Conditions, now: datetime | None) -> Result:
    """Secret, ConfigMap and CronJob have nothing to wait for."""
    return ALWAYS_READY


def pdb_conditions(obj: dict[str, Any], conds: Conditions, now: datetime | None) -> Result:
    """A PDB that passed the generation check has had its disruptions computed."""
    return PDB_CURRENT


def service_conditions(obj: dict[str, Any], conds: Conditions, now: datetime | None) -> Result:
    """Only a LoadBalancer Service without a cluster IP is held back; ingress is not inspected."""
    spec = obj.get("spec")
    if str_field(spec, "type", "ClusterIP") == "LoadBalancer" and str_field(spec, "clusterIP", "") == "":
        return NO_IP_ASSIGNED
    return SERVICE_READY


def pvc_conditions(obj: dict[str, Any], conds: Conditions, now: datetime | None) -> Result:
    """A claim is current once Bound."""
    phase = str_field(obj.get("status"), "phase", "unknown")
    if phase != "Bound":
        return in_progress("NotBound", f"PVC is not Bound. phase: {phase}")
    return PVC_BOUND


def deployment_conditions(obj: dict[str, Any], conds: Conditions, now: datetime | None) -> Result:
    """Replica counts first, then the Progressing/Available conditions."""
    spec = obj.get("spec")
    # Without a deadline the controller never sets Progressing, so there is nothing to wait for.
    progressing = int_field(spec, "progressDeadlineSeconds", MAX_INT32) == MAX_INT32
    available = False
    for ctype, cstatus, reason, message in conds:
        if ctype == "Progressing":
            if reason == "ProgressDeadlineExceeded":
                return Result(FAILED, "Progress deadline exceeded", (Condition(STALLED, "True", reason, message),))
            if cstatus == "True" and reason == "NewReplicaSetAvailable":
                progressing = True
        elif ctype == "Available" and cstatus == "True":
            available = True
    status = obj.get("status")
    spec_replicas = int_field(spec, "replicas", 1)
    replicas = int_field(status, "replicas", 0)
    updated = int_field(status, "updatedReplicas", 0)
    ready = int_field(status, "readyReplicas", 0)
    available_replicas = int_field(status, "availableReplicas", 0)
    if spec_replicas > replicas:
        return in_progress("LessReplicas", f"Replicas: {replicas}/{spec_replicas}")
    if spec_replicas > updated:
        return in_progress("LessUpdated", f"Updated: {updated}/{spec_replicas}")
    if replicas > spec_replicas:
        return in_progress("ExtraPods", f"Pending termination: {wrap_int64(replicas - spec_replicas)}")
    if updated > available_replicas:
        return in_progress("LessAvailable", f"Available: {available_replicas}/{updated}")
    if spec_replicas > ready:
        return in_progress("LessReady", f"Ready: {ready}/{spec_replicas}")
    if not progressing:
        return REPLICA_SET_NOT_AVAILABLE
    if not available:
        return DEPLOYMENT_NOT_AVAILABLE
    return current(f"Deployment is available. Replicas: {replicas}")


def replicaset_conditions(obj: dict[str, Any], conds: Conditions, now: datetime | None) -> Result:
    """ReplicaSet: a ReplicaFailure condition, then the replica counts."""
    return replica_controller_status(obj, conds, "ReplicaSet")


def replica_controller_status(obj: dict[str, Any], conds: Conditions, noun: str) -> Result:
    """The ReplicaSet rule, with the noun of its final message (ReplicationController reuses it)."""
    for ctype, cstatus, _reason, _message in conds:
        if ctype == "ReplicaFailure" and cstatus == "True":
            return REPLICA_FAILURE
    status = obj.get("status")
    spec_replicas = int_field(obj.get("spec"), "replicas", 1)
    replicas = int_field(status, "replicas", 0)
    ready = int_field(status, "readyReplicas", 0)
    available = int_field(status, "availableReplicas", 0)
    labelled = int_field(status, "fullyLabeledReplicas", 0)
    if spec_replicas > labelled:
        return in_progress("LessLabelled", f"Labelled: {labelled}/{spec_replicas}")
    if spec_replicas > available:
        return in_progress("LessAvailable", f"Available: {available}/{spec_replicas}")
    if spec_replicas > ready:
        return in_progress("LessReady", f"Ready: {ready}/{spec_replicas}")
    if replicas > spec_replicas:
        return in_progress("ExtraPods", f"Pending termination: {wrap_int64(replicas - spec_replicas)}")
    return current(f"{noun} is available. Replicas: {replicas}")


def sts_conditions(obj: dict[str, Any], conds: Conditions, now: datetime | None) -> Result:
    """StatefulSets set no conditions: OnDelete short-circuits, then counts, partition, revisions."""
    spec = obj.get("spec")
    strategy = child(spec, "updateStrategy")
    if str_field(strategy, "type", "") == "OnDelete":
        return STS_ON_DELETE
    status = obj.get("status")
    spec_replicas = int_field(spec, "replicas", 1)
    ready = int_field(status, "readyReplicas", 0)
    current_replicas = int_field(status, "currentReplicas", 0)
    updated = int_field(status, "updatedReplicas", 0)
    replicas = int_field(status, "replicas", 0)
    partition = int_field(child(strategy, "rollingUpdate"), "partition", -1)
    if spec_replicas > replicas:
        return in_progress("LessReplicas", f"Replicas: {replicas}/{spec_replicas}")
    if spec_replicas > ready:
        return in_progress("LessReady", f"Ready: {ready}/{spec_replicas}")
    if replicas > spec_replicas:
        return in_progress("ExtraPods", f"Pending termination: {wrap_int64(replicas - spec_replicas)}")
    if partition != -1:
        target = wrap_int64(spec_replicas - partition)
        if updated < target:
            return in_progress("PartitionRollout", f"updated: {updated}/{target}")
        return current(f"Partition rollout complete. updated: {updated}")
    if spec_replicas > current_replicas:
        return in_progress("LessCurrent", f"current: {current_replicas}/{spec_replicas}")
    if str_field(status, "currentRevision", "") != str_field(status, "updateRevision", ""):
        return REVISION_MISMATCH
    return current(f"All replicas scheduled as expected. Replicas: {replicas}")


def daemonset_conditions(obj: dict[str, Any], conds: Conditions, now: datetime | None) -> Result:
    """DaemonSets must carry both generation fields, then the scheduled counts must add up."""
    kind = kind_of(obj)
    if not has_int64(obj.get("metadata"), "generation", "metadata.generation"):
        return in_progress("NoGeneration", f"{kind} metadata.generation not found")
    if not has_int64(obj.get("status"), "observedGeneration", "status.observedGeneration"):
        return in_progress("NoObservedGeneration", f"{kind} status.observedGeneration not found")
    status = obj.get("status")
    desired = int_field(status, "desiredNumberScheduled", -1)
    scheduled = int_field(status, "currentNumberScheduled", 0)
    updated = int_field(status, "updatedNumberScheduled", 0)
    available = int_field(status, "numberAvailable", 0)
    ready = int_field(status, "numberReady", 0)
    if desired == -1:
        return NO_DESIRED_NUMBER
    if desired > scheduled:
        return in_progress("LessCurrent", f"Current: {scheduled}/{desired}")
    if desired > updated:
        return in_progress("LessUpdated", f"Updated: {updated}/{desired}")
    if desired > available:
        return in_progress("LessAvailable", f"Available: {available}/{desired}")
    if desired > ready:
        return in_progress("LessReady", f"Ready: {ready}/{desired}")
    return current(f"All replicas scheduled as expected. Replicas: {desired}")


def has_int64(parent: object, key: str, field: str) -> bool:
    """`NestedInt64` presence: missing is False, a present non-int64 value is an error."""
    if parent is None:
        return False
    if type(parent) is not dict:
        raise ComputeError(field, f"expected a mapping above it, got {type_name(parent)}")
    if key not in parent:
        return False
    value = parent[key]
    if type(value) is int and INT64_MIN <= value <= INT64_MAX:
        return True
    raise ComputeError(field, f"expected an integer, got {type_name(value)}")


def pod_conditions(obj: dict[str, Any], conds: Conditions, now: datetime | None) -> Result:
    """Pods switch on their phase; a Failed pod is Current on purpose (it has been reconciled)."""
    phase = str_field(obj.get("status"), "phase", "")
    if phase == "Succeeded":
        return POD_SUCCEEDED
    if phase == "Failed":
        return POD_FAILED
    if phase == "Running":
        if any(ctype == "Ready" and cstatus == "True" for ctype, cstatus, _r, _m in conds):
            return POD_READY
        names = crash_looping_containers(obj)
        if names:
            return failed("ContainerCrashLooping", f"Containers in CrashLoop state: {','.join(names)}")
        return POD_RUNNING_NOT_READY
    if phase == "Pending":
        for ctype, cstatus, reason, _message in conds:
            if ctype == "PodScheduled" and cstatus == "False":
                if reason == "Unschedulable":
                    return _unschedulable(obj, now)
                break
        return POD_PENDING
    if phase == "":
        return POD_NOT_OBSERVED
    raise ComputeError("status.phase", f"unknown phase {phase}")


def _unschedulable(obj: dict[str, Any], now: datetime | None) -> Result:
    """Give a pod the schedule window before calling it unschedulable."""
    created = timestamp(child(obj.get("metadata"), "creationTimestamp"))
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    if now - SCHEDULE_WINDOW < created:
        return POD_NOT_SCHEDULED
    return POD_UNSCHEDULABLE


def crash_looping_containers(obj: dict[str, Any]) -> list[str]:
    """Names of containers waiting in CrashLoopBackOff, in list order.

    Upstream type-asserts without checking and panics on a wrong shape; here that is an error.
    """
    status = obj.get("status")
    if type(status) is not dict or "containerStatuses" not in status:
        return []
    items = status["containerStatuses"]
    if type(items) is not list:
        raise ComputeError("status.containerStatuses", f"expected a list, got {type_name(items)}")
    names = []
    for index, entry in enumerate(items):
        field = f"status.containerStatuses[{index}]"
        item = _expect(entry, dict, field, "a mapping")
        if "name" not in item:
            continue
        name = _expect(item["name"], str, f"{field}.name", "a string")
        if "state" not in item:
            continue
        state = _expect(item["state"], dict, f"{field}.state", "a mapping")
        if "waiting" not in state:
            continue
        waiting = _expect(state["waiting"], dict, f"{field}.state.waiting", "a mapping")
        if "reason" not in waiting:
            continue
        if _expect(waiting["reason"], str, f"{field}.state.waiting.reason", "a string") == "CrashLoopBackOff":
            names.append(name)
    return names


def _expect(value: Any, expected: type, field: str, wanted: str) -> Any:
    """Where upstream would panic on a type assertion, raise a `ComputeError` instead."""
    if type(value) is not expected:
        raise ComputeError(field, f"expected {wanted}, got {type_name(value)}")
    return value


def job_conditions(obj: dict[str, Any], conds: Conditions, now: datetime | None) -> Result:
    """A Job is Current once started, even while still running (kstatus measures reconciliation)."""
    completions, succeeded, active, failures = job_counts(obj)
    suspended = bool_field(obj.get("spec"), "suspend", False)
    terminal = job_terminal_result(conds, completions, succeeded, failures, suspended)
    if terminal is not None:
        return terminal
    if str_field(obj.get("status"), "startTime", "") == "":
        return JOB_NOT_STARTED
    return current(f"Job in progress. success:{succeeded}, active: {active}, failed: {failures}")


def job_counts(obj: dict[str, Any]) -> tuple[int, int, int, int]:
    """completions (defaulting to parallelism), succeeded, active and failed of a Job."""
    spec = obj.get("spec")
    status = obj.get("status")
    parallelism = int_field(spec, "parallelism", 1)
    return (
        int_field(spec, "completions", parallelism),
        int_field(status, "succeeded", 0),
        int_field(status, "active", 0),
        int_field(status, "failed", 0),
    )


def job_terminal_result(
    conds: Conditions, completions: int, succeeded: int, failures: int, suspended: bool
) -> Result | None:
    """The first of Complete, Failed or (with `spec.suspend`) Suspended that is True, in list order."""
    for ctype, cstatus, _reason, _message in conds:
        if cstatus != "True":
            continue
        if ctype == "Complete":
            return current(f"Job Completed. succeeded: {succeeded}/{completions}")
        if ctype == "Failed":
            return failed("JobFailed", f"Job Failed. failed: {failures}/{completions}")
        if ctype == "Suspended" and suspended:
            return JOB_SUSPENDED
    return None


def crd_conditions(obj: dict[str, Any], conds: Conditions, now: datetime | None) -> Result:
    """A CRD is Current once Established; rejected names or a failed establish are Failed."""
    for ctype, cstatus, reason, message in conds:
        if ctype == "NamesAccepted" and cstatus == "False":
            return failed(reason, message)
        if ctype == "Established":
            if cstatus == "False" and reason != "Installing":
                return failed(reason, message)
            if cstatus == "True":
                return CRD_ESTABLISHED
    return INSTALLING


CORE_RULES: dict[tuple[str, str], Rule] = {
    ("", "Service"): service_conditions,
    ("", "Pod"): pod_conditions,
    ("", "Secret"): always_ready,
    ("", "PersistentVolumeClaim"): pvc_conditions,
    ("", "ConfigMap"): always_ready,
    ("apps", "StatefulSet"): sts_conditions,
    ("apps", "DaemonSet"): daemonset_conditions,
    ("extensions", "DaemonSet"): daemonset_conditions,
    ("apps", "Deployment"): deployment_conditions,
    ("extensions", "Deployment"): deployment_conditions,
    ("apps", "ReplicaSet"): replicaset_conditions,
    ("extensions", "ReplicaSet"): replicaset_conditions,
    ("policy", "PodDisruptionBudget"): pdb_conditions,
    ("batch", "CronJob"): always_ready,
    ("batch", "Job"): job_conditions,
    ("apiextensions.k8s.io", "CustomResourceDefinition"): crd_conditions,
}
