"""The generic pipeline of spec §2: order of the steps, their messages, and the error cases."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from kstatus import ComputeError, Result, Status, compute
from tests.kstatus.builders import cond, current, failed, in_progress, make

CR = "example.com/v1"


def test_terminating_wins_over_everything() -> None:
    obj = make(CR, "Widget", deletionTimestamp="2024-01-01T00:00:00Z", generation=2)
    obj["status"] = {"observedGeneration": 1, "conditions": "not even a list"}
    assert compute(obj) == Result(Status.TERMINATING, "Resource scheduled for deletion", ())


def test_empty_deletion_timestamp_is_ignored() -> None:
    assert compute(make(CR, "Widget", deletionTimestamp="")) == current("Resource is current")


def test_pyyaml_datetime_deletion_timestamp_counts_as_set() -> None:
    obj = make(CR, "Widget", deletionTimestamp=datetime(2024, 1, 1, tzinfo=UTC))
    assert compute(obj).status is Status.TERMINATING
    assert compute(make(CR, "Widget", deletionTimestamp=date(2024, 1, 1))).status is Status.TERMINATING


@pytest.mark.parametrize("value", [None, 5, ["x"], {"a": 1}, True])
def test_non_string_deletion_timestamp_is_an_error(value: Any) -> None:
    with pytest.raises(ComputeError) as err:
        compute(make(CR, "Widget", deletionTimestamp=value))
    assert err.value.field == "metadata.deletionTimestamp"


def test_generation_mismatch_message_and_reason() -> None:
    obj = make(CR, "Widget", generation=5, status={"observedGeneration": 4})
    assert compute(obj) == in_progress(
        "LatestGenerationNotObserved", "Widget generation is 5, but latest observed generation is 4"
    )


def test_generation_check_runs_before_the_standard_conditions() -> None:
    status = {"observedGeneration": 1, "conditions": [cond("Stalled", "True", "R", "M")]}
    assert compute(make(CR, "Widget", generation=2, status=status)).status is Status.IN_PROGRESS


def test_generation_check_applies_to_built_in_kinds() -> None:
    obj = make("v1", "ConfigMap", generation=2, status={"observedGeneration": 1})
    assert compute(obj).message == "ConfigMap generation is 2, but latest observed generation is 1"


@pytest.mark.parametrize(
    ("generation", "status"),
    [(None, {"observedGeneration": 1}), (3, None), (3, {}), (3, {"conditions": []})],
)
def test_generation_check_skipped_when_a_field_is_missing(generation: int | None, status: Any) -> None:
    meta: dict[str, Any] = {} if generation is None else {"generation": generation}
    assert compute(make(CR, "Widget", status=status, **meta)) == current("Resource is current")


def test_matching_generations_fall_through() -> None:
    assert compute(make(CR, "Widget", generation=3, status={"observedGeneration": 3})).status is Status.CURRENT


@pytest.mark.parametrize("value", ["3", 3.0, True, None, 2**63, [3]])
def test_non_int64_generation_is_an_error(value: Any) -> None:
    with pytest.raises(ComputeError) as err:
        compute(make(CR, "Widget", generation=value))
    assert err.value.field == "metadata.generation"
    assert "expected an integer" in str(err.value)


@pytest.mark.parametrize("value", ["3", 3.0, False, None, -(2**63) - 1])
def test_non_int64_observed_generation_is_an_error(value: Any) -> None:
    # helm/helm#32615: an Argo Rollout's string observedGeneration
    with pytest.raises(ComputeError) as err:
        compute(make(CR, "Rollout", generation=3, status={"observedGeneration": value}))
    assert err.value.field == "status.observedGeneration"


def test_observed_generation_not_read_without_generation() -> None:
    assert compute(make(CR, "Rollout", status={"observedGeneration": "3"})).status is Status.CURRENT


def test_int64_extremes_are_integers() -> None:
    obj = make(CR, "Widget", generation=2**63 - 1, status={"observedGeneration": -(2**63)})
    assert compute(obj).message.endswith(
        "generation is 9223372036854775807, but latest observed generation is -9223372036854775808"
    )


def test_reconciling_true_gives_in_progress_with_its_reason_and_message() -> None:
    obj = make(CR, "Widget", status={"conditions": [cond("Reconciling", "True", "Working", "busy")]})
    assert compute(obj) == in_progress("Working", "busy")


def test_stalled_true_gives_failed_with_its_reason_and_message() -> None:
    obj = make(CR, "Widget", status={"conditions": [cond("Stalled", "True", "Stuck", "gave up")]})
    assert compute(obj) == failed("Stuck", "gave up")


def test_first_of_reconciling_and_stalled_in_list_order_wins() -> None:
    both = [cond("Stalled", "True", "S", "s"), cond("Reconciling", "True", "R", "r")]
    assert compute(make(CR, "Widget", status={"conditions": both})).status is Status.FAILED
    assert compute(make(CR, "Widget", status={"conditions": both[::-1]})).status is Status.IN_PROGRESS


def test_false_standard_conditions_are_normal() -> None:
    conds = [cond("Reconciling", "False"), cond("Stalled", "False"), cond("Stalled", "Unknown")]
    assert compute(make(CR, "Widget", status={"conditions": conds})) == current("Resource is current")


def test_standard_conditions_override_built_in_rules() -> None:
    obj = make("v1", "Pod", status={"phase": "Running", "conditions": [cond("Stalled", "True", "X", "y")]})
    assert compute(obj) == failed("X", "y")


def test_missing_reason_and_message_are_empty_strings() -> None:
    obj = make(CR, "Widget", status={"conditions": [{"type": "Reconciling", "status": "True"}]})
    assert compute(obj) == in_progress("", "")


def test_null_condition_entry_is_an_empty_condition() -> None:
    assert compute(make(CR, "Widget", status={"conditions": [None]})) == current("Resource is current")


def test_ready_true_is_current() -> None:
    obj = make(CR, "Widget", status={"conditions": [cond("Ready", "True", "Ok", "fine")]})
    assert compute(obj) == current("Resource is Ready")


@pytest.mark.parametrize("value", ["False", "Unknown"])
def test_ready_false_or_unknown_is_in_progress_with_its_reason(value: str) -> None:
    obj = make(CR, "Widget", status={"conditions": [cond("Ready", value, "Waiting", "not yet")]})
    assert compute(obj) == in_progress("Waiting", "not yet")


def test_first_ready_condition_decides() -> None:
    conds = [cond("Ready", "False", "A", "a"), cond("Ready", "True")]
    assert compute(make(CR, "Widget", status={"conditions": conds})) == in_progress("A", "a")


def test_ready_with_another_value_is_skipped() -> None:
    conds = [cond("Ready", "Maybe"), cond("Ready", "False", "B", "b")]
    assert compute(make(CR, "Widget", status={"conditions": conds})) == in_progress("B", "b")
    only_odd = [cond("Ready", "true")]
    assert compute(make(CR, "Widget", status={"conditions": only_odd})) == current("Resource is current")


def test_ready_condition_ignored_for_kinds_with_a_rule() -> None:
    obj = make("v1", "ConfigMap", status={"conditions": [cond("Ready", "False", "A", "a")]})
    assert compute(obj) == current("Resource is always ready")


def test_fallback_is_current() -> None:
    assert compute(make(CR, "Widget")) == current("Resource is current")


def test_unreconciled_custom_resource_is_current_upstream() -> None:
    # spec §7: a CR with no status yet falls through to Current (the "Current too early" complaint)
    assert compute(make(CR, "HelmRelease", generation=1)) == current("Resource is current")


def test_version_is_ignored_in_the_rule_lookup() -> None:
    obj = make("extensions/v1beta1", "Deployment", spec={"replicas": 1})
    assert compute(obj).message == "Replicas: 0/1"


def test_kind_without_group_and_unknown_version_falls_through() -> None:
    assert compute(make("v1beta1", "SomeCustomKind")) == current("Resource is current")


def test_rule_needs_the_right_group() -> None:
    # "Deployment" with the core group is not in the table
    assert compute(make("v1", "Deployment", spec={"replicas": 1})) == current("Resource is current")


def test_unparsable_api_version_drops_the_kind() -> None:
    obj = make("apps/v1/extra", "Deployment", spec={"replicas": 1})
    assert compute(obj) == current("Resource is current")


@pytest.mark.parametrize(("api", "kind"), [("apps/", "Deployment"), ("/", "Pod"), ("", "Pod")])
def test_odd_but_parsable_api_versions(api: str, kind: str) -> None:
    assert compute(make(api, kind)).status is Status.IN_PROGRESS


def test_non_string_kind_and_api_version_are_empty() -> None:
    obj: dict[str, Any] = {"apiVersion": 1, "kind": ["Pod"], "metadata": {"generation": 2}}
    obj["status"] = {"observedGeneration": 1}
    assert compute(obj).message == " generation is 2, but latest observed generation is 1"


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        ([], "object"),
        ("x", "object"),
        ({"metadata": "x"}, "metadata"),
        ({"metadata": ["x"]}, "metadata"),
        ({"status": "x"}, "status"),
        ({"status": []}, "status"),
        ({"status": {"conditions": "invalid"}}, "status.conditions"),
        ({"status": {"conditions": {"type": "Ready"}}}, "status.conditions"),
        ({"status": {"conditions": ["x"]}}, "status.conditions[0]"),
        ({"status": {"conditions": [{"type": "Ready"}, 3]}}, "status.conditions[1]"),
        ({"status": {"conditions": [{"type": 1}]}}, "status.conditions[0].type"),
        ({"status": {"conditions": [{"type": "A", "status": True}]}}, "status.conditions[0].status"),
        ({"status": {"conditions": [{"type": "A", "reason": 1.5}]}}, "status.conditions[0].reason"),
        ({"status": {"conditions": [{"type": "A", "message": {}}]}}, "status.conditions[0].message"),
    ],
)
def test_malformed_objects_raise_compute_error_naming_the_field(obj: Any, field: str) -> None:
    with pytest.raises(ComputeError) as err:
        compute(obj)
    assert err.value.field == field
    assert str(err.value).startswith(f"{field}: expected ")


def test_invalid_later_condition_is_an_error_even_after_a_decisive_one() -> None:
    # upstream converts the whole list before scanning it
    conds = [cond("Reconciling", "True"), {"type": 5}]
    with pytest.raises(ComputeError):
        compute(make(CR, "Widget", status={"conditions": conds}))


def test_null_status_and_null_conditions_are_empty() -> None:
    assert compute(make(CR, "Widget", status=None)).status is Status.CURRENT
    obj = make(CR, "Widget", generation=1)
    obj["status"] = None
    assert compute(obj) == current("Resource is current")
    assert compute(make(CR, "Widget", status={"conditions": None})) == current("Resource is current")


def test_null_metadata_is_empty() -> None:
    assert compute({"apiVersion": "v1", "kind": "ConfigMap", "metadata": None}).status is Status.CURRENT


def test_pyyaml_timestamps_in_conditions_are_strings() -> None:
    obj = make(CR, "Widget", status={"conditions": [cond("Ready", "False", "R", "m") | {"message": date(2024, 2, 3)}]})
    assert compute(obj) == in_progress("R", "2024-02-03")


def test_datetime_condition_message_is_rfc3339() -> None:
    moment = datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC)
    obj = make(CR, "Widget", status={"conditions": [cond("Ready", "False", "R") | {"message": moment}]})
    assert compute(obj).message == "2024-02-03T04:05:06Z"


def test_result_is_a_named_tuple_with_a_string_status() -> None:
    result = compute(make(CR, "Widget"))
    status, message, conditions = result
    assert status == "Current" and message == "Resource is current" and conditions == ()
    assert [s.value for s in Status] == ["InProgress", "Failed", "Current", "Terminating", "NotFound", "Unknown"]


def test_dict_subclasses_are_accepted_at_the_top() -> None:
    from collections import OrderedDict

    obj = OrderedDict(make("v1", "Pod", status={"phase": "Succeeded"}))
    assert compute(obj) == current("Pod has completed successfully")
