"""`resolve`: generated resources and the pod-controller rule, from objects already in hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kstatus import Options, Status
from kstatus.live.ids import ObjectId, id_of
from kstatus.live.resolve import GroupKind, Lookup, read_kinds, resolve
from tests.kstatus.live.objects import SELECTOR, Obj, crash_looping, deployment, obj, pod, replica_set, unschedulable

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


def lookup_of(*objects: Obj) -> Lookup:
    def lookup(kind: GroupKind, namespace: str, selector: Obj) -> list[Obj]:
        return [o for o in objects if id_of(o).group_kind == kind and id_of(o).namespace == namespace]

    return lookup


def test_deployment_carries_replicasets_carrying_pods_sorted_by_name() -> None:
    lookup = lookup_of(replica_set("web-1"), pod("web-1-b"), pod("web-1-a"), pod("other", labels={"app": "db"}))
    result = resolve(deployment("web"), lookup, now=NOW)
    assert (result.status, result.message) == (Status.CURRENT, "Deployment is available. Replicas: 1")
    [rs] = result.generated
    assert rs.id == ObjectId("apps", "ReplicaSet", "ns", "web-1")
    assert [p.id.name for p in rs.generated] == ["web-1-a", "web-1-b"]
    assert all(p.status == Status.CURRENT and p.message == "Pod is Ready" for p in rs.generated)


def test_failed_pod_makes_in_progress_replicaset_failed_but_not_the_deployment() -> None:
    lookup = lookup_of(replica_set("web-1", ready=0), crash_looping("web-1-a"), crash_looping("web-1-b"))
    result = resolve(deployment("web", ready=0), lookup, now=NOW)
    assert result.status == Status.IN_PROGRESS
    [rs] = result.generated
    assert (rs.status, rs.message) == (Status.FAILED, "2 pods have failed")
    assert {p.message for p in rs.generated} == {"Containers in CrashLoop state: app"}


def test_failed_pods_do_not_override_a_current_statefulset() -> None:
    sts = obj(
        "apps/v1",
        "StatefulSet",
        "db",
        spec={"replicas": 1, "selector": {"matchLabels": {"app": "web"}}, "updateStrategy": {"type": "OnDelete"}},
    )
    result = resolve(sts, lookup_of(crash_looping("db-0")), now=NOW)
    assert result.status == Status.CURRENT
    assert result.generated[0].status == Status.FAILED


def test_bad_selector_and_compute_error_are_unknown_with_the_error() -> None:
    no_selector = obj("apps/v1", "ReplicaSet", "rs", spec={"replicas": 1})
    result = resolve(no_selector, lookup_of(), now=NOW)
    assert (result.status, result.error, result.text) == (Status.UNKNOWN, "no selector found", "no selector found")
    broken = obj("example.com/v1", "Widget", "w", generation=1, status={"observedGeneration": "1"})
    result = resolve(broken, lookup_of(), now=NOW)
    assert result.status == Status.UNKNOWN
    assert result.error is not None and "status.observedGeneration" in result.error
    assert result.resource is broken


def test_unschedulable_pod_asks_for_a_recheck_when_its_schedule_window_ends() -> None:
    created = NOW - timedelta(seconds=5)
    waiting = unschedulable("web-1-a", created.isoformat().replace("+00:00", "Z"))
    lookup = lookup_of(replica_set("web-1", ready=0), waiting)
    result = resolve(deployment("web", ready=0), lookup, now=NOW)
    assert result.generated[0].generated[0].message == "Pod has not been scheduled"
    assert result.recheck_at == created + timedelta(seconds=15)
    later = resolve(deployment("web", ready=0), lookup, now=NOW + timedelta(seconds=11))
    assert (later.generated[0].status, later.generated[0].message) == (Status.FAILED, "1 pods have failed")
    assert later.recheck_at is None


def test_signature_changes_with_generated_statuses_but_not_with_the_object() -> None:
    ready = resolve(replica_set("web-1"), lookup_of(pod("a")), now=NOW)
    again = resolve(replica_set("web-1"), lookup_of(pod("a", resourceVersion="9")), now=NOW)
    crashing = resolve(replica_set("web-1"), lookup_of(crash_looping("a")), now=NOW)
    assert ready.signature == again.signature
    assert ready.status == crashing.status == Status.CURRENT
    assert ready.signature != crashing.signature


def test_ids_print_like_kubectl_resources() -> None:
    assert str(ObjectId("apps", "Deployment", "shop", "web")) == "Deployment/shop/web"
    assert str(ObjectId("example.com", "Widget", "", "w")) == "Widget.example.com/w"


ENDPOINTS = Options(endpoints=True)
BUDGETS = Options(budgets=True)


def service(name: str = "web") -> Obj:
    return obj("v1", "Service", name, spec={"selector": {"app": "web"}, "clusterIP": "10.0.0.1"})


def endpoint_slice(name: str, service_name: str, ready: bool) -> Obj:
    labels = {"kubernetes.io/service-name": service_name}
    slice_ = obj("discovery.k8s.io/v1", "EndpointSlice", name, labels=labels)
    return {**slice_, "endpoints": [{"addresses": ["10.0.0.9"], "conditions": {"ready": ready}}]}


def test_endpoints_option_reads_the_services_own_slices_and_shows_them() -> None:
    other = endpoint_slice("db-1", "db", True)
    lookup = lookup_of(endpoint_slice("web-2", "web", False), other)
    assert resolve(service(), lookup).message == "Service is ready"  # upstream: slices not read
    waiting = resolve(service(), lookup, options=ENDPOINTS)
    assert (waiting.status, waiting.message) == (Status.IN_PROGRESS, "Service has no ready endpoints")
    assert [g.id.name for g in waiting.generated] == ["web-2"]
    ready = resolve(
        service(),
        lookup_of(endpoint_slice("web-2", "web", False), endpoint_slice("web-1", "web", True)),
        options=ENDPOINTS,
    )
    assert (ready.status, ready.message) == (Status.CURRENT, "Service is ready")
    assert [g.id.name for g in ready.generated] == ["web-1", "web-2"]


def test_budgets_option_counts_the_workloads_ready_pods_against_covering_budgets() -> None:
    pdb = obj("policy/v1", "PodDisruptionBudget", "web-pdb", spec={"selector": SELECTOR, "minAvailable": 2})
    lookup = lookup_of(replica_set("web-1"), pod("web-1-a"), pdb)
    assert resolve(deployment("web"), lookup, now=NOW).status == Status.CURRENT
    result = resolve(deployment("web"), lookup, options=BUDGETS, now=NOW)
    assert (result.status, result.message) == (
        Status.IN_PROGRESS,
        "PodDisruptionBudget web-pdb needs 2 healthy Pods, 1 are ready",
    )
    assert [g.id.kind for g in result.generated] == ["ReplicaSet"]  # the budget is read, not generated


def test_a_malformed_budget_makes_the_workload_unknown() -> None:
    pdb = obj("policy/v1", "PodDisruptionBudget", "bad", spec={"selector": SELECTOR, "minAvailable": "x"})
    result = resolve(deployment("web"), lookup_of(replica_set("web-1"), pod("web-1-a"), pdb), options=BUDGETS)
    assert result.status == Status.UNKNOWN
    assert (
        result.error == "PodDisruptionBudget bad spec.minAvailable: expected an integer or a percentage, got string 'x'"
    )


def test_related_kinds_follow_the_options() -> None:
    assert read_kinds(("", "Service"), Options()) == []
    assert read_kinds(("", "Service"), ENDPOINTS) == [("discovery.k8s.io", "EndpointSlice")]
    assert read_kinds(("apps", "Deployment"), BUDGETS) == [
        ("apps", "ReplicaSet"),
        ("policy", "PodDisruptionBudget"),
        ("", "Pod"),
    ]
