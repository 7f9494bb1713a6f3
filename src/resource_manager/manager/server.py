"""``/metrics``, ``/healthz`` and ``/readyz`` over HTTP (aiohttp), as controller-runtime serves them.

Why two checks: kubelet restarts a Pod whose liveness fails and takes a Pod out of rotation whose
readiness fails. Liveness (``/healthz``) therefore only fails for what a restart fixes: a leader that can
no longer renew its Lease. Readiness (``/readyz``) also needs the caches synced and the source API server
reachable. Each failing check is named in the answer (``[-]name failed: why``), like the Kubernetes
components' ``?verbose`` output.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from resource_manager.manager.configuration import Endpoint

CHECK_TIMEOUT = 5.0
"""A check that takes longer fails (kubelet's probe timeout must be longer)."""

Check = Callable[[], Awaitable[str | None]]
"""A named probe: ``None`` when healthy, else why not."""


@dataclass(frozen=True)
class Probe:
    name: str
    check: Check


async def run_checks(probes: Sequence[Probe]) -> tuple[bool, str]:
    """All checks concurrently; (healthy, body listing each check)."""

    async def one(probe: Probe) -> str | None:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                return await probe.check()
        except TimeoutError:
            return f"no answer within {CHECK_TIMEOUT:g}s"

    results = await asyncio.gather(*(one(p) for p in probes))
    lines = [
        f"[+]{p.name} ok" if r is None else f"[-]{p.name} failed: {r}" for p, r in zip(probes, results, strict=True)
    ]
    healthy = all(r is None for r in results)
    return healthy, "\n".join([*lines, "healthz check passed" if healthy else "healthz check failed"]) + "\n"


def _probe_handler(probes: Sequence[Probe]) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(_: web.Request) -> web.Response:
        healthy, body = await run_checks(probes)
        return web.Response(status=200 if healthy else 500, text=body)

    return handle


async def _metrics(_: web.Request) -> web.Response:
    return web.Response(body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})


def app(liveness: Sequence[Probe], readiness: Sequence[Probe]) -> web.Application:
    """One application with all three paths (each server exposes them all; the chart routes by port)."""
    application = web.Application()
    application.router.add_get("/metrics", _metrics)
    application.router.add_get("/healthz", _probe_handler(liveness))
    application.router.add_get("/readyz", _probe_handler(readiness))
    return application


async def serve(
    application: web.Application, endpoints: Sequence[Endpoint]
) -> tuple[web.AppRunner, dict[Endpoint, Endpoint]]:
    """Listen on every distinct endpoint; returns the runner (``await runner.cleanup()``) and, for each
    endpoint, where it listens (port 0 replaced by the port the system picked)."""
    runner = web.AppRunner(application, access_log=None)
    await runner.setup()
    bound: dict[Endpoint, Endpoint] = {}
    try:
        for endpoint in dict.fromkeys(endpoints):
            await web.TCPSite(runner, endpoint.host, endpoint.port).start()
            bound[endpoint] = Endpoint(endpoint.host, int(runner.addresses[-1][1]))
    except BaseException:
        await runner.cleanup()
        raise
    return runner, bound
