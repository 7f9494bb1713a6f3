"""Never delete what is not ours, and pruning that no failing apply can hold hostage, on the real cluster.

An object another ManagedResource owns is refused and never enters this MR's inventory; prune and MR
deletion re-check the live object's origin and delete only the very object they looked at (UID
precondition); an object that left the desired set is pruned even when another object fails to apply.
"""

from __future__ import annotations

from typing import Any

import pytest

from devcluster import Cluster
from kubecore import Client, Conflict
from resource_manager.prune import delete_exactly
from tests.kubecore.waiting import until
from tests.resource_manager.controller_harness import (
    MR,
    RunningController,
    condition_history,
    configmap,
    create_mr,
    managed_resource,
    manifests,
    running_controller,
    secret,
    set_manifests,
    start_controller,
    wait_started,
)

pytestmark = pytest.mark.cluster

Obj = dict[str, Any]
ORIGIN = "resources.gardener.cloud/origin"


async def _gone(ctl: RunningController, api_version: str, kind: str, name: str, namespace: str | None) -> bool:
    return not await ctl.exists(api_version, kind, name, namespace)


async def _delete_mr(ctl: RunningController, name: str, namespace: str) -> None:
    await ctl.client.delete(*MR, name, namespace=namespace)
    await until(f"MR {name} gone", lambda: _gone(ctl, *MR, name, namespace))


async def _refused_and_untracked(ctl: RunningController, namespace: str, owner: str) -> None:
    """MR ``b`` lists ConfigMap ``shared`` owned by ``owner``: refused, and not in b's inventory."""
    await create_mr(
        ctl.client, "b", namespace, configmap("shared", namespace, {"owner": "b"}), configmap("own", namespace)
    )
    mr = await ctl.wait_condition(namespace, "b", "False", "ApplyFailed")
    message = next(c for c in mr["status"]["conditions"] if c["type"] == "ResourcesApplied")["message"]
    assert f'it is managed by ManagedResource "{namespace}/{owner}"' in message
    assert [r["name"] for r in mr["status"]["resources"]] == ["own"]  # the refused object is not ours
    assert await ctl.exists("v1", "ConfigMap", "own", namespace)  # the rest of b is applied


@pytest.mark.parametrize("keep_objects", [False, True], ids=["owner-running", "owner-deleted-with-keepObjects"])
async def test_deleting_an_mr_never_deletes_an_object_it_was_refused(
    cluster: Cluster, namespace: str, keep_objects: bool
) -> None:
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        await create_mr(
            ctl.client, "a", namespace, configmap("shared", namespace, {"owner": "a"}), keepObjects=keep_objects
        )
        await ctl.wait_condition(namespace, "a", "True", "ApplySucceeded")
        before = await ctl.client.get("v1", "ConfigMap", "shared", namespace=namespace)
        if keep_objects:  # a goes, its object stays behind with a's origin
            await _delete_mr(ctl, "a", namespace)
        await _refused_and_untracked(ctl, namespace, "a")

        await _delete_mr(ctl, "b", namespace)
        assert await _gone(ctl, "v1", "ConfigMap", "own", namespace)  # b's own object went with it
        after = await ctl.client.get("v1", "ConfigMap", "shared", namespace=namespace)
        assert after["metadata"]["uid"] == before["metadata"]["uid"]
        assert after["data"] == {"owner": "a"}
        assert after["metadata"]["annotations"][ORIGIN] == f"{namespace}/a"
        if not keep_objects:
            mr = await ctl.mr(namespace, "a")
            assert [r["name"] for r in mr["status"]["resources"]] == ["shared"]
            applied = next(c for c in mr["status"]["conditions"] if c["type"] == "ResourcesApplied")
            assert (applied["status"], applied["reason"]) == ("True", "ApplySucceeded")


async def test_an_inventory_entry_recreated_by_another_owner_is_dropped_not_deleted(
    cluster: Cluster, namespace: str
) -> None:
    foreign = configmap("moved", namespace, {"owner": "other"}, annotations={ORIGIN: f"{namespace}/other"})
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        await ctl.stop()  # the test drives its own controller below
        client = ctl.client
        await create_mr(client, "c", namespace, configmap("moved", namespace), configmap("stays", namespace))
        first = start_controller(client, [namespace])
        await wait_started(first)
        ctl.task, ctl.manager = first.task, first.manager
        await ctl.wait_condition(namespace, "c", "True", "ApplySucceeded")
        await ctl.stop()

        # while the controller is down: "moved" leaves c, and someone else re-creates it as theirs
        await set_manifests(client, "c", namespace, configmap("stays", namespace))
        await client.delete("v1", "ConfigMap", "moved", namespace=namespace)
        recreated = await client.create(foreign)
        second = start_controller(client, [namespace])
        await wait_started(second)
        ctl.task, ctl.manager = second.task, second.manager

        async def forgotten() -> bool:
            mr = await ctl.mr(namespace, "c")
            return [r["name"] for r in mr["status"]["resources"]] == ["stays"]

        await until("the re-created object dropped from c's inventory", forgotten)
        mr = await ctl.wait_condition(namespace, "c", "True", "ApplySucceeded")
        assert mr["status"]["observedGeneration"] == mr["metadata"]["generation"]
        live = await client.get("v1", "ConfigMap", "moved", namespace=namespace)
        assert live["metadata"]["uid"] == recreated["metadata"]["uid"]
        assert live["data"] == {"owner": "other"}


