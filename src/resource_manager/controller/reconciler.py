"""One reconcile of one ManagedResource (network: source cluster for the MR and its Secrets, target for objects).

Dispatch as GRM (spec §3.2): class filter → ``gardener.cloud/operation`` (``wait-for-state`` skips,
``reconcile`` is removed first) → ignored MR → deletion path (deleted, or handed over to another class)
→ wait for another class' cleanup → reconcile path.

Reconcile path, with our ordering (spec §10.5-§10.7, §10.13): finalizer, and meanwhile (reads only: one
round trip less) read Secrets → decode → desired objects → what the target cache cannot tell, read ahead
→ **widen** ``status.resources`` (old + new, written before any object is touched and after the
finalizer; objects another MR owns are left out) → release ``mode: Ignore`` objects → apply in install order →
prune in waves (whatever the apply did, as GRM; never while a document fails to decode) → **narrow**
``status.resources`` → final status. A crash anywhere leaves every object we created listed in the
inventory, and nothing in the inventory can make us delete another MR's object. Status is written only
when it changed. ``_reconcile`` is that list, one step method each.

A round returns its change set (what apply and prune did to each object, :mod:`resource_manager.ssa.changeset`)
with its result and logs its summary once (``reconciled``, ``3 created, 17 unchanged``); the controller turns
it into the ``ObjectsChanged`` Event and the prune counter.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import structlog

from kubecore import Client, Conflict, KubeError, NoMatchError, NotFound
from kubecore.gvk import group_of
from kubecore.mapping import crd_scopes
from resource_manager.api import annotations as ann
from resource_manager.api import classes
from resource_manager.api import conditions as cond
from resource_manager.api import messages as msg
from resource_manager.api.crd import MR_API_VERSION, MR_KIND
from resource_manager.api.equivalences import Equivalences, build_equivalences
from resource_manager.api.identity import display_name, key_of
from resource_manager.api.origin import origin_for, ownership_conflict
from resource_manager.controller.target_cache import Prefetched, TargetCache
from resource_manager.controller.watches import types_for
from resource_manager.desired import DesiredObject, build_desired, type_meta_problem
from resource_manager.health.assess import health_conditions
from resource_manager.inventory import (
    InventoryDiff,
    Reference,
    added,
    checks_must_reset,
    diff_inventory,
    narrow,
    new_references,
    to_delete_on_mr_deletion,
    widen,
)
from resource_manager.prune import Pruner, PruneResult
from resource_manager.release import release_orphans
from resource_manager.source.checksum import secrets_data_checksum
from resource_manager.source.secret_data import Manifest, decode_secrets, decoding_failed_message
from resource_manager.ssa.apply import Applier
from resource_manager.ssa.changeset import Action, Change, ChangeSet
from resource_manager.ssa.errors import error_text
from resource_manager.ssa.fields import DEFAULT_TAKEOVER_MANAGERS
from resource_manager.ssa.plan import MergeOptions

log = structlog.get_logger("resource_manager.controller.reconciler")

Obj = dict[str, Any]
SecretLookup = Callable[[str, str], "Obj | None"]
"""``lookup(namespace, name)``: a Secret from the informer cache, ``None`` if not cached."""


@dataclass(frozen=True)
class Settings:
    resource_class: str = classes.DEFAULT_CLASS
    cluster_id: str = ""
    managed_by: str = ann.DEFAULT_MANAGED_BY
    sync_period: float = 60.0
    """Requeue after a successful reconcile (GRM's default 1 m)."""
    health_sync_period: float | None = None
    """GRM's ``controllers.health.syncPeriod``: requeue at least this often, so health is recomputed also
    where no watch event tells (objects outside the watched namespaces or of kinds we may not list)."""
    deletion_requeue: float = 5.0
    """Requeue while deletions are pending (GRM's ``RequeueAfterOnDeletionPending``)."""
    wave_wait: float = 5.0
    """How long one prune wave may take to disappear before the pass ends as pending."""
    crd_wait: float = 30.0
    """How long to wait for a CRD of the MR to become Established before its custom resources."""
    takeover_managers: frozenset[str] = DEFAULT_TAKEOVER_MANAGERS
    """Field managers whose fields count as hand edits and are taken over (``resource_manager.ssa.fields``)."""


class ReconcileResult(NamedTuple):
    requeue_after: float | None = None
    """Reconcile again after this many seconds (``None``: only on the next event)."""
    error: str | None = None
    """Set when the round failed: the manager retries with back-off."""
    changes: ChangeSet | None = None
    """What a reconcile round did to each object (``None`` when no round ran: skipped MR, deletion path,
    unreadable Secrets); the controller renders it as an Event and metrics."""


class SecretsRead(NamedTuple):
    """The MR's Secrets in ``secretRefs`` order, or GRM's error text when one cannot be read."""

    secrets: list[Obj]
    error: str | None = None


@dataclass(frozen=True)
class Round:
    """What one round works from, computed from the MR and its Secrets before anything is written."""

    desired: list[DesiredObject]
    decoding_errors: list[Any]
    diff: InventoryDiff
    """Old ``status.resources`` against the desired set: what to prune, release, and the last applied."""
    new_refs: list[Reference]
    equivalences: Equivalences
    checksum: str
    origin: str

    @property
    def to_apply(self) -> list[DesiredObject]:
        """Every desired object but ``mode: Ignore`` ones (the applier orders them: install order)."""
        return [d for d in self.desired if not d.ignore_mode]

    def ignored(self) -> ChangeSet:
        """The ``mode: Ignore`` objects, as skipped entries."""
        return ChangeSet.of(
            Change(display_name(d.obj), Action.SKIPPED, "mode: Ignore") for d in self.desired if d.ignore_mode
        )


class Looked(NamedTuple):
    """What a round read before its first write."""

    work: Round
    prefetched: Prefetched
    """What the target cache could not tell, read for the ownership check and the apply."""
    refused: set[str]
    """Keys of the new objects another MR owns: never written into the inventory, refused by the apply."""


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def waits_for_other_class(mr: Mapping[str, Any], finalizer: str) -> bool:
    """GRM's ``IsWaitForCleanupRequired``: the first GRM finalizer on the MR belongs to another class."""
    ours = [f for f in _meta(mr).get("finalizers") or () if f.startswith(classes.FINALIZER_PREFIX)]
    return bool(ours) and ours[0] != finalizer


class Reconciler:
    """Reconciles ManagedResources of the source cluster into the target cluster."""

    def __init__(self, source: Client, target: Client, settings: Settings | None = None) -> None:
        self.source = source
        self.target = target
        self.settings = settings or Settings()
        self.finalizer = classes.finalizer_name(self.settings.resource_class)
        self.cache = TargetCache(
            target,
            managed_by=self.settings.managed_by,
            cluster_id=self.settings.cluster_id,
            takeover_managers=self.settings.takeover_managers,
        )
        """Watches of the managed kinds and what was applied last (zero-write resyncs, drift, health)."""
        self._written: dict[tuple[str, str], str] = {}
        """The resourceVersion our last write to each MR returned."""

    async def reconcile(
        self, namespace: str, name: str, secrets: SecretLookup, cached: Mapping[str, Any] | None = None
    ) -> ReconcileResult:
        """Bring the MR ``namespace/name`` one step closer to its desired state.

        ``cached`` is the MR from the controller's cache (read-only): used instead of a GET when it is the
        version our last write returned (or we have not written it), so that a periodic round of an
        unchanged MR sends no request. Any other version may be older than our own write: read it."""
        written = self._written.get((namespace, name))
        mr = dict(cached) if cached is not None and written in (None, _meta(cached).get("resourceVersion")) else None
        if mr is None:
            try:
                mr = await self.source.get(MR_API_VERSION, MR_KIND, name, namespace=namespace)
            except NotFound:
                self._written.pop((namespace, name), None)
                await self.cache.release((namespace, name))
                return ReconcileResult()
        try:
            return await self._dispatch(mr, secrets)
        except Conflict as exc:  # a concurrent MR change: retry on the fresh object
            log.info("conflict writing the ManagedResource, retrying", mr=f"{namespace}/{name}", request=exc.method)
            return ReconcileResult(error=error_text(exc))

    async def _dispatch(self, mr: Obj, secrets: SecretLookup) -> ReconcileResult:
        responsible = classes.responsible(self.settings.resource_class, mr)
        has_finalizer = self.finalizer in (_meta(mr).get("finalizers") or ())
        if not responsible and not has_finalizer:  # another class' MR: not even its annotations are ours
            return ReconcileResult()
        operation = ann.annotations_of(mr).get(ann.OPERATION)
        if operation == "wait-for-state":
            return ReconcileResult()
        if operation == "reconcile":
            mr = await self._patch_mr(mr, {"metadata": {"annotations": {ann.OPERATION: None}}})
        deleting = bool(_meta(mr).get("deletionTimestamp"))
        if ann.ignored(mr) and not deleting:
            await self._write_status(mr, {"conditions": cond.ignored_conditions(self._conditions(mr), _now())})
            return ReconcileResult()
        if deleting or not responsible:
            return await self._delete(mr)
        if waits_for_other_class(mr, self.finalizer):
            log.info("waiting for another class to clean up", mr=_name(mr))
            return ReconcileResult()
        finalize = None
        if not has_finalizer:
            finalize = {"metadata": {"finalizers": [*(_meta(mr).get("finalizers") or ()), self.finalizer]}}
        return await self._reconcile(mr, secrets, finalize)

    # --- reconcile path ---------------------------------------------------------------------------------
    async def _reconcile(self, mr: Obj, lookup: SecretLookup, finalize: Obj | None) -> ReconcileResult:
        """Read Secrets → decode → desired → widen the inventory → release → apply → prune → narrow →
        health and status; one log line of what the round did. ``finalize``: the patch adding our finalizer,
        when the MR lacks it."""
        started = time.monotonic()
        mr, looked = await asyncio.gather(self._finalized(mr, finalize), self._look(mr, lookup))
        if isinstance(looked, str):
            conditions = self._applied(mr, cond.FALSE, msg.CANNOT_READ_SECRET, looked)
            await self._write_status(mr, {"conditions": conditions})
            return ReconcileResult(error=looked)
        work, prefetched, refused = looked
        mr, widened = await self._widen(mr, work, refused)
        changes = work.ignored()
        result = await self._release(mr, work)
        if result is None:
            applied = await self._apply(mr, work, prefetched)
            pruned = await self._prune(mr, work)
            changes += applied + ChangeSet.of(pruned.changes)
            result = await self._conclude(mr, work, widened, applied, pruned)
        log.info(
            "reconciled",
            mr=_name(mr),
            objects=len(work.new_refs),
            changes=changes.summary(),
            **{str(action): n for action, n in changes.counts().items()},
            seconds=round(time.monotonic() - started, 3),
        )
        return result._replace(changes=changes)

    async def _read_secrets(self, mr: Obj, lookup: SecretLookup) -> SecretsRead:
        """The referenced Secrets in order (cache first, then a GET), or GRM's error text."""
        namespace = _meta(mr).get("namespace", "")
        secrets = []
        for ref in (mr.get("spec") or {}).get("secretRefs") or []:
            name = ref.get("name", "") if isinstance(ref, Mapping) else ""
            secret = lookup(namespace, name)
            if secret is None:
                try:
                    secret = await self.source.get("v1", "Secret", name, namespace=namespace)
                except KubeError as exc:
                    return SecretsRead([], error_text(exc))
            secrets.append(secret)
        return SecretsRead(secrets)

    async def _round(self, mr: Obj, secrets: list[Obj]) -> Round:
        """Decode the Secrets and build the desired objects and their inventory diff (no writes)."""
        # Decoding big (or hostile) data takes CPU seconds: off the event loop, other MRs keep being served.
        manifests, decoding_errors = await asyncio.to_thread(decode_secrets, secrets)
        desired = build_desired(
            manifests,
            mr,
            await self._scopes(manifests),
            cluster_id=self.settings.cluster_id,
            managed_by=self.settings.managed_by,
        )
        equivalences = build_equivalences((mr.get("spec") or {}).get("equivalences"))
        old = list((mr.get("status") or {}).get("resources") or [])
        return Round(
            desired=desired,
            decoding_errors=decoding_errors,
            diff=diff_inventory(old, desired, equivalences),
            new_refs=new_references(desired),
            equivalences=equivalences,
            checksum=secrets_data_checksum(d.raw for d in desired if not d.ignore_mode),
            origin=_origin(mr, self.settings.cluster_id),
        )

    async def _finalized(self, mr: Obj, finalize: Obj | None) -> Obj:
        """The MR with our finalizer: patched in when ``finalize`` is given. Runs while the round reads
        (:meth:`_look`): nothing is written to the target before it is done (the widened inventory is
        written after it, the objects after that)."""
        return mr if finalize is None else await self._patch_mr(mr, finalize)

    async def _look(self, mr: Obj, lookup: SecretLookup) -> Looked | str:
        """Everything a round reads before its first write (or why the Secrets cannot be read): the round,
        what the cache could not tell (read once, concurrently, for the ownership check and the apply) and
        the keys of the new objects another MR owns."""
        read = await self._read_secrets(mr, lookup)
        if read.error is not None:
            return read.error
        work = await self._round(mr, read.secrets)
        to_apply = work.to_apply
        await self.cache.ensure(_key(mr), types_for(d.reference for d in to_apply))
        prefetched = await self.cache.prefetch(d.obj for d in to_apply if type_meta_problem(d.obj) is None)
        old = list((mr.get("status") or {}).get("resources") or [])
        new = added(old, work.new_refs, work.equivalences)
        return Looked(work, prefetched, await self._owned_by_others(to_apply, new, work.origin, prefetched))

    async def _widen(self, mr: Obj, work: Round, refused: set[str]) -> tuple[Obj, list[Mapping[str, Any]]]:
        """Write old + new ``status.resources`` before any object is touched (without the objects another
        MR owns, ``refused``), and reset the checks when the resources changed."""
        status = mr.get("status") or {}
        old = list(status.get("resources") or [])
        conditions = self._conditions(mr)
        if checks_must_reset(status, work.new_refs, work.checksum):
            conditions = cond.reset_for_changed_resources(conditions, _now())
        widened = widen(old, [r for r in work.new_refs if key_of(r) not in refused], work.equivalences)
        mr = await self._write_status(mr, {"conditions": conditions, "resources": widened})
        return mr, widened

    async def _release(self, mr: Obj, work: Round) -> ReconcileResult | None:
        """Release objects now in ``mode: Ignore``; the failed round's result if that failed."""
        failures = await release_orphans(self.target, work.diff.to_release, work.origin)
        if not failures:
            return None
        message = msg.release_message([f.message for f in failures])
        await self._write_status(mr, {"conditions": self._applied(mr, cond.FALSE, msg.RELEASE_FAILED, message)})
        return ReconcileResult(error=message)

    async def _prune(self, mr: Obj, work: Round) -> PruneResult:
        """Delete what left the desired set. Pruning does not wait for a clean apply (as GRM): an object that
        fails because an old one still holds something (a renamed Service keeping its nodePort) gets it in
        the next round. Never while a document fails to decode (its objects would look removed)."""
        if work.decoding_errors:
            return PruneResult()
        return await self._pruner(mr).prune(work.diff.to_prune)

    async def _conclude(
        self, mr: Obj, work: Round, widened: list[Mapping[str, Any]], applied: ChangeSet, pruned: PruneResult
    ) -> ReconcileResult:
        """Narrow the inventory and write the round's last status: apply failures, prune problems, or
        success (ApplySucceeded / DecodingFailed, health)."""
        done = set(pruned.done)
        failures = applied.failures()
        if failures:
            message = msg.apply_failed_message([f.message for f in failures])
            conditions = self._applied(mr, cond.FALSE, msg.APPLY_FAILED, message)
            await self._write_status(mr, {"conditions": conditions, "resources": _without(widened, done)})
            return ReconcileResult(error=message)
        resources = narrow(work.new_refs, _without(work.diff.to_prune, done))
        if pruned.failures:
            message = msg.cleanup_message([f.message for f in pruned.failures])
            conditions = self._applied(mr, cond.FALSE, msg.DELETION_FAILED, message)
            await self._write_status(mr, {"conditions": conditions, "resources": resources})
            return ReconcileResult(error=message)
        if pruned.pending:
            message = msg.cleanup_message(pruned.pending)
            conditions = self._applied(mr, cond.STATUS_PROGRESSING, msg.DELETION_PENDING, message)
            await self._write_status(mr, {"conditions": conditions, "resources": resources})
            return ReconcileResult(requeue_after=self.settings.deletion_requeue)
        decoding = decoding_failed_message(work.decoding_errors) if work.decoding_errors else None
        conditions = cond.applied_result(self._conditions(mr), decoding, _now())
        if decoding is None:  # health is judged only while everything is applied (GRM's gating)
            live_of = await self.cache.live_of(resources)
            conditions = health_conditions(conditions, resources, live_of, self.cache.snapshot_lookup(), _now())
        final = {
            "conditions": conditions,
            "secretsDataChecksum": work.checksum,
            "resources": resources,
            "observedGeneration": _meta(mr).get("generation"),
        }
        await self._write_status(mr, final)
        requeue = min(self.settings.sync_period, self.settings.health_sync_period or math.inf)
        return ReconcileResult(requeue_after=requeue)

    async def _scopes(self, manifests: Iterable[Manifest]) -> Callable[[str, str], bool | None]:
        """``is_namespaced`` for :func:`build_desired`, resolved up front from the target's discovery.

        A kind the target does not serve yet but whose CRD is among the manifests takes the CRD's scope.
        """
        kinds = {(m.obj.get("apiVersion") or "", m.obj.get("kind") or "") for m in manifests}
        scopes_of_crds = crd_scopes(m.obj for m in manifests)
        scopes: dict[tuple[str, str], bool | None] = {}
        for api_version, kind in kinds:
            if not api_version or not kind:
                continue
            try:
                scopes[(api_version, kind)] = (await self.target.resource(api_version, kind)).namespaced
            except (NoMatchError, KubeError):
                scopes[(api_version, kind)] = scopes_of_crds.get((group_of(api_version), kind))
        return lambda api_version, kind: scopes.get((api_version, kind))

    async def _owned_by_others(
        self,
        to_apply: Iterable[DesiredObject],
        new: Iterable[Mapping[str, Any]],
        origin: str,
        prefetched: Prefetched,
    ) -> set[str]:
        """Keys of the objects about to be listed for the first time (``new``) that another MR owns.

        The apply refuses them (and checks again right before writing: this is no lock); leaving them
        out of the widened inventory is what guarantees that deleting this MR never deletes them. The
        live objects come from the target cache; one that cannot be read counts as ours (pruning
        re-checks the origin before any delete anyway).
        """
        keys = {key_of(reference) for reference in new}
        refused: set[str] = set()
        for item in to_apply:
            if item.key not in keys or type_meta_problem(item.obj) is not None:
                continue
            meta = item.obj.get("metadata") or {}
            try:
                seen = await self.cache.observe(
                    item.obj["apiVersion"],
                    item.obj["kind"],
                    meta.get("name") or "",
                    meta.get("namespace"),
                    prefetched=prefetched,
                )
            except KubeError:
                continue
            if ownership_conflict(seen.live, origin) is not None:
                refused.add(item.key)
        return refused

    async def _apply(self, mr: Obj, work: Round, prefetched: Prefetched) -> ChangeSet:
        """Apply the desired objects in install order (:class:`Applier`); one entry per object."""
        spec = mr.get("spec") or {}
        force_labels = spec.get("forceOverwriteLabels") is True
        force_annotations = spec.get("forceOverwriteAnnotations") is True
        previous = work.diff.previous

        def options_for(item: DesiredObject, scaled: bool) -> MergeOptions:
            old = previous.get(item.key) or {}
            return MergeOptions(
                old_labels=old.get("labels") or {},
                old_annotations=old.get("annotations") or {},
                force_overwrite_labels=force_labels,
                force_overwrite_annotations=force_annotations,
                horizontally_scaled=scaled,
            )

        applier = Applier(
            self.target,
            work.origin,
            options_for,
            work.equivalences,
            self.cache,
            _key(mr),
            crd_wait=self.settings.crd_wait,
        )
        return await applier.apply_all(work.to_apply, prefetched)

    def _pruner(self, mr: Mapping[str, Any]) -> Pruner:
        delete_pvcs = (mr.get("spec") or {}).get("deletePersistentVolumeClaims") is True
        origin = _origin(mr, self.settings.cluster_id)
        return Pruner(self.target, origin, delete_pvcs=delete_pvcs, wave_wait=self.settings.wave_wait)

    # --- deletion path ------------------------------------------------------------------------------------
    async def _delete(self, mr: Obj) -> ReconcileResult:
        """MR deleted or handed over to another class: delete (unless keepObjects), drop our finalizer."""
        keep_objects = (mr.get("spec") or {}).get("keepObjects") is True
        conditions = cond.deletion_conditions(self._conditions(mr), _now(), keep_objects=keep_objects)
        mr = await self._write_status(mr, {"conditions": conditions})
        references = to_delete_on_mr_deletion(mr)
        if references:
            pruned = await self._pruner(mr).prune(references)
            done = set(pruned.done)
            remaining = [r for r in references if key_of(r) not in done]
            if not pruned.complete:
                failed = bool(pruned.failures)
                messages = [f.message for f in pruned.failures] or pruned.pending
                status, reason = (
                    (cond.FALSE, msg.DELETION_FAILED) if failed else (cond.STATUS_PROGRESSING, msg.DELETION_PENDING)
                )
                conditions = self._applied(mr, status, reason, msg.cleanup_message(messages))
                await self._write_status(mr, {"conditions": conditions, "resources": remaining})
                if failed:
                    return ReconcileResult(error=msg.cleanup_message(messages))
                return ReconcileResult(requeue_after=self.settings.deletion_requeue)
            mr = await self._write_status(mr, {"resources": remaining})
        finalizers = [f for f in _meta(mr).get("finalizers") or () if f != self.finalizer]
        with contextlib.suppress(NotFound):
            await self._patch_mr(mr, {"metadata": {"finalizers": finalizers or None}})
        await self.cache.release(_key(mr))
        log.info("released managed resource", mr=_name(mr), kept_objects=keep_objects)
        return ReconcileResult()

    # --- MR writes ------------------------------------------------------------------------------------------
    @staticmethod
    def _conditions(mr: Mapping[str, Any]) -> list[Obj]:
        return list((mr.get("status") or {}).get("conditions") or [])

    def _applied(self, mr: Mapping[str, Any], status: str, reason: str, message: str) -> list[Obj]:
        return cond.set_condition(self._conditions(mr), cond.APPLIED, status, reason, message, _now())

    async def _patch_mr(self, mr: Obj, patch: Obj) -> Obj:
        """JSON merge patch of the MR with its resourceVersion as optimistic lock (as GRM)."""
        patch = {**patch, "metadata": {**patch["metadata"], "resourceVersion": _meta(mr).get("resourceVersion")}}
        meta = _meta(mr)
        return self._wrote(
            await self.source.patch(MR_API_VERSION, MR_KIND, meta["name"], patch, namespace=meta["namespace"])
        )

    async def _write_status(self, mr: Obj, changes: Mapping[str, Any]) -> Obj:
        """Update the status subresource with ``changes`` merged in; no request when nothing changes."""
        status = {**(mr.get("status") or {}), **changes}
        if status == (mr.get("status") or {}):
            return mr
        return self._wrote(await self.source.update({**mr, "status": status}, subresource="status"))

    def _wrote(self, mr: Obj) -> Obj:
        self._written[_key(mr)] = _meta(mr).get("resourceVersion", "")
        return mr


def _now() -> datetime:
    return datetime.now(UTC)


def _name(mr: Mapping[str, Any]) -> str:
    return f"{_meta(mr).get('namespace', '')}/{_meta(mr).get('name', '')}"


def _key(mr: Mapping[str, Any]) -> tuple[str, str]:
    return _meta(mr).get("namespace", ""), _meta(mr).get("name", "")


def _origin(mr: Mapping[str, Any], cluster_id: str) -> str:
    return origin_for(*_key(mr), cluster_id)


def _without(references: Iterable[Mapping[str, Any]], keys: set[str]) -> list[Mapping[str, Any]]:
    return [r for r in references if key_of(r) not in keys]
