"""The MR's three conditions and how they change, exactly as GRM writes them (spec §1.2, §1.3, §3.4).

Why exact: gardenlet, operators and dashboards read these conditions, and the time-stamp rules keep status
writes rare: ``lastTransitionTime`` moves only when ``status`` changes, ``lastUpdateTime`` only when
``reason``, ``message`` or ``codes`` change (gardener's ``ConditionBuilder``). The arithmetic
(:func:`find`, :func:`get_or_init`, :func:`updated`, :func:`merge`, :func:`set_condition`) knows no texts;
GRM's transitions below it take their reasons and messages from :mod:`messages`. Every function takes
``now`` and returns new lists; nothing here reads a clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from resource_manager.api import messages as msg

APPLIED = "ResourcesApplied"
HEALTHY = "ResourcesHealthy"
PROGRESSING = "ResourcesProgressing"

TRUE, FALSE, UNKNOWN, STATUS_PROGRESSING = "True", "False", "Unknown", "Progressing"

_KEEP_ON_RESET = frozenset({msg.APPLY_FAILED, msg.DELETION_FAILED, msg.DELETION_PENDING})

Condition = dict[str, Any]


def timestamp(now: datetime) -> str:
    """RFC 3339 in UTC with second precision, as ``metav1.Time`` serialises."""
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def find(conditions: Iterable[Mapping[str, Any]] | None, condition_type: str) -> Mapping[str, Any] | None:
    return next((c for c in conditions or () if c.get("type") == condition_type), None)


def get_or_init(conditions: Iterable[Mapping[str, Any]] | None, condition_type: str, now: datetime) -> Condition:
    """The existing condition or a fresh ``Unknown``/``ConditionInitialized`` one (``GetOrInitCondition``)."""
    existing = find(conditions, condition_type)
    if existing is not None:
        return dict(existing)
    stamp = timestamp(now)
    return {
        "type": condition_type,
        "status": UNKNOWN,
        "lastTransitionTime": stamp,
        "lastUpdateTime": stamp,
        "reason": msg.INITIALIZED,
        "message": msg.MSG_INITIALIZED,
    }


def updated(
    old: Mapping[str, Any],
    status: str,
    reason: str,
    message: str,
    now: datetime,
    codes: Sequence[str] = (),
) -> Condition:
    """GRM's ``UpdatedCondition``: new status/reason/message; time stamps move only on real changes."""
    stamp = timestamp(now)
    condition: Condition = {**old}
    condition.setdefault("lastTransitionTime", stamp)
    condition.setdefault("lastUpdateTime", stamp)
    condition["status"] = status or old.get("status") or UNKNOWN
    condition["reason"] = reason or "Unspecified"
    condition["message"] = message or "No message given."
    condition.pop("codes", None)
    if codes:
        condition["codes"] = list(codes)
    if condition["status"] != old.get("status"):
        condition["lastTransitionTime"] = stamp
    if (condition["reason"], condition["message"], condition.get("codes") or []) != (
        old.get("reason"),
        old.get("message"),
        old.get("codes") or [],
    ):
        condition["lastUpdateTime"] = stamp
    return condition


def merge(conditions: Iterable[Mapping[str, Any]] | None, *changes: Mapping[str, Any]) -> list[Condition]:
    """``MergeConditions``: replace by type in place, append new types in the given order."""
    result = [dict(c) for c in conditions or ()]
    for change in changes:
        index = next((i for i, c in enumerate(result) if c.get("type") == change["type"]), None)
        if index is None:
            result.append(dict(change))
        else:
            result[index] = dict(change)
    return result


def set_condition(
    conditions: Iterable[Mapping[str, Any]] | None,
    condition_type: str,
    status: str,
    reason: str,
    message: str,
    now: datetime,
) -> list[Condition]:
    """Get-or-init, update and merge one condition: the building block of every writer below."""
    conditions = list(conditions or ())
    change = updated(get_or_init(conditions, condition_type, now), status, reason, message, now)
    return merge(conditions, change)


def reset_for_changed_resources(conditions: Iterable[Mapping[str, Any]] | None, now: datetime) -> list[Condition]:
    """Resource set or checksum changed: checks pending, Applied ``Progressing`` (a previous
    ApplyFailed/DeletionFailed/DeletionPending keeps its reason and message)."""
    conditions = list(conditions or ())
    applied = get_or_init(conditions, APPLIED, now)
    reason, message = msg.APPLY_PROGRESSING, msg.MSG_RECONCILING
    if applied["reason"] in _KEEP_ON_RESET:
        reason, message = applied["reason"], applied["message"]
    return merge(
        conditions,
        updated(get_or_init(conditions, HEALTHY, now), UNKNOWN, msg.CHECKS_PENDING, msg.MSG_HEALTH_PENDING, now),
        updated(
            get_or_init(conditions, PROGRESSING, now), UNKNOWN, msg.CHECKS_PENDING, msg.MSG_PROGRESSING_PENDING, now
        ),
        updated(applied, STATUS_PROGRESSING, reason, message, now),
    )


def applied_result(
    conditions: Iterable[Mapping[str, Any]] | None, decoding_failed_message: str | None, now: datetime
) -> list[Condition]:
    """Final Applied of a round: ``ApplySucceeded``, or ``DecodingFailed`` with the decoding message."""
    if decoding_failed_message is not None:
        return set_condition(conditions, APPLIED, FALSE, msg.DECODING_FAILED, decoding_failed_message, now)
    return set_condition(conditions, APPLIED, TRUE, msg.APPLY_SUCCEEDED, msg.MSG_APPLIED, now)


def ignored_conditions(conditions: Iterable[Mapping[str, Any]] | None, now: datetime) -> list[Condition]:
    """The MR carries ``resources.gardener.cloud/ignore``: all three ``ManagedResourceIgnored``."""
    conditions = set_condition(conditions, APPLIED, TRUE, msg.IGNORED, msg.MSG_IGNORED, now)
    conditions = set_condition(conditions, HEALTHY, TRUE, msg.IGNORED, msg.MSG_IGNORED, now)
    return set_condition(conditions, PROGRESSING, FALSE, msg.IGNORED, msg.MSG_IGNORED, now)


def deletion_conditions(
    conditions: Iterable[Mapping[str, Any]] | None, now: datetime, *, keep_objects: bool
) -> list[Condition]:
    """MR deleted or handed over. Applied is only touched when objects are deleted (not keepObjects);
    a previous DeletionPending/DeletionFailed message is kept."""
    conditions = set_condition(conditions, HEALTHY, FALSE, msg.DELETION_PENDING, msg.MSG_DELETING, now)
    conditions = set_condition(conditions, PROGRESSING, TRUE, msg.DELETION_PENDING, msg.MSG_DELETING, now)
    if keep_objects:
        return conditions
    applied = get_or_init(conditions, APPLIED, now)
    message = (
        applied["message"] if applied["reason"] in (msg.DELETION_PENDING, msg.DELETION_FAILED) else msg.MSG_DELETING
    )
    return merge(conditions, updated(applied, STATUS_PROGRESSING, msg.DELETION_PENDING, message, now))
