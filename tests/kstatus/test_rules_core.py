"""Every branch and message of the built-in per-kind rules (spec §3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kstatus import ComputeError, Result, Status, compute
from tests.kstatus.builders import cond, current, failed, in_progress, make

NOW = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("api", "kind"), [("v1", "Secret"), ("v1", "ConfigMap"), ("batch/v1", "CronJob"), ("batch/v1beta1", "CronJob")]
)
def test_always_ready(api: str, kind: str) -> None:
    assert compute(make(api, kind, status={"anything": 1})) == current("Resource is always ready")


def test_pdb_is_current_after_the_generation_check() -> None:
    pdb = make("policy/v1", "PodDisruptionBudget", generation=2, status={"observedGeneration": 2})
    assert compute(pdb) == current("AllowedDisruptions has been computed.")
    pdb["status"]["observedGeneration"] = 1
    assert compute(pdb).status is Status.IN_PROGRESS


# Deployment

FULL = {"replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3}
AVAILABLE = cond("Available", "True", "MinimumReplicasAvailable")
PROGRESSED = cond("Progressing", "True", "NewReplicaSetAvailable")


def deployment(status: dict[str, Any], conds: list[Any], **spec: Any) -> dict[str, Any]:
    return make(
        "apps/v1",
        "Deployment",
        spec={"replicas": 3, "progressDeadlineSeconds": 600, **spec},
        status={**status, "conditions": conds},
    )


@pytest.mark.parametrize("value", ["False", "True", "Unknown"])
def test_deployment_progress_deadline_exceeded_fails_whatever_the_status(value: str) -> None:
    conds = [AVAILABLE, cond("Progressing", value, "ProgressDeadlineExceeded", "ReplicaSet x has timed out")]
    expected = failed("ProgressDeadlineExceeded", "ReplicaSet x has timed out", "Progress deadline exceeded")
    assert compute(deployment(FULL, conds)) == expected


def test_deployment_deadline_check_comes_before_replica_counts() -> None:
    conds = [cond("Progressing", "False", "ProgressDeadlineExceeded", "late")]
    assert compute(deployment({}, conds)).status is Status.FAILED


@pytest.mark.parametrize(
    ("status", "reason", "message"),
    [
        ({**FULL, "replicas": 2}, "LessReplicas", "Replicas: 2/3"),
        ({**FULL, "updatedReplicas": 1}, "LessUpdated", "Updated: 1/3"),
        ({**FULL, "replicas": 5}, "ExtraPods", "Pending termination: 2"),
        ({**FULL, "availableReplicas": 2}, "LessAvailable", "Available: 2/3"),
        ({**FULL, "readyReplicas": 1}, "LessReady", "Ready: 1/3"),
        ({}, "LessReplicas", "Replicas: 0/3"),
    ],
)
def test_deployment_replica_checks(status: dict[str, Any], reason: str, message: str) -> None:
    assert compute(deployment(status, [AVAILABLE, PROGRESSED])) == in_progress(reason, message)


def test_deployment_available_check_compares_updated_with_available() -> None:
    status = {"replicas": 3, "updatedReplicas": 4, "readyReplicas": 3, "availableReplicas": 3}
    # updated > spec is not a check of its own; updated > available is
    assert compute(deployment(status, [AVAILABLE, PROGRESSED])) == in_progress("LessAvailable", "Available: 3/4")


def test_deployment_not_progressing() -> None:
    expected = in_progress("ReplicaSetNotAvailable", "ReplicaSet not Available")
    assert compute(deployment(FULL, [AVAILABLE])) == expected
    not_true = [AVAILABLE, cond("Progressing", "Unknown", "NewReplicaSetAvailable")]
    assert compute(deployment(FULL, not_true)) == expected
    other_reason = [AVAILABLE, cond("Progressing", "True", "ReplicaSetUpdated")]
    assert compute(deployment(FULL, other_reason)) == expected


def test_deployment_not_available() -> None:
    expected = in_progress("DeploymentNotAvailable", "Deployment not Available")
    assert compute(deployment(FULL, [PROGRESSED])) == expected
    assert compute(deployment(FULL, [PROGRESSED, cond("Available", "False")])) == expected


def test_deployment_current() -> None:
    assert compute(deployment(FULL, [AVAILABLE, PROGRESSED])) == current("Deployment is available. Replicas: 3")


@pytest.mark.parametrize("deadline", [None, 2**31 - 1])
def test_deployment_without_deadline_counts_as_progressing(deadline: int | None) -> None:
    obj = deployment(FULL, [AVAILABLE])
    del obj["spec"]["progressDeadlineSeconds"]
    if deadline is not None:
        obj["spec"]["progressDeadlineSeconds"] = deadline
    assert compute(obj).status is Status.CURRENT


def test_deployment_non_integer_deadline_defaults_to_no_deadline() -> None:
    assert compute(deployment(FULL, [AVAILABLE], progressDeadlineSeconds="600")).status is Status.CURRENT


def test_deployment_defaults_spec_replicas_to_one() -> None:
    obj = make(
        "apps/v1",
        "Deployment",
        status={
            "replicas": 1,
            "updatedReplicas": 1,
            "readyReplicas": 1,
            "availableReplicas": 1,
            "conditions": [AVAILABLE],
        },
    )
    assert compute(obj) == current("Deployment is available. Replicas: 1")


def test_deployment_paused_is_ignored_upstream() -> None:
    assert compute(deployment({}, [], paused=True)).status is Status.IN_PROGRESS


@pytest.mark.parametrize("value", [3.0, "3", True, 2**63])
def test_non_int_replica_fields_use_the_default(value: Any) -> None:
    # spec.replicas default 1 against status.replicas default 0
    obj = deployment({**FULL, "replicas": value}, [AVAILABLE, PROGRESSED])
    assert compute(obj) == in_progress("LessReplicas", "Replicas: 0/3")


def test_replica_fields_under_a_non_mapping_use_defaults() -> None:
    obj = make("apps/v1", "Deployment", spec="oops", status={"conditions": []})
    assert compute(obj) == in_progress("LessReplicas", "Replicas: 0/1")


def test_pending_termination_wraps_like_go_int64() -> None:
    obj = deployment({**FULL, "replicas": 2**63 - 1}, [], replicas=-(2**63))
    obj["status"]["updatedReplicas"] = 2**63 - 1
    assert compute(obj).message == "Pending termination: -1"


# ReplicaSet

RS_FULL = {"replicas": 2, "fullyLabeledReplicas": 2, "availableReplicas": 2, "readyReplicas": 2}


def replicaset(status: dict[str, Any], api: str = "apps/v1") -> dict[str, Any]:
    return make(api, "ReplicaSet", spec={"replicas": 2}, status=status)


def test_replicaset_replica_failure_is_in_progress_not_failed() -> None:
    status = {**RS_FULL, "conditions": [cond("ReplicaFailure", "True", "FailedCreate", "quota")]}
    assert compute(replicaset(status)) == in_progress("ReplicaFailure", "Replica Failure condition. Check Pods")
    status["conditions"] = [cond("ReplicaFailure", "False")]
    assert compute(replicaset(status)).status is Status.CURRENT


@pytest.mark.parametrize(
    ("status", "reason", "message"),
    [
        ({**RS_FULL, "fullyLabeledReplicas": 1}, "LessLabelled", "Labelled: 1/2"),
        ({**RS_FULL, "availableReplicas": 0}, "LessAvailable", "Available: 0/2"),
        ({**RS_FULL, "readyReplicas": 1}, "LessReady", "Ready: 1/2"),
        ({**RS_FULL, "replicas": 4}, "ExtraPods", "Pending termination: 2"),
    ],
)
def test_replicaset_replica_checks(status: dict[str, Any], reason: str, message: str) -> None:
    assert compute(replicaset(status)) == in_progress(reason, message)
    assert compute(replicaset(status, "extensions/v1beta1")) == in_progress(reason, message)


def test_replicaset_current() -> None:
    assert compute(replicaset(RS_FULL)) == current("ReplicaSet is available. Replicas: 2")


def test_replicaset_extra_pods_checked_after_ready() -> None:
    status = {**RS_FULL, "replicas": 4, "readyReplicas": 1}
    assert compute(replicaset(status)).message == "Ready: 1/2"


# StatefulSet

STS_FULL = {
    "replicas": 3,
    "readyReplicas": 3,
    "currentReplicas": 3,
    "updatedReplicas": 3,
    "currentRevision": "r1",
    "updateRevision": "r1",
}


def statefulset(status: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return make("apps/v1", "StatefulSet", spec={"replicas": 3, **spec}, status=status)


def test_statefulset_on_delete_is_current_before_any_count() -> None:
    obj = statefulset({}, updateStrategy={"type": "OnDelete"})
    assert compute(obj) == current("StatefulSet is using the ondelete update strategy")


def test_statefulset_on_delete_still_gets_the_generation_check() -> None:
    obj = statefulset({"observedGeneration": 1}, updateStrategy={"type": "OnDelete"})
    obj["metadata"]["generation"] = 2
    assert compute(obj).status is Status.IN_PROGRESS


def test_statefulset_on_delete_is_case_sensitive() -> None:
    assert compute(statefulset({}, updateStrategy={"type": "ondelete"})).message == "Replicas: 0/3"


@pytest.mark.parametrize(
    ("status", "reason", "message"),
    [
        ({**STS_FULL, "replicas": 2}, "LessReplicas", "Replicas: 2/3"),
        ({**STS_FULL, "readyReplicas": 2}, "LessReady", "Ready: 2/3"),
        ({**STS_FULL, "replicas": 5}, "ExtraPods", "Pending termination: 2"),
        ({**STS_FULL, "currentReplicas": 1}, "LessCurrent", "current: 1/3"),
        ({**STS_FULL, "updateRevision": "r2"}, "RevisionMismatch", "Waiting for updated revision to match current"),
    ],
)
def test_statefulset_checks(status: dict[str, Any], reason: str, message: str) -> None:
    assert compute(statefulset(status)) == in_progress(reason, message)


def test_statefulset_current() -> None:
    assert compute(statefulset(STS_FULL)) == current("All replicas scheduled as expected. Replicas: 3")


def test_statefulset_partition_rollout() -> None:
    status = {**STS_FULL, "updatedReplicas": 1, "currentReplicas": 0, "updateRevision": "r2"}
    obj = statefulset(status, updateStrategy={"rollingUpdate": {"partition": 1}})
    assert compute(obj) == in_progress("PartitionRollout", "updated: 1/2")


def test_statefulset_partition_complete_skips_current_and_revisions() -> None:
    status = {**STS_FULL, "updatedReplicas": 2, "currentReplicas": 0, "updateRevision": "r2"}
    obj = statefulset(status, updateStrategy={"rollingUpdate": {"partition": 1}})
    assert compute(obj) == current("Partition rollout complete. updated: 2")


def test_statefulset_partition_zero_counts() -> None:
    obj = statefulset({**STS_FULL, "updatedReplicas": 2}, updateStrategy={"rollingUpdate": {"partition": 0}})
    assert compute(obj) == in_progress("PartitionRollout", "updated: 2/3")


def test_statefulset_partition_minus_one_means_none() -> None:
    obj = statefulset({**STS_FULL, "currentReplicas": 1}, updateStrategy={"rollingUpdate": {"partition": -1}})
    assert compute(obj).message == "current: 1/3"


def test_statefulset_missing_revisions_are_equal() -> None:
    status = {k: v for k, v in STS_FULL.items() if "Revision" not in k}
    assert compute(statefulset(status)).status is Status.CURRENT


# DaemonSet

DS_FULL = {
    "observedGeneration": 1,
    "desiredNumberScheduled": 2,
    "currentNumberScheduled": 2,
    "updatedNumberScheduled": 2,
    "numberAvailable": 2,
    "numberReady": 2,
}


def daemonset(status: dict[str, Any] | None, generation: int | None = 1, api: str = "apps/v1") -> dict[str, Any]:
    meta: dict[str, Any] = {} if generation is None else {"generation": generation}
    return make(api, "DaemonSet", status=status, **meta)


def test_daemonset_needs_generation() -> None:
    assert compute(daemonset(DS_FULL, None)) == in_progress("NoGeneration", "DaemonSet metadata.generation not found")


def test_daemonset_needs_observed_generation() -> None:
    status = {k: v for k, v in DS_FULL.items() if k != "observedGeneration"}
    expected = in_progress("NoObservedGeneration", "DaemonSet status.observedGeneration not found")
    assert compute(daemonset(status)) == expected
    assert compute(daemonset(None)) == expected


@pytest.mark.parametrize(
    ("status", "reason", "message"),
    [
        ({"observedGeneration": 1}, "NoDesiredNumber", "Missing .status.desiredNumberScheduled"),
        ({**DS_FULL, "desiredNumberScheduled": -1}, "NoDesiredNumber", "Missing .status.desiredNumberScheduled"),
        ({**DS_FULL, "currentNumberScheduled": 1}, "LessCurrent", "Current: 1/2"),
        ({**DS_FULL, "updatedNumberScheduled": 1}, "LessUpdated", "Updated: 1/2"),
        ({**DS_FULL, "numberAvailable": 0}, "LessAvailable", "Available: 0/2"),
        ({**DS_FULL, "numberReady": 1}, "LessReady", "Ready: 1/2"),
    ],
)
def test_daemonset_checks(status: dict[str, Any], reason: str, message: str) -> None:
    assert compute(daemonset(status)) == in_progress(reason, message)
    assert compute(daemonset(status, api="extensions/v1beta1")) == in_progress(reason, message)


def test_daemonset_current() -> None:
    assert compute(daemonset(DS_FULL)) == current("All replicas scheduled as expected. Replicas: 2")


def test_daemonset_with_nothing_to_schedule_is_current() -> None:
    status = {"observedGeneration": 1, "desiredNumberScheduled": 0}
    assert compute(daemonset(status)) == current("All replicas scheduled as expected. Replicas: 0")


# PVC and Service


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ({"phase": "Pending"}, "PVC is not Bound. phase: Pending"),
        ({}, "PVC is not Bound. phase: unknown"),
        (None, "PVC is not Bound. phase: unknown"),
        ({"phase": 3}, "PVC is not Bound. phase: unknown"),
    ],
)
def test_pvc_not_bound(status: dict[str, Any] | None, message: str) -> None:
    assert compute(make("v1", "PersistentVolumeClaim", status=status)) == in_progress("NotBound", message)


def test_pvc_bound() -> None:
    assert compute(make("v1", "PersistentVolumeClaim", status={"phase": "Bound"})) == current("PVC is Bound")


def test_service_load_balancer_without_cluster_ip() -> None:
    obj = make("v1", "Service", spec={"type": "LoadBalancer"})
    assert compute(obj) == in_progress("NoIPAssigned", "ClusterIP not set. Service type: LoadBalancer")
    obj["spec"]["clusterIP"] = ""
    assert compute(obj).status is Status.IN_PROGRESS


@pytest.mark.parametrize(
    "spec",
    [{"type": "LoadBalancer", "clusterIP": "10.0.0.1"}, {}, {"type": "ClusterIP"}, {"type": "NodePort"}],
)
def test_service_ready(spec: dict[str, Any]) -> None:
    # status.loadBalancer.ingress is not inspected upstream
    assert compute(make("v1", "Service", spec=spec)) == current("Service is ready")


# Pod


def pod(phase: str | None, conds: list[Any] | None = None, **status: Any) -> dict[str, Any]:
    full: dict[str, Any] = dict(status)
    if phase is not None:
        full["phase"] = phase
    if conds is not None:
        full["conditions"] = conds
    return make("v1", "Pod", status=full, creationTimestamp="2024-06-01T11:59:50Z")


def test_pod_succeeded_and_failed_are_current() -> None:
    assert compute(pod("Succeeded")) == current("Pod has completed successfully")
    assert compute(pod("Failed")) == current("Pod has completed, but not successfully")


def test_pod_running_ready_anywhere_in_the_list() -> None:
    conds = [cond("Ready", "False"), cond("Ready", "True")]
    assert compute(pod("Running", conds)) == current("Pod is Ready")


def test_pod_running_crash_looping_lists_names_in_order() -> None:
    statuses = [
        {"name": "a", "state": {"waiting": {"reason": "CrashLoopBackOff"}}},
        {"name": "b", "state": {"running": {}}},
        {"name": "c", "state": {"waiting": {"reason": "ContainerCreating"}}},
        {"name": "d", "state": {"waiting": {"reason": "CrashLoopBackOff"}}},
        {"state": {"waiting": {"reason": "CrashLoopBackOff"}}},
        {"name": "e"},
        {"name": "f", "state": {}},
        {"name": "g", "state": {"waiting": {}}},
    ]
    expected = failed("ContainerCrashLooping", "Containers in CrashLoop state: a,d")
    assert compute(pod("Running", [cond("Ready", "False")], containerStatuses=statuses)) == expected


def test_pod_running_not_ready() -> None:
    expected = in_progress("PodRunningNotReady", "Pod is running but is not Ready")
    assert compute(pod("Running")) == expected
    assert compute(pod("Running", containerStatuses=[])) == expected


@pytest.mark.parametrize(
    ("statuses", "field"),
    [
        ("x", "status.containerStatuses"),
        (None, "status.containerStatuses"),
        (["x"], "status.containerStatuses[0]"),
        ([{"name": 1}], "status.containerStatuses[0].name"),
        ([{"name": "a", "state": "x"}], "status.containerStatuses[0].state"),
        ([{"name": "a", "state": {"waiting": None}}], "status.containerStatuses[0].state.waiting"),
        ([{"name": "a", "state": {"waiting": {"reason": 1}}}], "status.containerStatuses[0].state.waiting.reason"),
    ],
)
def test_pod_container_status_shapes_upstream_would_panic_on(statuses: Any, field: str) -> None:
    with pytest.raises(ComputeError) as err:
        compute(pod("Running", containerStatuses=statuses))
    assert err.value.field == field


def test_pod_pending_unschedulable_inside_the_window() -> None:
    obj = pod("Pending", [cond("PodScheduled", "False", "Unschedulable", "0/3 nodes")])
    assert compute(obj, now=NOW) == in_progress("PodNotScheduled", "Pod has not been scheduled")


def test_pod_pending_unschedulable_after_the_window() -> None:
    obj = pod("Pending", [cond("PodScheduled", "False", "Unschedulable")])
    assert compute(obj, now=NOW + timedelta(seconds=6)) == failed("PodUnschedulable", "Pod could not be scheduled")


def test_pod_schedule_window_boundary_is_fifteen_seconds() -> None:
    obj = pod("Pending", [cond("PodScheduled", "False", "Unschedulable")])
    created = datetime(2024, 6, 1, 11, 59, 50, tzinfo=UTC)
    assert compute(obj, now=created + timedelta(seconds=14, microseconds=999999)).status is Status.IN_PROGRESS
    assert compute(obj, now=created + timedelta(seconds=15)).status is Status.FAILED


@pytest.mark.parametrize("created", [None, "", "yesterday", "2024-06-01 11:59:50Z", "2024-13-01T00:00:00Z"])
def test_pod_without_a_usable_creation_time_fails_at_once(created: str | None) -> None:
    obj = pod("Pending", [cond("PodScheduled", "False", "Unschedulable")])
    del obj["metadata"]["creationTimestamp"]
    if created is not None:
        obj["metadata"]["creationTimestamp"] = created
    assert compute(obj, now=NOW).status is Status.FAILED


def test_pod_creation_time_from_pyyaml_datetime() -> None:
    obj = pod("Pending", [cond("PodScheduled", "False", "Unschedulable")])
    obj["metadata"]["creationTimestamp"] = NOW - timedelta(seconds=1)
    assert compute(obj, now=NOW).status is Status.IN_PROGRESS
    obj["metadata"]["creationTimestamp"] = datetime(2024, 6, 1, 12, 0, 0)  # naive: no offset, Go cannot parse
    assert compute(obj, now=NOW).status is Status.FAILED


def test_pod_creation_time_with_offset_and_fraction() -> None:
    obj = pod("Pending", [cond("PodScheduled", "False", "Unschedulable")])
    obj["metadata"]["creationTimestamp"] = "2024-06-01T13:59:59.5+02:00"
    assert compute(obj, now=NOW).status is Status.IN_PROGRESS


def test_pod_naive_now_is_utc() -> None:
    obj = pod("Pending", [cond("PodScheduled", "False", "Unschedulable")])
    assert compute(obj, now=NOW.replace(tzinfo=None)).status is Status.IN_PROGRESS


def test_pod_default_clock_is_the_current_time() -> None:
    obj = pod("Pending", [cond("PodScheduled", "False", "Unschedulable")])
    obj["metadata"]["creationTimestamp"] = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert compute(obj).status is Status.IN_PROGRESS


def test_pod_pending_only_the_first_scheduled_false_condition_counts() -> None:
    conds = [cond("PodScheduled", "False", "SchedulerError"), cond("PodScheduled", "False", "Unschedulable")]
    assert compute(pod("Pending", conds), now=NOW) == in_progress("PodPending", "Pod is in the Pending phase")


def test_pod_pending() -> None:
    assert compute(pod("Pending")) == in_progress("PodPending", "Pod is in the Pending phase")
    scheduled = [cond("PodScheduled", "True", "Unschedulable")]
    assert compute(pod("Pending", scheduled)).message == "Pod is in the Pending phase"


@pytest.mark.parametrize("phase", [None, "", 7])
def test_pod_without_phase(phase: Any) -> None:
    obj = pod(None) if phase is None else pod(phase)
    assert compute(obj) == in_progress("PodNotObserved", "Pod phase not available")


@pytest.mark.parametrize("phase", ["Unknown", "running"])
def test_pod_unknown_phase_is_an_error(phase: str) -> None:
    with pytest.raises(ComputeError) as err:
        compute(pod(phase))
    assert str(err.value) == f"status.phase: unknown phase {phase}"


# Job


def job(status: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return make("batch/v1", "Job", spec={"parallelism": 2, "completions": 5, **spec}, status=status)


def test_job_complete() -> None:
    obj = job({"succeeded": 5, "conditions": [cond("Complete", "True")]})
    assert compute(obj) == current("Job Completed. succeeded: 5/5")


def test_job_failed() -> None:
    obj = job({"failed": 3, "conditions": [cond("Failed", "True", "BackoffLimitExceeded")]})
    assert compute(obj) == failed("JobFailed", "Job Failed. failed: 3/5")


def test_job_conditions_in_list_order() -> None:
    conds = [cond("Failed", "True"), cond("Complete", "True")]
    assert compute(job({"conditions": conds})).status is Status.FAILED
    assert compute(job({"conditions": conds[::-1]})).status is Status.CURRENT


def test_job_false_conditions_do_not_count() -> None:
    obj = job({"conditions": [cond("Complete", "False"), cond("Failed", "False")]})
    assert compute(obj) == in_progress("JobNotStarted", "Job not started")


def test_job_suspended_needs_spec_suspend() -> None:
    conds = [cond("Suspended", "True", "JobSuspended")]
    assert compute(job({"conditions": conds}, suspend=True)) == current("Job is suspended")
    assert compute(job({"conditions": conds}, suspend=False)).message == "Job not started"
    assert compute(job({"conditions": conds}, suspend="true")).message == "Job not started"
    assert compute(job({"conditions": conds})).message == "Job not started"


def test_job_not_started() -> None:
    assert compute(job({})) == in_progress("JobNotStarted", "Job not started")
    assert compute(job({"startTime": ""})).message == "Job not started"


def test_job_running_is_current_upstream() -> None:
    obj = job({"startTime": "2024-01-01T00:00:00Z", "succeeded": 1, "active": 2, "failed": 1})
    assert compute(obj) == current("Job in progress. success:1, active: 2, failed: 1")


def test_job_start_time_from_pyyaml_datetime_counts_as_started() -> None:
    obj = job({"startTime": datetime(2024, 1, 1, tzinfo=UTC)})
    assert compute(obj).message == "Job in progress. success:0, active: 0, failed: 0"


def test_job_completions_default_to_parallelism() -> None:
    obj = make("batch/v1", "Job", spec={"parallelism": 3}, status={"conditions": [cond("Complete", "True")]})
    assert compute(obj).message == "Job Completed. succeeded: 0/3"
    bare = make("batch/v1", "Job", status={"conditions": [cond("Complete", "True")]})
    assert compute(bare).message == "Job Completed. succeeded: 0/1"


# CustomResourceDefinition

CRD_API = "apiextensions.k8s.io/v1"


def crd(conds: list[Any]) -> dict[str, Any]:
    return make(CRD_API, "CustomResourceDefinition", status={"conditions": conds})


def test_crd_names_not_accepted_fails() -> None:
    conds = [cond("NamesAccepted", "False", "MultipleNamesNotAllowed", "conflict")]
    assert compute(crd(conds)) == failed("MultipleNamesNotAllowed", "conflict")


def test_crd_not_established_fails_unless_installing() -> None:
    assert compute(crd([cond("Established", "False", "Broken", "no")])) == failed("Broken", "no")
    installing = [cond("Established", "False", "Installing", "wait")]
    assert compute(crd(installing)) == in_progress("Installing", "Install in progress")


def test_crd_established() -> None:
    conds = [cond("NamesAccepted", "True"), cond("Established", "True")]
    assert compute(crd(conds)) == current("CRD is established")


def test_crd_first_decisive_condition_wins() -> None:
    conds = [cond("Established", "True"), cond("NamesAccepted", "False", "X", "y")]
    assert compute(crd(conds)).status is Status.CURRENT


def test_crd_installing_without_conditions() -> None:
    assert compute(crd([])) == in_progress("Installing", "Install in progress")
    assert compute(crd([cond("Established", "Unknown")])) == in_progress("Installing", "Install in progress")


def test_results_are_results() -> None:
    assert isinstance(compute(crd([])), Result)
