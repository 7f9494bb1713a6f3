"""The source caches on the real cluster: Secrets no MR references are cached without their data; an MR
that starts referencing one (created after it, or changed to it) applies its content all the same; a
periodic round of an unchanged MR reads nothing (MR, Secret and objects all come from caches)."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client import REGISTRY

from devcluster import Cluster
from kubecore import Client, load_kubeconfig
from resource_manager.controller.controller import DATA_DROPPED
from resource_manager.controller.reconciler import Settings
from tests.kubecore.waiting import until
from tests.resource_manager.controller_harness import (
    MR,
    RunningController,
    configmap,
    create_mr,
    managed_resource,
    manifests,
    running_controller,
    secret,
    start_controller,
    wait_started,
)

pytestmark = pytest.mark.cluster


def _cached(ctl: RunningController, namespace: str, name: str) -> dict[str, Any] | None:
    return ctl.manager.secret_informers[0].store.get(f"{namespace}/{name}")


async def _cached_without_data(ctl: RunningController, namespace: str, name: str) -> None:
    async def dropped() -> bool:
        cached = _cached(ctl, namespace, name)
        return cached is not None and DATA_DROPPED in cached

    await until(f"Secret {name} cached without data", dropped)
    cached = _cached(ctl, namespace, name) or {}
    assert "data" not in cached and "stringData" not in cached


async def test_an_mr_created_after_its_secret_applies_its_content(cluster: Cluster, namespace: str) -> None:
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        docs = manifests(configmap("early", namespace, {"k": "from-the-secret"}))
        await ctl.client.create(secret("early", namespace, {"cm.yaml": docs}))
        await _cached_without_data(ctl, namespace, "early")
        await ctl.client.create(managed_resource("mr", namespace, ["early"]))
        await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
        live = await ctl.live("v1", "ConfigMap", "early", namespace)
        assert live is not None and live["data"] == {"k": "from-the-secret"}
        cached = _cached(ctl, namespace, "early") or {}
        assert DATA_DROPPED not in cached and "cm.yaml" in cached["data"]  # later rounds read the cache


async def test_an_mr_changed_to_an_unreferenced_secret_applies_its_content(cluster: Cluster, namespace: str) -> None:
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        await create_mr(ctl.client, "mr", namespace, configmap("first", namespace))
        await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
        docs = manifests(configmap("second", namespace, {"k": "from-the-other-secret"}))
        await ctl.client.create(secret("other", namespace, {"cm.yaml": docs}))
        await _cached_without_data(ctl, namespace, "other")
        await ctl.client.patch(*MR, "mr", {"spec": {"secretRefs": [{"name": "other"}]}}, namespace=namespace)

        async def switched() -> bool:
            live = await ctl.live("v1", "ConfigMap", "second", namespace)
            gone = not await ctl.exists("v1", "ConfigMap", "first", namespace)
            return gone and live is not None and live["data"] == {"k": "from-the-other-secret"}

        await until("the other Secret's ConfigMap applied, the first one pruned", switched)


async def test_a_restarted_manager_caches_referenced_secrets_whole(cluster: Cluster, namespace: str) -> None:
    async with Client(load_kubeconfig([cluster.kubeconfig]), name="first-manager") as client:
        first = start_controller(client, [namespace])
        await wait_started(first)
        try:
            await create_mr(client, "mr", namespace, configmap("cm", namespace))
            await client.create(secret("loose", namespace, {"k": "not-for-the-cache"}))
            await first.wait_condition(namespace, "mr", "True", "ApplySucceeded")
        finally:
            await first.stop()
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        # the MRs are listed before the Secrets: the referenced one keeps its data from the start
        referenced, loose = _cached(ctl, namespace, "mr") or {}, _cached(ctl, namespace, "loose") or {}
        assert DATA_DROPPED not in referenced and "objects.yaml" in referenced["data"]
        assert DATA_DROPPED in loose and "data" not in loose


async def test_a_periodic_round_of_an_unchanged_mr_sends_no_request(cluster: Cluster, namespace: str) -> None:
    def rounds() -> float:
        labels = {"controller": "managedresource", "result": "requeue_after"}
        return REGISTRY.get_sample_value("controller_runtime_reconcile_total", labels) or 0.0

    async with running_controller(cluster.kubeconfig, [namespace], Settings(sync_period=0.3)) as ctl:
        await create_mr(ctl.client, "mr", namespace, configmap("cm", namespace))
        await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
        settled = rounds()
        await until("two more rounds (status settled)", lambda: rounds() >= settled + 2)
        stats = ctl.client.transport.stats
        sent, measured = stats.count() - stats.count("WATCH"), rounds()
        await until("three more rounds", lambda: rounds() >= measured + 3)
        # the MR from the cache, its Secret from the cache, the ConfigMap from the target cache
        assert stats.count() - stats.count("WATCH") == sent
