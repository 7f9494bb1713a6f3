"""`Tracker`: the latest status of every waited-for object and whether the wait is over (pure).

Upstream's collector plus the desired-status observer of its callers: every id starts Unknown, so
the wait cannot end before each object has been seen; the wait is over when `aggregate()` reaches
the desired status, or, with fail-fast, at the first Failed object (Failed is terminal).

Fail-fast also counts Failed generated resources: a Deployment whose new ReplicaSet has crash-looping
Pods stays InProgress (upstream never overrides a Deployment's own status) until its progress
deadline, ten minutes by default, but the ReplicaSet under it is Failed at once.  The statuses
themselves are upstream's; only the moment the wait gives up is earlier.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from enum import StrEnum

from kstatus import Status, aggregate
from kstatus.live.events import ResourceStatus
from kstatus.live.ids import ObjectId

WAITING = "Waiting for the first status"


class Outcome(StrEnum):
    """How a wait ended."""

    REACHED = "reached"
    FAILED = "failed"
    TIMED_OUT = "timed out"
    ERROR = "error"


class Tracker:
    """Latest status per id and since when (monotonic seconds) it has had that status.

    Counts per status and the set of failing ids are kept up to date on every update, so deciding
    whether the wait is over costs the same for a thousand objects as for one (the aggregate only
    depends on which statuses are present).
    """

    def __init__(self, ids: Iterable[ObjectId], desired: Status, *, fail_fast: bool = False, now: float = 0.0) -> None:
        self.desired = desired
        self.fail_fast = fail_fast
        self.statuses = {oid: ResourceStatus(oid, Status.UNKNOWN, WAITING) for oid in dict.fromkeys(ids)}
        self.since = dict.fromkeys(self.statuses, now)
        self._counts = Counter(s.status for s in self.statuses.values())
        self._failing: set[ObjectId] = set()

    def observe(self, status: ResourceStatus, now: float) -> None:
        """Record an update; the clock of "for how long" only restarts when the status changes."""
        previous = self.statuses.get(status.id)
        if previous is None:
            return
        if previous.status != status.status:
            self.since[status.id] = now
            self._counts[previous.status] -= 1
            self._counts[status.status] += 1
        self.statuses[status.id] = status
        if status.first_failed() is not None:
            self._failing.add(status.id)
        else:
            self._failing.discard(status.id)

    def aggregate(self) -> Status:
        return aggregate((status for status, count in self._counts.items() if count), self.desired)

    def outcome(self) -> Outcome | None:
        """REACHED, FAILED (fail-fast only) or None while the wait goes on."""
        if self.aggregate() == self.desired:
            return Outcome.REACHED
        if self.fail_fast and self._failing:
            return Outcome.FAILED
        return None
