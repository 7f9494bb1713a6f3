"""Pruning on the real cluster: waves in reverse install order, PVCs of StatefulSets, keepObjects, and the
inventory surviving a controller killed in the middle of a large apply."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from devcluster import Cluster
from kubecore import Client, ListOptions
from kubecore.informer import Informer
from resource_manager.controller.reconciler import Settings
from tests.kubecore.waiting import until
from tests.resource_manager.controller_harness import (
    MR,
    configmap,
    create_mr,
    running_controller,
    set_manifests,
    start_controller,
    wait_started,
)

pytestmark = pytest.mark.cluster

Obj = dict[str, Any]


def _app(namespace: str) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "app", "namespace": namespace},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "app"}},
            "template": {
                "metadata": {"labels": {"app": "app"}},
                "spec": {
                    "terminationGracePeriodSeconds": 0,
                    "containers": [
                        {"name": "c", "image": "nginx:1.7.9", "volumeMounts": [{"name": "conf", "mountPath": "/c"}]}
                    ],
                    "volumes": [{"name": "conf", "configMap": {"name": "conf"}}],
                },
            },
        },
    }


@contextlib.asynccontextmanager
async def deletions(client: Client, namespace: str, child: str) -> AsyncIterator[list[str]]:
    """Record, in order, ``Kind/name`` of deleted ConfigMaps/Deployments/Services and terminating Namespaces."""
    seen: list[str] = []

    def deleted(obj: Obj) -> None:
        seen.append(f"{obj['kind']}/{obj['metadata']['name']}")

    def terminating(_old: Obj, new: Obj) -> None:
        if new["metadata"].get("deletionTimestamp") and f"Namespace/{child}" not in seen:
            seen.append(f"Namespace/{child}")

    informers = [
        Informer(client, "v1", "ConfigMap", namespace=namespace),
        Informer(client, "v1", "ConfigMap", namespace=child),
        Informer(client, "v1", "Service", namespace=namespace),
        Informer(client, "apps/v1", "Deployment", namespace=namespace),
    ]
    namespaces = Informer(client, "v1", "Namespace", options=ListOptions(field_selector=f"metadata.name={child}"))
    for informer in informers:
        informer.add_handler(on_delete=deleted)
    namespaces.add_handler(
        on_update=terminating, on_delete=lambda _: terminating({}, {"metadata": {"deletionTimestamp": 1}})
    )
    async with contextlib.AsyncExitStack() as stack:
        for informer in [*informers, namespaces]:
            await stack.enter_async_context(informer)
            await informer.wait_synced()
        yield seen


async def test_prune_waves_delete_workloads_before_what_they_mount_and_namespaces_last(
    cluster: Cluster, namespace: str
) -> None:
    child = f"{namespace}-child"
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "svc", "namespace": namespace},
        "spec": {"selector": {"app": "app"}, "ports": [{"port": 80}]},
    }
    child_ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": child}}
    docs = [configmap("conf", namespace), _app(namespace), service, child_ns, configmap("inner", child)]
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        await create_mr(ctl.client, "mr", namespace, *docs, configmap("marker", namespace))
        await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
        async with deletions(ctl.client, namespace, child) as seen:
            await set_manifests(ctl.client, "mr", namespace, configmap("marker", namespace))

            async def pruned() -> bool:
                mr = await ctl.mr(namespace, "mr")
                return [r["name"] for r in mr["status"].get("resources", [])] == ["marker"]

            await until("everything but the marker pruned", pruned, 90)
        order = [s for s in seen if s != "ConfigMap/marker"]
        assert order.index("Deployment/app") < order.index("ConfigMap/conf"), order
        assert order.index("Service/svc") < order.index("ConfigMap/conf"), order
        assert order.index("ConfigMap/inner") < order.index(f"Namespace/{child}"), order
        assert order.index("ConfigMap/conf") < order.index(f"Namespace/{child}"), order


async def test_statefulset_pvcs_are_deleted_with_delete_persistent_volume_claims(
    cluster: Cluster, namespace: str
) -> None:
    sts = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": namespace},
        "spec": {
            "replicas": 1,
            "serviceName": "db",
            "selector": {"matchLabels": {"app": "db"}},
            "template": {
                "metadata": {"labels": {"app": "db"}},
                "spec": {"terminationGracePeriodSeconds": 0, "containers": [{"name": "c", "image": "nginx:1.7.9"}]},
            },
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "data"},
                    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
                }
            ],
        },
    }
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        await create_mr(
            ctl.client, "mr", namespace, sts, configmap("marker", namespace), deletePersistentVolumeClaims=True
        )
        await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
        await until(
            "the StatefulSet's PVC", lambda: ctl.exists("v1", "PersistentVolumeClaim", "data-db-0", namespace), 60
        )
        # and its Pod: removed before the Pod exists, the StatefulSet controller may still create the Pod
        # and, the PVC being gone, a new PVC that outlives the StatefulSet (a race GRM has as well)
        await until("the StatefulSet's Pod", lambda: ctl.exists("v1", "Pod", "db-0", namespace), 60)
        pvc = await ctl.client.get("v1", "PersistentVolumeClaim", "data-db-0", namespace=namespace)
        assert (
            pvc["metadata"]["labels"]["resources.gardener.cloud/managed-by"] == "gardener"
        )  # injected into the template

        await set_manifests(ctl.client, "mr", namespace, configmap("marker", namespace))

        async def pvc_gone() -> bool:
            return not await ctl.exists("v1", "PersistentVolumeClaim", "data-db-0", namespace)

        # kwok removes the Pod (and so the PVC's protection finalizer) slowly when the machine is busy
        await until("the PVC deleted with its StatefulSet", pvc_gone, 180)
        await until("the StatefulSet gone", lambda: _gone(ctl, "apps/v1", "StatefulSet", "db", namespace), 90)


async def _gone(ctl: Any, api_version: str, kind: str, name: str, namespace: str) -> bool:
    return not await ctl.exists(api_version, kind, name, namespace)


async def test_keep_objects_leaves_everything_on_mr_deletion(cluster: Cluster, namespace: str) -> None:
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        await create_mr(ctl.client, "mr", namespace, configmap("stays", namespace), keepObjects=True)
        await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
        await ctl.client.delete(*MR, "mr", namespace=namespace)
        await until("the MR gone", lambda: _gone(ctl, *MR, "mr", namespace))
        assert await ctl.exists("v1", "ConfigMap", "stays", namespace)


async def test_killed_mid_apply_leaves_nothing_untracked_and_converges(cluster: Cluster, namespace: str) -> None:
    many = [configmap(f"cm-{i:03d}", namespace) for i in range(150)]
    settings = Settings(sync_period=30.0)
    async with running_controller(cluster.kubeconfig, [namespace], settings) as ctl:
        await ctl.stop()  # the test drives its own controller below
        client = ctl.client
        await create_mr(client, "mr", namespace, *many)
        first = start_controller(client, [namespace], settings)
        await wait_started(first)

        async def some_created() -> bool:
            listed = await client.list(
                "v1",
                "ConfigMap",
                namespace=namespace,
                options=ListOptions(label_selector="resources.gardener.cloud/managed-by"),
            )
            return len(listed["items"]) >= 20

        await until("the apply to be under way", some_created)
        await first.stop()  # killed in the middle of the apply round
        created = await _managed_names(client, namespace)
        assert 20 <= len(created) < 150, len(created)
        mr = await client.get(*MR, "mr", namespace=namespace)
        tracked = {r["name"] for r in mr["status"]["resources"]}
        assert created <= tracked  # every object created so far is in the inventory
        assert mr["status"].get("observedGeneration") is None

        await set_manifests(client, "mr", namespace, *many[:10])  # shrink while the controller is down
        second = start_controller(client, [namespace], settings)
        await wait_started(second)
        ctl.task, ctl.manager = second.task, second.manager
        mr = await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded", seconds=60)
        assert [r["name"] for r in mr["status"]["resources"]] == [f"cm-{i:03d}" for i in range(10)]
        assert await _managed_names(client, namespace) == {f"cm-{i:03d}" for i in range(10)}


async def _managed_names(client: Client, namespace: str) -> set[str]:
    listed = await client.list("v1", "ConfigMap", namespace=namespace)
    return {
        cm["metadata"]["name"]
        for cm in listed["items"]
        if cm["metadata"].get("annotations", {}).get("resources.gardener.cloud/origin") == f"{namespace}/mr"
    }


async def test_a_service_stuck_in_deletion_shows_its_warning_events(cluster: Cluster, namespace: str) -> None:
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "lb", "namespace": namespace},
        "spec": {"selector": {"app": "x"}, "ports": [{"port": 80}]},
    }
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    warning = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "lb.warning", "namespace": namespace},
        "involvedObject": {"apiVersion": "v1", "kind": "Service", "name": "lb", "namespace": namespace},
        "type": "Warning",
        "reason": "SyncLoadBalancerFailed",
        "message": "cannot delete the load balancer",
        "count": 1,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "source": {"component": "service-controller"},
    }
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        await create_mr(ctl.client, "mr", namespace, service, configmap("marker", namespace))
        await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
        await ctl.client.patch(
            "v1", "Service", "lb", {"metadata": {"finalizers": ["test.example.com/hold"]}}, namespace=namespace
        )
        await ctl.client.create(warning)
        try:
            await set_manifests(ctl.client, "mr", namespace, configmap("marker", namespace))

            async def explained() -> bool:
                return "-> Events:" in (await ctl.condition(namespace, "mr"))["message"]

            await until("the Service's warning events in the DeletionPending message", explained)
            condition = await ctl.condition(namespace, "mr")
            assert (condition["status"], condition["reason"]) == ("Progressing", "DeletionPending")
            assert condition["message"].startswith(
                "Could not clean all old resources: 1 error occurred: "
                f'deletion of old resource "v1/Service/{namespace}/lb" is still pending\n\n-> Events:\n'
                "* service-controller reported "
            )
            assert condition["message"].endswith(" ago: cannot delete the load balancer")
        finally:
            await ctl.client.patch("v1", "Service", "lb", {"metadata": {"finalizers": None}}, namespace=namespace)
        await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
