"""`resource-manager run --config FILE` as an operator runs it: each configuration field changes what the
process does, /metrics /healthz /readyz answer over HTTP, logs and Events tell what happened, and two
replicas hand over through the Lease (real processes against the real control plane)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import signal
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from devcluster import Cluster
from kubecore import Client, NotFound, load_kubeconfig
from kubecore.leaderelection import JITTER
from resource_manager.cmd.install import install_crds
from resource_manager.controller.controller import Controller
from resource_manager.controller.reconciler import Reconciler, ReconcileResult
from resource_manager.manager.configuration import Endpoint
from resource_manager.manager.run import probes
from resource_manager.manager.server import app, serve
from tests.kubecore.tcpproxy import running_proxy
from tests.resource_manager.controller_harness import (
    MR,
    _delete_mrs,
    configmap,
    create_mr,
    secret,
    set_manifests,
)
from tests.resource_manager.manager_process import ManagerProcess, config_file, eventually, running_manager

pytestmark = pytest.mark.cluster

SECRET_MARKER = "s3cr3t-value-never-logged"
GRM_FILE = Path(__file__).parents[1] / "data" / "grm-componentconfig.yaml"


@pytest.fixture
async def client(cluster: Cluster) -> AsyncIterator[Client]:
    async with Client(load_kubeconfig([cluster.kubeconfig]), name="operations-test") as test_client:
        await install_crds(test_client)
        yield test_client


async def applied(client: Client, namespace: str, name: str) -> str:
    """``status/reason`` of ResourcesApplied (``""`` while there is none)."""
    try:
        mr = await client.get(*MR, name, namespace=namespace)
    except NotFound:
        return ""
    for condition in (mr.get("status") or {}).get("conditions") or []:
        if condition["type"] == "ResourcesApplied":
            return f"{condition['status']}/{condition['reason']}"
    return ""


async def wait_applied(client: Client, namespace: str, name: str, seconds: float = 60.0) -> None:
    await eventually(
        f"{namespace}/{name} applied",
        lambda: applied(client, namespace, name),
        lambda v: v == "True/ApplySucceeded",
        seconds,
    )


async def events(client: Client, namespace: str, name: str) -> list[dict[str, Any]]:
    items = (await client.list("v1", "Event", namespace=namespace))["items"]
    return [
        e
        for e in items
        if e["involvedObject"].get("name") == name and e["involvedObject"].get("kind") == "ManagedResource"
    ]


async def test_metrics_probes_logs_and_events_during_a_run(
    cluster: Cluster, client: Client, namespace: str, tmp_path: Path
) -> None:
    config = config_file(
        tmp_path / "config.yaml",
        cluster.kubeconfig,
        sourceClientConnection={"namespaces": [namespace]},
        controllers={"managedResource": {"syncPeriod": "1h"}},
    )
    async with running_manager(config) as manager:
        assert (await manager.get("/healthz"))[0] == 200
        await eventually("ready", lambda: manager.get("/readyz"), lambda answer: answer[0] == 200)
        await client.create(secret("creds", namespace, {"password": SECRET_MARKER}))
        desired = [configmap("a", namespace), configmap("b", namespace, {"password-copy": SECRET_MARKER})]
        await create_mr(client, "app", namespace, *desired)
        await wait_applied(client, namespace, "app")
        reconciles = await manager.metric("controller_runtime_reconcile_total", controller="managedresource")
        assert reconciles >= 1
        assert await manager.metric("resource_manager_managed_objects", namespace=namespace, name="app") == 2
        assert await manager.metric("workqueue_adds_total", name="managedresource") >= 1
        assert await manager.metric("rest_client_requests_total", client="source", method="PATCH") >= 1
        assert (
            await manager.metric("controller_runtime_reconcile_time_seconds_count", controller="managedresource") >= 1
        )
        assert await manager.metric("resource_manager_build_info") == 1

        # drift: a hand edit is reverted, counted, and told on the MR
        await client.patch("v1", "ConfigMap", "a", {"data": {"k": "edited"}}, namespace=namespace)
        await eventually(
            "drift reverted",
            lambda: client.get("v1", "ConfigMap", "a", namespace=namespace),
            lambda cm: cm["data"] == {"k": "v"},
        )
        assert await manager.metric("resource_manager_drift_corrections_total", namespace=namespace, name="app") >= 1
        assert await manager.metric("controller_runtime_reconcile_total", controller="managedresource") > reconciles

        # prune: an object leaves the Secret
        await set_manifests(client, "app", namespace, desired[0])
        await eventually(
            "pruned",
            lambda: manager.metric("resource_manager_pruned_objects_total", namespace=namespace, name="app"),
            lambda n: n == 1,
        )
        # apply failure: an object the API server rejects
        await set_manifests(client, "app", namespace, desired[0], configmap("Not_A_Name", namespace))
        await eventually("apply failure", lambda: applied(client, namespace, "app"), lambda v: v == "False/ApplyFailed")
        assert await manager.metric("resource_manager_apply_failed", namespace=namespace, name="app") == 1
        reasons = await eventually(
            "events",
            lambda: events(client, namespace, "app"),
            lambda found: {"DriftCorrected", "Pruned", "ApplyFailed", "ObjectsChanged"} <= {e["reason"] for e in found},
        )
        by_reason = {e["reason"]: e for e in reasons}
        assert "2 created" in {e["message"] for e in reasons if e["reason"] == "ObjectsChanged"}
        assert by_reason["ApplyFailed"]["type"] == "Warning" and "Not_A_Name" in by_reason["ApplyFailed"]["message"]
        assert by_reason["Pruned"]["message"] == f"1 object(s) left the ManagedResource: ConfigMap {namespace}/b"
        assert await manager.metric("controller_runtime_reconcile_errors_total", controller="managedresource") >= 1
        await _delete_mrs(client, [namespace])
        _, metrics_text = await manager.get("/metrics")
    assert manager.process.returncode == 0
    reconciled = [
        line for line in manager.lines if line.get("event") == "reconcile" and line.get("mr") == f"{namespace}/app"
    ]
    assert {line["result"] for line in reconciled} >= {"requeue_after", "error"}
    assert all(line["level"] == "info" and "seconds" in line for line in reconciled)
    rounds = [
        line for line in manager.lines if line.get("event") == "reconciled" and line.get("mr") == f"{namespace}/app"
    ]
    assert (rounds[0]["changes"], rounds[0]["created"]) == ("2 created", 2)  # one summary line per round
    everything = "".join(manager.raw) + metrics_text + str(reasons)
    assert SECRET_MARKER not in everything
    assert base64.b64encode(SECRET_MARKER.encode()).decode() not in everything


async def test_class_namespaces_and_managed_by_label_select_and_mark(
    cluster: Cluster, client: Client, namespace: str, tmp_path: Path
) -> None:
    other = f"{namespace}-other"
    cluster.kubectl("create", "namespace", other)
    try:
        config = config_file(
            tmp_path / "config.yaml",
            cluster.kubeconfig,
            sourceClientConnection={"namespaces": [namespace]},
            controllers={"resourceClass": "ops", "managedResource": {"managedByLabelValue": "ops-test"}},
        )
        async with running_manager(config) as manager:
            await create_mr(client, "mine", namespace, configmap("mine", namespace), **{"class": "ops"})
            await create_mr(client, "default-class", namespace, configmap("default-class", namespace))
            await create_mr(client, "elsewhere", other, configmap("elsewhere", other), **{"class": "ops"})
            await wait_applied(client, namespace, "mine")
            live = await client.get("v1", "ConfigMap", "mine", namespace=namespace)
            assert live["metadata"]["labels"]["resources.gardener.cloud/managed-by"] == "ops-test"
            await manager.wait_logged("reconcile", mr=f"{namespace}/default-class")  # seen, then left alone
            assert await applied(client, namespace, "default-class") == ""  # another class
            assert await applied(client, other, "elsewhere") == ""  # a namespace we do not watch
            assert not manager.logged("reconcile", mr=f"{other}/elsewhere")
            await _delete_mrs(client, [namespace, other])
    finally:
        cluster.kubectl("delete", "namespace", other, "--wait=false")


async def test_sync_period_and_always_update_change_the_resync(
    cluster: Cluster, client: Client, namespace: str, tmp_path: Path
) -> None:
    """With a 2 s sync period the MR is reconciled again and again without any change; only with
    alwaysUpdate do those rounds send the objects (PATCH) to the API server."""
    await create_mr(client, "resync", namespace, configmap("resync", namespace))
    for always_update in (False, True):
        config = config_file(
            tmp_path / f"config-{always_update}.yaml",
            cluster.kubeconfig,
            sourceClientConnection={"namespaces": [namespace]},
            controllers={"managedResource": {"syncPeriod": "2s", "alwaysUpdate": always_update}},
        )
        async with running_manager(config) as manager:
            await wait_applied(client, namespace, "resync")
            start: float = await eventually("first round", manager.reconciles, lambda n: n >= 1)
            patches = await manager.metric("rest_client_requests_total", method="PATCH")
            await eventually("two resyncs", manager.reconciles, _at_least(start + 2), seconds=20)
            more = await manager.metric("rest_client_requests_total", method="PATCH") - patches
            assert (more >= 2) if always_update else (more == 0), (always_update, more)
            if always_update:
                await _delete_mrs(client, [namespace])


def _at_least(minimum: float) -> Callable[[float], bool]:
    return lambda value: value >= minimum


async def test_qps_bounds_the_request_rate(cluster: Cluster, client: Client, namespace: str, tmp_path: Path) -> None:
    config = config_file(
        tmp_path / "config.yaml",
        cluster.kubeconfig,
        sourceClientConnection={"namespaces": [namespace], "qps": 4, "burst": 1},
    )
    for index in range(3):
        await create_mr(client, f"slow-{index}", namespace, configmap(f"slow-{index}", namespace))
    started = time.monotonic()
    async with running_manager(config) as manager:
        for index in range(3):
            await wait_applied(client, namespace, f"slow-{index}", seconds=120)
        requests = await manager.metric("rest_client_requests_total", client="source")
        elapsed = time.monotonic() - started
        assert requests > 10  # enough requests for the limit to matter
        assert requests <= 1 + 4 * elapsed, (requests, elapsed)
        await _delete_mrs(client, [namespace])


async def test_bad_configuration_is_one_line_and_exit_code_2(cluster: Cluster, tmp_path: Path) -> None:
    config = config_file(
        tmp_path / "config.yaml", cluster.kubeconfig, controllers={"managedResource": {"syncPeriod": "soon"}}
    )
    async with running_manager(config) as manager:
        assert await manager.wait() == 2
    assert manager.raw == [
        "error: controllers.managedResource.syncPeriod (--sync-period): 'soon' is not a duration; "
        "write it like 500ms, 10s, 1m or 1h30m\n"
    ]
    async with running_manager(config, "--sync-period", "1m", "--qps", "-1") as manager:  # flags win over the file
        await manager.wait_logged("starting")


async def lease_holder(client: Client, namespace: str) -> str:
    try:
        lease = await client.get("coordination.k8s.io/v1", "Lease", "gardener-resource-manager", namespace=namespace)
    except NotFound:
        return ""
    return str(lease["spec"].get("holderIdentity") or "")


def elected_config(tmp_path: Path, cluster: Cluster, namespace: str) -> Path:
    """Leader election with a short Lease (6 s) in the test namespace."""
    election = {"leaderElect": True, "resourceNamespace": namespace, "leaseDuration": "6s", "renewDeadline": "4s"}
    return config_file(
        tmp_path / "config.yaml",
        cluster.kubeconfig,
        sourceClientConnection={"namespaces": [namespace]},
        leaderElection=election,
    )


def _holder_of(manager: ManagerProcess) -> str:
    return str(manager.logged("acquired lease")[0]["identity"]) if manager.logged("acquired lease") else ""


async def test_leader_election_standby_takes_over_when_the_leader_is_killed(
    cluster: Cluster, client: Client, namespace: str, tmp_path: Path
) -> None:
    config = elected_config(tmp_path, cluster, namespace)
    for index in range(20):
        await create_mr(client, f"load-{index}", namespace, configmap(f"load-{index}", namespace))
    async with running_manager(config) as first, running_manager(config) as second:
        holder = await eventually("a leader", lambda: lease_holder(client, namespace), bool)
        leader, standby = (first, second) if _holder_of(first) == holder else (second, first)
        assert _holder_of(leader) == holder
        await eventually("standby ready", lambda: standby.get("/readyz"), lambda answer: answer[0] == 200)
        assert await standby.metric("controller_runtime_reconcile_total") == 0
        assert await leader.metric("leader_election_master_status") == 1
        await eventually("leader busy", lambda: leader.metric("controller_runtime_reconcile_total"), lambda n: n >= 3)
        leader.signal(signal.SIGKILL)  # under load: reconciles of 20 MRs in flight
        killed = time.monotonic()
        await leader.wait()
        await create_mr(client, "after-kill", namespace, configmap("after-kill", namespace))
        await standby.wait_logged("acquired lease", seconds=30)
        takeover = time.monotonic() - killed
        # the standby sees the leader's last renewal at its next try (up to one jittered retry period late),
        # waits a lease duration from then, and tries again up to one jittered retry period later
        retry = 2 * (1 + JITTER)
        assert takeover <= retry + 6 + retry + 1, takeover
        for index in range(20):
            await wait_applied(client, namespace, f"load-{index}")
        await wait_applied(client, namespace, "after-kill")
        await _delete_mrs(client, [namespace])
        standby.signal(signal.SIGTERM)
        assert await standby.wait() == 0
        assert await lease_holder(client, namespace) == ""  # released on a clean stop


async def test_losing_the_lease_ends_the_process_with_an_error(
    cluster: Cluster, client: Client, namespace: str, tmp_path: Path
) -> None:
    config = elected_config(tmp_path, cluster, namespace)
    async with running_manager(config) as manager:
        await manager.wait_logged("acquired lease")
        await client.patch(
            "coordination.k8s.io/v1",
            "Lease",
            "gardener-resource-manager",
            {"spec": {"holderIdentity": "intruder", "leaseDurationSeconds": 60}},
            namespace=namespace,
        )
        assert await manager.wait(30) == 3
    assert manager.raw[-1].startswith(f"error: lost the Lease {namespace}/gardener-resource-manager")


async def test_readyz_needs_synced_caches_and_a_reachable_api_server(cluster: Cluster, namespace: str) -> None:
    host, port = cluster.server.removeprefix("https://").rsplit(":", 1)
    proxied = running_proxy(host, int(port))
    proxy = await proxied.__aenter__()
    config = dataclasses.replace(load_kubeconfig([cluster.kubeconfig]), server=f"https://127.0.0.1:{proxy.port}")
    async with Client(config, name="source", max_retries=0) as source:
        manager = Controller(source, Reconciler(source, source), namespaces=[namespace])
        runner, bound = await serve(app(*probes(source, manager, None)), [Endpoint("127.0.0.1", 0)])
        url = f"http://{bound[Endpoint('127.0.0.1', 0)]}"
        try:
            async with aiohttp.ClientSession() as session:

                async def get(path: str) -> tuple[int, str]:
                    async with session.get(url + path) as response:
                        return response.status, await response.text()

                status, body = await get("/readyz")
                assert status == 500 and "[-]source-informer-sync failed" in body and "[+]apiserver ok" in body
                await manager.sync_caches()
                assert await get("/readyz") == (
                    200,
                    "[+]ping ok\n[+]leader-election ok\n[+]source-informer-sync ok\n[+]apiserver ok\n"
                    "healthz check passed\n",
                )
                await proxied.__aexit__(None, None, None)  # the API server is gone
                status, body = await get("/readyz")
                assert status == 500 and "[-]apiserver failed: " in body
                assert (await get("/healthz"))[0] == 200  # a restart would not bring the API server back
        finally:
            await manager.close()
            await runner.cleanup()


class SlowReconciler(Reconciler):
    """The real reconciler, but each round first waits on a gate: a reconcile is in flight for sure."""

    def __init__(self, client: Client) -> None:
        super().__init__(client, client)
        self.entered = asyncio.Event()
        self.gate = asyncio.Event()
        self.finished: list[str] = []

    async def reconcile(self, namespace: str, name: str, secrets: Any, cached: Any = None) -> ReconcileResult:
        self.entered.set()
        await self.gate.wait()
        outcome = await super().reconcile(namespace, name, secrets, cached)
        self.finished.append(name)
        return outcome


async def test_graceful_stop_finishes_the_reconcile_in_flight(client: Client, namespace: str) -> None:
    reconciler = SlowReconciler(client)
    manager = Controller(client, reconciler, namespaces=[namespace], workers=1)
    running = asyncio.create_task(manager.run())
    await create_mr(client, "inflight", namespace, configmap("inflight", namespace))
    await asyncio.wait_for(reconciler.entered.wait(), 30)
    stopping = asyncio.create_task(manager.stop(grace=30))
    await asyncio.sleep(0.5)
    assert not stopping.done() and not running.done()  # waiting for the reconcile in flight
    reconciler.gate.set()
    await asyncio.wait_for(stopping, 30)
    await asyncio.wait_for(running, 30)  # run() returns on its own once drained
    assert reconciler.finished == ["inflight"]
    assert await client.get("v1", "ConfigMap", "inflight", namespace=namespace)  # its apply completed
    await _delete_mrs_with(client, namespace)


async def _delete_mrs_with(client: Client, namespace: str) -> None:
    """Delete the test's MRs with a manager running (their finalizer must be removed)."""
    manager = Controller(client, Reconciler(client, client), namespaces=[namespace], workers=1)
    running = asyncio.create_task(manager.run())
    try:
        await _delete_mrs(client, [namespace])
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running


