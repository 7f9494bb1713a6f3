"""`compute`: the status of one object, with the Go kstatus pipeline (spec §2) and our options.

The order is upstream's: deletion, generation, the standard Reconciling/Stalled conditions, the
per-kind rule, a Ready condition, then "Resource is current".  User CEL rules (an option) come
right after the generation check.  The function is written as one flat sequence of dict lookups
because it is the hot path of every status table and watch.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from kstatus.fields import INT64_MAX, INT64_MIN, MISSING, NO_CONDITIONS, Conditions, condition_list, type_name
from kstatus.options import DEFAULT_OPTIONS, Options
from kstatus.result import CURRENT, TERMINATING, ComputeError, Result, current, failed, in_progress
from kstatus.rules_core import kind_of
from kubecore.gvk import GroupVersionError, split_api_version

TERMINATING_RESULT = Result(TERMINATING, "Resource scheduled for deletion", ())
READY_RESULT = current("Resource is Ready")
FALLBACK_RESULT = Result(CURRENT, "Resource is current", ())

_GROUPS: dict[str, str] = {}
_GROUP_CACHE_LIMIT = 4096
_INVALID_GROUP = "/"  # no API group contains a slash, so this key never matches a rule


def compute(obj: Any, *, options: Options = DEFAULT_OPTIONS, now: datetime | None = None) -> Result:
    """The kstatus status of `obj` (a dict as decoded from JSON or YAML).

    `now` is the clock for the Pod schedule window (default: the current time).  Raises
    `ComputeError` where upstream returns an error.
    """
    if type(obj) is not dict:
        obj = _plain_object(obj)
    meta = obj.get("metadata")
    generation = MISSING
    if meta is not None:
        if type(meta) is not dict:
            raise ComputeError("metadata", f"expected a mapping, got {type_name(meta)}")
        if "deletionTimestamp" in meta and _is_deleting(meta["deletionTimestamp"]):
            return TERMINATING_RESULT
        generation = meta.get("generation", MISSING)
        if generation is not MISSING and not (type(generation) is int and INT64_MIN <= generation <= INT64_MAX):
            raise ComputeError("metadata.generation", f"expected an integer, got {type_name(generation)}")

    # Past deletion, a status that is not a mapping is an error on every path (generation lookup
    # or condition conversion), so it is checked once here.
    status = obj.get("status")
    observed = MISSING
    if status is None:
        items = None
    elif type(status) is dict:
        if generation is not MISSING:
            observed = status.get("observedGeneration", MISSING)
            if observed is not MISSING:
                if not (type(observed) is int and INT64_MIN <= observed <= INT64_MAX):
                    raise ComputeError("status.observedGeneration", f"expected an integer, got {type_name(observed)}")
                if observed != generation:
                    message = f"{kind_of(obj)} generation is {generation}, but latest observed generation is {observed}"
                    return in_progress("LatestGenerationNotObserved", message)
        items = status.get("conditions")
    else:
        raise ComputeError("status", f"expected a mapping, got {type_name(status)}")

    api_version = obj.get("apiVersion")
    if type(api_version) is str:
        group = _GROUPS.get(api_version)
        if group is None:
            group = _group_of(api_version)
    else:
        group = ""
    kind = obj.get("kind")
    key = (group, kind if type(kind) is str else "")
    table, user_rules, strict = options.compiled
    if user_rules:
        user_rule = user_rules.get(key)
        if user_rule is not None:
            return user_rule(obj)

    conds = NO_CONDITIONS if items is None else condition_list(items)
    for ctype, cstatus, reason, message in conds:
        if cstatus == "True":
            if ctype == "Reconciling":
                return in_progress(reason, message)
            if ctype == "Stalled":
                return failed(reason, message)

    rule = table.get(key)
    if rule is not None:
        return rule(obj, conds, now)

    for ctype, cstatus, reason, message in conds:
        if ctype == "Ready":
            if cstatus == "True":
                return READY_RESULT
            if cstatus in ("False", "Unknown"):
                return in_progress(reason, message)
    if strict and generation is not MISSING and observed is MISSING:
        return _not_observed(obj, conds)
    return FALLBACK_RESULT


def rule_key(obj: dict[str, Any]) -> tuple[str, str]:
    """(API group, kind) of an object, the key of the rule tables; the version does not matter."""
    api_version = obj.get("apiVersion")
    group = _group_of(api_version) if type(api_version) is str else ""
    kind = obj.get("kind")
    return (group, kind if type(kind) is str else "")


def _plain_object(obj: object) -> dict[str, Any]:
    """A dict subclass (a client library's resource type) is read as a dict; nothing else is."""
    if not isinstance(obj, dict):
        raise ComputeError("object", f"expected a mapping, got {type_name(obj)}")
    return dict(obj)


def _is_deleting(value: object) -> bool:
    """`NestedString` on deletionTimestamp: a non-empty string means deleting; null is an error."""
    if type(value) is str:
        return value != ""
    if isinstance(value, date):  # PyYAML's reading of an unquoted timestamp
        return True
    raise ComputeError("metadata.deletionTimestamp", f"expected a string, got {type_name(value)}")


def _group_of(api_version: str) -> str:
    """The API group of an apiVersion, as `schema.ParseGroupVersion` reads it (cached)."""
    try:
        group = split_api_version(api_version)[0]
    except GroupVersionError:
        group = _INVALID_GROUP  # upstream drops group and kind for an unparsable apiVersion
    if len(_GROUPS) < _GROUP_CACHE_LIMIT:
        _GROUPS[api_version] = group
    return group


def _not_observed(obj: dict[str, Any], conds: Conditions) -> Result:
    """Strict mode: a custom resource no controller has touched yet is not Current."""
    if any(ctype in ("Ready", "Reconciling", "Stalled") for ctype, _s, _r, _m in conds):
        return FALLBACK_RESULT
    return in_progress("NotObserved", f"{kind_of(obj)} has not been observed by its controller yet")
