"""What we last applied to (or last verified on) each target object, which writes are in flight, and the
results of our writes the watch has not delivered yet (pure: dicts in memory, no I/O).

Why: a record lets a resync skip an object unchanged since our last write or check (same intent, same
resourceVersion) without comparing it again, and lets :mod:`drift_events` tell the echo of our own write
from someone else's change. It is a shortcut, not the basis of any decision: without it (right after a
restart) the live object and its managedFields decide (:mod:`resource_manager.ssa.drift`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import orjson

from resource_manager.controller.keys import MRKey, RecordKey, TypeKey, not_older, resource_version
from resource_manager.ssa.drift import fingerprint

Obj = dict[str, Any]


def intent_of(desired: Mapping[str, Any]) -> bytes:
    """Fingerprint of what we *want*, independent of the live object and of the inventory memory.

    The apply body also carries values copied from the live object (a Service's clusterIP, replicas
    under an HPA), and the merge inputs change after the first round (old labels from
    ``status.resources``) without changing the body; neither may cause a write of its own. Whether the
    live object still carries the body, and the keys to remove, are checked separately.
    """
    return fingerprint(desired)


class Record(NamedTuple):
    """What we last applied to (or last verified on) one object."""

    intent: bytes
    """:func:`intent_of` the desired object of that write."""
    body: bytes | None
    """The applied body (orjson), kept for full watches: the drift check of an update event needs it."""
    resource_version: str
    """The object's resourceVersion after our write, or when we last saw it still carry the body."""
    owner: MRKey


class LastApplied:
    """The records of every MR, shared like the watches (one per controller)."""

    def __init__(self) -> None:
        self.records: dict[RecordKey, Record] = {}
        self.pending: set[RecordKey] = set()
        """Objects being written right now: their watch events are ours until the write returns."""
        self.recent: dict[RecordKey, Obj] = {}
        """Results of our writes the watch has not delivered yet (the health check of the same round)."""

    def get(self, rk: RecordKey) -> Record | None:
        return self.records.get(rk)

    def verified(self, rk: RecordKey, live: Mapping[str, Any]) -> bool:
        """Whether ``live`` is the version we wrote or last checked (so it still carries our body)."""
        record = self.records.get(rk)
        return record is not None and record.resource_version == resource_version(live)

    def remember(
        self,
        rk: RecordKey,
        intent: bytes,
        body: Mapping[str, Any],
        live: Mapping[str, Any],
        owner: MRKey,
        *,
        full: bool,
    ) -> None:
        """``live`` carries ``body`` (our write returned it, or we checked it); ``full``: its watch caches
        whole objects, so the body is kept for the drift check of later events."""
        self.records[rk] = Record(intent, orjson.dumps(body) if full else None, resource_version(live), owner)

    def still_carries(self, rk: RecordKey, rv: str) -> None:
        """Someone else's change left every value we applied in place: the record moves to ``rv``."""
        record = self.records.get(rk)
        if record is not None:
            self.records[rk] = record._replace(resource_version=rv)

    def forget(self, rk: RecordKey) -> None:
        self.records.pop(rk, None)

    def forget_owner(self, mr: MRKey) -> None:
        for key in [k for k, r in self.records.items() if r.owner == mr]:
            del self.records[key]

    def forget_type(self, type_key: TypeKey) -> None:
        """Its watch stopped: nothing of it is recognised any more."""
        for table in (self.records, self.recent):
            for key in [k for k in table if k[:2] == type_key]:
                del table[key]

    # --- writes in flight, and their results -------------------------------------------------------------
    def begin_write(self, rk: RecordKey) -> None:
        self.pending.add(rk)

    def end_write(self, rk: RecordKey) -> None:
        self.pending.discard(rk)

    def result_not_delivered(self, rk: RecordKey, result: Obj) -> None:
        """Our write returned ``result``, newer than what the watch holds: used until the watch catches up."""
        self.recent[rk] = result

    def delivered(self, rk: RecordKey, obj: Mapping[str, Any] | None) -> None:
        """The watch delivered ``obj`` (``None``: deleted): a kept result that is not newer is dropped."""
        recent = self.recent.get(rk)
        if recent is not None and (obj is None or not_older(resource_version(obj), resource_version(recent))):
            del self.recent[rk]
