"""Control-plane faults on a throw-away cluster: kube-apiserver down for 10 s mid-convergence, etcd restarted.

The manager (`resource-manager run`, a child process) reaches the API server through a counting TCP proxy,
so the connection attempts it makes while the API server is down are measured: retries must back off.
Afterwards everything converges, nothing is lost, and the manager never exited.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from devcluster.cluster import running_cluster
from devcluster.processes import spawn, stop_all
from kubecore import Client
from tests.kubecore.waiting import until
from tests.reliability.control_plane import command_line
from tests.reliability.manager_process import wait_applied
from tests.reliability.proxy import counting_proxy, manager_behind
from tests.resource_manager.controller_harness import configmap, create_mr, set_manifests

pytestmark = pytest.mark.cluster

OUTAGE = 10.0
MAX_ATTEMPTS_PER_SECOND = 10.0
"""Connection attempts per second the manager may make while the API server is down (measured: ~4; a retry
loop without back-off makes hundreds)."""


async def _all_exist(client: Client, namespace: str, names: list[str]) -> bool:
    live = {c["metadata"]["name"] for c in (await client.list("v1", "ConfigMap", namespace=namespace))["items"]}
    return set(names) <= live


async def test_apiserver_outage_and_etcd_restart_converge_with_backoff(tmp_path: Path) -> None:
    with running_cluster(tmp_path / "cluster") as cluster:
        namespace = "faults"
        cluster.kubectl("create", "namespace", namespace)
        behind = manager_behind(counting_proxy(cluster.server), cluster, namespace, tmp_path)
        async with behind as (client, proxy, manager):
            names = [f"c{i}" for i in range(40)]
            await create_mr(client, "mr", namespace, *[configmap(n, namespace) for n in names])

            apiserver = command_line(cluster, "kube-apiserver")  # mid-convergence: stop it now
            stop_all(cluster.state_dir, ["kube-apiserver"])
            before = proxy.connections
            await asyncio.sleep(OUTAGE)
            rate = (proxy.connections - before) / OUTAGE
            spawn(cluster.state_dir, "kube-apiserver", apiserver)
            restarted = time.monotonic()
            await until("the API server ready again", cluster.ready, 60)
            await wait_applied(client, namespace, "mr", "ApplySucceeded", 120)
            await until("all 40 ConfigMaps", lambda: _all_exist(client, namespace, names), 60)
            apiserver_recovery = time.monotonic() - restarted

            etcd = command_line(cluster, "etcd")
            stop_all(cluster.state_dir, ["etcd"])
            await asyncio.sleep(5)
            spawn(cluster.state_dir, "etcd", etcd)
            restarted = time.monotonic()
            more = [*names, "after-etcd"]
            await until("the API server serving again", cluster.ready, 60)
            await set_manifests(client, "mr", namespace, *[configmap(n, namespace) for n in more])
            await until("the change after the etcd restart", lambda: _all_exist(client, namespace, more), 120)
            etcd_recovery = time.monotonic() - restarted

            print(
                f"\napiserver down {OUTAGE:.0f} s: {rate:.2f} connection attempts/s, converged "
                f"{apiserver_recovery:.1f} s after its restart; etcd restart: converged after {etcd_recovery:.1f} s"
            )
            assert manager.alive(), manager.output()[-3000:]
            assert rate <= MAX_ATTEMPTS_PER_SECOND
