"""``status.resources`` as the inventory of what an MR manages (spec §1.2, §3.3, §3.5, §3.9, §10.5, §10.6).

Why: ``status.resources`` is the only record of what an MR created, and GRM's memory of the labels and
annotations it last applied (for the three-way merge). GRM rewrites it only after a fully successful
round, so objects created in a failed round are leaked (§3.8). We widen it *before* applying (old plus new)
and narrow it *after* pruning, so a crash can never leave an object we created untracked. An object
another MR owns never enters it (the reconciler checks before widening), and pruning re-checks the live
object's origin, so the inventory can never make us delete someone else's object.

Matching new desired objects against the old entries is GRM's ``objectIndex``: exact
``group/kind/namespace/name`` first, then equivalent GroupKinds; every old entry is matched at most once.
Old entries nothing matches are pruned — unless a document failed to decode (our §10.6: the object it
defined may still be wanted), and subject to the live-object checks in :func:`keep_on_prune`. A set (or
Secret data checksum) that differs from the recorded one resets the health checks (:func:`checks_must_reset`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from kubecore.gvk import group_of
from resource_manager.api import annotations as ann
from resource_manager.api.equivalences import Equivalences, equivalents
from resource_manager.api.identity import key_of, object_key
from resource_manager.desired import DesiredObject

Reference = Mapping[str, Any]


def sort_references(references: Iterable[Reference]) -> list[Reference]:
    """GRM's order of ``status.resources``: by identity key (``group/kind/namespace/name``)."""
    return sorted(references, key=key_of)


class InventoryDiff(NamedTuple):
    previous: dict[str, Reference]
    """Desired object key → its old ``status.resources`` entry (the "last applied" labels/annotations)."""
    to_prune: list[Reference]
    """Old entries no desired object matches (before the live-object checks of :func:`keep_on_prune`)."""
    to_release: list[Reference]
    """References of ``mode: Ignore`` objects that were managed before (release their origin)."""


def _match(reference: Reference, index: Mapping[str, Reference], equivalences: Equivalences) -> str | None:
    key = key_of(reference)
    if key in index:
        return key
    group_kind = (group_of(reference.get("apiVersion") or ""), reference.get("kind") or "")
    namespace, name = reference.get("namespace") or "", reference.get("name") or ""
    for group, kind in equivalents(equivalences, group_kind):
        candidate = object_key(group, kind, namespace, name)
        if candidate in index:
            return candidate
    return None


def diff_inventory(
    old: Iterable[Reference],
    desired: Sequence[DesiredObject],
    equivalences: Equivalences,
    *,
    any_decoding_error: bool = False,
) -> InventoryDiff:
    """Match desired objects (``mode: Ignore`` ones included, as GRM does) against the old inventory."""
    index = {key_of(reference): reference for reference in old}
    previous: dict[str, Reference] = {}
    found: set[str] = set()
    to_release: list[Reference] = []
    for item in desired:
        matched = _match(item.reference, index, equivalences)
        if matched is None:
            continue
        found.add(matched)
        previous[item.key] = index[matched]
        if item.ignore_mode:
            to_release.append(item.reference)
    to_prune = [] if any_decoding_error else [ref for key, ref in sorted(index.items()) if key not in found]
    return InventoryDiff(previous, to_prune, to_release)


def new_references(desired: Iterable[DesiredObject]) -> list[Reference]:
    """GRM's new ``status.resources``: every desired object except ``mode: Ignore`` ones, sorted."""
    return sort_references(item.reference for item in desired if not item.ignore_mode)


def added(old: Iterable[Reference], new: Iterable[Reference], equivalences: Equivalences) -> list[Reference]:
    """The new entries no old entry matches: objects this MR is about to list for the first time."""
    index = {key_of(reference): reference for reference in old}
    return [reference for reference in new if _match(reference, index, equivalences) is None]


def widen(old: Iterable[Reference], new: Iterable[Reference], equivalences: Equivalences) -> list[Reference]:
    """Inventory to record *before* applying: all old entries plus new ones no old entry matches.

    Old entries keep their labels/annotations (the true "last applied" memory until the round succeeds).
    ``new`` must not contain objects another MR owns (the caller leaves them out): what enters the
    inventory is what this MR may delete.
    """
    old_list = list(old)
    return sort_references([*old_list, *added(old_list, new, equivalences)])


def narrow(new: Iterable[Reference], still_present: Iterable[Reference]) -> list[Reference]:
    """Inventory to record *after* pruning: the new entries plus old ones not (yet) gone.

    ``still_present`` are pruned entries whose deletion is pending or failed, and — while a document
    fails to decode — the entries nothing matched. Kept objects (keep-object, garbage-collectable) are
    not passed here: like GRM, the MR forgets them.
    """
    new_list = list(new)
    keys = {key_of(reference) for reference in new_list}
    return sort_references([*new_list, *(r for r in still_present if key_of(r) not in keys)])


def keep_on_prune(live: Mapping[str, Any], *, garbage_collector_enabled: bool) -> str | None:
    """Why a live object must not be deleted although it left the desired set (``None``: delete it)."""
    if ann.keep_object(live):
        return f"annotation {ann.KEEP_OBJECT}"
    if garbage_collector_enabled and ann.garbage_collectable(live):
        return "marked as garbage-collectable"
    return None


def to_delete_on_mr_deletion(mr: Mapping[str, Any]) -> list[Reference]:
    """Entries to delete when the MR is deleted (or handed over): none with ``spec.keepObjects``."""
    if (mr.get("spec") or {}).get("keepObjects") is True:
        return []
    return list((mr.get("status") or {}).get("resources") or [])


def _normalised(references: Iterable[Reference]) -> list[dict[str, Any]]:
    """Entries with empty fields dropped, as Go's semantic DeepEqual treats nil and empty alike."""
    return [{k: v for k, v in ref.items() if v not in ("", None, {}, [])} for ref in references]


def resources_changed(old: Iterable[Reference] | None, new: Iterable[Reference]) -> bool:
    """Whether the resource set differs from the recorded one (resets Healthy/Progressing, spec §3.4)."""
    return _normalised(old or []) != _normalised(new)


def checks_must_reset(status: Mapping[str, Any], new_resources: Sequence[Reference], checksum: str) -> bool:
    """GRM's trigger for :func:`conditions.reset_for_changed_resources`: the resource set or the secrets data
    checksum differs from the recorded one (or none is recorded)."""
    recorded = status.get("secretsDataChecksum")
    return recorded is None or recorded != checksum or resources_changed(status.get("resources"), new_resources)
