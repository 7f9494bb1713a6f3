"""The values `compute` produces: statuses, conditions, results and the compute error.

Results and conditions are named tuples rather than dataclasses because `compute` builds one per
object on a path that must handle hundreds of thousands of objects per second, and results with a
fixed message are shared constants (tuples are immutable, so sharing is safe).
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class Status(StrEnum):
    """The six kstatus statuses; `compute` only returns the first four."""

    IN_PROGRESS = "InProgress"
    FAILED = "Failed"
    CURRENT = "Current"
    TERMINATING = "Terminating"
    NOT_FOUND = "NotFound"
    UNKNOWN = "Unknown"


class Condition(NamedTuple):
    """A standard condition (`Reconciling` or `Stalled`) that belongs on the object."""

    type: str
    status: str
    reason: str
    message: str


class Result(NamedTuple):
    """Status, a human-readable message, and the standard conditions (empty when Current)."""

    status: Status
    message: str
    conditions: tuple[Condition, ...]


class ComputeError(ValueError):
    """The object cannot be evaluated: `field` names where, `problem` says what is wrong.

    Upstream returns these as errors; the cluster layer turns them into Unknown.
    """

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


IN_PROGRESS = Status.IN_PROGRESS
FAILED = Status.FAILED
CURRENT = Status.CURRENT
TERMINATING = Status.TERMINATING

RECONCILING = "Reconciling"
STALLED = "Stalled"


# `tuple.__new__` builds a named tuple without the Python-level `__new__` frame: these
# constructors run for most objects `compute` sees.
_new = tuple.__new__


def in_progress(reason: str, message: str) -> Result:
    """InProgress with one `Reconciling=True` condition (upstream `newInProgressStatus`)."""
    return _new(Result, (IN_PROGRESS, message, (_new(Condition, (RECONCILING, "True", reason, message)),)))


def failed(reason: str, message: str) -> Result:
    """Failed with one `Stalled=True` condition (upstream `newFailedStatus`)."""
    return _new(Result, (FAILED, message, (_new(Condition, (STALLED, "True", reason, message)),)))


def current(message: str) -> Result:
    """Current; a Current result never carries conditions."""
    return _new(Result, (CURRENT, message, ()))
