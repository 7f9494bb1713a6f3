"""Field ownership (``metadata.managedFields``): whether an object still matches what we apply, and taking
over the fields of hand edits.

Why: server-side apply removes a field only when no manager owns it any more. A data key added with
``kubectl patch`` or an env var added with ``kubectl edit`` is owned by kubectl, so our apply alone would
keep it forever, while GRM (which PUTs the whole object) removes it at its next sync. As Flux's SSA engine
does, the fields of *interactive* managers (kubectl's, ``before-first-apply``, GRM's own PUTs) are
rewritten to be ours; the next forced apply then removes what the manifest does not contain. Fields of
controllers (HPA, kube-controller-manager, admission defaults, anything not listed) are left alone.

``metadata`` (labels and annotations keep GRM's three-way merge, finalizers and owner references others
added are kept) and ``status`` are never taken over, so a ``kubectl label`` stays and causes no write.

The same ownership data decides "unchanged" after a restart without any memory of earlier applies:
every path of our own Apply entry must still exist in the desired body (:func:`covers`), else a field
dropped from the manifest would survive.

fieldsV1 is a tree of ``f:<field>``, ``k:<json key fields>`` (an element of an associative list),
``v:<json value>`` (an element of a set), ``i:<index>`` and ``.`` (the node itself).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple

import orjson

FIELD_MANAGER = "resource-manager"
"""Our server-side apply field manager."""
DEFAULT_TAKEOVER_MANAGERS = frozenset(
    {
        "kubectl",
        "kubectl-edit",
        "kubectl-patch",
        "kubectl-client-side-apply",
        "kubectl-label",
        "kubectl-annotate",
        "kubectl-scale",
        "kubectl-set",
        "kubectl-replace",
        "before-first-apply",
        "gardener-resource-manager",
    }
)
"""Field managers whose fields count as hand edits (GRM's own manager: migration from GRM)."""
EXEMPT = frozenset({"f:metadata", "f:status"})
"""Top-level fields never taken over."""
KEY_DEFAULTS: Mapping[str, Any] = {"protocol": "TCP"}
"""Key fields the API server defaults before it records an applied list element (container and Service
ports are keyed by port *and* protocol even when the manifest omits the protocol)."""

Obj = dict[str, Any]
Fields = Mapping[str, Any]


class FieldsSummary(NamedTuple):
    """What the apply decision needs of an object's managedFields (kept instead of them in the cache)."""

    takeover: bool
    """An interactive manager owns a field outside ``metadata`` and ``status``."""
    ours: str | None
    """Our Apply entry's fieldsV1 as JSON (interned: objects of one template share it); ``None``: none."""


def _entries(entries: object) -> list[Mapping[str, Any]]:
    return [e for e in entries if isinstance(e, Mapping)] if isinstance(entries, list) else []


def _is_ours(entry: Mapping[str, Any], api_version: str) -> bool:
    return (
        entry.get("manager") == FIELD_MANAGER
        and entry.get("operation") == "Apply"
        and not entry.get("subresource")
        and entry.get("apiVersion") == api_version
    )


def _taken_over(entry: Mapping[str, Any], api_version: str, managers: frozenset[str]) -> bool:
    """An interactive entry we can rewrite (same version: field sets of other versions do not merge)."""
    return (
        entry.get("manager") in managers
        and entry.get("apiVersion") == api_version
        and entry.get("fieldsType") == "FieldsV1"
        and isinstance(entry.get("fieldsV1"), Mapping)
    )


def split_exempt(fields: Fields) -> tuple[Obj, Obj]:
    """``(exempt, rest)``: the ``metadata``/``status`` subtrees, and everything else."""
    exempt = {k: v for k, v in fields.items() if k in EXEMPT}
    rest = {k: v for k, v in fields.items() if k not in EXEMPT and k != "."}
    return exempt, rest


NOTHING = FieldsSummary(False, None)


def summarise(entries: object, api_version: str, managers: frozenset[str]) -> FieldsSummary:
    """The summary of a managedFields list for an object applied with ``api_version`` (objects we do not
    manage, Pods say, share one instance)."""
    takeover, ours = False, None
    for entry in _entries(entries):
        if _taken_over(entry, api_version, managers) and split_exempt(entry["fieldsV1"])[1]:
            takeover = True
        elif _is_ours(entry, api_version) and isinstance(entry.get("fieldsV1"), Mapping):
            ours = sys.intern(orjson.dumps(entry["fieldsV1"], option=orjson.OPT_SORT_KEYS).decode())
    return _shared_summary(takeover, ours) if takeover or ours is not None else NOTHING


@functools.lru_cache(maxsize=4096)
def _shared_summary(takeover: bool, ours: str | None) -> FieldsSummary:
    """One instance per distinct summary (objects of one template share it; bounded, so summaries of
    objects long gone are not kept alive)."""
    return FieldsSummary(takeover, ours)


def union(left: Fields, right: Fields) -> Obj:
    """The union of two fieldsV1 trees."""
    merged = dict(left)
    for key, value in right.items():
        merged[key] = union(merged[key], value) if key in merged else value
    return merged


def _element(items: list[Any], key: Mapping[str, Any]) -> Any:
    """The map element of an associative list identified by ``key`` (``None`` when absent)."""
    for item in items:
        if isinstance(item, Mapping) and all(item.get(f, KEY_DEFAULTS.get(f)) == v for f, v in key.items()):
            return item
    return None


def _child(value: Any, step: str) -> tuple[bool, Any]:
    """``(exists, child)`` for one fieldsV1 step into ``value``."""
    prefix, _, rest = step.partition(":")
    if prefix == "f":
        found = isinstance(value, Mapping) and rest in value
        return found, value[rest] if found else None
    if not isinstance(value, list):
        return False, None
    if prefix == "k":
        key = orjson.loads(rest)
        element = _element(value, key) if isinstance(key, Mapping) else None
        return element is not None, element
    if prefix == "v":
        return orjson.loads(rest) in value, None
    if prefix == "i" and rest.isdigit():
        index = int(rest)
        return index < len(value), value[index] if index < len(value) else None
    return False, None  # unknown step: treated as not covered (a needless write is cheap)


def covers(value: Any, fields: Fields) -> bool:
    """Whether every path of the fieldsV1 tree ``fields`` exists in ``value`` (the desired body)."""
    for step, children in fields.items():
        if step == ".":
            continue
        found, child = _child(value, step)
        if not found or (children and not covers(child, children)):
            return False
    return True


def takeover_patch(live: Mapping[str, Any], api_version: str, managers: frozenset[str]) -> list[Obj] | None:
    """JSON patch moving the non-exempt fields of interactive managers into our Apply entry, guarded by the
    object's resourceVersion (a concurrent write fails it with a Conflict instead of losing ownership
    data). ``None`` when there is nothing to take over."""
    metadata = live.get("metadata") or {}
    taken: Obj = {}
    kept: list[Mapping[str, Any]] = []
    for entry in _entries(metadata.get("managedFields")):
        if not _taken_over(entry, api_version, managers):
            kept.append(entry)
            continue
        exempt, rest = split_exempt(entry["fieldsV1"])
        taken = union(taken, rest)
        if exempt:
            kept.append({**entry, "fieldsV1": exempt})
    if not taken:
        return None
    return [
        {"op": "replace", "path": "/metadata/resourceVersion", "value": metadata.get("resourceVersion")},
        {"op": "replace", "path": "/metadata/managedFields", "value": _with_ours(kept, taken, api_version)},
    ]


def _with_ours(entries: Iterable[Mapping[str, Any]], taken: Fields, api_version: str) -> list[Mapping[str, Any]]:
    """``entries`` with ``taken`` merged into our Apply entry (created if we have none yet)."""
    result: list[Mapping[str, Any]] = []
    merged = False
    for entry in entries:
        if _is_ours(entry, api_version) and not merged:
            result.append({**entry, "fieldsV1": union(entry.get("fieldsV1") or {}, taken)})
            merged = True
        else:
            result.append(entry)
    if not merged:
        result.append(
            {
                "manager": FIELD_MANAGER,
                "operation": "Apply",
                "apiVersion": api_version,
                "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "fieldsType": "FieldsV1",
                "fieldsV1": dict(taken),
            }
        )
    return result
