"""What one reconcile round did to each object: the value logs, Events, metrics and tools render.

Why: the engine used to report only failures, so nobody could tell a round that created twenty objects
from one that found everything in place. One entry per object with its action (as Flux's SSA change
set) lets each consumer pick what it needs: the log line counts, the Event names the summary, the
prune counter counts ``deleted``, the conditions list ``failed``. Pure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from resource_manager.ssa.errors import Failure


class Action(StrEnum):
    """What happened to one object; the order is the order of :meth:`ChangeSet.summary`."""

    CREATED = "created"
    CONFIGURED = "configured"
    """Existed and was written (the drift check found a difference)."""
    UNCHANGED = "unchanged"
    """Already as desired: nothing was sent, or the API server kept the resourceVersion."""
    DELETED = "deleted"
    """Pruned: our DELETE removed it."""
    SKIPPED = "skipped"
    """Left alone on purpose (``mode: Ignore``, ``keep-object``, owned by another MR, already gone)."""
    FAILED = "failed"


CHANGES = frozenset({Action.CREATED, Action.CONFIGURED, Action.DELETED})
"""The actions that changed the target cluster."""


class Change(NamedTuple):
    name: str
    """The object as GRM names it in messages (``ConfigMap ns/name``)."""
    action: Action
    message: str = ""
    """``failed``: GRM's error text; ``skipped``: why."""


@dataclass(frozen=True)
class ChangeSet:
    """The entries of one round, in the order the steps produced them (install order, then prune waves)."""

    changes: tuple[Change, ...] = ()

    @classmethod
    def of(cls, changes: Iterable[Change]) -> ChangeSet:
        return cls(tuple(changes))

    def __add__(self, other: ChangeSet) -> ChangeSet:
        return ChangeSet(self.changes + other.changes)

    def counts(self) -> dict[Action, int]:
        """Objects per action, only the actions that occur, in :class:`Action` order."""
        counted = Counter(change.action for change in self.changes)
        return {action: counted[action] for action in Action if counted[action]}

    def count(self, action: Action) -> int:
        return sum(1 for change in self.changes if change.action is action)

    @property
    def changed(self) -> bool:
        """Whether anything in the target was created, configured or deleted."""
        return any(change.action in CHANGES for change in self.changes)

    def failures(self) -> list[Failure]:
        """The failed entries as the conditions list them."""
        return [Failure(c.name, c.message) for c in self.changes if c.action is Action.FAILED]

    def summary(self) -> str:
        """``3 created, 17 unchanged``; ``no objects`` for an empty round."""
        return ", ".join(f"{n} {action}" for action, n in self.counts().items()) or "no objects"