async def test_a_grm_configuration_file_runs_unchanged(cluster: Cluster, client: Client, namespace: str) -> None:
    """GRM's file as is (flags only move the ports, the Lease and the watched namespace into the test's)."""
    flags = [
        *("--kubeconfig", str(cluster.kubeconfig), "--leader-election-namespace", namespace, "--namespace", namespace),
        *("--metrics-bind-address", "127.0.0.1:0", "--health-bind-address", "127.0.0.1:0", "--log-format", "json"),
    ]
    async with running_manager(GRM_FILE, *flags) as manager:
        await manager.wait_logged("acquired lease")
        await create_mr(client, "from-grm-config", namespace, configmap("from-grm-config", namespace))
        await wait_applied(client, namespace, "from-grm-config")
        await _delete_mrs(client, [namespace])
    assert manager.process.returncode == 0
    warnings = [line["event"] for line in manager.lines if line.get("level") == "warning"]
    assert warnings == [
        "configuration: server.webhooks: this manager serves no webhooks; ignored",
        "configuration: controllers.kubeletCSRApprover: not implemented by this manager; ignored",
        "configuration: webhooks.crdDeletionProtection: not implemented by this manager; ignored",
        "configuration: webhooks.seccompProfile: not implemented by this manager; ignored",
    ]
