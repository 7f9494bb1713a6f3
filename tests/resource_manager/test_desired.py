"""Manifests → desired objects and status references (spec §1.1 injectLabels, §1.2, §2.2, §3.3, §10.10)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from resource_manager.api import annotations as a
from resource_manager.desired import (
    build_desired,
    default_namespace,
    inject_labels,
    labels_to_inject,
    status_reference,
    type_meta_problem,
)
from resource_manager.source.secret_data import Manifest

MR = {
    "metadata": {"namespace": "shoot--a", "name": "mr"},
    "spec": {"secretRefs": [{"name": "s"}], "injectLabels": {"team": "x", a.MANAGED_BY: "nope"}},
}


def _namespaced(api_version: str, kind: str) -> bool | None:
    return {"ConfigMap": True, "ClusterRole": False, "Namespace": False}.get(kind)


def _manifest(obj: dict[str, Any], raw: bytes = b"raw") -> Manifest:
    return Manifest("s", "k", 0, obj, raw)


def _cm(name: str = "c", **metadata: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, **metadata}}


def test_namespace_defaulting_by_scope() -> None:
    assert default_namespace(_cm(), _namespaced)["metadata"]["namespace"] == "default"
    assert default_namespace(_cm(namespace="x"), _namespaced)["metadata"]["namespace"] == "x"
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "r", "namespace": "x"},
    }
    assert "namespace" not in default_namespace(role, _namespaced)["metadata"]


def test_namespace_defaulting_when_the_kind_is_unknown() -> None:
    custom = {"apiVersion": "x.io/v1", "kind": "Foo", "metadata": {"name": "f"}}
    assert default_namespace(custom, _namespaced)["metadata"]["namespace"] == "default"
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}}
    assert "namespace" not in default_namespace(namespace, lambda v, k: None)["metadata"]


def test_managed_by_wins_over_inject_labels() -> None:
    assert labels_to_inject(MR) == {"team": "x", a.MANAGED_BY: "gardener"}
    assert labels_to_inject(MR, "me")[a.MANAGED_BY] == "me"


def test_inject_labels_into_metadata_pod_template_and_volume_claim_templates() -> None:
    sts = {
        "kind": "StatefulSet",
        "metadata": {"labels": {"app": "a", "team": "old"}},
        "spec": {
            "template": {"metadata": {"labels": {"app": "a"}}, "spec": {}},
            "volumeClaimTemplates": [{"metadata": {"name": "data"}}, {"spec": {}}],
        },
    }
    result = inject_labels(sts, {"team": "x"})
    assert result["metadata"]["labels"] == {"app": "a", "team": "x"}
    assert result["spec"]["template"]["metadata"]["labels"] == {"app": "a", "team": "x"}
    assert [c["metadata"]["labels"] for c in result["spec"]["volumeClaimTemplates"]] == [{"team": "x"}, {"team": "x"}]
    assert result["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "data"


def test_inject_labels_reaches_cronjob_pod_templates() -> None:
    cronjob = {"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {}}}}}}
    result = inject_labels(cronjob, {"team": "x"})
    assert result["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"] == {"team": "x"}
    assert "metadata" not in result["spec"]["jobTemplate"]


def test_inject_labels_leaves_non_map_templates_alone() -> None:
    odd = {"kind": "Foo", "spec": {"template": "text", "volumeClaimTemplates": ["x"]}}
    assert inject_labels(odd, {"a": "b"})["spec"] == odd["spec"]


def test_no_labels_no_change() -> None:
    obj = _cm()
    assert inject_labels(obj, {}) == obj


def test_status_reference_format() -> None:
    obj = _cm(namespace="n", labels={"app": "a"}, annotations={"note": "x"})
    assert status_reference(obj, {"team": "x", a.MANAGED_BY: "gardener"}) == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "name": "c",
        "namespace": "n",
        "labels": {"app": "a", "team": "x", a.MANAGED_BY: "gardener"},
        "annotations": {"note": "x"},
    }


def test_status_reference_omits_empty_namespace_and_annotations() -> None:
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "r", "annotations": {}},
    }
    assert status_reference(role, {a.MANAGED_BY: "gardener"}) == {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "name": "r",
        "labels": {a.MANAGED_BY: "gardener"},
    }


def test_build_desired_sets_labels_origin_description_and_keeps_manifest_annotations_in_the_reference() -> None:
    [desired] = build_desired([_manifest(_cm(annotations={"note": "x"}))], MR, _namespaced, cluster_id="c1")
    metadata = desired.obj["metadata"]
    assert metadata["namespace"] == "default"
    assert metadata["labels"] == {"team": "x", a.MANAGED_BY: "gardener"}
    assert metadata["annotations"] == {
        "note": "x",
        a.ORIGIN: "c1:shoot--a/mr",
        a.DESCRIPTION: a.DESCRIPTION_TEXT,
    }
    assert desired.reference["annotations"] == {"note": "x"}
    assert desired.key == "/ConfigMap/default/c"
    assert desired.raw == b"raw"
    assert not desired.ignore_mode


def test_ignore_annotated_objects_are_applied_exactly_as_written() -> None:
    manifest = _cm(namespace="n", annotations={a.IGNORE: "true"})
    [desired] = build_desired([_manifest(manifest)], MR, _namespaced)
    assert desired.obj == manifest
    assert desired.reference["labels"] == {"team": "x", a.MANAGED_BY: "gardener"}


def test_mode_ignore_is_flagged() -> None:
    [desired] = build_desired([_manifest(_cm(annotations={a.MODE: "Ignore"}))], MR, _namespaced)
    assert desired.ignore_mode


def test_manifests_are_never_mutated() -> None:
    manifest = _cm(labels={"app": "a"})
    snapshot = copy.deepcopy(manifest)
    build_desired([_manifest(manifest)], MR, _namespaced)
    assert manifest == snapshot


def test_type_meta_problems() -> None:
    assert type_meta_problem(_cm()) is None
    assert type_meta_problem({"apiVersion": "v1", "metadata": {}}) == "Object 'Kind' is missing"
    assert type_meta_problem({"kind": "ConfigMap"}) == "Object 'apiVersion' is missing"


# --- properties ---------------------------------------------------------------------------------------

_NAMES = st.text("abcdefghij./-", min_size=1, max_size=6)
_LABELS = st.dictionaries(_NAMES, st.text("xyz", max_size=3), max_size=4)
_META = st.fixed_dictionaries({}, optional={"labels": _LABELS, "name": _NAMES, "annotations": _LABELS})
_TEMPLATE = st.fixed_dictionaries({}, optional={"metadata": _META, "spec": st.just({"containers": []})})
_OBJECTS = st.fixed_dictionaries(
    {"kind": st.sampled_from(["Deployment", "StatefulSet", "CronJob", "ConfigMap"])},
    optional={
        "metadata": _META,
        "spec": st.fixed_dictionaries(
            {},
            optional={
                "template": _TEMPLATE,
                "volumeClaimTemplates": st.lists(_TEMPLATE, max_size=2),
                "jobTemplate": st.fixed_dictionaries(
                    {}, optional={"spec": st.fixed_dictionaries({}, optional={"template": _TEMPLATE})}
                ),
                "replicas": st.integers(0, 3),
            },
        ),
        "data": _LABELS,
    },
)


def _strip_labels(obj: Any) -> Any:
    """The object with every ``metadata.labels`` removed (and metadata maps that only held labels)."""
    if isinstance(obj, list):
        return [_strip_labels(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    result = {}
    for key, value in obj.items():
        if key == "metadata" and isinstance(value, dict):
            rest = {k: _strip_labels(v) for k, v in value.items() if k != "labels"}
            if rest:
                result[key] = rest
        else:
            result[key] = _strip_labels(value)
    return result


@given(_OBJECTS, _LABELS)
def test_inject_labels_is_idempotent(obj: dict[str, Any], labels: dict[str, str]) -> None:
    once = inject_labels(obj, labels)
    assert inject_labels(once, labels) == once


@given(_OBJECTS, _LABELS)
def test_inject_labels_touches_nothing_but_labels_and_never_mutates_its_input(
    obj: dict[str, Any], labels: dict[str, str]
) -> None:
    snapshot = copy.deepcopy(obj)
    result = inject_labels(obj, labels)
    assert obj == snapshot
    assert _strip_labels(result) == _strip_labels(obj)
    assert labels.items() <= result.get("metadata", {}).get("labels", {}).items() or not labels


_ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=10,
)
_FIELDS = st.sampled_from(
    ["apiVersion", "kind", "metadata", "spec", "labels", "annotations", "name", "namespace", "template"]
)
_SHAPED = st.recursive(_ANY_JSON, lambda inner: st.dictionaries(_FIELDS, inner, max_size=4), max_leaves=12)


@given(st.dictionaries(_FIELDS, _SHAPED, max_size=5))
def test_build_desired_never_raises_on_any_decoded_object(obj: dict[str, Any]) -> None:
    [desired] = build_desired([_manifest(obj)], MR, _namespaced)
    assert isinstance(desired.reference["labels"], dict)
    assert desired.key.count("/") >= 3
