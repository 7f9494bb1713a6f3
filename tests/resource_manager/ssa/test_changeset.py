"""The change set of a round: its counts, its summary, and what it says changed."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from resource_manager.ssa.changeset import Action, Change, ChangeSet
from resource_manager.ssa.errors import Failure

changes = st.lists(
    st.builds(Change, st.text(min_size=1, max_size=20), st.sampled_from(Action), st.text(max_size=20)), max_size=30
)


def test_summary_counts_each_action_once_in_a_fixed_order() -> None:
    round_ = ChangeSet.of(
        [Change("ConfigMap n/a", Action.UNCHANGED)] * 17
        + [Change("ConfigMap n/b", Action.CREATED)] * 3
        + [Change("ConfigMap n/c", Action.FAILED, "boom")]
    )
    assert round_.summary() == "3 created, 17 unchanged, 1 failed"
    assert round_.counts() == {Action.CREATED: 3, Action.UNCHANGED: 17, Action.FAILED: 1}
    assert ChangeSet().summary() == "no objects"


def test_only_created_configured_and_deleted_count_as_changed() -> None:
    quiet = ChangeSet.of([Change("a", Action.UNCHANGED), Change("b", Action.SKIPPED, "mode: Ignore")])
    assert not quiet.changed
    assert not (quiet + ChangeSet.of([Change("c", Action.FAILED, "x")])).changed
    for action in (Action.CREATED, Action.CONFIGURED, Action.DELETED):
        assert (quiet + ChangeSet.of([Change("c", action)])).changed


def test_failures_are_the_failed_entries_with_their_messages_in_order() -> None:
    round_ = ChangeSet.of(
        [Change("x", Action.FAILED, "first"), Change("y", Action.CREATED), Change("z", Action.FAILED, "second")]
    )
    assert round_.failures() == [Failure("x", "first"), Failure("z", "second")]


@given(changes)
def test_summary_adds_up_to_every_entry(entries: list[Change]) -> None:
    summary = ChangeSet.of(entries).summary()
    if not entries:
        assert summary == "no objects"
        return
    parts = [re.fullmatch(r"(\d+) (\w+)", part) for part in summary.split(", ")]
    assert all(parts)
    counted = {m.group(2): int(m.group(1)) for m in parts if m}
    assert list(counted) == [a.value for a in Action if a.value in counted]  # fixed order, each once
    assert all(n > 0 for n in counted.values())
    assert counted == {a.value: sum(1 for e in entries if e.action is a) for a in Action if a.value in counted}
    assert sum(counted.values()) == len(entries)


@given(changes, changes)
def test_adding_change_sets_keeps_every_entry_in_order(first: list[Change], second: list[Change]) -> None:
    joined = ChangeSet.of(first) + ChangeSet.of(second)
    assert list(joined.changes) == first + second
    assert joined.changed == (ChangeSet.of(first).changed or ChangeSet.of(second).changed)
