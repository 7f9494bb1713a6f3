"""The opt-in extensions of spec §10.3: strict, jobs="complete" and the extended rule set."""

from __future__ import annotations

from typing import Any

import pytest

from kstatus import Options, Result, Status, compute
from tests.kstatus.builders import cond, current, failed, in_progress, make

STRICT = Options(strict=True)
JOBS = Options(jobs="complete")
EXTENDED = Options(extended=True)


def test_options_are_immutable_and_validated() -> None:
    with pytest.raises(ValueError, match="jobs must be one of default, complete"):
        Options(jobs="all")  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        STRICT.strict = False  # type: ignore[misc]


def test_default_options_change_nothing() -> None:
    obj = make("example.com/v1", "Widget", generation=1)
    assert compute(obj, options=Options()) == compute(obj) == current("Resource is current")


# strict


def test_strict_unobserved_custom_resource_is_in_progress() -> None:
    obj = make("example.com/v1", "HelmRelease", generation=1)
    expected = in_progress("NotObserved", "HelmRelease has not been observed by its controller yet")
    assert compute(obj, options=STRICT) == expected
    obj["status"] = {"conditions": [cond("Other", "True")]}
    assert compute(obj, options=STRICT) == expected


@pytest.mark.parametrize(
    "status",
    [
        {"observedGeneration": 1},
        {"conditions": [cond("Ready", "Maybe")]},
        {"conditions": [cond("Reconciling", "False")]},
        {"conditions": [cond("Stalled", "False")]},
    ],
)
def test_strict_observed_custom_resources_keep_upstream_results(status: dict[str, Any]) -> None:
    obj = make("example.com/v1", "Widget", generation=1, status=status)
    assert compute(obj, options=STRICT) == current("Resource is current")


def test_strict_needs_a_generation() -> None:
    assert compute(make("example.com/v1", "Widget"), options=STRICT) == current("Resource is current")


def test_strict_leaves_kinds_with_rules_alone() -> None:
    assert compute(make("v1", "ConfigMap", generation=1), options=STRICT) == current("Resource is always ready")
    ready = make("example.com/v1", "Widget", generation=1, status={"conditions": [cond("Ready", "True")]})
    assert compute(ready, options=STRICT) == current("Resource is Ready")


# jobs="complete"


def job(status: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return make("batch/v1", "Job", spec={"parallelism": 1, "completions": 2, **spec}, status=status)


def test_complete_jobs_running_job_is_in_progress() -> None:
    obj = job({"startTime": "2024-01-01T00:00:00Z", "active": 1, "succeeded": 1})
    expected = in_progress("JobInProgress", "Job in progress. success:1, active: 1, failed: 0")
    assert compute(obj, options=JOBS) == expected
    assert compute(obj).status is Status.CURRENT  # upstream


def test_complete_jobs_keep_complete_failed_and_not_started() -> None:
    assert compute(job({"succeeded": 2, "conditions": [cond("Complete", "True")]}), options=JOBS) == current(
        "Job Completed. succeeded: 2/2"
    )
    assert compute(job({"failed": 1, "conditions": [cond("Failed", "True")]}), options=JOBS) == failed(
        "JobFailed", "Job Failed. failed: 1/2"
    )
    assert compute(job({}), options=JOBS) == in_progress("JobNotStarted", "Job not started")


def test_complete_jobs_suspended_regardless_of_conditions() -> None:
    obj = job({"conditions": [cond("Failed", "True")]}, suspend=True)
    assert compute(obj, options=JOBS) == current("Job is suspended")
    assert compute(job({"conditions": [cond("Suspended", "True")]}), options=JOBS).message == "Job not started"


# extended


def test_extended_paused_deployment_is_current() -> None:
    obj = make("apps/v1", "Deployment", spec={"replicas": 3, "paused": True}, status={})
    assert compute(obj, options=EXTENDED) == current("Deployment is paused")
    obj["spec"]["paused"] = False
    assert compute(obj, options=EXTENDED) == in_progress("LessReplicas", "Replicas: 0/3")


def test_extended_load_balancer_service_needs_an_ingress_address() -> None:
    obj = make("v1", "Service", spec={"type": "LoadBalancer", "clusterIP": "10.0.0.1"}, status={})
    assert compute(obj, options=EXTENDED) == in_progress("NoLoadBalancerIngress", "LoadBalancer ingress not assigned")
    obj["status"] = {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}
    assert compute(obj, options=EXTENDED) == current("Service is ready")
    no_ip = make("v1", "Service", spec={"type": "LoadBalancer"})
    assert compute(no_ip, options=EXTENDED).conditions[0].reason == "NoIPAssigned"
    cluster_ip = make("v1", "Service", spec={"clusterIP": "10.0.0.2"})
    assert compute(cluster_ip, options=EXTENDED) == current("Service is ready")


@pytest.mark.parametrize("api", ["networking.k8s.io/v1", "extensions/v1beta1"])
def test_extended_ingress_needs_an_address(api: str) -> None:
    obj = make(api, "Ingress", status={"loadBalancer": {"ingress": []}})
    expected = in_progress("NoAddressAssigned", "Waiting for an address in status.loadBalancer.ingress")
    assert compute(obj, options=EXTENDED) == expected
    obj["status"]["loadBalancer"]["ingress"] = [{"hostname": "lb.example"}]
    assert compute(obj, options=EXTENDED) == current("Ingress has an address assigned")
    assert compute(make(api, "Ingress")) == current("Resource is current")  # upstream


def test_extended_apiservice() -> None:
    api = "apiregistration.k8s.io/v1"
    assert compute(
        make(api, "APIService", status={"conditions": [cond("Available", "True")]}), options=EXTENDED
    ) == current("APIService is available")
    unavailable = make(api, "APIService", status={"conditions": [cond("Available", "False", "MissingEndpoints", "no")]})
    assert compute(unavailable, options=EXTENDED) == in_progress("MissingEndpoints", "no")
    assert compute(make(api, "APIService"), options=EXTENDED) == in_progress(
        "NoAvailableCondition", "Waiting for the Available condition"
    )


def test_extended_namespace() -> None:
    terminating = make("v1", "Namespace", status={"phase": "Terminating"})
    assert compute(terminating, options=EXTENDED) == Result(Status.TERMINATING, "Namespace is terminating", ())
    active = make("v1", "Namespace", status={"phase": "Active"})
    assert compute(active, options=EXTENDED) == current("Resource is current")


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ({"phase": "Bound"}, current("PersistentVolume is Bound")),
        ({"phase": "Available"}, current("PersistentVolume is Available")),
        (
            {"phase": "Failed", "message": "recycler failed"},
            failed("VolumeFailed", "PersistentVolume phase: Failed, recycler failed"),
        ),
        ({"phase": "Failed"}, failed("VolumeFailed", "PersistentVolume phase: Failed")),
        ({"phase": "Released"}, in_progress("VolumeNotAvailable", "PersistentVolume phase: Released")),
        ({}, in_progress("VolumeNotAvailable", "PersistentVolume phase: unknown")),
    ],
)
def test_extended_persistent_volume(status: dict[str, Any], expected: Result) -> None:
    assert compute(make("v1", "PersistentVolume", status=status), options=EXTENDED) == expected


