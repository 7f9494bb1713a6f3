"""GRM's exact parsing of the resources.gardener.cloud annotations (spec §2.1, §1.5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from resource_manager.api import annotations as a


def _obj(annotations: dict[str, str] | None = None, **top: Any) -> dict[str, Any]:
    return {**top, "metadata": {"annotations": annotations or {}}}


PARSE_BOOL_TRUE = ["1", "t", "T", "TRUE", "true", "True"]
NOT_TRUE = ["0", "f", "false", "yes", "on", "TrUe", "", " true", "y"]


@pytest.mark.parametrize("value", PARSE_BOOL_TRUE)
def test_parse_bool_keys_accept_every_go_truthy_spelling(value: str) -> None:
    assert a.ignored(_obj({a.IGNORE: value}))
    assert a.keep_object(_obj({a.KEEP_OBJECT: value}))
    assert a.delete_on_invalid_update("apps/v1", "Deployment", {a.DELETE_ON_INVALID_UPDATE: value}, [])


@pytest.mark.parametrize("value", NOT_TRUE)
def test_parse_bool_keys_reject_everything_else(value: str) -> None:
    assert not a.ignored(_obj({a.IGNORE: value}))
    assert not a.keep_object(_obj({a.KEEP_OBJECT: value}))
    assert not a.delete_on_invalid_update("apps/v1", "Deployment", {a.DELETE_ON_INVALID_UPDATE: value}, [])


def test_missing_metadata_means_false() -> None:
    assert not a.ignored({})
    assert not a.keep_object({"metadata": None})
    assert not a.ignore_mode({"metadata": {"annotations": None}})


@pytest.mark.parametrize("value", ["1", "True", "TRUE", "t"])
def test_exact_true_keys_do_not_accept_other_truthy_spellings(value: str) -> None:
    assert not a.preserve_replicas(_obj({a.PRESERVE_REPLICAS: value}))
    assert not a.preserve_resources(_obj({a.PRESERVE_RESOURCES: value}))
    assert not a.skip_health_check(_obj({a.SKIP_HEALTH_CHECK: value}))


def test_exact_true_keys() -> None:
    assert a.preserve_replicas(_obj({a.PRESERVE_REPLICAS: "true"}))
    assert a.preserve_resources(_obj({a.PRESERVE_RESOURCES: "true"}))
    assert a.skip_health_check(_obj({a.SKIP_HEALTH_CHECK: "true"}))


def test_mode_ignore_is_exact() -> None:
    assert a.ignore_mode(_obj({a.MODE: "Ignore"}))
    assert not a.ignore_mode(_obj({a.MODE: "ignore"}))
    assert not a.ignore_mode(_obj({a.MODE: "true"}))


def test_keys_and_texts_are_grms() -> None:
    assert a.ORIGIN == "resources.gardener.cloud/origin"
    assert a.MANAGED_BY == "resources.gardener.cloud/managed-by"
    assert a.DESCRIPTION_TEXT == (
        "DO NOT EDIT - This resource is managed by gardener-resource-manager.\n"
        "Any modifications are discarded and the resource is returned to the original state."
    )
    assert a.FINALIZE_DELETION_AFTER == "resources.gardener.cloud/finalize-deletion-after"


IMMUTABLE = {"reason": "FieldValueForbidden", "message": "Forbidden: field is immutable when `immutable` is set"}


@pytest.mark.parametrize("kind", ["ConfigMap", "Secret"])
def test_delete_on_invalid_update_is_implicit_for_immutable_configmaps_and_secrets(kind: str) -> None:
    assert a.delete_on_invalid_update("v1", kind, {}, [IMMUTABLE])


def test_implicit_delete_needs_v1_configmap_or_secret_and_the_immutable_cause() -> None:
    assert not a.delete_on_invalid_update("v1", "Service", {}, [IMMUTABLE])
    assert not a.delete_on_invalid_update("v2", "ConfigMap", {}, [IMMUTABLE])
    other = {"reason": "FieldValueForbidden", "message": "Forbidden: something else"}
    assert not a.delete_on_invalid_update("v1", "ConfigMap", {}, [other])
    assert not a.delete_on_invalid_update("v1", "ConfigMap", {}, [{**IMMUTABLE, "reason": "FieldValueInvalid"}])
    # GRM inspects only the first FieldValueForbidden cause.
    assert not a.delete_on_invalid_update("v1", "ConfigMap", {}, [other, IMMUTABLE])


@pytest.mark.parametrize("policy", ["Foreground", "Background", "Orphan"])
def test_deletion_propagation_valid(policy: str) -> None:
    assert a.deletion_propagation({a.DELETION_PROPAGATION_ON_INVALID_UPDATE: policy}) == policy


def test_deletion_propagation_unset_means_server_default() -> None:
    assert a.deletion_propagation({}) is None


@pytest.mark.parametrize("value", ["foreground", "", "Delete"])
def test_deletion_propagation_invalid(value: str) -> None:
    with pytest.raises(a.AnnotationError, match="is invalid, supported values are"):
        a.deletion_propagation({a.DELETION_PROPAGATION_ON_INVALID_UPDATE: value})


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1h", 3600),
        ("1h30m", 5400),
        ("1.5s", 1.5),
        ("-2m", -120),
        ("+3s", 3),
        ("0", 0),
        ("500ms", 0.5),
        ("2us", 2e-6),
        ("2\u00b5s", 2e-6),
        ("1.s", 1),
        (".5h", 1800),
        ("1h0m0s", 3600),
    ],
)
def test_go_durations(text: str, seconds: float) -> None:
    assert a.parse_go_duration(text).total_seconds() == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", 'time: invalid duration ""'),
        ("1", 'time: missing unit in duration "1"'),
        ("1d", 'time: unknown unit "d" in duration "1d"'),
        (".s", 'time: invalid duration ".s"'),
        ("--1s", 'time: invalid duration "--1s"'),
        ("h", 'time: invalid duration "h"'),
    ],
)
def test_go_duration_errors(text: str, message: str) -> None:
    with pytest.raises(a.AnnotationError) as info:
        a.parse_go_duration(text)
    assert str(info.value) == message


NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def _deleting(grace: str | None, deleted: datetime, finalizers: list[str] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "deletionTimestamp": deleted.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "finalizers": ["x"] if finalizers is None else finalizers,
        "annotations": {} if grace is None else {a.FINALIZE_DELETION_AFTER: grace},
    }
    return {"metadata": metadata}


def test_finalizers_due_only_after_the_grace_period() -> None:
    assert not a.finalizers_due_for_removal(_deleting("1h", NOW - timedelta(minutes=59)), NOW)
    assert a.finalizers_due_for_removal(_deleting("1h", NOW - timedelta(hours=1)), NOW)


def test_finalizers_not_due_without_annotation_finalizers_or_deletion() -> None:
    assert not a.finalizers_due_for_removal(_deleting(None, NOW - timedelta(days=9)), NOW)
    assert not a.finalizers_due_for_removal(_deleting("1h", NOW - timedelta(days=9), []), NOW)
    assert not a.finalizers_due_for_removal(_deleting("0s", NOW - timedelta(days=9)), NOW)
    assert not a.finalizers_due_for_removal(_obj({a.FINALIZE_DELETION_AFTER: "1s"}), NOW)


def test_finalize_deletion_after_parse_error_names_the_annotation() -> None:
    with pytest.raises(a.AnnotationError) as info:
        a.finalize_deletion_after(_obj({a.FINALIZE_DELETION_AFTER: "soon"}))
    assert str(info.value) == (
        "failed parsing duration of resources.gardener.cloud/finalize-deletion-after annotation: "
        'time: invalid duration "soon"'
    )


def test_garbage_collectable_only_for_labelled_v1_configmaps_and_secrets() -> None:
    def obj(api_version: str, kind: str, value: str) -> dict[str, Any]:
        return {"apiVersion": api_version, "kind": kind, "metadata": {"labels": {a.GARBAGE_COLLECTABLE: value}}}

    assert a.garbage_collectable(obj("v1", "Secret", "true"))
    assert a.garbage_collectable(obj("v1", "ConfigMap", "T"))
    assert not a.garbage_collectable(obj("v1", "ConfigMap", "yes"))
    assert not a.garbage_collectable(obj("v1", "Node", "true"))
