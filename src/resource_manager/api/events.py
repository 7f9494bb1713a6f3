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

EVENT_LIMIT = 5


def _pair(big: int, big_unit: str, small: int, small_unit: str) -> str:
    """``2m1s`` style, dropping a zero second part (``2m``)."""
    return f"{big}{big_unit}{small}{small_unit}" if small else f"{big}{big_unit}"


def human_duration(seconds: float) -> str:
    """apimachinery's ``duration.HumanDuration`` (what ``kubectl get`` shows as AGE)."""
    whole = int(seconds)
    if whole < -1:
        return "<invalid>"
    if whole < 120:
        return f"{max(whole, 0)}s"
    minutes, hours, days = whole // 60, whole // 3600, whole // 86400
    if minutes < 10:
        return _pair(minutes, "m", whole % 60, "s")
    if minutes < 180:
        return f"{minutes}m"
    if hours < 8:
        return _pair(hours, "h", minutes % 60, "m")
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return _pair(days, "d", hours % 24, "h")
    if hours < 24 * 365 * 2:
        return f"{days}d"
    if hours < 24 * 365 * 8:
        return _pair(days // 365, "y", days % 365, "d")
    return f"{days // 365}y"


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
