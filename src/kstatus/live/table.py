"""What `kstatus wait` and `kstatus status --live` print, as pure functions of statuses (no I/O).

The live table has one row per object: resource, status, message, and for how long it has had that
status.  The summary is one line saying how the wait ended.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kstatus import ComputeError, Options, Status, compute
from kstatus.live.events import ResourceStatus
from kstatus.live.tracker import Outcome, Tracker
from kubecore.durations import format_go_duration

HEADERS = ("RESOURCE", "STATUS", "MESSAGE", "FOR")
SHOWN_PENDING = 5
DEFAULT_OPTIONS = Options()  # objects named in a timed-out summary


def duration(seconds: float) -> str:
    """Go's Duration.String, rounded for people: tenths below a minute (4.2s), else whole seconds (1m5s)."""
    return f"{seconds:.1f}s" if seconds < 60 else format_go_duration(int(seconds))


def explain(status: ResourceStatus) -> str:
    """The message, leading to the first failed generated resource when that is the news."""
    failed = status.first_failed()
    if failed is not None and failed is not status:
        return f"{status.text} ({failed.id}: {failed.text})" if status.text else f"{failed.id}: {failed.text}"
    return status.text


def rows(tracker: Tracker, now: float) -> list[tuple[str, str, str, str]]:
    """Table rows in id order."""
    return [
        (str(oid), str(status.status), explain(status), duration(now - tracker.since[oid]))
        for oid, status in tracker.statuses.items()
    ]


def summary(
    outcome: Outcome, statuses: Sequence[ResourceStatus], desired: Status, elapsed: float, error: str | None = None
) -> str:
    """One line: how the wait ended and, if it did not succeed, which objects are to blame."""
    total, after = len(statuses), duration(elapsed)
    if outcome == Outcome.REACHED:
        return f"all {total} resources reached {desired} after {after}"
    if outcome == Outcome.ERROR:
        return f"error after {after}: {error}"
    if outcome == Outcome.FAILED:
        culprit = next(s for s in statuses if s.first_failed() is not None)
        return f"failed after {after}: {culprit.id} {culprit.status}: {explain(culprit)}"
    pending = [s for s in statuses if s.status != desired]
    named = ", ".join(f"{s.id} ({s.status}: {explain(s)})" for s in pending[:SHOWN_PENDING])
    more = f" and {len(pending) - SHOWN_PENDING} more" if len(pending) > SHOWN_PENDING else ""
    return f"timed out after {after}: {len(pending)} of {total} resources not {desired}: {named}{more}"


def status_record(status: ResourceStatus, options: Options = DEFAULT_OPTIONS) -> dict[str, Any]:
    """The record every output format prints, the offline command's shape: identity, status,
    message, the conditions kstatus sets, and the generated resources' records."""
    resource = status.resource or {}
    return {
        "apiVersion": resource.get("apiVersion") or status.id.group,
        "kind": status.id.kind,
        "namespace": status.id.namespace,
        "name": status.id.name,
        "status": str(status.status),
        "message": status.text,
        "conditions": _conditions(status, options),
        "generated": [status_record(g, options) for g in status.generated],
    }


def _conditions(status: ResourceStatus, options: Options) -> list[dict[str, str]]:
    """Reconciling/Stalled as `compute` gives them for the object, when that is the status shown
    (a status raised by a failed generated resource has no condition of its own)."""
    if status.resource is None or status.status not in (Status.IN_PROGRESS, Status.FAILED):
        return []
    try:
        result = compute(status.resource, options=options)
    except ComputeError:
        return []
    return [c._asdict() for c in result.conditions] if result.status == status.status else []


def update_line(status: ResourceStatus, elapsed: float) -> str:
    """A non-TTY table is a log: one line per change."""
    return f"{elapsed:7.1f}s  {status.id}  {status.status}  {explain(status)}"
