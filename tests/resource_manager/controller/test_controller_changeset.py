"""What a round did to each object (the change set) on the real API server, and how it is told: one
``ObjectsChanged`` Event with the summary when something changed, none for a round that changed nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from devcluster import Cluster
from kubecore import Client, load_kubeconfig
from resource_manager.cmd.install import install_crds
from resource_manager.controller.controller import OBJECTS_CHANGED, Controller
from resource_manager.controller.reconciler import Reconciler, ReconcileResult, Settings
from resource_manager.manager.recorder import Recorder
from resource_manager.ssa.changeset import Action
from tests.kubecore.waiting import until
from tests.resource_manager.controller_harness import (
    MR,
    RunningController,
    _delete_mrs,
    configmap,
    create_mr,
    idle,
    set_manifests,
    wait_started,
)

pytestmark = pytest.mark.cluster


@pytest.fixture
async def client(cluster: Cluster) -> AsyncIterator[Client]:
    async with Client(load_kubeconfig([cluster.kubeconfig]), name="changeset-test") as c:
        await install_crds(c)
        yield c


def actions(result: ReconcileResult) -> dict[str, Action]:
    """Object name → action, for the ConfigMaps of a round."""
    assert result.changes is not None
    return {change.name.rsplit("/", 1)[1]: change.action for change in result.changes.changes}


async def test_each_round_reports_created_unchanged_configured_deleted_skipped_failed(
    client: Client, namespace: str
) -> None:
    reconciler = Reconciler(client, client, Settings(wave_wait=5.0))

    async def round_() -> ReconcileResult:
        return await reconciler.reconcile(namespace, "mr", lambda _namespace, _name: None)

    ignored = configmap("ignored", namespace, annotations={"resources.gardener.cloud/mode": "Ignore"})
    untouched = configmap("untouched", namespace, annotations={"resources.gardener.cloud/ignore": "true"})
    a, b = configmap("a", namespace), configmap("b", namespace)
    try:
        await create_mr(client, "mr", namespace, a, b, ignored, untouched)
        first = await round_()
        created = {"a": Action.CREATED, "b": Action.CREATED, "untouched": Action.CREATED}
        assert actions(first) == {**created, "ignored": Action.SKIPPED}
        assert first.changes is not None and first.changes.summary() == "3 created, 1 skipped"

        again = await round_()
        unchanged = {"a": Action.UNCHANGED, "b": Action.UNCHANGED}
        assert actions(again) == {**unchanged, "ignored": Action.SKIPPED, "untouched": Action.SKIPPED}
        assert again.changes is not None and not again.changes.changed

        await set_manifests(client, "mr", namespace, configmap("a", namespace, {"k": "new"}), b)
        third = await round_()
        assert actions(third) == {"a": Action.CONFIGURED, "b": Action.UNCHANGED, "untouched": Action.DELETED}
        assert (await client.get("v1", "ConfigMap", "a", namespace=namespace))["data"] == {"k": "new"}

        # b leaves, an object the API server rejects joins: prune runs anyway (as GRM)
        await set_manifests(
            client, "mr", namespace, configmap("a", namespace, {"k": "new"}), configmap("B_", namespace)
        )
        last = await round_()
        assert actions(last) == {"a": Action.UNCHANGED, "B_": Action.FAILED, "b": Action.DELETED}
        assert last.changes is not None and last.changes.summary() == "1 unchanged, 1 deleted, 1 failed"
        assert last.error is not None and "B_" in last.error
        (failure,) = last.changes.failures()  # GRM's text, which the condition lists
        assert failure.message.startswith(f'error during apply of object "v1/ConfigMap/{namespace}/B_": ')
    finally:
        await client.delete(*MR, "mr", namespace=namespace)

        async def released() -> bool:  # the deletion path: deletes what is listed, drops the finalizer
            await round_()
            return not (await client.list(*MR, namespace=namespace))["items"]

        await until("the MR released", released)
        await reconciler.cache.stop()


async def changed_events(client: Client, namespace: str) -> list[str]:
    items = (await client.list("v1", "Event", namespace=namespace))["items"]
    return sorted(e["message"] for e in items if e["reason"] == OBJECTS_CHANGED)


async def test_a_round_that_changed_objects_records_its_summary_and_an_unchanged_one_nothing(
    client: Client, namespace: str
) -> None:
    reconciler = Reconciler(client, client, Settings(sync_period=30.0, wave_wait=5.0))
    recorder = Recorder(client)
    manager = Controller(client, reconciler, namespaces=[namespace], recorder=recorder)
    ctl = RunningController(client, manager, asyncio.create_task(manager.run(), name="manager"))
    await wait_started(ctl)

    async def settled() -> None:
        await idle(ctl)
        await recorder.flush()

    try:
        await create_mr(client, "mr", namespace, configmap("a", namespace), configmap("b", namespace))
        await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
        await settled()
        assert await changed_events(client, namespace) == ["2 created"]

        # a round with nothing to do (as a resync): no Event
        patch: dict[str, Any] = {"metadata": {"annotations": {"gardener.cloud/operation": "reconcile"}}}
        await client.patch(*MR, "mr", patch, namespace=namespace)

        async def annotation_consumed() -> bool:
            mr = await ctl.mr(namespace, "mr")
            return "gardener.cloud/operation" not in (mr["metadata"].get("annotations") or {})

        await until("the reconcile requested by annotation", annotation_consumed)
        await settled()
        assert await changed_events(client, namespace) == ["2 created"]

        await set_manifests(client, "mr", namespace, configmap("a", namespace))

        async def b_pruned() -> bool:
            return not await ctl.exists("v1", "ConfigMap", "b", namespace)

        await until("b pruned", b_pruned)
        await settled()
        assert await changed_events(client, namespace) == ["1 unchanged, 1 deleted", "2 created"]
    finally:
        try:
            await _delete_mrs(client, [namespace])
        finally:
            await ctl.stop()
            await recorder.flush()
