"""`aggregate`: one status for a set of objects, exactly as upstream's `AggregateStatus`."""

from __future__ import annotations

from collections.abc import Iterable

from kstatus.result import Status


def aggregate(statuses: Iterable[Status | str], desired: Status | str) -> Status:
    """Failed beats Unknown beats everything; all at `desired` gives `desired`; else InProgress.

    An empty set is already at `desired`.  With desired Current, a NotFound object keeps the
    aggregate at InProgress; with desired NotFound this is the wait-for-deletion check.
    """
    wanted = Status(desired)
    seen = [Status(status) for status in statuses]
    if not seen:
        return wanted
    if Status.FAILED in seen:
        return Status.FAILED
    if Status.UNKNOWN in seen:
        return Status.UNKNOWN
    if all(status == wanted for status in seen):
        return wanted
    return Status.IN_PROGRESS
