"""Object annotations on the real cluster: ownership and mode=Ignore hand-over, ignore, keep-object,
delete-on-invalid-update (explicit, implicit for immutable ConfigMaps, propagation), finalize-deletion-after."""

from __future__ import annotations

from typing import Any

import pytest

from devcluster import Cluster
from tests.kubecore.waiting import until
from tests.resource_manager.controller_harness import configmap, create_mr, running_controller, set_manifests

pytestmark = pytest.mark.cluster

Obj = dict[str, Any]
ORIGIN = "resources.gardener.cloud/origin"


async def test_foreign_object_is_refused_until_released_with_mode_ignore(cluster: Cluster, namespace: str) -> None:
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        await create_mr(ctl.client, "old", namespace, configmap("shared", namespace, {"owner": "old"}))
        await ctl.wait_condition(namespace, "old", "True", "ApplySucceeded")
        await create_mr(ctl.client, "new", namespace, configmap("shared", namespace, {"owner": "new"}))
        mr = await ctl.wait_condition(namespace, "new", "False", "ApplyFailed")
        message = mr["status"]["conditions"][-1]["message"]
        assert f'it is managed by ManagedResource "{namespace}/old"' in message
        assert "resources.gardener.cloud/mode=Ignore" in message
        shared = await ctl.client.get("v1", "ConfigMap", "shared", namespace=namespace)
        assert shared["data"] == {"owner": "old"}

        released = configmap(
            "shared", namespace, {"owner": "old"}, annotations={"resources.gardener.cloud/mode": "Ignore"}
        )
        await set_manifests(ctl.client, "old", namespace, released)

        async def adopted() -> bool:
            cm = await ctl.client.get("v1", "ConfigMap", "shared", namespace=namespace)
            return bool(
                cm["metadata"].get("annotations", {}).get(ORIGIN) == f"{namespace}/new" and cm["data"]["owner"] == "new"
            )

        await until("the new MR to adopt the released ConfigMap", adopted)
        await ctl.wait_condition(namespace, "new", "True", "ApplySucceeded")
        old = await ctl.wait_condition(namespace, "old", "True", "ApplySucceeded")
        assert old["status"]["resources"] == []  # mode=Ignore objects are not listed
        await ctl.client.delete("resources.gardener.cloud/v1alpha1", "ManagedResource", "old", namespace=namespace)
        await until("the old MR to be gone", lambda: _gone(ctl, "old", namespace))
        assert await ctl.exists("v1", "ConfigMap", "shared", namespace)  # released, so never deleted by old


async def _gone(ctl: Any, name: str, namespace: str) -> bool:
    return not await ctl.exists("resources.gardener.cloud/v1alpha1", "ManagedResource", name, namespace)


async def test_ignore_and_keep_object(cluster: Cluster, namespace: str) -> None:
    ignored = configmap("ign", namespace, {"k": "v"}, annotations={"resources.gardener.cloud/ignore": "true"})
    kept = configmap("keep", namespace, annotations={"resources.gardener.cloud/keep-object": "true"})
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        await create_mr(ctl.client, "mr", namespace, ignored, kept, configmap("marker", namespace))
        await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
        ign = await ctl.client.get("v1", "ConfigMap", "ign", namespace=namespace)
        assert ORIGIN not in ign["metadata"].get("annotations", {})  # created exactly as written
        assert "resources.gardener.cloud/managed-by" not in ign["metadata"].get("labels", {})
        await ctl.client.patch("v1", "ConfigMap", "ign", {"data": {"k": "by-hand"}}, namespace=namespace)

        # drop "keep" and change "marker": once the new marker data is there, the round has run
        await set_manifests(ctl.client, "mr", namespace, ignored, configmap("marker", namespace, {"k": "2"}))

        async def marker_updated() -> bool:
            marker = await ctl.client.get("v1", "ConfigMap", "marker", namespace=namespace)
            return bool(marker["data"] == {"k": "2"})

        await until("the marker update", marker_updated)
        mr = await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
        assert [r["name"] for r in mr["status"]["resources"]] == ["ign", "marker"]
        assert await ctl.exists("v1", "ConfigMap", "keep", namespace)  # keep-object: not pruned, forgotten
        ign = await ctl.client.get("v1", "ConfigMap", "ign", namespace=namespace)
        assert ign["data"] == {"k": "by-hand"}  # ignore: never updated


