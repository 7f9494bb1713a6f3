"""Warning events of an object rendered as GRM appends them to ``DeletionPending`` messages (pure).

Why: when a Service hangs in deletion (typically a cloud load balancer that cannot be removed), the reason
is only visible in its events; GRM appends the newest Warning events to the condition message so users see
it without digging (gardener's ``FetchEventMessages``: newest ``limit`` events by ``lastTimestamp``, each
``* <component> reported <age> ago[ (x<count> over <age>)]: <message>``, ages in kubectl's
``HumanDuration``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from kubecore.durations import human_duration

EVENT_LIMIT = 5


def _parse(stamp: str | None) -> datetime | None:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None


def _age(stamp: str | None, now: datetime) -> str:
    moment = _parse(stamp)
    return "<unknown>" if moment is None else human_duration((now - moment).total_seconds())


def _line(event: Mapping[str, Any], now: datetime) -> str:
    count = event.get("count") or 0
    if count > 1:
        interval = (
            f"{_age(event.get('lastTimestamp'), now)} ago (x{count} over {_age(event.get('firstTimestamp'), now)})"
        )
    elif event.get("firstTimestamp"):
        interval = f"{_age(event.get('firstTimestamp'), now)} ago"
    else:
        interval = f"{_age(event.get('eventTime'), now)} ago"
    source = (event.get("source") or {}).get("component") or event.get("reportingComponent") or ""
    return f"\n* {source} reported {interval}: {event.get('message', '')}"


def events_message(events: Iterable[Mapping[str, Any]], now: datetime, limit: int = EVENT_LIMIT) -> str:
    """The ``-> Events:`` block for the newest ``limit`` events (by ``lastTimestamp``); ``""`` if none."""
    ordered = sorted(events, key=lambda e: e.get("lastTimestamp") or "")
    if not ordered:
        return ""
    return "-> Events:" + "".join(_line(event, now) for event in ordered[-limit:])
