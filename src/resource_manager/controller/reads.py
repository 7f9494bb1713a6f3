"""How a round reads the objects the target cache cannot tell about: one GET each, or one LIST of a type in
a namespace for many of them (pure).

Why: a new MR's objects are not in the label-selected watches yet, and one GET per object doubled the
requests of its first round. A LIST of the objects *without* our label in that namespace answers for all
of them at once — but the API server filters every object of the type there to answer it, so in a
namespace holding many such objects a handful of GETs is cheaper. :func:`list_pays_off` weighs the two
with figures measured on the development control plane (2 cores, server and client on one machine): a
GET from the watch cache costs about 0.6 ms (server and client together), a LIST about as much plus
4 µs per object it filters and 20 µs per object it returns (serialised, sent, decoded).
"""

from __future__ import annotations

from collections.abc import Iterable

from resource_manager.controller.keys import RecordKey, split_key

ListScope = tuple[str, str, str | None]
"""``(apiVersion, kind, namespace)``: what one LIST covers (``None``: a cluster-scoped kind)."""

LIST_AT = 3
"""Fewer misses of one scope than this are always read one by one: one or two GETs cost no more than a LIST."""
FILTERED_PER_GET = 150
"""Objects a LIST filters in the time of one GET."""
RETURNED_PER_GET = 30
"""Objects a LIST returns in the time of one GET."""


def by_scope(keys: Iterable[RecordKey]) -> dict[ListScope, list[RecordKey]]:
    """``keys`` grouped by the LIST that covers them (in first-seen order)."""
    groups: dict[ListScope, list[RecordKey]] = {}
    for rk in keys:
        api_version, kind, _, namespace = split_key(rk)
        groups.setdefault((api_version, kind, namespace), []).append(rk)
    return groups


def list_pays_off(misses: int, labelled: int, unlabelled: int) -> bool:
    """Whether one LIST of a scope costs less than ``misses`` GETs, when the scope holds about ``labelled``
    objects with our label (filtered out) and ``unlabelled`` without (returned)."""
    if misses < LIST_AT:
        return False
    return labelled / FILTERED_PER_GET + unlabelled / RETURNED_PER_GET <= misses - 1
