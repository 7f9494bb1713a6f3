"""The MR's three conditions and the secrets data checksum, exactly as GRM writes them (spec §1.2, §1.3, §3.4).

Why exact: gardenlet, operators and dashboards match on these statuses, reasons and messages (and an
error-code regex on ``error during apply of object .* is invalid:``), and on the time-stamp rules that
keep status writes rare: ``lastTransitionTime`` moves only when ``status`` changes, ``lastUpdateTime``
only when ``reason``, ``message`` or ``codes`` change (gardener's ``ConditionBuilder``). Every function
takes ``now`` and returns new lists; nothing here reads a clock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from resource_manager.inventory import resources_changed

APPLIED = "ResourcesApplied"
HEALTHY = "ResourcesHealthy"
PROGRESSING = "ResourcesProgressing"

TRUE, FALSE, UNKNOWN, STATUS_PROGRESSING = "True", "False", "Unknown", "Progressing"

APPLY_SUCCEEDED = "ApplySucceeded"
APPLY_FAILED = "ApplyFailed"
APPLY_PROGRESSING = "ApplyProgressing"
DECODING_FAILED = "DecodingFailed"
DELETION_FAILED = "DeletionFailed"
DELETION_PENDING = "DeletionPending"
RELEASE_FAILED = "ReleaseOfOrphanedResourcesFailed"
IGNORED = "ManagedResourceIgnored"
CHECKS_PENDING = "ChecksPending"
CANNOT_READ_SECRET = "CannotReadSecret"
RESOURCES_HEALTHY = "ResourcesHealthy"
RESOURCES_ROLLED_OUT = "ResourcesRolledOut"
HEALTH_CHECK_ERROR = "HealthCheckError"

MSG_INITIALIZED = "The condition has been initialized but its semantic check has not been performed yet."
MSG_RECONCILING = "The resources are currently being reconciled."
MSG_APPLIED = "All resources are applied."
MSG_IGNORED = "ManagedResource is marked to be ignored."
MSG_DELETING = "The resources are currently being deleted."
MSG_HEALTH_PENDING = "The health checks have not yet been executed for the current set of resources."
MSG_PROGRESSING_PENDING = "Checks have not yet been executed for the current set of resources."
MSG_HEALTHY = "All resources are healthy."
MSG_ROLLED_OUT = "All resources have been fully rolled out."

_KEEP_ON_RESET = frozenset({APPLY_FAILED, DELETION_FAILED, DELETION_PENDING})

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
        "reason": "ConditionInitialized",
        "message": MSG_INITIALIZED,
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
    reason, message = APPLY_PROGRESSING, MSG_RECONCILING
    if applied["reason"] in _KEEP_ON_RESET:
        reason, message = applied["reason"], applied["message"]
    return merge(
        conditions,
        updated(get_or_init(conditions, HEALTHY, now), UNKNOWN, CHECKS_PENDING, MSG_HEALTH_PENDING, now),
        updated(get_or_init(conditions, PROGRESSING, now), UNKNOWN, CHECKS_PENDING, MSG_PROGRESSING_PENDING, now),
        updated(applied, STATUS_PROGRESSING, reason, message, now),
    )


def applied_result(
    conditions: Iterable[Mapping[str, Any]] | None, decoding_failed_message: str | None, now: datetime
) -> list[Condition]:
    """Final Applied of a round: ``ApplySucceeded``, or ``DecodingFailed`` with the decoding message."""
    if decoding_failed_message is not None:
        return set_condition(conditions, APPLIED, FALSE, DECODING_FAILED, decoding_failed_message, now)
    return set_condition(conditions, APPLIED, TRUE, APPLY_SUCCEEDED, MSG_APPLIED, now)


def ignored_conditions(conditions: Iterable[Mapping[str, Any]] | None, now: datetime) -> list[Condition]:
    """The MR carries ``resources.gardener.cloud/ignore``: all three ``ManagedResourceIgnored``."""
    conditions = set_condition(conditions, APPLIED, TRUE, IGNORED, MSG_IGNORED, now)
    conditions = set_condition(conditions, HEALTHY, TRUE, IGNORED, MSG_IGNORED, now)
    return set_condition(conditions, PROGRESSING, FALSE, IGNORED, MSG_IGNORED, now)


def deletion_conditions(
    conditions: Iterable[Mapping[str, Any]] | None, now: datetime, *, keep_objects: bool
) -> list[Condition]:
    """MR deleted or handed over. Applied is only touched when objects are deleted (not keepObjects);
    a previous DeletionPending/DeletionFailed message is kept."""
    conditions = set_condition(conditions, HEALTHY, FALSE, DELETION_PENDING, MSG_DELETING, now)
    conditions = set_condition(conditions, PROGRESSING, TRUE, DELETION_PENDING, MSG_DELETING, now)
    if keep_objects:
        return conditions
    applied = get_or_init(conditions, APPLIED, now)
    message = applied["message"] if applied["reason"] in (DELETION_PENDING, DELETION_FAILED) else MSG_DELETING
    return merge(conditions, updated(applied, STATUS_PROGRESSING, DELETION_PENDING, message, now))


def multi_error(prefix: str, errors: Sequence[str]) -> str:
    """Gardener's ``NewErrorFormatFuncWithPrefix`` rendering of an aggregated error."""
    if len(errors) == 1:
        return f"{prefix}: 1 error occurred: {errors[0]}"
    return f"{prefix}: {len(errors)} errors occurred: [{', '.join(errors)}]"


