"""`augment` (spec §4), `aggregate` (spec §5) and the standalone condition helpers."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from kstatus import (
    ComputeError,
    Condition,
    Status,
    aggregate,
    augment,
    crd_conditions,
    legacy_conditions_fn,
    object_conditions,
)
from tests.kstatus.builders import cond, current, failed, in_progress, make

NOW = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)
STAMP = "2024-06-01T12:00:00Z"
OLD = "2020-01-01T00:00:00Z"


def running_pod(conds: list[Any] | None = None) -> dict[str, Any]:
    status: dict[str, Any] = {"phase": "Running"}
    if conds is not None:
        status["conditions"] = conds
    return make("v1", "Pod", status=status)


def test_augment_appends_a_missing_condition_with_six_keys() -> None:
    out = augment(running_pod(), now=NOW)
    assert out["status"]["conditions"] == [
        {
            "lastTransitionTime": STAMP,
            "lastUpdateTime": STAMP,
            "message": "Pod is running but is not Ready",
            "reason": "PodRunningNotReady",
            "status": "True",
            "type": "Reconciling",
        }
    ]


def test_augment_does_not_mutate_its_input() -> None:
    obj = running_pod([cond("Reconciling", "False", "Old", "old") | {"lastTransitionTime": OLD}])
    before = copy.deepcopy(obj)
    augment(obj, now=NOW)
    assert obj == before


def test_augment_updates_in_place_and_bumps_transition_time_on_change() -> None:
    existing = {
        "type": "Reconciling",
        "status": "False",
        "reason": "Old",
        "message": "old",
        "lastTransitionTime": OLD,
        "lastUpdateTime": OLD,
    }
    out = augment(running_pod([cond("Ready", "False"), existing]), now=NOW)
    assert out["status"]["conditions"] == [
        cond("Ready", "False"),
        {
            "type": "Reconciling",
            "status": "True",
            "reason": "PodRunningNotReady",
            "message": "Pod is running but is not Ready",
            "lastTransitionTime": STAMP,
            "lastUpdateTime": STAMP,
        },
    ]


def test_augment_keeps_transition_time_when_status_is_unchanged() -> None:
    existing = {"type": "Reconciling", "status": "True", "reason": "Old", "message": "old", "lastTransitionTime": OLD}
    obj = make(
        "apps/v1",
        "Deployment",
        spec={"replicas": 2},
        status={"replicas": 1, "conditions": [existing | {"status": "False"}]},
    )
    out = augment(obj, now=NOW)
    entry = out["status"]["conditions"][0]
    assert entry["lastTransitionTime"] == STAMP  # False -> True
    again = augment(out, now=datetime(2025, 1, 1, tzinfo=UTC))
    assert again["status"]["conditions"][0]["lastTransitionTime"] == STAMP
    assert again["status"]["conditions"][0]["lastUpdateTime"] == "2025-01-01T00:00:00Z"


def test_augment_sets_stalled_for_failed() -> None:
    statuses = [{"name": "a", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]
    obj = make("v1", "Pod", status={"phase": "Running", "containerStatuses": statuses})
    (entry,) = augment(obj, now=NOW)["status"]["conditions"]
    assert (entry["type"], entry["status"], entry["reason"]) == ("Stalled", "True", "ContainerCrashLooping")


def test_augment_updates_every_entry_of_the_type() -> None:
    conds = [cond("Reconciling", "False"), cond("Reconciling", "True", "X")]
    out = augment(make("example.com/v1", "Widget", status={"conditions": conds}), now=NOW)
    assert [c["reason"] for c in out["status"]["conditions"]] == ["X", "X"]


def test_augment_never_removes_a_stale_condition_and_leaves_current_objects_alone() -> None:
    obj = make("v1", "Pod", status={"phase": "Succeeded", "conditions": [cond("Reconciling", "False", "x")]})
    assert augment(obj, now=NOW) == obj


def test_augment_always_writes_conditions_back() -> None:
    obj = make("v1", "ConfigMap")
    assert augment(obj, now=NOW) == {**obj, "status": {"conditions": []}}
    with_null_status = make("v1", "ConfigMap", status=None)
    with_null_status["status"] = None
    assert augment(with_null_status, now=NOW)["status"] == {"conditions": []}


@pytest.mark.parametrize(
    ("conds", "field", "problem"),
    [
        (["x"], "status.conditions[0]", "condition does not have the expected structure"),
        ([{"status": "True"}], "status.conditions[0].type", "condition type does not have the expected type"),
        (
            [{"type": "Reconciling", "status": 1}],
            "status.conditions[0].status",
            "condition status does not have the expected type",
        ),
    ],
)
def test_augment_errors_on_bad_condition_entries(conds: list[Any], field: str, problem: str) -> None:
    # deletion short-circuits compute, so only augment sees the bad entries; Terminating has no
    # conditions though, so use a generation mismatch, which does
    obj = make("example.com/v1", "Widget", generation=2, status={"observedGeneration": 1, "conditions": conds})
    with pytest.raises(ComputeError) as err:
        augment(obj, now=NOW)
    assert (err.value.field, err.value.problem) == (field, problem)


def test_augment_other_type_with_bad_status_is_fine() -> None:
    obj = make(
        "example.com/v1",
        "Widget",
        generation=2,
        status={"observedGeneration": 1, "conditions": [{"type": "Other", "status": 1}]},
    )
    assert len(augment(obj, now=NOW)["status"]["conditions"]) == 2


def test_augment_null_conditions_is_an_error_even_when_compute_succeeds() -> None:
    obj = make("example.com/v1", "Widget", deletionTimestamp=OLD, status={"conditions": None})
    with pytest.raises(ComputeError) as err:
        augment(obj, now=NOW)
    assert err.value.field == "status.conditions"


def test_augment_status_not_a_mapping_is_an_error() -> None:
    obj = make("example.com/v1", "Widget", deletionTimestamp=OLD, status="x")
    with pytest.raises(ComputeError):
        augment(obj, now=NOW)


def test_augment_propagates_compute_errors() -> None:
    with pytest.raises(ComputeError):
        augment(make("v1", "Pod", status={"phase": "Unknown"}), now=NOW)


def test_augment_default_clock_writes_rfc3339_utc() -> None:
    stamp = augment(running_pod())["status"]["conditions"][0]["lastUpdateTime"]
    assert datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").year >= 2024


def test_augment_naive_now_is_utc() -> None:
    out = augment(running_pod(), now=datetime(2024, 6, 1, 12, 0, 0))
    assert out["status"]["conditions"][0]["lastUpdateTime"] == STAMP


# aggregate

S = Status


@pytest.mark.parametrize(
    ("statuses", "desired", "expected"),
    [
        ([], S.CURRENT, S.CURRENT),
        ([], S.NOT_FOUND, S.NOT_FOUND),
        ([S.CURRENT, S.FAILED, S.UNKNOWN], S.CURRENT, S.FAILED),
        ([S.CURRENT, S.UNKNOWN, S.IN_PROGRESS], S.CURRENT, S.UNKNOWN),
        ([S.CURRENT, S.CURRENT], S.CURRENT, S.CURRENT),
        ([S.CURRENT, S.NOT_FOUND], S.CURRENT, S.IN_PROGRESS),
        ([S.NOT_FOUND, S.NOT_FOUND], S.NOT_FOUND, S.NOT_FOUND),
        ([S.NOT_FOUND, S.TERMINATING], S.NOT_FOUND, S.IN_PROGRESS),
        ([S.FAILED], S.FAILED, S.FAILED),
        ([S.IN_PROGRESS], S.IN_PROGRESS, S.IN_PROGRESS),
    ],
)
def test_aggregate(statuses: list[Status], desired: Status, expected: Status) -> None:
    assert aggregate(statuses, desired) is expected


def test_aggregate_accepts_strings_and_generators() -> None:
    assert aggregate((s for s in ["Current", "Current"]), "Current") is Status.CURRENT
    with pytest.raises(ValueError):
        aggregate(["Ready"], "Current")


# condition helpers


def test_object_conditions_is_the_typed_view() -> None:
    obj = make("x/v1", "W", status={"conditions": [{"type": "A", "status": "True"}, None]})
    assert object_conditions(obj) == [Condition("A", "True", "", ""), Condition("", "", "", "")]
    assert object_conditions(make("x/v1", "W")) == []
    with pytest.raises(ComputeError):
        object_conditions(make("x/v1", "W", status={"conditions": "invalid"}))
    with pytest.raises(ComputeError):
        object_conditions([])


def test_legacy_conditions_fn_looks_up_by_group_and_kind() -> None:
    rule = legacy_conditions_fn(make("apps/v1", "StatefulSet"))
    assert rule is not None
    # the rule alone, without the generic checks: a deletion timestamp is not looked at
    assert rule(make("apps/v1", "StatefulSet", deletionTimestamp=OLD)) == in_progress("LessReplicas", "Replicas: 0/1")
    assert legacy_conditions_fn(make("example.com/v1", "Widget")) is None
    assert legacy_conditions_fn(make("v1", "Deployment")) is None
    with pytest.raises(ComputeError):
        rule("not an object")  # type: ignore[arg-type]


def test_crd_conditions_standalone() -> None:
    crd = make(
        "apiextensions.k8s.io/v1", "CustomResourceDefinition", status={"conditions": [cond("Established", "True")]}
    )
    assert crd_conditions(crd) == current("CRD is established")
    crd["status"]["conditions"] = [cond("NamesAccepted", "False", "R", "m")]
    assert crd_conditions(crd) == failed("R", "m")