async def test_immutable_configmap_is_recreated_on_change(cluster: Cluster, namespace: str) -> None:
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        await create_mr(ctl.client, "mr", namespace, {**configmap("imm", namespace, {"v": "1"}), "immutable": True})
        await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
        before = await ctl.client.get("v1", "ConfigMap", "imm", namespace=namespace)
        await set_manifests(ctl.client, "mr", namespace, {**configmap("imm", namespace, {"v": "2"}), "immutable": True})

        async def recreated() -> bool:
            cm = await ctl.live("v1", "ConfigMap", "imm", namespace)
            return cm is not None and cm["data"] == {"v": "2"}

        await until("the immutable ConfigMap to be re-created with the new data", recreated)
        after = await ctl.client.get("v1", "ConfigMap", "imm", namespace=namespace)
        assert after["metadata"]["uid"] != before["metadata"]["uid"]
        await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")


def _deployment(name: str, namespace: str, selector: str, annotations: dict[str, str]) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "annotations": annotations},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"app": selector}},
            "template": {
                "metadata": {"labels": {"app": selector}},
                "spec": {"containers": [{"name": "c", "image": "nginx:1.7.9"}]},
            },
        },
    }


async def test_delete_on_invalid_update_and_its_propagation(cluster: Cluster, namespace: str) -> None:
    explicit = {
        "resources.gardener.cloud/delete-on-invalid-update": "true",
        "resources.gardener.cloud/deletion-propagation-on-invalid-update": "Background",
    }
    bad_policy = {
        "resources.gardener.cloud/delete-on-invalid-update": "true",
        "resources.gardener.cloud/deletion-propagation-on-invalid-update": "Sideways",
    }
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        docs = [_deployment("plain", namespace, "a", {}), _deployment("recreate", namespace, "a", explicit)]
        await create_mr(ctl.client, "mr", namespace, *docs, _deployment("policy", namespace, "a", bad_policy))
        await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
        uid = (await ctl.client.get("apps/v1", "Deployment", "recreate", namespace=namespace))["metadata"]["uid"]
        # spec.selector is immutable: each update below is rejected with 422 Invalid
        changed = [
            _deployment(n, namespace, "b", a)
            for n, a in (("plain", {}), ("recreate", explicit), ("policy", bad_policy))
        ]
        await set_manifests(ctl.client, "mr", namespace, *changed)

        async def recreated() -> bool:
            live = await ctl.live("apps/v1", "Deployment", "recreate", namespace)
            return (
                live is not None
                and live["metadata"]["uid"] != uid
                and live["spec"]["selector"]["matchLabels"] == {"app": "b"}
            )

        await until("the annotated Deployment to be re-created with the new selector", recreated)
        condition = await ctl.condition(namespace, "mr")
        assert condition["reason"] == "ApplyFailed"
        message = condition["message"]
        assert f'error during apply of object "apps/v1/Deployment/{namespace}/plain"' in message
        assert "is invalid" in message and "field is immutable" in message
        assert (
            'value "Sideways" of annotation "resources.gardener.cloud/deletion-propagation-on-invalid-update" '
            "is invalid" in message
        )
        assert await ctl.exists("apps/v1", "Deployment", "policy", namespace)  # invalid policy: nothing deleted


async def test_finalize_deletion_after_strips_stuck_finalizers(cluster: Cluster, namespace: str) -> None:
    stuck = configmap("stuck", namespace, annotations={"resources.gardener.cloud/finalize-deletion-after": "1s"})
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        await create_mr(ctl.client, "mr", namespace, stuck, configmap("other", namespace))
        await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
        hold = {"metadata": {"finalizers": ["test.example.com/stuck"]}}
        await ctl.client.patch("v1", "ConfigMap", "stuck", hold, namespace=namespace)
        await set_manifests(ctl.client, "mr", namespace, configmap("other", namespace))
        await until("the stuck ConfigMap to be finalized and gone", lambda: _absent(ctl, "stuck", namespace), 40)
        mr = await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
        assert [r["name"] for r in mr["status"]["resources"]] == ["other"]


async def _absent(ctl: Any, name: str, namespace: str) -> bool:
    return not await ctl.exists("v1", "ConfigMap", name, namespace)
