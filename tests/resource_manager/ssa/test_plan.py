"""GRM's merge rules (spec §3.7, GRM merger_test.go cases) as a server-side-apply plan (spec §10.1)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resource_manager.api import annotations as a
from resource_manager.api.equivalences import build_equivalences
from resource_manager.ssa.plan import (
    ApplyPlan,
    MergeError,
    MergeOptions,
    hpa_target_keys,
    is_horizontally_scaled,
    merge_maps_based_on_old,
    plan_apply,
)

NO_OPTIONS = MergeOptions()
ORIGIN = {a.ORIGIN: "ns/mr", a.DESCRIPTION: a.DESCRIPTION_TEXT}


def _obj(api_version: str, kind: str, spec: Any = None, **metadata: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {"name": "x", "namespace": "n", **metadata},
    }
    if spec is not None:
        obj["spec"] = spec
    return obj


def _live(obj: dict[str, Any], **metadata: Any) -> dict[str, Any]:
    live = copy.deepcopy(obj)
    live["metadata"].update(
        {"uid": "u", "resourceVersion": "7", "creationTimestamp": "2026-01-01T00:00:00Z", **metadata}
    )
    return live


def _body(plan: ApplyPlan) -> dict[str, Any]:
    assert plan.body is not None
    return plan.body


# --- creation, metadata, status -------------------------------------------------------------------------


def test_create_applies_the_desired_object_without_status_and_server_fields() -> None:
    desired = _obj("v1", "ConfigMap", annotations=ORIGIN, resourceVersion="1", uid="x", creationTimestamp=None)
    desired["status"] = {"phase": "x"}
    desired["data"] = {"k": "v"}
    plan = plan_apply(desired, None, NO_OPTIONS)
    assert plan == ApplyPlan(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "x", "namespace": "n", "annotations": ORIGIN},
            "data": {"k": "v"},
        },
        (),
        (),
    )
    assert plan.removal_patch({}) is None


def test_update_never_sends_status_or_live_metadata() -> None:
    desired = _obj("v1", "ConfigMap", annotations=ORIGIN)
    live = _live(desired, finalizers=["someone/else"])
    live["status"] = {"x": 1}
    body = _body(plan_apply(desired, live, NO_OPTIONS))
    assert "status" not in body
    assert body["metadata"] == desired["metadata"]  # others' finalizers stay because we never send them


def test_desired_finalizers_are_only_set_on_create() -> None:
    desired = _obj("v1", "ConfigMap", finalizers=["a/one", "a/two"])
    assert _body(plan_apply(desired, None, NO_OPTIONS))["metadata"]["finalizers"] == ["a/one", "a/two"]
    live = _live(desired, finalizers=["a/two", "b/other"])
    assert _body(plan_apply(desired, live, NO_OPTIONS))["metadata"]["finalizers"] == ["a/two"]
    gone = _live(desired, finalizers=[])
    assert "finalizers" not in _body(plan_apply(desired, gone, NO_OPTIONS))["metadata"]


def test_owner_references_come_from_the_manifest() -> None:
    refs = [{"apiVersion": "v1", "kind": "ConfigMap", "name": "o", "uid": "1"}]
    desired = _obj("v1", "ConfigMap", ownerReferences=refs)
    assert _body(plan_apply(desired, _live(desired), NO_OPTIONS))["metadata"]["ownerReferences"] == refs


# --- labels and annotations ---------------------------------------------------------------------------


def test_three_way_map_merge() -> None:
    desired = {"keep": "1", "new": "2"}
    current = {"keep": "0", "dropped": "x", "user-changed": "mine", "foreign": "f"}
    old = {"keep": "0", "dropped": "x", "user-changed": "ours"}
    assert merge_maps_based_on_old(desired, current, old) == {
        "keep": "1",
        "new": "2",
        "user-changed": "mine",
        "foreign": "f",
    }


def test_labels_no_longer_desired_are_removed_unless_a_user_changed_them() -> None:
    desired = _obj("v1", "ConfigMap", labels={"app": "a"})
    live = _live(desired, labels={"app": "a", "old": "1", "changed": "user", "foreign": "f"})
    options = MergeOptions(old_labels={"app": "a", "old": "1", "changed": "ours"})
    plan = plan_apply(desired, live, options)
    assert plan.remove_labels == ("old",)
    assert plan.removal_patch(live) == {"metadata": {"labels": {"old": None}}}


def test_force_overwrite_labels_removes_every_label_not_desired() -> None:
    desired = _obj("v1", "ConfigMap", labels={"app": "a"})
    live = _live(desired, labels={"app": "b", "foreign": "f", "other": "o"})
    plan = plan_apply(desired, live, MergeOptions(force_overwrite_labels=True))
    assert plan.remove_labels == ("foreign", "other")
    assert _body(plan)["metadata"]["labels"] == {"app": "a"}


def test_annotations_three_way_and_reference_annotations_always_dropped() -> None:
    desired = _obj("v1", "ConfigMap", annotations={**ORIGIN, "reference.resources.gardener.cloud/secret-ab": "s1"})
    live = _live(
        desired,
        annotations={
            **ORIGIN,
            "reference.resources.gardener.cloud/secret-ab": "s0",
            "reference.resources.gardener.cloud/configmap-cd": "c0",
            "old": "1",
            "foreign": "f",
        },
    )
    plan = plan_apply(desired, live, MergeOptions(old_annotations={"old": "1"}))
    assert plan.remove_annotations == ("old", "reference.resources.gardener.cloud/configmap-cd")


def test_force_overwrite_annotations_keeps_only_desired_origin_and_description() -> None:
    desired = _obj("v1", "ConfigMap", annotations={**ORIGIN, "mine": "m"})
    live = _live(desired, annotations={**ORIGIN, "mine": "m", "foreign": "f", a.ORIGIN: "other/mr"})
    plan = plan_apply(desired, live, MergeOptions(force_overwrite_annotations=True))
    assert plan.remove_annotations == ("foreign",)


def test_openstack_load_balancer_annotations_are_kept_on_services() -> None:
    desired = _obj("v1", "Service", {"type": "LoadBalancer"}, annotations=ORIGIN)
    key = "loadbalancer.openstack.org/load-balancer-id"
    live = _live(desired, annotations={**ORIGIN, key: "id", "foreign": "f"})
    plan = plan_apply(desired, live, MergeOptions(force_overwrite_annotations=True))
    assert plan.remove_annotations == ("foreign",)
    configmap = _obj("v1", "ConfigMap", annotations=ORIGIN)
    cm_plan = plan_apply(
        configmap, _live(configmap, annotations={key: "id"}), MergeOptions(force_overwrite_annotations=True)
    )
    assert cm_plan.remove_annotations == (key,)


# --- ignore -------------------------------------------------------------------------------------------


def test_ignored_objects_are_created_as_written_and_afterwards_only_lose_the_description() -> None:
    desired = _obj("v1", "ConfigMap", annotations={a.IGNORE: "true"})
    assert _body(plan_apply(desired, None, NO_OPTIONS))["metadata"]["annotations"] == {a.IGNORE: "true"}
    live = _live(desired, annotations={a.IGNORE: "true", **ORIGIN})
    assert plan_apply(desired, live, NO_OPTIONS) == ApplyPlan(None, (), (a.DESCRIPTION,))
    assert plan_apply(desired, _live(desired), NO_OPTIONS) == ApplyPlan(None, (), ())


# --- replicas -----------------------------------------------------------------------------------------


def _deployment(
    replicas: int | None = 2, annotations: dict[str, str] | None = None, group: str = "apps"
) -> dict[str, Any]:
    spec: dict[str, Any] = {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": []}}}
    if replicas is not None:
        spec["replicas"] = replicas
    return _obj(f"{group}/v1", "Deployment", spec, annotations=annotations or {})


def _with_spec(obj: dict[str, Any], **spec: Any) -> dict[str, Any]:
    result = copy.deepcopy(obj)
    result["spec"].update(spec)
    return result


@pytest.mark.parametrize("kind", ["Deployment", "StatefulSet"])
def test_desired_replicas_win_normally(kind: str) -> None:
    desired = _deployment(2)
    desired["kind"] = kind
    assert _body(plan_apply(desired, _live(_with_spec(desired, replicas=5)), NO_OPTIONS))["spec"]["replicas"] == 2


def test_live_replicas_kept_when_unset_in_the_manifest() -> None:
    desired = _deployment(None)
    assert _body(plan_apply(desired, _live(_with_spec(desired, replicas=5)), NO_OPTIONS))["spec"]["replicas"] == 5
    assert "replicas" not in _body(plan_apply(desired, None, NO_OPTIONS))["spec"]


def test_live_replicas_kept_with_preserve_replicas_exactly_true() -> None:
    desired = _deployment(2, {a.PRESERVE_REPLICAS: "true"}, group="extensions")
    live = _live(_with_spec(desired, replicas=0))
    assert _body(plan_apply(desired, live, NO_OPTIONS))["spec"]["replicas"] == 0
    assert _body(plan_apply(desired, None, NO_OPTIONS))["spec"]["replicas"] == 2
    not_exact = _deployment(2, {a.PRESERVE_REPLICAS: "True"})
    assert _body(plan_apply(not_exact, _live(_with_spec(not_exact, replicas=5)), NO_OPTIONS))["spec"]["replicas"] == 2


def test_live_replicas_kept_when_an_hpa_scales_the_object() -> None:
    desired = _deployment(2)
    plan = plan_apply(desired, _live(_with_spec(desired, replicas=7)), MergeOptions(horizontally_scaled=True))
    assert _body(plan)["spec"]["replicas"] == 7


def test_replicas_of_other_kinds_are_not_preserved() -> None:
    desired = _deployment(None)
    desired["kind"] = "ReplicaSet"
    assert "replicas" not in _body(plan_apply(desired, _live(_with_spec(desired, replicas=7)), NO_OPTIONS))["spec"]


def test_hpa_targets_direct_and_via_equivalent_group() -> None:
    hpas = [
        {
            "metadata": {"namespace": "n"},
            "spec": {"scaleTargetRef": {"apiVersion": "extensions/v1beta1", "kind": "Deployment", "name": "x"}},
        },
        {
            "metadata": {"namespace": "n"},
            "spec": {"scaleTargetRef": {"apiVersion": "a/b/c", "kind": "Deployment", "name": "y"}},
        },
    ]
    keys = hpa_target_keys(hpas)
    assert keys == {"extensions/Deployment/n/x"}
    eq = build_equivalences()
    assert is_horizontally_scaled(_deployment(), keys, eq)  # apps/Deployment ~ extensions/Deployment
    assert not is_horizontally_scaled(_deployment(), keys, {})  # without equivalences only exact groups
    other = _deployment()
    other["metadata"]["name"] = "other"
    assert not is_horizontally_scaled(other, keys, eq)
    assert not is_horizontally_scaled(_obj("x.io/v1", "Deployment"), keys, eq)


# --- pod templates ------------------------------------------------------------------------------------


def _containers(*containers: dict[str, Any]) -> dict[str, Any]:
    return {"template": {"metadata": {}, "spec": {"containers": list(containers)}}}


def _container(name: str, requests: dict[str, str], limits: dict[str, str] | None = None) -> dict[str, Any]:
    resources: dict[str, Any] = {"requests": requests}
    if limits is not None:
        resources["limits"] = limits
    return {"name": name, "resources": resources}


@pytest.mark.parametrize(
    ("api_version", "kind"),
    [("apps/v1", "Deployment"), ("apps/v1", "StatefulSet"), ("apps/v1", "DaemonSet"), ("batch/v1", "Job")],
)
def test_preserve_resources_copies_live_cpu_and_memory_of_same_named_containers(api_version: str, kind: str) -> None:
    annotations = {a.PRESERVE_RESOURCES: "true"}
    desired = _obj(
        api_version,
        kind,
        _containers(_container("c", {"cpu": "1", "memory": "1Gi", "gpu": "1"}), _container("new", {"cpu": "1"})),
        annotations=annotations,
    )
    live = _live(
        _obj(
            api_version,
            kind,
            _containers(
                _container("c", {"cpu": "3", "ephemeral-storage": "1Gi"}, {"memory": "5Gi"}),
                _container("gone", {"cpu": "9"}),
            ),
        )
    )
    containers = _body(plan_apply(desired, live, NO_OPTIONS))["spec"]["template"]["spec"]["containers"]
    assert containers[0]["resources"] == {
        "requests": {"cpu": "3", "memory": "1Gi", "gpu": "1"},
        "limits": {"memory": "5Gi"},
    }
    assert containers[1]["resources"] == {"requests": {"cpu": "1"}}


def test_resources_are_overwritten_without_the_annotation() -> None:
    desired = _obj("apps/v1", "Deployment", _containers(_container("c", {"cpu": "1"})))
    live = _live(_obj("apps/v1", "Deployment", _containers(_container("c", {"cpu": "3"}))))
    assert _body(plan_apply(desired, live, NO_OPTIONS))["spec"]["template"]["spec"]["containers"][0]["resources"] == {
        "requests": {"cpu": "1"}
    }


def test_preserve_resources_in_cronjob_job_templates() -> None:
    def cronjob(cpu: str, api_version: str = "batch/v1") -> dict[str, Any]:
        return _obj(
            api_version,
            "CronJob",
            {"jobTemplate": {"spec": _containers(_container("c", {"cpu": cpu}))}},
            annotations={a.PRESERVE_RESOURCES: "true"},
        )

    for version in ("batch/v1", "batch/v1beta1"):
        body = _body(plan_apply(cronjob("1", version), _live(cronjob("3", version)), NO_OPTIONS))
        assert (
            body["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"]
            == "3"
        )


def test_cronjob_with_an_unknown_version_cannot_be_merged() -> None:
    with pytest.raises(MergeError, match=r"^cannot merge objects with gvk: batch/v2, Kind=CronJob$"):
        plan_apply(_obj("batch/v2", "CronJob", {}), None, NO_OPTIONS)


@pytest.mark.parametrize(
    ("api_version", "kind", "path"),
    [
        ("apps/v1", "Deployment", ("template",)),
        ("apps/v1", "StatefulSet", ("template",)),
        ("apps/v1", "DaemonSet", ("template",)),
        ("batch/v1", "Job", ("template",)),
        ("batch/v1", "CronJob", ("jobTemplate", "spec", "template")),
    ],
)
def test_rollout_restart_stamp_is_kept(api_version: str, kind: str, path: tuple[str, ...]) -> None:
    def with_template(template: dict[str, Any]) -> dict[str, Any]:
        spec: dict[str, Any] = template
        for part in reversed(path):
            spec = {part: spec}
        return _obj(api_version, kind, spec)

    desired = with_template({"metadata": {"annotations": {"mine": "1"}}, "spec": {}})
    live = _live(with_template({"metadata": {"annotations": {a.RESTARTED_AT: "2026-01-01T00:00:00Z"}}, "spec": {}}))
    template = _body(plan_apply(desired, live, NO_OPTIONS))["spec"]
    for part in path:
        template = template[part]
    assert template["metadata"]["annotations"] == {"mine": "1", a.RESTARTED_AT: "2026-01-01T00:00:00Z"}


def test_statefulset_volume_claim_templates_are_immutable_once_created() -> None:
    desired = _obj("apps/v1", "StatefulSet", {"volumeClaimTemplates": [{"metadata": {"name": "new"}}]})
    live = _live(_obj("apps/v1", "StatefulSet", {"volumeClaimTemplates": [{"metadata": {"name": "old"}}]}))
    assert _body(plan_apply(desired, live, NO_OPTIONS))["spec"]["volumeClaimTemplates"] == [
        {"metadata": {"name": "old"}}
    ]
    assert _body(plan_apply(desired, None, NO_OPTIONS))["spec"]["volumeClaimTemplates"] == [
        {"metadata": {"name": "new"}}
    ]


def test_job_keeps_live_selector_and_server_added_template_labels() -> None:
    desired = _obj("batch/v1", "Job", {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {}}})
    live_spec = {
        "selector": {"matchLabels": {"controller-uid": "u"}},
        "template": {"metadata": {"labels": {"app": "old", "controller-uid": "u", "job-name": "x"}}, "spec": {}},
    }
    body = _body(plan_apply(desired, _live(_obj("batch/v1", "Job", live_spec)), NO_OPTIONS))
    assert body["spec"]["selector"] == {"matchLabels": {"controller-uid": "u"}}
    assert body["spec"]["template"]["metadata"]["labels"] == {"app": "a", "controller-uid": "u", "job-name": "x"}


# --- Service ------------------------------------------------------------------------------------------


def _service(**spec: Any) -> dict[str, Any]:
    return _obj("v1", "Service", spec)


def _service_body(desired: dict[str, Any], live: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = _body(plan_apply(desired, _live(live), NO_OPTIONS))["spec"]
    return spec


def test_cluster_ip_is_taken_from_live() -> None:
    assert _service_body(_service(), _service(clusterIP="10.0.0.1"))["clusterIP"] == "10.0.0.1"
    assert _service_body(_service(clusterIP="10.9.9.9"), _service(clusterIP="10.0.0.1"))["clusterIP"] == "10.0.0.1"
    assert _service_body(_service(type="NodePort"), _service(clusterIP="10.0.0.1"))["clusterIP"] == "10.0.0.1"


def test_headless_and_from_external_name_keep_the_desired_cluster_ip() -> None:
    assert _service_body(_service(clusterIP="None"), _service(clusterIP="10.0.0.1"))["clusterIP"] == "None"
    from_external = _service_body(_service(clusterIP="10.0.0.5"), _service(type="ExternalName", externalName="x"))
    assert from_external["clusterIP"] == "10.0.0.5"


def test_external_name_takes_nothing_from_live() -> None:
    spec = _service_body(
        _service(type="ExternalName", externalName="e"),
        _service(clusterIP="10.0.0.1", ports=[{"port": 1, "nodePort": 30001}]),
    )
    assert spec == {"type": "ExternalName", "externalName": "e"}


def test_node_ports_kept_by_port_or_name_explicit_ones_win() -> None:
    desired = _service(
        type="NodePort",
        ports=[
            {"name": "a", "port": 80},
            {"name": "b", "port": 9},
            {"name": "c", "port": 1, "nodePort": 30009},
            {"name": "d", "port": 2},
        ],
    )
    live = _service(
        type="NodePort",
        clusterIP="10.0.0.1",
        ports=[
            {"name": "x", "port": 80, "nodePort": 30001},
            {"name": "b", "port": 443, "nodePort": 30002},
            {"name": "c", "port": 1, "nodePort": 30003},
        ],
    )
    assert [p.get("nodePort") for p in _service_body(desired, live)["ports"]] == [30001, 30002, 30009, None]


def test_unnamed_ports_match_by_their_empty_names_and_the_last_match_wins() -> None:
    desired = _service(type="LoadBalancer", ports=[{"port": 80}])
    live = _service(type="LoadBalancer", ports=[{"port": 443, "nodePort": 30001}, {"port": 444, "nodePort": 30002}])
    assert _service_body(desired, live)["ports"] == [{"port": 80, "nodePort": 30002}]


def test_cluster_ip_services_do_not_take_node_ports() -> None:
    desired = _service(ports=[{"port": 80}])
    assert _service_body(desired, _service(type="NodePort", ports=[{"port": 80, "nodePort": 30001}]))["ports"] == [
        {"port": 80}
    ]


def test_load_balancer_ip_kept_if_not_desired() -> None:
    assert (
        _service_body(_service(type="LoadBalancer"), _service(type="LoadBalancer", loadBalancerIP="1.2.3.4"))[
            "loadBalancerIP"
        ]
        == "1.2.3.4"
    )
    assert (
        _service_body(
            _service(type="LoadBalancer", loadBalancerIP="5.6.7.8"),
            _service(type="LoadBalancer", loadBalancerIP="1.2.3.4"),
        )["loadBalancerIP"]
        == "5.6.7.8"
    )


def test_health_check_node_port_kept_only_for_local_lb_to_lb() -> None:
    live = _service(type="LoadBalancer", externalTrafficPolicy="Local", healthCheckNodePort=31000)
    local = _service(type="LoadBalancer", externalTrafficPolicy="Local")
    assert _service_body(local, live)["healthCheckNodePort"] == 31000
    assert "healthCheckNodePort" not in _service_body(
        _service(type="LoadBalancer", externalTrafficPolicy="Cluster"), live
    )
    assert (
        _service_body(_service(type="LoadBalancer", externalTrafficPolicy="Local", healthCheckNodePort=32000), live)[
            "healthCheckNodePort"
        ]
        == 32000
    )


def test_service_account_secrets_come_from_live() -> None:
    desired = _obj("v1", "ServiceAccount", imagePullSecrets=None)
    desired["imagePullSecrets"] = [{"name": "desired"}]
    live = _live(_obj("v1", "ServiceAccount"))
    live["secrets"] = [{"name": "token"}]
    body = _body(plan_apply(desired, live, NO_OPTIONS))
    assert body["secrets"] == [{"name": "token"}]
    assert "imagePullSecrets" not in body
    assert _body(plan_apply(desired, None, NO_OPTIONS))["imagePullSecrets"] == [{"name": "desired"}]


# --- properties ---------------------------------------------------------------------------------------

_KEYS = st.sampled_from(["a", "b", "c", a.ORIGIN, a.DESCRIPTION, "reference.resources.gardener.cloud/secret-1"])
_MAPS = st.dictionaries(_KEYS, st.sampled_from(["1", "2"]), max_size=5)


@given(_MAPS, _MAPS, _MAPS, _MAPS, _MAPS, _MAPS, st.booleans(), st.booleans())
def test_removals_only_touch_live_keys_never_desired_origin_or_description(
    desired_labels: dict[str, str],
    live_labels: dict[str, str],
    old_labels: dict[str, str],
    desired_annotations: dict[str, str],
    live_annotations: dict[str, str],
    old_annotations: dict[str, str],
    force_labels: bool,
    force_annotations: bool,
) -> None:
    desired = _obj("v1", "ConfigMap", labels=desired_labels, annotations=desired_annotations)
    live = _live(_obj("v1", "ConfigMap", labels=live_labels, annotations=live_annotations))
    options = MergeOptions(old_labels, old_annotations, force_labels, force_annotations)
    snapshot = copy.deepcopy(desired)
    plan = plan_apply(desired, live, options)
    assert desired == snapshot
    assert set(plan.remove_labels) <= set(live_labels) - set(desired_labels)
    assert set(plan.remove_annotations) <= set(live_annotations) - set(desired_annotations) - {a.ORIGIN, a.DESCRIPTION}
    assert _body(plan)["metadata"]["labels"] == desired_labels
    if force_labels:
        assert set(plan.remove_labels) == set(live_labels) - set(desired_labels)


_ANY = st.recursive(
    st.none() | st.booleans() | st.integers(0, 3) | st.sampled_from(["", "a", "None", "Local", "LoadBalancer"]),
    lambda inner: (
        st.lists(inner, max_size=2)
        | st.dictionaries(
            st.sampled_from(
                [
                    "spec",
                    "template",
                    "jobTemplate",
                    "containers",
                    "name",
                    "resources",
                    "requests",
                    "ports",
                    "port",
                    "nodePort",
                    "type",
                    "clusterIP",
                    "metadata",
                    "annotations",
                    "labels",
                    "replicas",
                    "selector",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=15,
)
_KINDS = st.sampled_from(
    [
        ("apps/v1", "Deployment"),
        ("apps/v1", "StatefulSet"),
        ("batch/v1", "Job"),
        ("batch/v1", "CronJob"),
        ("v1", "Service"),
        ("v1", "ServiceAccount"),
        ("apps/v1", "DaemonSet"),
    ]
)


@settings(max_examples=300)
@given(_KINDS, _ANY, _ANY, st.booleans())
def test_plan_apply_never_crashes_on_malformed_specs(
    kind: tuple[str, str], spec: Any, live_spec: Any, scaled: bool
) -> None:
    desired = _obj(kind[0], kind[1], spec, annotations={a.PRESERVE_RESOURCES: "true"})
    live = _live(_obj(kind[0], kind[1], live_spec))
    plan = plan_apply(desired, live, MergeOptions(horizontally_scaled=scaled))
    assert plan.body is not None


_TEMPLATE_OWNER = ("apps/v1", "Deployment")


@pytest.mark.parametrize(
    ("kind", "spec", "live_spec"),
    [
        (_TEMPLATE_OWNER, {"template": {"spec": {"containers": ["x"]}}}, {"template": {"spec": {"containers": ["y"]}}}),
        (_TEMPLATE_OWNER, {"template": {"spec": []}}, {"template": {"spec": {"containers": [{"name": "c"}]}}}),
        (
            _TEMPLATE_OWNER,
            {"template": {"spec": {"containers": [{"name": "c", "resources": []}]}}},
            {"template": {"spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": "1"}}}]}}},
        ),
        (
            _TEMPLATE_OWNER,
            {"template": {"metadata": []}},
            {"template": {"metadata": {"annotations": {a.RESTARTED_AT: "x"}}}},
        ),
        (
            _TEMPLATE_OWNER,
            {"template": {"metadata": {"annotations": []}}},
            {"template": {"metadata": {"annotations": {a.RESTARTED_AT: "x"}}}},
        ),
        (("v1", "Service"), {"type": "NodePort", "ports": ["x"]}, {"ports": [{"port": 1, "nodePort": 30000}]}),
        (("v1", "Service"), {"type": "NodePort", "ports": {}}, {"ports": []}),
        (
            ("batch/v1", "Job"),
            {"template": {"metadata": {"labels": []}}},
            {"template": {"metadata": {"labels": {"a": "b"}}}},
        ),
    ],
)
def test_malformed_manifests_are_passed_on_for_the_api_server_to_reject(
    kind: tuple[str, str], spec: dict[str, Any], live_spec: dict[str, Any]
) -> None:
    desired = _obj(kind[0], kind[1], spec, annotations={a.PRESERVE_RESOURCES: "true"})
    plan = plan_apply(desired, _live(_obj(kind[0], kind[1], live_spec)), NO_OPTIONS)
    assert plan.body is not None


def test_the_removal_patch_names_only_keys_still_on_the_applied_object() -> None:
    desired = _obj("v1", "ConfigMap", labels={"app": "a"}, annotations={"keep": "k"})
    live = _live(desired, labels={"app": "a", "old": "1", "gone": "2"}, annotations={"keep": "k", "dropped": "d"})
    options = MergeOptions(old_labels={"old": "1", "gone": "2"}, old_annotations={"dropped": "d"})
    plan = plan_apply(desired, live, options)
    assert (plan.remove_labels, plan.remove_annotations) == (("gone", "old"), ("dropped",))
    applied = _live(desired, labels={"app": "a", "old": "1"}, annotations={"keep": "k"})  # the apply dropped the rest
    assert plan.removal_patch(applied) == {"metadata": {"labels": {"old": None}}}
    assert plan.removal_patch(_live(desired)) is None  # nothing left: no request at all
