"""Deciding locally whether an object needs a write at all.

Why: GRM sends an update for every object on every sync because the merged object almost never
deep-equals the server-defaulted live one; each no-op write still runs admission webhooks (GRM #11341).
The decision rests on the live object alone, never on a memory of earlier applies, so a restarted or
newly elected manager writes nothing for objects that already match (:func:`write_needed`). No write
when all of these hold:

* the live object (from the watch cache) still carries every value of the body (:func:`drifted`) and
  none of the keys the plan removes;
* our own Apply entry in its managedFields exists and every path in it still exists in the body
  (:func:`resource_manager.ssa.fields.covers`): a field dropped from the manifest is still owned by us and
  must be removed by an apply;
* no interactive field manager (kubectl, GRM's own PUTs, ...) owns a field outside metadata and status:
  such a hand edit (an added data key, say) must be taken over and removed.

The I/O shell keeps a fingerprint of what it last applied only as a shortcut (an object unchanged since
our own write needs no check at all) and to recognise the echoes of its own writes.

``drifted`` compares the body as a subset of the live object: maps key by key, lists element by element
with equal lengths (extra live elements in a list mean the list differs), ``null`` and empty values
match absent ones (``{}`` also matches any live map), and resource quantities (``requests``,
``limits``, ``capacity``, ``hard``) compare by value (``1000m`` == ``1``). When unsure it reports
drift: a needless write is cheap, a missed one is not.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import orjson

from resource_manager.ssa.fields import FieldsSummary, covers
from resource_manager.ssa.plan import ApplyPlan

_QUANTITY_PARENTS = frozenset({"requests", "limits", "capacity", "hard", "allocatable"})
_QUANTITY = re.compile(r"([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)")
_SUFFIXES = {
    "": Fraction(1),
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 1000),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
    **{suffix: Fraction(1024**power) for power, suffix in enumerate(("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"), 1)},
}


def fingerprint(body: Mapping[str, Any]) -> bytes:
    """Stable digest of an apply body (key order does not matter): 16 bytes, kept in memory only (one per
    managed object: a hex string would take twice the memory)."""
    return hashlib.blake2b(orjson.dumps(body, option=orjson.OPT_SORT_KEYS), digest_size=16).digest()


def quantity(text: str) -> Fraction | None:
    """Value of a Kubernetes resource quantity (``100m``, ``1Gi``, ``1e3``), ``None`` if not one."""
    match = _QUANTITY.fullmatch(text)
    if match is None:
        return None
    number, exponent, suffix = match.groups()
    value = Fraction(number)
    if exponent:
        return value * Fraction(10) ** int(exponent[1:])
    return value * _SUFFIXES[suffix or ""]


def _same_scalar(desired: Any, live: Any, container: str) -> bool:
    """Equal scalars; quantities directly inside ``requests``/``limits``/… compare by value."""
    if desired == live and type(desired) is type(live):
        return True
    if container in _QUANTITY_PARENTS and isinstance(desired, str | int) and isinstance(live, str | int):
        want, have = quantity(str(desired)), quantity(str(live))
        return want is not None and want == have
    return False


def _covered(desired: Any, live: Any, key: str, container: str) -> bool:
    """Whether ``desired`` (found under ``key`` of the map ``container``) is a subset of ``live``."""
    if desired is None:
        return True
    if isinstance(desired, Mapping):
        if live is None:
            return not desired
        return isinstance(live, Mapping) and all(_covered(v, live.get(k), k, key) for k, v in desired.items())
    if isinstance(desired, list):
        if live is None:
            return not desired
        return (
            isinstance(live, list)
            and len(live) == len(desired)
            and all(_covered(d, v, key, container) for d, v in zip(desired, live, strict=True))
        )
    return _same_scalar(desired, live, container)


def drifted(body: Mapping[str, Any], live: Mapping[str, Any] | None) -> bool:
    """Whether the live object lacks or contradicts any value of the apply ``body``."""
    return live is None or not _covered({k: v for k, v in body.items() if k != "status"}, live, "", "")


def removals_pending(plan: ApplyPlan, live: Mapping[str, Any] | None) -> bool:
    """Whether the live object still carries a label/annotation key the plan deletes."""
    metadata = (live or {}).get("metadata") or {}
    labels, annotations = metadata.get("labels") or {}, metadata.get("annotations") or {}
    return any(k in labels for k in plan.remove_labels) or any(k in annotations for k in plan.remove_annotations)


def write_needed(plan: ApplyPlan, live: Mapping[str, Any] | None, fields: FieldsSummary | None) -> bool:
    """Whether this plan needs any request, judged from the live object and the summary of its
    managedFields (``None``: unknown, e.g. the object is absent)."""
    if plan.body is not None:
        if live is None or drifted(plan.body, live) or fields is None or fields.takeover or fields.ours is None:
            return True
        if not covers(plan.body, orjson.loads(fields.ours)):
            return True
    return removals_pending(plan, live)
