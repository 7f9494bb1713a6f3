"""`Tracker`: when a wait is over (pure)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kstatus import Status, aggregate
from kstatus.live.events import ResourceStatus
from kstatus.live.ids import ObjectId
from kstatus.live.tracker import WAITING, Outcome, Tracker

A = ObjectId("apps", "Deployment", "ns", "a")
B = ObjectId("", "ConfigMap", "ns", "b")


def status(oid: ObjectId, value: Status, *generated: ResourceStatus) -> ResourceStatus:
    return ResourceStatus(oid, value, "", generated=generated)


def test_every_object_starts_unknown_so_the_wait_needs_a_status_of_each() -> None:
    tracker = Tracker([A, B], Status.CURRENT)
    assert [(s.status, s.message) for s in tracker.statuses.values()] == [(Status.UNKNOWN, WAITING)] * 2
    tracker.observe(status(A, Status.CURRENT), 1.0)
    assert (tracker.aggregate(), tracker.outcome()) == (Status.UNKNOWN, None)
    tracker.observe(status(B, Status.CURRENT), 2.0)
    assert (tracker.aggregate(), tracker.outcome()) == (Status.CURRENT, Outcome.REACHED)


def test_waiting_for_deletion_and_for_an_empty_set() -> None:
    tracker = Tracker([A], Status.NOT_FOUND)
    tracker.observe(status(A, Status.CURRENT), 1.0)
    assert tracker.outcome() is None
    tracker.observe(status(A, Status.NOT_FOUND), 2.0)
    assert tracker.outcome() == Outcome.REACHED
    assert Tracker([], Status.CURRENT).outcome() == Outcome.REACHED


def test_failed_ends_the_wait_only_with_fail_fast_also_when_a_generated_resource_failed() -> None:
    rs = status(ObjectId("apps", "ReplicaSet", "ns", "a-1"), Status.FAILED)
    for failing in (status(A, Status.FAILED), status(A, Status.IN_PROGRESS, rs)):
        patient, hasty = Tracker([A, B], Status.CURRENT), Tracker([A, B], Status.CURRENT, fail_fast=True)
        for tracker in (patient, hasty):
            tracker.observe(failing, 1.0)
        assert (patient.outcome(), hasty.outcome()) == (None, Outcome.FAILED)


def test_since_restarts_only_when_the_status_changes_and_strangers_are_ignored() -> None:
    tracker = Tracker([A], Status.CURRENT, now=0.0)
    tracker.observe(ResourceStatus(A, Status.IN_PROGRESS, "Ready: 0/1"), 1.0)
    tracker.observe(ResourceStatus(A, Status.IN_PROGRESS, "Available: 0/1"), 2.0)
    assert tracker.since[A] == 1.0
    assert tracker.statuses[A].message == "Available: 0/1"
    tracker.observe(status(B, Status.FAILED), 3.0)
    assert B not in tracker.statuses


IDS = [ObjectId("", "ConfigMap", "ns", f"cm-{i}") for i in range(4)]
statuses_ = st.sampled_from(list(Status))


@given(
    desired=st.sampled_from([Status.CURRENT, Status.NOT_FOUND]),
    fail_fast=st.booleans(),
    updates=st.lists(st.tuples(st.sampled_from(IDS), statuses_, st.booleans()), max_size=30),
)
def test_incremental_decision_equals_aggregating_everything(
    desired: Status, fail_fast: bool, updates: list[tuple[ObjectId, Status, bool]]
) -> None:
    """The tracker's running counts give exactly what `aggregate` over all statuses gives."""
    tracker = Tracker(IDS, desired, fail_fast=fail_fast)
    for now, (oid, value, failed_child) in enumerate(updates):
        child = ResourceStatus(ObjectId("", "Pod", "ns", "p"), Status.FAILED if failed_child else Status.CURRENT)
        tracker.observe(ResourceStatus(oid, value, generated=(child,)), float(now))
        everything = aggregate((s.status for s in tracker.statuses.values()), desired)
        assert tracker.aggregate() == everything
        failing = any(s.first_failed() is not None for s in tracker.statuses.values())
        expected = Outcome.REACHED if everything == desired else Outcome.FAILED if fail_fast and failing else None
        assert tracker.outcome() == expected
