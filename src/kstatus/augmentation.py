"""`augment`: the object with the standard Reconciling/Stalled conditions written into it.

Upstream's `Augment` updates conditions of the same type in place, appends missing ones, never
removes a stale one, and always writes `status.conditions` back.  Here the input is left alone and
a changed deep copy is returned.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from kstatus.fields import as_go_string, type_name
from kstatus.options import DEFAULT_OPTIONS, Options
from kstatus.pipeline import compute
from kstatus.result import ComputeError


def augment(obj: Any, *, options: Options = DEFAULT_OPTIONS, now: datetime | None = None) -> dict[str, Any]:
    """A copy of `obj` whose `status.conditions` carry the computed Reconciling/Stalled condition.

    `now` stamps `lastUpdateTime` (and `lastTransitionTime` when the status changes); it is also the
    clock for `compute`.  Raises `ComputeError` where upstream returns an error.
    """
    result = compute(obj, options=options, now=now)
    out: dict[str, Any] = copy.deepcopy(obj)
    status = out.get("status")
    if status is not None and type(status) is not dict:
        raise ComputeError("status", f"expected a mapping, got {type_name(status)}")
    conditions = _conditions_list(status)
    stamp = rfc3339(now or datetime.now(UTC))
    for wanted in result.conditions:
        present = False
        for index, entry in enumerate(conditions):
            field = f"status.conditions[{index}]"
            if type(entry) is not dict:
                raise ComputeError(field, "condition does not have the expected structure")
            entry_type = as_go_string(entry.get("type"))
            if entry_type is None:
                raise ComputeError(f"{field}.type", "condition type does not have the expected type")
            if entry_type != wanted.type:
                continue
            entry_status = as_go_string(entry.get("status"))
            if entry_status is None:
                raise ComputeError(f"{field}.status", "condition status does not have the expected type")
            if entry_status != wanted.status:
                entry["lastTransitionTime"] = stamp
            entry.update(status=wanted.status, lastUpdateTime=stamp, reason=wanted.reason, message=wanted.message)
            present = True
        if not present:
            conditions.append(
                {
                    "lastTransitionTime": stamp,
                    "lastUpdateTime": stamp,
                    "message": wanted.message,
                    "reason": wanted.reason,
                    "status": wanted.status,
                    "type": wanted.type,
                }
            )
    if status is None:
        status = out["status"] = {}
    status["conditions"] = conditions
    return out


def _conditions_list(status: dict[str, Any] | None) -> list[Any]:
    """`NestedSlice(status.conditions)`: missing is empty; anything but a list (even null) is an error."""
    if status is None or "conditions" not in status:
        return []
    conditions = status["conditions"]
    if type(conditions) is not list:
        raise ComputeError("status.conditions", f"expected a list, got {type_name(conditions)}")
    return conditions


def rfc3339(moment: datetime) -> str:
    """Go's `time.Now().UTC().Format(time.RFC3339)`; a naive time is taken to be UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
