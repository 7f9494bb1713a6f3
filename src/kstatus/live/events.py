"""What the live layer reports: per-object `ResourceStatus` values and the watch's event types.

Pure values.  `ResourceStatus.signature` is what "changed" means for deduplication: status,
message, error and the generated resources' signatures (upstream's poller compares the same, minus
the generation), so a Pod going Ready under an InProgress Deployment is still reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kstatus import Status
from kstatus.live.ids import ObjectId

NOT_FOUND_MESSAGE = "Resource not found"

Signature = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class ResourceStatus:
    """The status of one object, with the objects it generated (Deployment → ReplicaSets → Pods).

    `resource` is the object the status was computed from (None when NotFound or unreadable);
    `error` is set for Unknown.  `recheck_at` is when the status may change without a watch event
    (an unschedulable Pod's schedule window ending); it is not part of the signature.
    """

    id: ObjectId
    status: Status
    message: str = ""
    resource: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    error: str | None = None
    generated: tuple[ResourceStatus, ...] = ()
    recheck_at: datetime | None = field(default=None, compare=False)

    @property
    def signature(self) -> Signature:
        return (self.status, self.message, self.error, tuple(g.signature for g in self.generated))

    def first_failed(self) -> ResourceStatus | None:
        """This status if Failed, else the first Failed generated resource (depth first), else None."""
        if self.status == Status.FAILED:
            return self
        return next((f for g in self.generated if (f := g.first_failed()) is not None), None)

    @property
    def text(self) -> str:
        """The message a user reads: the message, or the error when there is none."""
        return self.message or self.error or ""


def not_found(oid: ObjectId, message: str = NOT_FOUND_MESSAGE) -> ResourceStatus:
    return ResourceStatus(oid, Status.NOT_FOUND, message)


def unknown(oid: ObjectId, error: str, resource: dict[str, Any] | None = None) -> ResourceStatus:
    return ResourceStatus(oid, Status.UNKNOWN, "", resource, error)


@dataclass(frozen=True, slots=True)
class Update:
    """An object's status changed (or was seen for the first time)."""

    resource: ResourceStatus


@dataclass(frozen=True, slots=True)
class Error:
    """The watch cannot go on (e.g. Forbidden); it is the last event."""

    message: str


@dataclass(frozen=True, slots=True)
class Sync:
    """Every informer has delivered its first list: every id has had its first status."""


Event = Update | Error | Sync
