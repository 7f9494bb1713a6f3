"""`fetch_and_resolve` against the real control plane (kwok runs the Pods)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from kstatus import Status
from kstatus.live.events import ResourceStatus
from kstatus.live.fetch import fetch_and_resolve
from kstatus.live.ids import ObjectId, id_of
from kubecore import Client, NoMatchError
from tests.kstatus.live import manifests
from tests.kubecore.waiting import until

pytestmark = pytest.mark.cluster
FIELD_MANAGER = "kstatus-live-test"


async def until_status(client: Client, oid: ObjectId, wanted: Status, seconds: float = 90) -> ResourceStatus:
    """Re-fetch until `oid` has the wanted status (a wait for a condition, not a fixed sleep)."""
    async with asyncio.timeout(seconds):
        while True:
            [result] = await fetch_and_resolve(client, [oid])
            if result.status == wanted:
                return result
            await asyncio.sleep(0.1)


@pytest.fixture
async def crd_group(client: Client) -> AsyncIterator[str]:
    """A Widget CRD in a fresh group, deleted afterwards."""
    group = manifests.unique_group()
    definition = manifests.crd(group, "Widget")
    await client.apply(definition, field_manager=FIELD_MANAGER)

    async def served() -> bool:  # discovery lists the kind once the CRD is Established, not at once
        try:
            await client.resource(f"{group}/v1", "Widget")
        except NoMatchError:
            return False
        return True

    await until(f"Widget served in {group}", served)
    yield group
    await client.delete(definition["apiVersion"], definition["kind"], definition["metadata"]["name"])


async def test_deployment_is_current_with_its_replicaset_and_pods(client: Client, namespace: str) -> None:
    web = manifests.deployment("web", namespace, replicas=2)
    await client.apply(web, field_manager=FIELD_MANAGER)
    result = await until_status(client, id_of(web), Status.CURRENT)
    assert result.message == "Deployment is available. Replicas: 2"
    [rs] = result.generated
    assert (rs.id.kind, rs.status, rs.message) == ("ReplicaSet", Status.CURRENT, "ReplicaSet is available. Replicas: 2")
    assert [(p.id.kind, p.status, p.message) for p in rs.generated] == [("Pod", Status.CURRENT, "Pod is Ready")] * 2


async def test_crash_looping_pods_make_the_replicaset_failed(client: Client, namespace: str) -> None:
    web = manifests.deployment("crashy", namespace, crash_loop=True)
    await client.apply(web, field_manager=FIELD_MANAGER)
    listed = await client.list("apps/v1", "ReplicaSet", namespace=namespace)
    while not listed["items"]:
        await asyncio.sleep(0.1)
        listed = await client.list("apps/v1", "ReplicaSet", namespace=namespace)
    rs = await until_status(client, id_of(listed["items"][0]), Status.FAILED)
    assert rs.message == "1 pods have failed"
    assert rs.generated[0].message == "Containers in CrashLoop state: app"
    [deployment] = await fetch_and_resolve(client, [id_of(web)])
    assert deployment.status == Status.IN_PROGRESS  # upstream never overrides a Deployment's own status
    assert deployment.generated[0].status == Status.FAILED


async def test_missing_unserved_unreadable_and_unscoped_objects(client: Client, namespace: str, crd_group: str) -> None:
    await client.apply(manifests.config_map("a", namespace), field_manager=FIELD_MANAGER)
    await client.apply(manifests.config_map("b", namespace), field_manager=FIELD_MANAGER)
    widget = manifests.custom(crd_group, "Widget", "w", namespace)
    created = await client.create(widget)
    await client.patch(
        f"{crd_group}/v1",
        "Widget",
        "w",
        {"status": {"observedGeneration": "1"}},
        namespace=namespace,
        subresource="status",
    )
    assert created["metadata"]["generation"] == 1
    ids = [
        ObjectId("", "ConfigMap", namespace, "a"),  # two ids of one kind and namespace: one LIST
        ObjectId("", "ConfigMap", namespace, "b"),
        ObjectId("", "ConfigMap", namespace, "gone"),
        ObjectId("", "Secret", namespace, "gone"),  # a lone id: one GET, 404
        ObjectId("example.invalid", "Gadget", namespace, "g"),
        ObjectId(crd_group, "Widget", namespace, "w"),
        ObjectId("", "ConfigMap", "", "no-namespace"),
        ObjectId("", "Namespace", "", namespace),
    ]
    results = {r.id: r for r in await fetch_and_resolve(client, ids)}
    assert [(results[i].status, results[i].text) for i in ids] == [
        (Status.CURRENT, "Resource is always ready"),
        (Status.CURRENT, "Resource is always ready"),
        (Status.NOT_FOUND, "Resource not found"),
        (Status.NOT_FOUND, "Resource not found"),
        (Status.NOT_FOUND, "Resource not found: the cluster does not serve kind Gadget.example.invalid"),
        (Status.UNKNOWN, "status.observedGeneration: expected an integer, got string"),
        (Status.UNKNOWN, "ConfigMap no-namespace is namespaced, but no namespace was given"),
        (Status.CURRENT, "Resource is current"),
    ]
