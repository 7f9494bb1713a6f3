"""Deleting objects that left an MR's desired set (or all of them when the MR goes), network: target.

Why waves instead of GRM's parallel, unordered deletion (spec §3.5, §10.7, GRM #4853): the waves of
:func:`order.prune_waves` are deleted one after the other and a wave must be *gone* before the
next one starts, so workloads disappear before the ConfigMaps/Secrets they mount and Namespaces go
last. A wave that is still pending after a short wait ends the pass; the reconciler reports
``DeletionPending`` and comes back.

Per object, as GRM: GET (already gone → done) → ``keep-object`` on the live object keeps it → for a
StatefulSet with ``deletePersistentVolumeClaims`` its PVCs go first → DELETE (foreground for the
``apps``, ``extensions`` and ``batch`` groups) → ``finalize-deletion-after`` strips stuck finalizers
once the grace period has passed. An object counts as gone only when the API server says so.

Never deleting what is not ours (beyond GRM, which deletes whatever its inventory names): the live
object's ``origin`` is checked first, and one that names another ManagedResource is only dropped from
the inventory; the DELETE carries the UID of the object just read as a precondition, so an object
re-created by someone else in between is never hit (the next pass looks at it afresh).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple

import structlog

from kubecore import Client, Conflict, KubeError, ListOptions, NoMatchError, NotFound
from kubecore.gvk import group_of
from resource_manager.api import annotations as ann
from resource_manager.api.events import events_message
from resource_manager.api.identity import display_name, key_of
from resource_manager.api.messages import deletion_failed_error, deletion_pending_error
from resource_manager.api.origin import ownership_conflict
from resource_manager.inventory import keep_on_prune
from resource_manager.ssa.changeset import Action, Change, ChangeSet
from resource_manager.ssa.errors import Failure, error_text
from resource_manager.ssa.live import get_live
from resource_manager.ssa.order import prune_waves

log = structlog.get_logger("resource_manager.prune")

Obj = dict[str, Any]
Propagation = Literal["Foreground", "Background", "Orphan"]
_FOREGROUND_GROUPS = frozenset({"apps", "extensions", "batch"})


@dataclass
class PruneResult:
    done: list[str] = field(default_factory=list)
    """Identity keys no longer to be tracked: gone, kept by ``keep-object``, or owned by another MR."""
    pending: list[str] = field(default_factory=list)
    """GRM's ``deletion of old resource "…" is still pending[: <error>]`` messages."""
    changes: list[Change] = field(default_factory=list)
    """``deleted``, ``skipped`` (with why) and ``failed`` entries; a pending deletion has none yet."""

    @property
    def failures(self) -> list[Failure]:
        """GRM's ``error during deletion of old resource "…": <error>`` messages."""
        return ChangeSet.of(self.changes).failures()

    @property
    def complete(self) -> bool:
        return not self.pending and not self.failures


class _Deletion(NamedTuple):
    """Where the deletion of one object stands within a pass."""

    key: str
    state: Literal["done", "pending", "failed"]
    error: str | None = None
    uid: str | None = None
    """UID of the object whose deletion is pending (another UID under that name is not it)."""
    skipped: str | None = None
    """Done without our DELETE removing it: why (already gone, kept, another MR's)."""


def _change(name: str, deletion: _Deletion) -> Change:
    """The change-set entry of a finished deletion."""
    if deletion.skipped is not None:
        return Change(name, Action.SKIPPED, deletion.skipped)
    return Change(name, Action.DELETED)


def _uid(obj: Mapping[str, Any]) -> str | None:
    return (obj.get("metadata") or {}).get("uid")


async def delete_exactly(client: Client, live: Obj, propagation_policy: Propagation | None) -> Obj | None:
    """DELETE the object ``live`` was read from, and no other: its UID is a precondition, so an object
    re-created under the same name since raises :class:`kubecore.Conflict`.

    Returns the object while it is still being deleted (finalizers, foreground deletion), ``None`` once
    it is gone.
    """
    meta = live["metadata"]
    try:
        answer = await client.delete(
            live["apiVersion"],
            live["kind"],
            meta["name"],
            namespace=meta.get("namespace"),
            propagation_policy=propagation_policy,
            preconditions={"uid": meta["uid"]},
        )
    except (NotFound, NoMatchError):
        return None
    if answer.get("kind") == "Status" or not (answer.get("metadata") or {}).get("deletionTimestamp"):
        return None
    return answer


