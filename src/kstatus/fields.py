"""Field readers with the Go kstatus semantics, over plain dicts.

Go decodes JSON numbers into int64 (or float64 when they are not integers), keeps timestamps as
strings and treats a wrong type as "use the default" (`GetIntField`, `GetStringField`,
`GetBoolField`) or as an error (`NestedInt64`, `NestedString`, the condition converter).  These
helpers reproduce that on Python values: `bool` is not an integer, floats are never integers,
integers outside int64 would be float64 in Go, and PyYAML's `datetime`/`date` values stand for the
strings Go would have kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from kstatus.result import ComputeError

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1
MISSING: Any = object()

_RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)\Z")
ZERO_TIME = datetime(1, 1, 1, tzinfo=UTC)


def wrap_int64(value: int) -> int:
    """Go's int arithmetic wraps around; messages and comparisons must do the same."""
    return ((value - INT64_MIN) & 0xFFFFFFFFFFFFFFFF) + INT64_MIN


def type_name(value: object) -> str:
    """A JSON-ish name of a value's type, for error messages."""
    if value is None:
        return "null"
    return {dict: "mapping", list: "list", str: "string", bool: "bool", int: "integer"}.get(
        type(value), type(value).__name__
    )


def as_go_string(value: object) -> str | None:
    """The string Go would see for `value`, or None when Go would not see a string."""
    if type(value) is str:
        return value
    if isinstance(value, datetime):
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, date):
        return value.isoformat()
    return None


def int_field(parent: object, key: str, default: int) -> int:
    """`GetIntField` on the last step of a path: anything but an int64 gives the default."""
    if type(parent) is dict:
        value = parent.get(key)
        # literal bounds: a constant load is cheaper than two global lookups on this hot path
        if type(value) is int and -0x8000000000000000 <= value <= 0x7FFFFFFFFFFFFFFF:
            return value
    return default


def str_field(parent: object, key: str, default: str) -> str:
    """`GetStringField` on the last step of a path: anything but a string gives the default."""
    if type(parent) is dict:
        value = parent.get(key)
        if type(value) is str:
            return value
        text = as_go_string(value)
        if text is not None:
            return text
    return default


def bool_field(parent: object, key: str, default: bool) -> bool:
    """`GetBoolField` on the last step of a path."""
    if type(parent) is dict:
        value = parent.get(key)
        if type(value) is bool:
            return value
    return default


def child(parent: object, key: str) -> object:
    """One step down a path; None when the parent is not a mapping (Go's readers give defaults)."""
    return parent.get(key) if type(parent) is dict else None


def timestamp(value: object) -> datetime:
    """`metav1.Time.UnmarshalQueryParameter` with its error ignored: unparsable means zero time."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else ZERO_TIME
    if type(value) is str and _RFC3339.match(value):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return ZERO_TIME
    return ZERO_TIME


Conditions = Sequence[tuple[str, str, str, str]]
NO_CONDITIONS: Conditions = ()
_CONDITION_KEYS = ("type", "status", "reason", "message")


def conditions_of(status: object) -> Conditions:
    """`GetObjectWithConditions`: `(type, status, reason, message)` for each `status.conditions` entry.

    Like the apimachinery converter, null and missing values become "", and anything else that is
    not the expected shape is an error.
    """
    if status is None:
        return NO_CONDITIONS
    if type(status) is not dict:
        raise ComputeError("status", f"expected a mapping, got {type_name(status)}")
    items = status.get("conditions")
    return NO_CONDITIONS if items is None else condition_list(items)


def condition_list(items: object) -> Conditions:
    """The conversion of a non-null `status.conditions` value."""
    if type(items) is not list:
        raise ComputeError("status.conditions", f"expected a list, got {type_name(items)}")
    out = []
    for item in items:
        if type(item) is dict:
            t = item.get("type")
            s = item.get("status")
            r = item.get("reason")
            m = item.get("message")
            if type(t) is str and type(s) is str and type(r) is str and type(m) is str:
                out.append((t, s, r, m))
            else:
                out.append(_converted(item, len(out)))
        elif item is None:
            out.append(("", "", "", ""))
        else:
            raise ComputeError(f"status.conditions[{len(out)}]", f"expected a mapping, got {type_name(item)}")
    return out


def _converted(item: dict[str, Any], index: int) -> tuple[str, str, str, str]:
    """The slow path of `conditions_of`: missing/null fields, timestamps, or a wrong type."""
    values = []
    for key in _CONDITION_KEYS:
        value = item.get(key)
        text = "" if value is None else as_go_string(value)
        if text is None:
            raise ComputeError(f"status.conditions[{index}].{key}", f"expected a string, got {type_name(value)}")
        values.append(text)
    return values[0], values[1], values[2], values[3]