def test_extended_replication_controller_uses_the_replicaset_rule() -> None:
    full = {"replicas": 2, "fullyLabeledReplicas": 2, "availableReplicas": 2, "readyReplicas": 2}
    obj = make("v1", "ReplicationController", spec={"replicas": 2}, status=full)
    assert compute(obj, options=EXTENDED) == current("ReplicationController is available. Replicas: 2")
    obj["status"] = {**full, "readyReplicas": 1}
    assert compute(obj, options=EXTENDED) == in_progress("LessReady", "Ready: 1/2")


HPA = "autoscaling/v2"


def hpa(conds: list[Any]) -> dict[str, Any]:
    return make(HPA, "HorizontalPodAutoscaler", status={"conditions": conds})


@pytest.mark.parametrize(
    ("conds", "expected"),
    [
        (
            [cond("AbleToScale", "True"), cond("ScalingActive", "True")],
            current("HorizontalPodAutoscaler is able to scale and scaling is active"),
        ),
        ([cond("AbleToScale", "False", "FailedGetScale", "no scale")], failed("FailedGetScale", "no scale")),
        ([cond("AbleToScale", "False", "BackoffBoth", "wait")], in_progress("BackoffBoth", "wait")),
        (
            [cond("AbleToScale", "True"), cond("ScalingActive", "False", "FailedGetResourceMetric", "no metrics")],
            in_progress("FailedGetResourceMetric", "no metrics"),
        ),
        (
            [cond("AbleToScale", "True"), cond("ScalingActive", "False", "ScalingDisabled", "0 replicas")],
            current("HorizontalPodAutoscaler scaling is disabled"),
        ),
        ([], in_progress("NoScalingConditions", "Waiting for the AbleToScale and ScalingActive conditions")),
        (
            [cond("AbleToScale", "True")],
            in_progress("NoScalingConditions", "Waiting for the AbleToScale and ScalingActive conditions"),
        ),
    ],
)
def test_extended_hpa(conds: list[Any], expected: Result) -> None:
    assert compute(hpa(conds), options=EXTENDED) == expected


def test_extended_rules_still_come_after_the_generic_steps() -> None:
    obj = hpa([cond("Stalled", "True", "S", "s")])
    assert compute(obj, options=EXTENDED) == failed("S", "s")


def test_options_combine() -> None:
    both = Options(extended=True, jobs="complete", strict=True)
    running = job({"startTime": "2024-01-01T00:00:00Z"})
    assert compute(running, options=both).status is Status.IN_PROGRESS
    assert compute(hpa([]), options=both).status is Status.IN_PROGRESS