class Pruner:
    """Deletes old objects wave by wave; one instance per reconcile round."""

    def __init__(self, client: Client, origin: str, *, delete_pvcs: bool, wave_wait: float = 5.0) -> None:
        self.client = client
        self.origin = origin
        """Our MR's ``origin`` value: a live object naming another MR is not ours to delete."""
        self.delete_pvcs = delete_pvcs
        self.wave_wait = wave_wait

    async def prune(self, references: Iterable[Mapping[str, Any]]) -> PruneResult:
        """Delete ``references`` (``status.resources`` entries); stops at the first wave not yet gone."""
        result = PruneResult()
        for wave in prune_waves(references):
            deletions = await asyncio.gather(*(self._delete_one(ref) for ref in wave))
            deletions = await self._wait_gone(wave, list(deletions))
            refs = {key_of(ref): ref for ref in wave}
            for deletion in deletions:
                name = display_name(refs[deletion.key])
                if deletion.state == "done":
                    result.done.append(deletion.key)
                    result.changes.append(_change(name, deletion))
                elif deletion.state == "pending":
                    events = await self._warning_events(refs[deletion.key])
                    result.pending.append(deletion_pending_error(name, deletion.error, events))
                else:
                    message = deletion_failed_error(name, deletion.error or "")
                    result.changes.append(Change(name, Action.FAILED, message))
            if not result.complete:
                break
        return result

    async def _delete_one(self, ref: Mapping[str, Any]) -> _Deletion:
        key, name = key_of(ref), display_name(ref)
        api_version, kind, namespace = ref.get("apiVersion") or "", ref.get("kind") or "", ref.get("namespace")
        live: Obj | None = None
        try:
            live = await get_live(self.client, api_version, kind, ref.get("name") or "", namespace)
            if live is None:
                return _Deletion(key, "done", skipped="already gone")
            conflict = ownership_conflict(live, self.origin)
            if conflict is not None:
                log.info(
                    "not deleting, owned by another ManagedResource", object=name, owner="/".join(conflict.owner[1:])
                )
                return _Deletion(key, "done", skipped="owned by another ManagedResource")
            kept_because = keep_on_prune(live, garbage_collector_enabled=False)
            if kept_because is not None:
                log.info("keeping object", object=name, because=kept_because)
                return _Deletion(key, "done", skipped=f"kept: {kept_because}")
            if self.delete_pvcs:
                await self._delete_statefulset_pvcs(live)
            policy: Propagation | None = (
                "Foreground" if group_of(live.get("apiVersion") or "") in _FOREGROUND_GROUPS else None
            )
            deleted = await delete_exactly(self.client, live, policy)
            if deleted is None:
                return _Deletion(key, "done")
            await self._finalize_if_due(deleted)
        except Conflict:  # re-created under the same name since we read it: looked at afresh
            return _Deletion(key, "pending", uid=_uid(live or {}))
        except ann.AnnotationError as exc:
            return _Deletion(key, "pending", str(exc))
        except KubeError as exc:
            return _Deletion(key, "failed", error_text(exc))
        log.info("deleting object", object=name)
        return _Deletion(key, "pending", uid=_uid(live))

    async def _warning_events(self, ref: Mapping[str, Any]) -> str | None:
        """For a ``v1`` Service still being deleted: its newest Warning events (why it hangs), as GRM."""
        if (ref.get("apiVersion"), ref.get("kind")) != ("v1", "Service"):
            return None
        selector = ",".join(
            f"involvedObject.{field}={value}"
            for field, value in (("apiVersion", "v1"), ("kind", "Service"), ("name", ref.get("name") or ""))
        )
        try:
            events = await self.client.list(
                "v1",
                "Event",
                namespace=ref.get("namespace"),
                options=ListOptions(field_selector=f"{selector},type=Warning"),
            )
        except KubeError as exc:  # as GRM: the message goes without events, the log says why
            log.warning("could not read events", object=display_name(ref), error=error_text(exc))
            return None
        return events_message(events["items"], datetime.now(UTC)) or None

    async def _delete_statefulset_pvcs(self, live: Obj) -> None:
        """GRM's ``cleanupStatefulSet``: PVCs matching the selector go before the StatefulSet."""
        spec = live.get("spec") or {}
        if live.get("kind") != "StatefulSet" or not spec.get("volumeClaimTemplates"):
            return
        match_labels = (spec.get("selector") or {}).get("matchLabels") or {}
        selector = ",".join(f"{k}={v}" for k, v in sorted(match_labels.items()))
        namespace = live["metadata"].get("namespace")
        claims = await self.client.list(
            "v1", "PersistentVolumeClaim", namespace=namespace, options=ListOptions(label_selector=selector)
        )
        for claim in claims["items"]:
            try:
                await self.client.delete("v1", "PersistentVolumeClaim", claim["metadata"]["name"], namespace=namespace)
            except NotFound:
                continue
            log.info("deleted PersistentVolumeClaim of StatefulSet", claim=claim["metadata"]["name"])

    async def _finalize_if_due(self, obj: Obj) -> None:
        """``finalize-deletion-after``: strip all finalizers once deletionTimestamp + grace has passed."""
        if not ann.finalizers_due_for_removal(obj, datetime.now(UTC)):
            return
        meta = obj["metadata"]
        log.info("removing finalizers (finalize-deletion-after elapsed)", object=display_name(obj))
        await self.client.patch(
            obj["apiVersion"],
            obj["kind"],
            meta["name"],
            {"metadata": {"uid": meta["uid"], "finalizers": None}},  # the UID: only this very object
            namespace=meta.get("namespace"),
        )

    async def _wait_gone(self, wave: Sequence[Mapping[str, Any]], deletions: list[_Deletion]) -> list[_Deletion]:
        """Give pending objects of a wave up to ``wave_wait`` seconds to disappear (polling GETs)."""
        refs = {key_of(ref): ref for ref in wave}
        deadline = time.monotonic() + self.wave_wait
        delay = 0.05
        while any(o.state == "pending" for o in deletions) and time.monotonic() < deadline:
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.5)
            deletions = [await self._recheck(refs[o.key], o) if o.state == "pending" else o for o in deletions]
        return deletions

    async def _recheck(self, ref: Mapping[str, Any], deletion: _Deletion) -> _Deletion:
        """Gone → done; replaced by another object under the same name → judged afresh."""
        try:
            live = await get_live(self.client, ref["apiVersion"], ref["kind"], ref["name"], ref.get("namespace"))
        except KubeError:
            return deletion
        if live is None:
            return _Deletion(deletion.key, "done")
        if deletion.uid is not None and _uid(live) != deletion.uid:
            return await self._delete_one(ref)
        return deletion
