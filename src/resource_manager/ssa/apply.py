"""Server-side apply of an MR's desired objects into the target cluster (network: target client).

Why this shape (spec §10.1, §10.7): objects are applied with our field manager in install order, one
wave (kind) after the other, the objects of a wave concurrently — a round takes a few round trips,
not one per object; a CRD of the same MR is awaited until Established right before its first custom
resource (CRDs sort earlier, so several establish in parallel meanwhile); a failing object never stops
the round: every failure is collected as a value with the message GRM would write, so the condition can
list them all. An object another ManagedResource owns is refused (§10.4) before any write.

Per object: the live object (watch cache, else read — all reads of a round are issued concurrently
up front) → ownership check → :func:`plan.plan_apply` → nothing at all when the live object already
matches (rule in :mod:`drift`: decided from the live object and its managedFields, so also right after
a restart) → take over the fields of interactive field managers (:mod:`fields`: a hand-added data key is
then ours and removed by the apply) → SSA (forced: GRM's last-writer-wins on the fields of the manifest)
→ JSON merge patch deleting the label/annotation keys GRM's three-way merge drops. A 422 on an update
with ``delete-on-invalid-update`` (or an immutable ConfigMap/Secret) deletes the object so that the next
round re-creates it.

Every object ends as one :class:`~resource_manager.ssa.changeset.Change`, decided from what the round
already knows (no extra request): ``created`` when there was no live object, ``unchanged`` when the drift
check sent nothing or the write kept the resourceVersion, ``configured`` otherwise, ``skipped`` for an
``ignore`` object left as it was, ``failed`` with GRM's message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import structlog

from kubecore import Client, Conflict, Invalid, KubeError, NoMatchError, NotFound
from resource_manager.api import annotations as ann
from resource_manager.api.equivalences import Equivalences
from resource_manager.api.identity import display_name
from resource_manager.api.messages import apply_error
from resource_manager.api.origin import ownership_conflict
from resource_manager.controller.keys import MRKey, RecordKey, record_key, resource_version, split_key
from resource_manager.controller.last_applied import intent_of
from resource_manager.controller.target_cache import Prefetched, TargetCache
from resource_manager.desired import DesiredObject, type_meta_problem
from resource_manager.ssa.changeset import Action, Change, ChangeSet
from resource_manager.ssa.crds import crd_index, defining_crd
from resource_manager.ssa.errors import error_text
from resource_manager.ssa.established import NotEstablished, wait_established
from resource_manager.ssa.fields import FIELD_MANAGER, takeover_patch
from resource_manager.ssa.live import get_live
from resource_manager.ssa.order import apply_waves
from resource_manager.ssa.plan import (
    ApplyPlan,
    MergeError,
    MergeOptions,
    hpa_target_keys,
    is_horizontally_scaled,
    plan_apply,
)
from resource_manager.ssa.redact import redact

log = structlog.get_logger("resource_manager.ssa.apply")
TAKEOVER_ATTEMPTS = 2
"""A takeover that loses the race against another write is retried once on the fresh object."""

Obj = dict[str, Any]
OptionsFor = Callable[[DesiredObject, bool], MergeOptions]
"""``options_for(desired, horizontally_scaled)``: the merge inputs of one object (old labels etc.)."""


def _server_text(exc: Exception, obj: Mapping[str, Any]) -> str:
    """The error text; an API server's without the object's values (it quotes them, and they may be secret)."""
    return redact(error_text(exc), obj) if isinstance(exc, KubeError) else error_text(exc)


def _scalable(obj: Mapping[str, Any]) -> bool:
    """A kind an HPA may scale (whose replicas the merge keeps under one)."""
    return obj.get("kind") in ("Deployment", "StatefulSet")


def _name_of(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


def _namespace_of(obj: Mapping[str, Any]) -> str | None:
    return (obj.get("metadata") or {}).get("namespace")


def _failed(name: str, message: str) -> Change:
    return Change(name, Action.FAILED, message)


def _write_action(live: Obj | None, result: Obj | None) -> Action:
    """What a write did: no object before → created; the same resourceVersion after → the API server
    found nothing to change (a no-op apply does not bump it); else configured."""
    if live is None:
        return Action.CREATED
    return Action.UNCHANGED if resource_version(result) == resource_version(live) else Action.CONFIGURED


def _settled(name: str, plan: ApplyPlan, action: Action) -> Change:
    """The entry of an object the engine got through; an ``ignore`` object left as it was is skipped."""
    if plan.body is None and action is Action.UNCHANGED:
        return Change(name, Action.SKIPPED, "ignore annotation")
    return Change(name, action)


class Applier:
    """Applies desired objects of one MR; one instance per reconcile round."""

    def __init__(
        self,
        client: Client,
        origin: str,
        options_for: OptionsFor,
        equivalences: Equivalences,
        cache: TargetCache,
        owner: MRKey,
        *,
        crd_wait: float = 30.0,
    ) -> None:
        self.client = client
        self.origin = origin
        self.options_for = options_for
        self.equivalences = equivalences
        self.cache = cache
        """Live objects (decide "unchanged" without a request) and the echoes of our writes."""
        self.owner = owner
        self.crd_wait = crd_wait
        self._established: dict[str, asyncio.Future[str | None]] = {}  # CRD name -> None or the problem

    async def apply_all(self, objects: Sequence[DesiredObject], prefetched: Prefetched) -> ChangeSet:
        """Apply ``objects`` wave by wave in install order, the objects of a wave concurrently (bounded over
        all MRs by the cache's slots), continuing past failures; one entry per object, in install order.
        ``prefetched``: what the cache could not tell, read for this round (:meth:`TargetCache.prefetch`)."""
        hpas = await self._hpa_targets(objects)
        crds = crd_index(d.obj for d in objects)

        async def one(desired: DesiredObject) -> Change:
            async with self.cache.slots:
                return await self._apply_checked(desired, hpas, crds, prefetched)

        changes: list[Change] = []
        for wave in apply_waves(objects, lambda d: d.obj):
            for change in await asyncio.gather(*(one(d) for d in wave)):
                if change.action is Action.FAILED:
                    log.info("apply failed", object=change.name, origin=self.origin)
                changes.append(change)
        return ChangeSet.of(changes)

    async def _apply_checked(
        self,
        desired: DesiredObject,
        hpas: set[str] | str,
        crds: Mapping[tuple[str, str], str],
        prefetched: Prefetched,
    ) -> Change:
        """One object, unless its CRD is not Established or its HPAs could not be listed."""
        failure = await self._crd_not_established(desired.obj, crds)
        if failure is None and isinstance(hpas, str) and _scalable(desired.obj):
            name = display_name(desired.obj)
            failure = _failed(name, apply_error(name, hpas))
        if failure is None:
            return await self._apply_one(desired, hpas if isinstance(hpas, set) else set(), prefetched)
        return failure

    async def _crd_not_established(self, obj: Obj, crds: Mapping[tuple[str, str], str]) -> Change | None:
        """Wait (once per CRD and round, shared by the objects of a wave) for the CRD of the same MR that
        defines ``obj``'s kind."""
        crd = defining_crd(obj, crds)
        if crd is None:
            return None
        if crd not in self._established:
            self._established[crd] = asyncio.ensure_future(self._establishment(crd))
        problem = await self._established[crd]
        if problem is None:
            return None
        name = display_name(obj)
        return _failed(name, apply_error(name, problem))

    async def _establishment(self, crd: str) -> str | None:
        """``None`` once the CRD is Established, else why not."""
        try:
            await wait_established(self.client, crd, within=self.crd_wait)
        except (KubeError, NotEstablished) as exc:
            return error_text(exc)
        return None

    async def _hpa_targets(self, objects: Sequence[DesiredObject]) -> set[str] | str:
        """HPA scale targets, only if a scalable kind is desired: from the cache's HPA watch, else listed
        (the error text when they cannot be: a scaled workload must not lose the replicas its HPA set)."""
        if not any(_scalable(d.obj) for d in objects):
            return set()
        watched = self.cache.scalers()
        if watched is not None:
            return hpa_target_keys(watched)
        try:
            hpas = await self.client.list("autoscaling/v1", "HorizontalPodAutoscaler")
        except NoMatchError:
            return set()
        except KubeError as exc:
            return f"cannot list HorizontalPodAutoscalers, which decide whether replicas are kept: {error_text(exc)}"
        return hpa_target_keys(hpas["items"])

    async def _apply_one(self, desired: DesiredObject, scaled_keys: set[str], prefetched: Prefetched) -> Change:
        obj = desired.obj
        name = display_name(obj)
        problem = type_meta_problem(obj)
        if problem is not None:
            return _failed(name, apply_error(name, problem))
        live: Obj | None = None
        meta = obj.get("metadata") or {}
        rk = record_key(obj["apiVersion"], obj["kind"], meta.get("name", ""), meta.get("namespace"))
        try:
            name_, namespace = meta.get("name", ""), meta.get("namespace")
            seen = await self.cache.observe(obj["apiVersion"], obj["kind"], name_, namespace, prefetched=prefetched)
            live = seen.live
            conflict = ownership_conflict(live, self.origin)
            if conflict is not None:
                return _failed(name, conflict.message)
            scaled = is_horizontally_scaled(obj, scaled_keys, self.equivalences)
            plan = plan_apply(obj, live, self.options_for(desired, scaled))
            intent = intent_of(obj)
            if self.cache.unchanged(rk, intent, plan, seen, self.owner):
                return _settled(name, plan, Action.UNCHANGED)
            result = await self._write(rk, intent, plan, live)
        except Invalid as exc:
            if live is not None:
                return await self._delete_on_invalid_update(obj, live, exc)
            return _failed(name, apply_error(name, _server_text(exc, obj)))
        except (KubeError, MergeError, ann.AnnotationError, NotEstablished) as exc:
            return _failed(name, apply_error(name, _server_text(exc, obj)))
        return _settled(name, plan, _write_action(live, result))

    async def _write(self, rk: RecordKey, intent: bytes, plan: ApplyPlan, live: Obj | None) -> Obj | None:
        """SSA the body, then delete the keys GRM's merge drops; the cache records the result, so the
        watch events of this write trigger nothing and the next resync sends nothing. Returns the
        object as the last write left it."""
        self.cache.begin_write(rk)
        try:
            result = live
            fields = self.cache.fields_of(rk[0], live)
            if plan.body is not None:
                if fields is not None and fields.takeover:
                    await self._take_over(rk, live)
                result = await self.client.apply(plan.body, field_manager=FIELD_MANAGER, force=True)
            patch = plan.removal_patch(result or {})
            if patch is not None and result is not None:
                result = await self.client.patch(rk[0], rk[1], _name_of(result), patch, namespace=_namespace_of(result))
        except BaseException:
            self.cache.write_failed(rk)
            raise
        self.cache.written(rk, intent, plan, result, self.owner)
        return result

    async def _take_over(self, rk: RecordKey, live: Obj | None) -> None:
        """Make the fields interactive managers hold ours, so that the apply that follows removes what
        the manifest lacks. ``live`` serves if it was read (cached objects keep no managedFields). A
        concurrent write makes the resourceVersion precondition fail: read again and retry once."""
        api_version, kind, name, namespace = split_key(rk)
        for attempt in range(TAKEOVER_ATTEMPTS):
            if attempt or live is None or "managedFields" not in (live.get("metadata") or {}):
                live = await get_live(self.client, api_version, kind, name, namespace)
            patch = None if live is None else takeover_patch(live, api_version, self.cache.takeover_managers)
            if patch is None:
                return
            try:
                await self.client.patch(api_version, kind, name, patch, namespace=namespace, patch_type="json")
            except Conflict:
                if attempt + 1 == TAKEOVER_ATTEMPTS:
                    raise
                continue
            log.info("took over fields of interactive managers", object=rk[2], kind=kind, origin=self.origin)
            return

    async def _delete_on_invalid_update(self, obj: Obj, live: Obj, exc: Invalid) -> Change:
        """GRM's delete-on-invalid-update: delete now, fail this round, re-create in the next one."""
        name = display_name(obj)
        merged = {**ann.annotations_of(live), **ann.annotations_of(obj)}
        causes = exc.details.get("causes") or []
        if not ann.delete_on_invalid_update(obj["apiVersion"], obj["kind"], merged, causes):
            return _failed(name, apply_error(name, _server_text(exc, obj)))
        meta = obj.get("metadata") or {}
        try:
            policy = ann.deletion_propagation(merged)
            await self.client.delete(
                obj["apiVersion"],
                obj["kind"],
                meta.get("name", ""),
                namespace=meta.get("namespace"),
                propagation_policy=policy,  # type: ignore[arg-type]
            )
        except NotFound:
            pass
        except (KubeError, ann.AnnotationError) as delete_exc:
            return _failed(
                name, f"error deleting object \"{name}\" after 'invalid' update error: {_server_text(delete_exc, obj)}"
            )
        log.info("deleted object after invalid update", object=name, origin=self.origin)
        return _failed(
            name,
            f"deleted object \"{name}\" because of 'invalid' update error, and 'delete-on-invalid-update' annotation "
            f"on object or the resource is an immutable ConfigMap/Secret: {_server_text(exc, obj)}",
        )
