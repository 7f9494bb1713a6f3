"""The three MR conditions: GRM's transitions and time-stamp rules (spec §1.2, §1.3, §3.4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from resource_manager.api import conditions as c
from resource_manager.api import messages as m

T0 = datetime(2026, 1, 1, 10, 0, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)
S0, S1 = "2026-01-01T10:00:00Z", "2026-01-01T10:05:00Z"


def _by_type(conditions: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {condition["type"]: condition for condition in conditions}


def test_timestamp_format() -> None:
    assert c.timestamp(datetime(2026, 1, 1, 11, 0, 0, 999, tzinfo=UTC)) == "2026-01-01T11:00:00Z"


def test_new_condition_is_initialised_like_gardener() -> None:
    assert c.get_or_init([], c.APPLIED, T0) == {
        "type": "ResourcesApplied",
        "status": "Unknown",
        "lastTransitionTime": S0,
        "lastUpdateTime": S0,
        "reason": "ConditionInitialized",
        "message": "The condition has been initialized but its semantic check has not been performed yet.",
    }


def test_transition_time_moves_only_with_status_update_time_only_with_reason_or_message() -> None:
    first = c.set_condition([], c.APPLIED, c.TRUE, m.APPLY_SUCCEEDED, m.MSG_APPLIED, T0)
    same = c.set_condition(first, c.APPLIED, c.TRUE, m.APPLY_SUCCEEDED, m.MSG_APPLIED, T1)
    assert same == first
    new_message = c.set_condition(first, c.APPLIED, c.TRUE, m.APPLY_SUCCEEDED, "other", T1)[0]
    assert (new_message["lastTransitionTime"], new_message["lastUpdateTime"]) == (S0, S1)
    new_status = c.set_condition(first, c.APPLIED, c.FALSE, m.APPLY_SUCCEEDED, m.MSG_APPLIED, T1)[0]
    assert (new_status["lastTransitionTime"], new_status["lastUpdateTime"]) == (S1, S0)


def test_empty_reason_and_message_get_placeholders() -> None:
    [condition] = c.set_condition([], c.APPLIED, c.FALSE, "", "", T0)
    assert (condition["reason"], condition["message"]) == ("Unspecified", "No message given.")


def test_codes_change_update_time_and_are_not_carried_over() -> None:
    old = c.updated(c.get_or_init([], c.APPLIED, T0), c.FALSE, "R", "m", T0, codes=["ERR_X"])
    assert old["codes"] == ["ERR_X"]
    new = c.updated(old, c.FALSE, "R", "m", T1)
    assert "codes" not in new
    assert new["lastUpdateTime"] == S1


def test_merge_keeps_order_and_appends_new_types() -> None:
    existing = [{"type": "B", "status": "x"}, {"type": "A", "status": "x"}]
    merged = c.merge(existing, {"type": "A", "status": "y"}, {"type": "C", "status": "z"})
    assert [(m["type"], m["status"]) for m in merged] == [("B", "x"), ("A", "y"), ("C", "z")]
    assert existing[1]["status"] == "x"


def test_reset_for_changed_resources() -> None:
    conditions = _by_type(c.reset_for_changed_resources([], T0))
    assert (conditions[c.HEALTHY]["status"], conditions[c.HEALTHY]["reason"], conditions[c.HEALTHY]["message"]) == (
        "Unknown",
        "ChecksPending",
        "The health checks have not yet been executed for the current set of resources.",
    )
    assert conditions[c.PROGRESSING]["message"] == "Checks have not yet been executed for the current set of resources."
    applied = conditions[c.APPLIED]
    assert (applied["status"], applied["reason"], applied["message"]) == (
        "Progressing",
        "ApplyProgressing",
        "The resources are currently being reconciled.",
    )


def test_reset_keeps_a_previous_failure_reason_and_message() -> None:
    for reason in (m.APPLY_FAILED, m.DELETION_FAILED, m.DELETION_PENDING):
        previous = c.set_condition([], c.APPLIED, c.FALSE, reason, "boom", T0)
        applied = _by_type(c.reset_for_changed_resources(previous, T1))[c.APPLIED]
        assert (applied["status"], applied["reason"], applied["message"]) == ("Progressing", reason, "boom")
    previous = c.set_condition([], c.APPLIED, c.FALSE, m.DECODING_FAILED, "x", T0)
    assert _by_type(c.reset_for_changed_resources(previous, T1))[c.APPLIED]["reason"] == m.APPLY_PROGRESSING


def test_applied_result() -> None:
    assert _by_type(c.applied_result([], None, T0))[c.APPLIED]["message"] == "All resources are applied."
    failed = _by_type(c.applied_result([], "Could not decode all new resources: [x]", T0))[c.APPLIED]
    assert (failed["status"], failed["reason"]) == ("False", "DecodingFailed")


def test_ignored_mr() -> None:
    conditions = _by_type(c.ignored_conditions([], T0))
    assert {t: (x["status"], x["reason"], x["message"]) for t, x in conditions.items()} == {
        c.APPLIED: ("True", "ManagedResourceIgnored", "ManagedResource is marked to be ignored."),
        c.HEALTHY: ("True", "ManagedResourceIgnored", "ManagedResource is marked to be ignored."),
        c.PROGRESSING: ("False", "ManagedResourceIgnored", "ManagedResource is marked to be ignored."),
    }


def test_deletion_conditions() -> None:
    conditions = _by_type(c.deletion_conditions([], T0, keep_objects=False))
    assert (conditions[c.HEALTHY]["status"], conditions[c.HEALTHY]["reason"]) == ("False", "DeletionPending")
    assert (conditions[c.PROGRESSING]["status"], conditions[c.PROGRESSING]["reason"]) == ("True", "DeletionPending")
    assert conditions[c.APPLIED]["message"] == "The resources are currently being deleted."
    assert c.APPLIED not in _by_type(c.deletion_conditions([], T0, keep_objects=True))
    pending = c.set_condition([], c.APPLIED, c.STATUS_PROGRESSING, m.DELETION_PENDING, "still here", T0)
    assert _by_type(c.deletion_conditions(pending, T1, keep_objects=False))[c.APPLIED]["message"] == "still here"


_STATUSES = st.sampled_from([c.TRUE, c.FALSE, c.UNKNOWN, c.STATUS_PROGRESSING])
_WORDS = st.sampled_from(["A", "B", "C"])


@given(st.lists(st.tuples(_STATUSES, _WORDS, _WORDS), min_size=1, max_size=6))
def test_time_stamps_only_move_on_changes(steps: list[tuple[str, str, str]]) -> None:
    conditions: list[dict[str, Any]] = []
    for minute, (status, reason, message) in enumerate(steps):
        now = T0 + timedelta(minutes=minute)
        before = c.find(conditions, c.APPLIED)
        conditions = c.set_condition(conditions, c.APPLIED, status, reason, message, now)
        after = conditions[0]
        assert len(conditions) == 1
        if before is not None:
            status_changed = before["status"] != status
            text_changed = (before["reason"], before["message"]) != (reason, message)
            assert (after["lastTransitionTime"] == c.timestamp(now)) == status_changed or minute == 0
            assert (after["lastUpdateTime"] != before["lastUpdateTime"]) == text_changed
