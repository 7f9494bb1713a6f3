"""`targetClientConnection` and `controllers.health` as `resource-manager run --config FILE` honours them:
the target's own rate limit, namespaces, cache resync and the health sync period each change what the
process does, and /readyz checks a separate target's API server (real processes against the real control
plane)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from devcluster import Cluster
from kubecore import Client, NotFound
from tests.kubecore.tcpproxy import running_proxy
from tests.kubecore.waiting import until
from tests.resource_manager.controller_harness import _delete_mrs, configmap, create_mr
from tests.resource_manager.manager.test_operations import client, wait_applied
from tests.resource_manager.manager_process import config_file, eventually, running_manager

pytestmark = pytest.mark.cluster
__all__ = ["client"]  # the fixture


@pytest.fixture
async def other(cluster: Cluster, namespace: str) -> AsyncIterator[str]:
    """A second namespace, outside ``targetClientConnection.namespaces``."""
    name = f"{namespace}-other"
    cluster.kubectl("create", "namespace", name)
    yield name
    cluster.kubectl("delete", "namespace", name, "--wait=false")


async def data_of(client: Client, name: str, namespace: str) -> dict[str, str] | None:
    try:
        return dict((await client.get("v1", "ConfigMap", name, namespace=namespace)).get("data") or {})
    except NotFound:
        return None


def cluster_role(name: str) -> dict[str, object]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": name, "annotations": {"owner": "test"}},
        "rules": [],
    }


async def test_target_namespaces_limit_the_watches_of_namespaced_kinds(
    cluster: Cluster, client: Client, namespace: str, other: str, tmp_path: Path
) -> None:
    """A hand edit inside the target namespaces (and of a cluster-scoped object) is reverted at once by the
    watch; one outside them is not seen (objects there are applied, as by GRM, but only read in rounds)."""
    config = config_file(
        tmp_path / "config.yaml",
        cluster.kubeconfig,
        sourceClientConnection={"namespaces": [namespace]},
        targetClientConnection={"namespaces": [namespace]},
        controllers={"managedResource": {"syncPeriod": "1h"}, "health": {"syncPeriod": "1h"}},
    )
    role = f"rm-test-{namespace}"
    async with running_manager(config) as manager:
        try:
            await create_mr(client, "app", namespace, configmap("outside", other), cluster_role(role))
            await create_mr(client, "probe", namespace, configmap("inside", namespace))
            await wait_applied(client, namespace, "app")
            await wait_applied(client, namespace, "probe")
            assert await data_of(client, "outside", other) == {"k": "v"}  # applied outside too
            watching = {line["kind"]: line["namespaces"] for line in manager.logged("watching")}
            assert watching == {"ConfigMap": [namespace], "ClusterRole": "all namespaces"}, watching

            await client.patch("v1", "ConfigMap", "outside", {"data": {"k": "edited"}}, namespace=other)
            patch = {"metadata": {"annotations": {"owner": "edited"}}}
            await client.patch("rbac.authorization.k8s.io/v1", "ClusterRole", role, patch)
            await client.patch("v1", "ConfigMap", "inside", {"data": {"k": "edited"}}, namespace=namespace)
            await eventually(
                "inside reverted", lambda: data_of(client, "inside", namespace), lambda data: data == {"k": "v"}
            )
            await eventually(
                "cluster-scoped reverted",
                lambda: client.get("rbac.authorization.k8s.io/v1", "ClusterRole", role),
                lambda obj: obj["metadata"]["annotations"]["owner"] == "test",
            )
            # the ClusterRole's repair was a round of "app": it read the object outside and repaired it too
            await eventually(
                "outside repaired by the round", lambda: data_of(client, "outside", other), lambda d: d == {"k": "v"}
            )
            rounds = len(manager.logged("reconcile", mr=f"{namespace}/app"))
            await client.patch("v1", "ConfigMap", "outside", {"data": {"k": "edited"}}, namespace=other)
            await client.patch("v1", "ConfigMap", "inside", {"data": {"k": "again"}}, namespace=namespace)
            await eventually(
                "inside reverted again", lambda: data_of(client, "inside", namespace), lambda data: data == {"k": "v"}
            )
            assert await data_of(client, "outside", other) == {"k": "edited"}  # no watch there: not seen
            assert len(manager.logged("reconcile", mr=f"{namespace}/app")) == rounds
        finally:
            await _delete_mrs(client, [namespace])  # the manager removes its finalizers


async def test_health_sync_period_rechecks_what_no_watch_sees(
    cluster: Cluster, client: Client, namespace: str, other: str, tmp_path: Path
) -> None:
    """An MR is reconciled (health included) at least every health.syncPeriod: an object deleted outside the
    watched namespaces is noticed and re-created within seconds although managedResource.syncPeriod is 1h."""
    config = config_file(
        tmp_path / "config.yaml",
        cluster.kubeconfig,
        sourceClientConnection={"namespaces": [namespace]},
        targetClientConnection={"namespaces": [namespace]},
        controllers={"managedResource": {"syncPeriod": "1h"}, "health": {"syncPeriod": "2s"}},
    )
    async with running_manager(config) as manager:
        try:
            await create_mr(client, "app", namespace, configmap("outside", other))
            await wait_applied(client, namespace, "app")
            line = await manager.wait_logged("reconcile", mr=f"{namespace}/app", result="requeue_after")
            assert line["requeue_after"] == 2.0
            await client.delete("v1", "ConfigMap", "outside", namespace=other)
            await eventually(
                "re-created", lambda: data_of(client, "outside", other), lambda data: data == {"k": "v"}, 20
            )
        finally:
            await _delete_mrs(client, [namespace])  # the manager removes its finalizers


async def test_target_cache_resync_period_requeues_the_mrs_of_cached_objects(
    cluster: Cluster, client: Client, namespace: str, tmp_path: Path
) -> None:
    """Nothing changes and both sync periods are 1h: only the target cache's 10 s resync reconciles again."""
    config = config_file(
        tmp_path / "config.yaml",
        cluster.kubeconfig,
        sourceClientConnection={"namespaces": [namespace]},
        targetClientConnection={"cacheResyncPeriod": "10s"},
        controllers={"managedResource": {"syncPeriod": "1h"}, "health": {"syncPeriod": "1h"}},
    )
    async with running_manager(config) as manager:
        try:
            await create_mr(client, "app", namespace, configmap("a", namespace))
            await wait_applied(client, namespace, "app")
            first = await manager.wait_logged("reconcile", mr=f"{namespace}/app", result="requeue_after")
            assert first["requeue_after"] == 3600.0
            rounds = len(manager.logged("reconcile", mr=f"{namespace}/app"))
            await until("a resync round", lambda: len(manager.logged("reconcile", mr=f"{namespace}/app")) > rounds, 25)
        finally:
            await _delete_mrs(client, [namespace])  # the manager removes its finalizers


