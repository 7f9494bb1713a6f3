"""docs/migration.md, followed end to end against the real API server.

GRM's side is reproduced exactly as GRM writes it: the managed object created and then replaced with full
PUTs under the field manager ``gardener-resource-manager``, the MR carrying GRM's finalizer and a status
GRM wrote, and GRM's Lease ``gardener-resource-manager`` held by a GRM Pod. The steps are the page's: with
GRM still holding the Lease ours only stands by; once GRM has stopped (it releases the Lease as client-go
does) ours leads, takes GRM's fields over without re-creating the object, and a field dropped from the
manifest disappears; going back, ours releases the Lease on SIGTERM and leaves GRM's finalizer, the
object and its labels in place for GRM's next PUT.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from devcluster import Cluster
from kubecore import Client, load_kubeconfig
from resource_manager.api import annotations as ann
from resource_manager.cmd.install import install_crds
from tests.kubecore.waiting import until
from tests.resource_manager.controller_harness import MR, configmap, managed_resource, manifests, secret
from tests.resource_manager.manager_process import config_file, eventually, running_manager

pytestmark = pytest.mark.cluster

GRM = "gardener-resource-manager"
"""GRM's field manager, Lease name and (with the prefix) finalizer."""
GRM_FINALIZER = "resources.gardener.cloud/gardener-resource-manager"
LEASE = ("coordination.k8s.io/v1", "Lease")


@pytest.fixture
async def client(cluster: Cluster) -> AsyncIterator[Client]:
    async with Client(load_kubeconfig([cluster.kubeconfig]), name="migration-test") as session:
        await install_crds(session)
        yield session


STANDBY_WINDOW = 8.0
"""How long ours is watched not leading while GRM holds the Lease: several of its 2 s retry periods."""


