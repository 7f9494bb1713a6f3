"""The API server answering 429 and 503 for a while: the manager backs off, converges, loses nothing.

The manager reaches the real API server through a TLS-terminating proxy (`fault_proxy`). First every
request is refused with 429 and ``Retry-After: 1`` for 15 s, its watches cut at the start, while three MRs
of 60 ConfigMaps are created and a managed ConfigMap is edited and another deleted by hand. The proxy counts
the requests the manager sends meanwhile (a retry loop that ignores Retry-After sends hundreds a second).
Then 30 % of the requests fail with a 503 without Retry-After (a struggling API server) while all 180
ConfigMaps change: the retries get them through. Afterwards all is applied and the manager never exited.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from devcluster import Cluster
from kubecore import Client
from tests.kubecore.waiting import until
from tests.reliability.fault_proxy import Fault, fault_proxy
from tests.reliability.manager_process import wait_applied
from tests.reliability.proxy import manager_behind
from tests.resource_manager.controller_harness import configmap, create_mr, set_manifests

pytestmark = pytest.mark.cluster

REFUSED = 15.0
MAX_REQUESTS_PER_SECOND = 10.0
"""Requests/s the manager may send while every one gets a 429 with Retry-After: 1 (measured: see
docs/reliability.md)."""
MRS, OBJECTS = 3, 60


async def _data(client: Client, namespace: str) -> dict[str, dict[str, str]]:
    listed = await client.list("v1", "ConfigMap", namespace=namespace)
    return {c["metadata"]["name"]: c.get("data") or {} for c in listed["items"]}


async def _converged(client: Client, namespace: str, wanted: dict[str, str]) -> bool:
    live = await _data(client, namespace)
    return all(live.get(name) == {"k": value} for name, value in wanted.items())


def _docs(namespace: str, i: int, value: str) -> list[dict[str, object]]:
    return [configmap(f"m{i}-c{j}", namespace, {"k": value}) for j in range(OBJECTS)]


def _wanted(value: str) -> dict[str, str]:
    return {f"m{i}-c{j}": value for i in range(MRS) for j in range(OBJECTS)}


async def test_429s_then_503s_are_backed_off_and_nothing_is_lost(
    cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    behind = manager_behind(fault_proxy(cluster, tmp_path / "pki"), cluster, namespace, tmp_path)
    async with behind as (client, proxy, manager):
        probe = [configmap(f"probe-{j}", namespace, {"k": "v"}) for j in range(3)]
        await create_mr(client, "probe", namespace, *probe)
        await wait_applied(client, namespace, "probe", "ApplySucceeded")

        proxy.start(Fault(429, retry_after=1))
        started = time.monotonic()
        for i in range(MRS):
            await create_mr(client, f"m{i}", namespace, *_docs(namespace, i, "one"))
        await client.apply(configmap("probe-0", namespace, {"k": "edited"}), field_manager="someone", force=True)
        await client.delete("v1", "ConfigMap", "probe-1", namespace=namespace)
        await asyncio.sleep(REFUSED - (time.monotonic() - started))
        ended = time.monotonic()
        rate = proxy.rate(started, ended)
        refused = proxy.refused
        proxy.stop()
        wanted = _wanted("one") | {f"probe-{j}": "v" for j in range(3)}
        await until("convergence after the 429s", lambda: _converged(client, namespace, wanted), 120)
        recovered = time.monotonic() - ended

        proxy.start(Fault(503, fraction=0.3))
        changed = time.monotonic()
        for i in range(MRS):
            await set_manifests(client, f"m{i}", namespace, *_docs(namespace, i, "two"))
        wanted |= _wanted("two")
        await until("convergence through the 503s", lambda: _converged(client, namespace, wanted), 120)
        through_503s = time.monotonic() - changed
        refused_503 = proxy.refused - refused
        proxy.stop()
        for mr in ["probe", *(f"m{i}" for i in range(MRS))]:
            await wait_applied(client, namespace, mr, "ApplySucceeded", 120)

        print(
            f"\n429 for {REFUSED:.0f} s: {rate:.2f} requests/s ({refused} refused), converged {recovered:.1f} s "
            f"after; 30 % 503s: {MRS * OBJECTS} changes applied in {through_503s:.1f} s ({refused_503} refused)"
        )
        assert refused > 0 and refused_503 > 0
        assert rate <= MAX_REQUESTS_PER_SECOND
        assert manager.alive(), manager.output()[-3000:]


async def test_a_transient_api_error_in_a_reconcile_is_one_warning_line(
    cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    """Every GET of the MR answers 503 (its watch still works): the reconcile fails after the client's
    retries and is logged as one warning with the reason and the retry delay, no traceback."""
    behind = manager_behind(fault_proxy(cluster, tmp_path / "pki"), cluster, namespace, tmp_path)
    async with behind as (client, proxy, manager):
        proxy.start(Fault(503, path="/managedresources/unavailable"))
        await create_mr(client, "unavailable", namespace, configmap("c", namespace))
        await until("a failed reconcile", lambda: '"result":"error"' in manager.output(), 60)
        proxy.stop()
        await wait_applied(client, namespace, "unavailable", "ApplySucceeded")
        failed = [line for line in manager.output().splitlines() if '"result":"error"' in line]
        print(f"\n{failed[0]}")
        assert all('"level":"warning"' in line and "ServiceUnavailable (503)" in line for line in failed)
        assert all('"retry_in":' in line for line in failed)
        assert "reconcile crashed" not in manager.output() and "Traceback" not in manager.output()