async def test_delete_exactly_spares_an_object_recreated_since_it_was_read(cluster: Cluster, namespace: str) -> None:
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        client: Client = ctl.client
        seen = await client.create(configmap("x", namespace))
        await client.delete("v1", "ConfigMap", "x", namespace=namespace)
        again = await client.create(configmap("x", namespace, {"k": "new"}))
        with pytest.raises(Conflict):
            await delete_exactly(client, seen, None)
        live = await client.get("v1", "ConfigMap", "x", namespace=namespace)
        assert live["metadata"]["uid"] == again["metadata"]["uid"]
        assert await delete_exactly(client, live, None) is None  # the object it read: deleted, gone at once
        assert await _gone(ctl, "v1", "ConfigMap", "x", namespace)


def _service(name: str, namespace: str, node_port: int) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"type": "NodePort", "selector": {"app": "x"}, "ports": [{"port": 80, "nodePort": node_port}]},
    }


async def _free_node_port(client: Client) -> int:
    used = {
        port.get("nodePort")
        for service in (await client.list("v1", "Service"))["items"]
        for port in (service.get("spec") or {}).get("ports") or []
    }
    return next(port for port in range(32000, 32767) if port not in used)


async def test_a_renamed_service_keeping_its_node_port_converges(cluster: Cluster, namespace: str) -> None:
    failed = ("ResourcesApplied", "False", "ApplyFailed")
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        port = await _free_node_port(ctl.client)
        await create_mr(ctl.client, "mr", namespace, _service("old", namespace, port))
        await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
        old = await ctl.client.get("v1", "Service", "old", namespace=namespace)

        # the new Service cannot get the port while the old one holds it; the old one must go anyway
        async with condition_history(ctl.client, namespace, "mr") as seen:
            await set_manifests(ctl.client, "mr", namespace, _service("new", namespace, port))
            await until("the new Service refused while the old one holds the port", lambda: failed in seen)

        async def converged() -> bool:
            mr = await ctl.mr(namespace, "mr")
            applied = await ctl.condition(namespace, "mr")
            names = [r["name"] for r in mr["status"]["resources"]]
            return names == ["new"] and (applied["status"], applied["reason"]) == ("True", "ApplySucceeded")

        await until("the new Service applied with the old one's node port", converged, 60)
        assert await _gone(ctl, "v1", "Service", "old", namespace)
        new = await ctl.client.get("v1", "Service", "new", namespace=namespace)
        assert new["spec"]["ports"][0]["nodePort"] == port
        assert new["metadata"]["uid"] != old["metadata"]["uid"]


async def test_mr_deletion_spares_a_listed_object_another_mr_owns(cluster: Cluster, namespace: str) -> None:
    """An inventory written before ownership was checked (or by hand) still lists another MR's object."""
    foreign = configmap("legacy", namespace, {"owner": "other"}, annotations={ORIGIN: f"{namespace}/other"})
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        client = ctl.client
        await create_mr(client, "c", namespace, configmap("own", namespace))
        await ctl.wait_condition(namespace, "c", "True", "ApplySucceeded")
        legacy = await client.create(foreign)
        await ctl.stop()  # while the controller is down: the inventory lists "legacy", and c is deleted
        mr = await ctl.mr(namespace, "c")
        entry = {"apiVersion": "v1", "kind": "ConfigMap", "name": "legacy", "namespace": namespace}
        mr["status"]["resources"] = [*mr["status"]["resources"], entry]
        await client.update(mr, subresource="status")
        await client.delete(*MR, "c", namespace=namespace)
        restarted = start_controller(client, [namespace])
        await wait_started(restarted)
        ctl.task, ctl.manager = restarted.task, restarted.manager

        await until("MR c gone", lambda: _gone(ctl, *MR, "c", namespace))
        assert await _gone(ctl, "v1", "ConfigMap", "own", namespace)
        live = await client.get("v1", "ConfigMap", "legacy", namespace=namespace)
        assert live["metadata"]["uid"] == legacy["metadata"]["uid"]
        assert live["data"] == {"owner": "other"}


async def test_a_document_that_fails_to_decode_still_blocks_pruning_when_an_apply_fails(
    cluster: Cluster, namespace: str
) -> None:
    good = {"a.yaml": manifests(configmap("a", namespace)), "b.yaml": manifests(configmap("b", namespace))}
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        await ctl.client.create(secret("data", namespace, good))
        await ctl.client.create(managed_resource("mr", namespace, ["data"]))
        await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
        b = await ctl.client.get("v1", "ConfigMap", "b", namespace=namespace)
        no_kind = {"apiVersion": "v1", "metadata": {"name": "broken", "namespace": namespace}}
        changed = {"a.yaml": "kind: [oops\n", "c.yaml": manifests(no_kind)}  # b left, a undecodable, c fails
        await ctl.client.apply(secret("data", namespace, changed), field_manager="test", force=True)
        mr = await ctl.wait_condition(namespace, "mr", "False", "ApplyFailed")
        assert await ctl.exists("v1", "ConfigMap", "a", namespace)
        assert (await ctl.client.get("v1", "ConfigMap", "b", namespace=namespace))["metadata"]["uid"] == b["metadata"][
            "uid"
        ]
        assert {"a", "b"} <= {r["name"] for r in mr["status"]["resources"]}