async def test_target_qps_bounds_the_target_requests_also_on_the_source_cluster(
    cluster: Cluster, client: Client, namespace: str, tmp_path: Path
) -> None:
    """No target kubeconfig: the target is the source's cluster, yet its requests keep to the target's
    limit (4/s), while the source is unlimited."""
    config = config_file(
        tmp_path / "config.yaml",
        cluster.kubeconfig,
        sourceClientConnection={"namespaces": [namespace], "qps": -1},
        targetClientConnection={"qps": 4, "burst": 1},
    )
    for index in range(3):
        await create_mr(
            client, f"slow-{index}", namespace, configmap(f"a-{index}", namespace), configmap(f"b-{index}", namespace)
        )
    started = time.monotonic()
    async with running_manager(config) as manager:
        try:
            for index in range(3):
                await wait_applied(client, namespace, f"slow-{index}", seconds=120)
            requests = await manager.metric("rest_client_requests_total", client="target")
            elapsed = time.monotonic() - started
            assert requests > 8  # enough requests for the limit to matter
            assert requests <= 1 + 4 * elapsed, (requests, elapsed)
        finally:
            await _delete_mrs(client, [namespace])  # the manager removes its finalizers


async def test_readyz_checks_a_separate_targets_api_server(cluster: Cluster, namespace: str, tmp_path: Path) -> None:
    """With a target kubeconfig, /readyz also needs the target's API server (here behind a proxy we stop)."""
    host, port = cluster.server.removeprefix("https://").rsplit(":", 1)
    proxied = running_proxy(host, int(port))
    proxy = await proxied.__aenter__()
    kubeconfig = yaml.safe_load(cluster.kubeconfig.read_text())
    for entry in kubeconfig["clusters"]:
        entry["cluster"]["server"] = f"https://127.0.0.1:{proxy.port}"
    target_kubeconfig = tmp_path / "target.kubeconfig"
    target_kubeconfig.write_text(yaml.safe_dump(kubeconfig))
    config = config_file(
        tmp_path / "config.yaml",
        cluster.kubeconfig,
        sourceClientConnection={"namespaces": [namespace]},
        targetClientConnection={"kubeconfig": str(target_kubeconfig)},
    )
    try:
        async with running_manager(config) as manager:
            status, body = await eventually("ready", lambda: manager.get("/readyz"), lambda answer: answer[0] == 200)
            assert "[+]apiserver ok\n[+]target-apiserver ok\n" in body, body
            await proxied.__aexit__(None, None, None)  # the target's API server is gone
            status, body = await manager.get("/readyz")
            assert status == 500 and "[+]apiserver ok" in body and "[-]target-apiserver failed: " in body, body
            assert (await manager.get("/healthz"))[0] == 200
    finally:
        await proxied.__aexit__(None, None, None)