def deletion_pending_error(name: str, error: str | None = None, events: str | None = None) -> str:
    """One entry of the DeletionPending message (``name`` from :func:`identity.display_name`)."""
    message = f'deletion of old resource "{name}" is still pending'
    if error:
        message = f"{message}: {error}"
    if events:
        message = f"{message}\n\n{events}"
    return message


def deletion_failed_error(name: str, error: str) -> str:
    return f'error during deletion of old resource "{name}": {error}'


def cleanup_message(errors: Sequence[str]) -> str:
    """Message of DeletionPending / DeletionFailed after pruning."""
    return multi_error("Could not clean all old resources", errors)


def release_message(errors: Sequence[str]) -> str:
    return multi_error("Could not release all orphaned resources", errors)


def apply_error(name: str, error: str) -> str:
    """GRM's per-object apply failure text (gardener's error-code regex matches ``… is invalid:``)."""
    return f'error during apply of object "{name}": {error}'


def apply_failed_message(errors: Sequence[str], limit: int = 10) -> str:
    """ApplyFailed message. One failure reads exactly like GRM's; we keep applying after a failure
    (§10.7), so several are listed, one per line, up to ``limit`` plus a count of the rest."""
    if len(errors) == 1:
        return errors[0]
    shown = "\n".join(errors[:limit])
    more = f"\n... and {len(errors) - limit} more" if len(errors) > limit else ""
    return f"{len(errors)} objects failed to apply:\n{shown}{more}"


def missing_reason(kind: str) -> str:
    return f"{kind}Missing"


def missing_message(kind: str, namespace: str, name: str, no_match_error: str | None = None) -> str:
    message = f'Required {kind} "{name}" in namespace "{namespace}" is missing'
    return f"{message}: {no_match_error}" if no_match_error else message


def unhealthy_reason(kind: str) -> str:
    return f"{kind}Unhealthy"


def unhealthy_message(kind: str, namespace: str, name: str, error: str) -> str:
    return f'{kind} "{namespace}/{name}" is unhealthy: {error}'


def health_check_error_message(kind: str, namespace: str, name: str, error: str) -> str:
    return f'Error executing health check for {kind} "{namespace}/{name}": {error}'


def progressing_reason(kind: str) -> str:
    return f"{kind}Progressing"


def progressing_message(kind: str, namespace: str, name: str, detail: str) -> str:
    return f'{kind} "{namespace}/{name}" is progressing: {detail}'


def _listed(problems: Sequence[tuple[str, str]], limit: int) -> tuple[str, str]:
    """Reason of the first problem; all messages (GRM reports only the first object, §10.8)."""
    messages = [message for _, message in problems[:limit]]
    if len(problems) > limit:
        messages.append(f"... and {len(problems) - limit} more")
    return problems[0][0], "\n".join(messages)


def health_conditions(
    conditions: Iterable[Mapping[str, Any]] | None,
    unhealthy: Sequence[tuple[str, str]],
    progressing: Sequence[tuple[str, str]],
    now: datetime,
    limit: int = 10,
) -> list[Condition]:
    """Healthy/Progressing from ``(reason, message)`` problems, e.g. from :func:`missing_message`.

    No problems → ``ResourcesHealthy`` / ``ResourcesRolledOut``. With problems the first one's reason is
    the condition reason (GRM's scheme) and every problem's message is listed, one per line.
    """
    if unhealthy:
        reason, message = _listed(unhealthy, limit)
        conditions = set_condition(conditions, HEALTHY, FALSE, reason, message, now)
    else:
        conditions = set_condition(conditions, HEALTHY, TRUE, RESOURCES_HEALTHY, MSG_HEALTHY, now)
    if progressing:
        reason, message = _listed(progressing, limit)
        return set_condition(conditions, PROGRESSING, TRUE, reason, message, now)
    return set_condition(conditions, PROGRESSING, FALSE, RESOURCES_ROLLED_OUT, MSG_ROLLED_OUT, now)


def secrets_data_checksum(raw_values: Iterable[bytes]) -> str:
    """Hex SHA-256 over the raw (possibly compressed) value of the Secret key of every applied object,
    once per object (a key holding three objects is hashed three times); ``mode: Ignore`` objects are
    left out by the caller. This is GRM's quirk, kept so the checksum matches across a migration."""
    digest = hashlib.sha256()
    for raw in raw_values:
        digest.update(raw)
    return digest.hexdigest()


def checks_must_reset(status: Mapping[str, Any], new_resources: Sequence[Mapping[str, Any]], checksum: str) -> bool:
    """GRM's trigger for :func:`reset_for_changed_resources`: resources or checksum differ (or no checksum)."""
    recorded = status.get("secretsDataChecksum")
    return recorded is None or recorded != checksum or resources_changed(status.get("resources"), new_resources)
