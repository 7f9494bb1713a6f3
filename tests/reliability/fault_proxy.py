"""An HTTPS proxy in front of the API server that answers 429/503 instead of forwarding, while told to.

Why terminate TLS: a status code is HTTP, so the proxy must read and write HTTP. It serves with a
certificate the dev cluster's own CA issues for 127.0.0.1 (the manager's kubeconfig keeps trusting the
cluster CA, nothing is switched off) and forwards with the admin client certificate. Everything else is
the real API server; responses, watches included, are streamed through unchanged. Every request is
counted with its time, so a test measures the rate the manager keeps up while it is refused.

Why not API Priority and Fairness: a priority level with no seats still admits one request at a time,
and the manager's requests are mostly sequential, so hardly any is rejected.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import shutil
import ssl
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web

from devcluster.cluster import Cluster
from devcluster.pki import Pki, issue_cert

HOP_BY_HOP = frozenset({"host", "connection", "content-length", "transfer-encoding", "keep-alive", "authorization"})


@dataclass
class Fault:
    """Answer ``status`` (with ``Retry-After: retry_after`` if set) to ``fraction`` of the requests whose
    path contains ``path``."""

    status: int
    fraction: float = 1.0
    retry_after: int | None = None
    path: str = ""


@dataclass
class FaultProxy:
    upstream: str
    session: aiohttp.ClientSession
    port: int = 0
    fault: Fault | None = None
    received: list[float] = field(default_factory=list)
    """Monotonic time of every request received (refused or not)."""
    refused: int = 0
    _open: set[asyncio.Transport] = field(default_factory=set)
    """Connections with a request being forwarded."""

    def start(self, fault: Fault) -> None:
        """Start refusing; open streams (watches) are cut, so informers must list and watch again."""
        self.fault = fault
        for transport in list(self._open):
            transport.abort()

    def stop(self) -> None:
        self.fault = None

    def rate(self, since: float, until: float) -> float:
        """Requests per second received between two ``time.monotonic()`` readings."""
        return sum(since <= t < until for t in self.received) / (until - since)

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        self.received.append(time.monotonic())
        fault = self.fault
        if fault is not None and fault.path in request.path and random.random() < fault.fraction:
            self.refused += 1
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            return web.json_response(_status(fault.status), status=fault.status, headers=headers)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        body = await request.read() if request.can_read_body else None
        transport = request.transport
        assert transport is not None  # the handler runs on an open connection
        self._open.add(transport)
        try:
            async with self.session.request(
                request.method, self.upstream + str(request.rel_url), headers=headers, data=body
            ) as upstream:
                response = web.StreamResponse(status=upstream.status)
                for name, value in upstream.headers.items():
                    if name.lower() not in HOP_BY_HOP:
                        response.headers[name] = value
                await response.prepare(request)
                async for chunk in upstream.content.iter_any():
                    await response.write(chunk)
                await response.write_eof()
                return response
        finally:
            self._open.discard(transport)


def _status(code: int) -> dict[str, object]:
    reason = {429: "TooManyRequests", 503: "ServiceUnavailable"}.get(code, "InternalError")
    message = "the fault proxy refuses this request"
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "reason": reason,
        "code": code,
        "message": message,
    }


def _serving_context(cluster: Cluster, directory: Path) -> ssl.SSLContext:
    """A certificate for 127.0.0.1 from the cluster's CA, made in ``directory`` (the cluster's PKI stays as is)."""
    pki = Pki(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for suffix in ("crt", "key"):
        shutil.copy(cluster.pki_dir / f"ca.{suffix}", directory / f"ca.{suffix}")
    issue_cert(pki, "fault-proxy", "/CN=fault-proxy", "ca", "serverAuth", "IP:127.0.0.1")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki.crt("fault-proxy"), pki.key("fault-proxy"))
    return context


@contextlib.asynccontextmanager
async def fault_proxy(cluster: Cluster, directory: Path) -> AsyncIterator[FaultProxy]:
    """A running proxy on 127.0.0.1 (a free port) to ``cluster``'s API server; ``directory`` holds its certificate."""
    upstream_tls = ssl.create_default_context(cafile=cluster.ca_file)
    upstream_tls.load_cert_chain(cluster.admin_cert_file, cluster.admin_key_file)
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=10)
    connector = aiohttp.TCPConnector(ssl=upstream_tls, limit=0)  # every watch holds one
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, auto_decompress=False) as session:
        proxy = FaultProxy(cluster.server, session)
        server = web.Server(proxy.handle, handler_cancellation=True)  # a client gone: stop forwarding its watch
        runner = web.ServerRunner(server, handle_signals=False, shutdown_timeout=1)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=_serving_context(cluster, directory))
        await site.start()
        proxy.port = runner.addresses[0][1]
        try:
            yield proxy
        finally:
            await runner.cleanup()
