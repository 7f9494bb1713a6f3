"""Control-plane faults on a throw-away cluster: kube-apiserver down for 10 s mid-convergence, etcd restarted.

The manager (`resource-manager run`, a child process) reaches the API server through a counting TCP proxy,
so the connection attempts it makes while the API server is down are measured: retries must back off.
Afterwards everything converges, nothing is lost, and the manager never exited.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from devcluster.cluster import Cluster, kubeconfig_document, running_cluster
from devcluster.processes import spawn, stop_all, tracked_pid
from kubecore import Client, load_kubeconfig
from resource_manager.install import install_crds
from tests.kubecore.tcpproxy import TcpProxy
from tests.kubecore.waiting import until
from tests.reliability.manager_process import manager_running, wait_applied
from tests.resource_manager.controller_harness import configmap, create_mr, set_manifests

pytestmark = pytest.mark.cluster

OUTAGE = 10.0
MAX_ATTEMPTS_PER_SECOND = 10.0
"""Connection attempts per second the manager may make while the API server is down (measured: ~4; a retry
loop without back-off makes hundreds)."""


class CountingProxy(TcpProxy):
    """A TcpProxy that counts client connections and closes those it cannot forward (upstream down)."""

    def __init__(self, target_host: str, target_port: int) -> None:
        super().__init__(target_host, target_port)
        self.connections = 0

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            await super()._handle(reader, writer)
        except OSError:
            writer.transport.abort()


@contextlib.asynccontextmanager
async def counting_proxy(server: str) -> AsyncIterator[CountingProxy]:
    url = urlparse(server)
    proxy = CountingProxy(url.hostname or "127.0.0.1", url.port or 443)
    listener = await asyncio.start_server(proxy._handle, "127.0.0.1", 0)
    proxy.port = listener.sockets[0].getsockname()[1]
    try:
        yield proxy
    finally:
        proxy.cut()
        listener.close()
        for task in list(proxy._pumps):
            task.cancel()


def _restartable(cluster: Cluster, name: str) -> list[str]:
    """The command line of a running component, to start it again the same way."""
    pid = tracked_pid(cluster.state_dir, name)
    assert pid is not None, f"{name} is not running"
    return Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").decode().split("\0")


def _proxied_kubeconfig(cluster: Cluster, port: int, path: Path) -> Path:
    document = kubeconfig_document(
        f"https://127.0.0.1:{port}", cluster.ca_file, cluster.admin_cert_file, cluster.admin_key_file
    )
    path.write_text(yaml.safe_dump(document))
    return path


async def _all_exist(client: Client, namespace: str, names: list[str]) -> bool:
    live = {c["metadata"]["name"] for c in (await client.list("v1", "ConfigMap", namespace=namespace))["items"]}
    return set(names) <= live


async def test_apiserver_outage_and_etcd_restart_converge_with_backoff(tmp_path: Path) -> None:
    with running_cluster(tmp_path / "cluster") as cluster:
        namespace = "faults"
        cluster.kubectl("create", "namespace", namespace)
        async with (
            Client(load_kubeconfig([cluster.kubeconfig]), name="reliability-test") as client,
            counting_proxy(cluster.server) as proxy,
        ):
            await install_crds(client)
            kubeconfig = _proxied_kubeconfig(cluster, proxy.port, tmp_path / "proxied.kubeconfig")
            async with manager_running(kubeconfig, client, [namespace], tmp_path / "manager.log") as manager:
                names = [f"c{i}" for i in range(40)]
                await create_mr(client, "mr", namespace, *[configmap(n, namespace) for n in names])

                apiserver = _restartable(cluster, "kube-apiserver")  # mid-convergence: stop it now
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

                etcd = _restartable(cluster, "etcd")
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
