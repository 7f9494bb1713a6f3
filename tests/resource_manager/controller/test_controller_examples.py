"""The two examples in examples/, end to end on the real control plane with the controller in-process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devcluster import Cluster
from kubecore import ListOptions
from resource_manager.controller.reconciler import Settings
from tests.kubecore.waiting import until
from tests.resource_manager.controller_harness import running_controller

pytestmark = pytest.mark.cluster

EXAMPLES = Path(__file__).parents[3] / "examples"


@pytest.fixture
def example_configmaps(cluster: Cluster) -> Iterator[Path]:
    path = EXAMPLES / "configmaps" / "managedresource.yaml"
    yield path
    cluster.kubectl("delete", "-f", str(path), "--ignore-not-found", "--wait=false")


@pytest.fixture
def example_nginx(cluster: Cluster) -> Iterator[Path]:
    path = EXAMPLES / "nginx" / "managedresource.yaml"
    yield path
    cluster.kubectl("delete", "-f", str(path), "--ignore-not-found", "--wait=false")


async def test_example_configmaps_are_created_and_a_manual_change_is_reverted(
    cluster: Cluster, example_configmaps: Path
) -> None:
    async with running_controller(cluster.kubeconfig, ["default"], Settings(sync_period=1.0)) as ctl:
        cluster.kubectl("apply", "-f", str(example_configmaps))
        mr = await ctl.wait_condition("default", "example-configmaps", "True", "ApplySucceeded")
        assert [r["name"] for r in mr["status"]["resources"]] == ["test-1234", "test-5678"]
        first = await ctl.client.get("v1", "ConfigMap", "test-1234", namespace="default")
        second = await ctl.client.get("v1", "ConfigMap", "test-5678", namespace="default")
        assert (first["data"], second["data"]) == ({"foo": "bar"}, {"abc": "xyz"})
        assert first["metadata"]["annotations"]["resources.gardener.cloud/origin"] == "default/example-configmaps"

        cluster.kubectl(
            "patch", "configmap", "test-1234", "-n", "default", "--type=merge", "-p", '{"data":{"foo":"x"}}'
        )
        edited = await ctl.client.get("v1", "ConfigMap", "test-1234", namespace="default")
        assert edited["data"] == {"foo": "x"}

        async def reverted() -> bool:
            cm = await ctl.client.get("v1", "ConfigMap", "test-1234", namespace="default")
            return bool(cm["data"] == {"foo": "bar"})

        await until("the manual edit of test-1234 to be reverted", reverted, 15)
    # leaving the controller deleted the MR, and with it both ConfigMaps
    assert not await _exists(cluster, "configmap", "test-1234")
    assert not await _exists(cluster, "configmap", "test-5678")


async def test_example_nginx_labels_reach_deployment_replicasets_and_pods(
    cluster: Cluster, example_nginx: Path
) -> None:
    async with running_controller(cluster.kubeconfig, ["default"]) as ctl:
        cluster.kubectl("apply", "-f", str(example_nginx))
        await ctl.wait_condition("default", "example-nginx", "True", "ApplySucceeded")
        deployment = await ctl.client.get("apps/v1", "Deployment", "nginx-deployment", namespace="default")
        assert deployment["metadata"]["labels"]["foo"] == "bar"
        assert deployment["spec"]["template"]["metadata"]["labels"]["foo"] == "bar"
        assert deployment["spec"]["replicas"] == 2
        assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.7.9"

        async def pods_running() -> bool:
            pods = await ctl.client.list(
                "v1", "Pod", namespace="default", options=ListOptions(label_selector="app=nginx,foo=bar")
            )
            running = [p for p in pods["items"] if p["status"].get("phase") == "Running"]
            return len(running) == 2

        await until("2 nginx pods labelled foo=bar running", pods_running, 60)
        replica_sets = await ctl.client.list(
            "apps/v1", "ReplicaSet", namespace="default", options=ListOptions(label_selector="app=nginx")
        )
        assert replica_sets["items"]
        assert all(rs["metadata"]["labels"]["foo"] == "bar" for rs in replica_sets["items"])


async def _exists(cluster: Cluster, kind: str, name: str) -> bool:
    done = cluster.kubectl("get", kind, name, "-n", "default", "--ignore-not-found", "-o", "name", check=False)
    return bool(done.stdout.strip())
