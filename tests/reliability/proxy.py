"""A counting TCP proxy between the manager and the API server, and a kubeconfig that goes through it.

The proxy passes TLS through untouched (the API server's certificate names 127.0.0.1, any port), counts
connection attempts (a retry loop without back-off shows up as hundreds per second) and can cut every open
connection at once (broken watches, no fakes).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol, TypeVar
from urllib.parse import urlparse

import yaml

from devcluster.cluster import Cluster, kubeconfig_document
from kubecore import Client, load_kubeconfig
from resource_manager.cmd.install import install_crds
from tests.kubecore.tcpproxy import TcpProxy
from tests.reliability.manager_process import ManagerProcess, manager_running


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


def proxied_kubeconfig(cluster: Cluster, port: int, path: Path) -> Path:
    document = kubeconfig_document(
        f"https://127.0.0.1:{port}", cluster.ca_file, cluster.admin_cert_file, cluster.admin_key_file
    )
    path.write_text(yaml.safe_dump(document))
    return path


class _Listening(Protocol):
    port: int


P = TypeVar("P", bound=_Listening)


@contextlib.asynccontextmanager
async def manager_behind(
    proxy: contextlib.AbstractAsyncContextManager[P], cluster: Cluster, namespace: str, tmp_path: Path
) -> AsyncIterator[tuple[Client, P, ManagerProcess]]:
    """A manager watching ``namespace`` through ``proxy`` (started here), and an admin client that is not."""
    async with Client(load_kubeconfig([cluster.kubeconfig]), name="reliability-test") as client, proxy as running:
        await install_crds(client)
        kubeconfig = proxied_kubeconfig(cluster, running.port, tmp_path / "proxied.kubeconfig")
        async with manager_running(kubeconfig, client, [namespace], tmp_path / "manager.log") as manager:
            yield client, running, manager