async def never(what: str, happened: Callable[[], bool], seconds: float) -> None:
    """Fail as soon as ``happened()`` holds within ``seconds`` (a property that must stay false, so it
    is observed over a window instead of waited for)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        assert not happened(), what
        await asyncio.sleep(0.2)


def _micro_time() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def _grm_state(client: Client, namespace: str) -> dict[str, Any]:
    """What a running GRM leaves behind for the MR ``app``; returns the managed ConfigMap."""
    stamp = _micro_time()
    await client.create(
        {
            "apiVersion": LEASE[0],
            "kind": LEASE[1],
            "metadata": {"name": GRM, "namespace": namespace},
            "spec": {"holderIdentity": "gardener-resource-manager-5d8f7c-x2k4q", "leaseDurationSeconds": 60}
            | {"acquireTime": stamp, "renewTime": stamp, "leaseTransitions": 0},
        }
    )
    desired = configmap("settings", namespace, {"mode": "fast", "legacy": "x"})
    await client.create(secret("app", namespace, {"objects.yaml": manifests(desired)}))
    mr = managed_resource("app", namespace, ["app"])
    mr["metadata"]["finalizers"] = [GRM_FINALIZER]
    created_mr = await client.create(mr)
    labels = {ann.MANAGED_BY: "gardener"}
    await client.update(
        {
            **created_mr,
            "status": {
                "observedGeneration": 1,
                "resources": [
                    {"apiVersion": "v1", "kind": "ConfigMap", "name": "settings", "namespace": namespace}
                    | {"labels": labels}
                ],
                "conditions": [
                    {"type": kind, "status": status, "reason": reason, "message": message}
                    | {"lastTransitionTime": stamp[:19] + "Z", "lastUpdateTime": stamp[:19] + "Z"}
                    for kind, status, reason, message in (
                        ("ResourcesApplied", "True", "ApplySucceeded", "All resources are applied."),
                        ("ResourcesHealthy", "True", "ResourcesHealthy", "All resources are healthy."),
                        (
                            "ResourcesProgressing",
                            "False",
                            "ResourcesRolledOut",
                            "All resources have been fully rolled out.",
                        ),
                    )
                ],
            },
        },
        subresource="status",
        field_manager=GRM,
    )
    metadata = {
        "labels": labels,
        "annotations": {ann.ORIGIN: f"{namespace}/app", ann.DESCRIPTION: ann.DESCRIPTION_TEXT},
    }
    grm_object = configmap("settings", namespace, {"mode": "fast", "legacy": "x"}, **metadata)
    created = await client.create(grm_object, field_manager=GRM)
    return await client.update({**created, "data": {"mode": "fast", "legacy": "x"}}, field_manager=GRM)


def _managers(obj: dict[str, Any]) -> dict[str, set[str]]:
    """Field manager → the top-level fields it owns."""
    return {entry["manager"]: set(entry.get("fieldsV1") or {}) for entry in obj["metadata"].get("managedFields", [])}


async def test_the_migration_guide_from_grm_and_back(
    cluster: Cluster, client: Client, namespace: str, tmp_path: Path
) -> None:
    grm_object = await _grm_state(client, namespace)
    assert _managers(grm_object)[GRM] >= {"f:data", "f:metadata"}
    election = {"leaderElect": True, "resourceNamespace": namespace, "leaseDuration": "6s", "renewDeadline": "4s"}
    config = config_file(
        tmp_path / "config.yaml",
        cluster.kubeconfig,
        sourceClientConnection={"namespaces": [namespace]},
        leaderElection=election,
    )
    async with running_manager(config) as ours:
        # 2. "if GRM is still running, this controller becomes ready but stands by"
        await eventually("ours ready", lambda: ours.get("/readyz"), lambda answer: answer[0] == 200)
        await never("ours acquires GRM's live Lease", lambda: bool(ours.logged("acquired lease")), STANDBY_WINDOW)
        assert await ours.metric("leader_election_master_status", name=GRM) == 0
        live = await client.get("v1", "ConfigMap", "settings", namespace=namespace)
        assert live["metadata"]["resourceVersion"] == grm_object["metadata"]["resourceVersion"]

        # 1. GRM stops: it releases its Lease as client-go does
        lease = await client.get(*LEASE, GRM, namespace=namespace)
        stamp = _micro_time()
        released = {"holderIdentity": "", "leaseDurationSeconds": 1, "acquireTime": stamp, "renewTime": stamp}
        await client.update({**lease, "spec": {**lease["spec"], **released}})
        await ours.wait_logged("acquired lease", seconds=30)

        # 3. the first round takes GRM's fields over; the object is not re-created
        async def taken_over() -> bool:
            now = await client.get("v1", "ConfigMap", "settings", namespace=namespace)
            managers = _managers(now)
            return "f:data" in managers.get("resource-manager", set()) and managers.get(GRM, set()) <= {"f:metadata"}

        await until("GRM's fields taken over", taken_over, 30)
        live = await client.get("v1", "ConfigMap", "settings", namespace=namespace)
        assert live["metadata"]["uid"] == grm_object["metadata"]["uid"]
        assert live["metadata"]["labels"][ann.MANAGED_BY] == "gardener"
        mr = await client.get(*MR, "app", namespace=namespace)
        assert mr["metadata"]["finalizers"] == [GRM_FINALIZER]
        holder = (await client.get(*LEASE, GRM, namespace=namespace))["spec"]["holderIdentity"]
        assert holder and holder != "gardener-resource-manager-5d8f7c-x2k4q"

        # a field dropped from the manifest disappears, as it did with GRM
        dropped = configmap("settings", namespace, {"mode": "fast"})
        await client.apply(
            secret("app", namespace, {"objects.yaml": manifests(dropped)}), field_manager="t", force=True
        )

        async def legacy_gone() -> bool:
            now = await client.get("v1", "ConfigMap", "settings", namespace=namespace)
            return bool(now["data"] == {"mode": "fast"})

        await until("the dropped field removed", legacy_gone, 30)

        # going back: SIGTERM ends ours with exit 0 and releases the Lease
        ours.signal(signal.SIGTERM)
        assert await ours.wait() == 0
    lease = await client.get(*LEASE, GRM, namespace=namespace)
    assert lease["spec"]["holderIdentity"] == ""
    mr = await client.get(*MR, "app", namespace=namespace)
    assert mr["metadata"]["finalizers"] == [GRM_FINALIZER]
    live = await client.get("v1", "ConfigMap", "settings", namespace=namespace)
    assert live["metadata"]["uid"] == grm_object["metadata"]["uid"]
    # GRM's next PUT of the whole object is accepted (it does not use server-side apply)
    again = await client.update({**live, "data": {"mode": "fast"}}, field_manager=GRM)
    assert again["data"] == {"mode": "fast"}
