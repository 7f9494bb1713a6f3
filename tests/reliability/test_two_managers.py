"""Two managers of the same class: with leader election only the leader works and failover under load
converges; without it the second one is warned about.

Manager A takes the Lease and starts converging three MRs of 50 ConfigMaps each; it is SIGKILLed mid-way
(no release: B must wait for the Lease to expire). B must not have reconciled anything while A was alive,
must take over, finish the work and apply a later change.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from devcluster import Cluster
from kubecore import Client, NotFound, load_kubeconfig
from kubecore.leaderelection import LEASE_API
from resource_manager.cmd.install import install_crds
from tests.kubecore.waiting import until
from tests.reliability.manager_process import ManagerProcess, clean_up, start_manager, wait_applied
from tests.resource_manager.controller_harness import configmap, create_mr, set_manifests

pytestmark = pytest.mark.cluster

WARNING = "another manager of this class holds the Lease"
LEASE_SECONDS = 15
FAILOVER_LIMIT = 40.0
"""Seconds from the leader's death to the follower's first reconcile: the Lease lasts 15 s."""


async def _holds(holder: Callable[[], Awaitable[str]], manager: ManagerProcess) -> bool:
    return (await holder()).endswith(f"_{manager.proc.pid}")


async def _all(client: Client, namespace: str, wanted: dict[str, str]) -> bool:
    live = {c["metadata"]["name"]: c for c in (await client.list("v1", "ConfigMap", namespace=namespace))["items"]}
    return all(name in live and live[name].get("data") == {"k": v} for name, v in wanted.items())


async def test_leader_failover_under_load_converges_and_only_the_leader_works(
    cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    election = ("--leader-elect", "--leader-election-namespace", namespace)
    async with Client(load_kubeconfig([cluster.kubeconfig]), name="reliability-test") as client:
        await install_crds(client)
        leader = await start_manager(cluster.kubeconfig, [namespace], tmp_path / "a.log", *election)
        follower = await start_manager(cluster.kubeconfig, [namespace], tmp_path / "b.log", *election, wait=False)
        try:
            wanted = {f"m{i}-c{j}": "one" for i in range(3) for j in range(50)}
            for i in range(3):
                docs = [configmap(f"m{i}-c{j}", namespace, {"k": "one"}) for j in range(50)]
                await create_mr(client, f"m{i}", namespace, *docs)
            await until("the leader at work", lambda: "reconciled" in leader.output(), 30)
            await asyncio.sleep(0.5)  # mid-convergence
            assert "acquired lease" not in follower.output()
            leader.kill()
            killed = time.monotonic()
            follower_before_kill = follower.output()

            await until("the follower to take over", lambda: "reconciled" in follower.output(), FAILOVER_LIMIT)
            failover = time.monotonic() - killed
            await until("all 150 ConfigMaps", lambda: _all(client, namespace, wanted), 120)
            wanted = dict.fromkeys(wanted, "two")
            for i in range(3):
                docs = [configmap(f"m{i}-c{j}", namespace, {"k": "two"}) for j in range(50)]
                await set_manifests(client, f"m{i}", namespace, *docs)
            await until("the change applied by the new leader", lambda: _all(client, namespace, wanted), 120)
            for i in range(3):
                await wait_applied(client, namespace, f"m{i}", "ApplySucceeded")
            print(f"\nleader election: the follower reconciled {failover:.1f} s after the leader was killed")
            assert "reconciled" not in follower_before_kill and "caches synced" not in follower_before_kill
            assert follower.alive()
        finally:
            leader.kill()
            await clean_up(follower, cluster.kubeconfig, client, [namespace], tmp_path / "b.log", *election)


async def test_a_second_manager_without_leader_election_is_warned_about(
    cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    """With leader election off the first manager still holds the class's Lease; the second one warns,
    naming the first as the holder, and both keep working (nothing stops either of them). A third manager,
    with leader election, stays a standby for longer than a Lease lasts, and leads at once when the first stops
    (it releases the Lease)."""
    lease = ("--leader-election-namespace", namespace)
    async with Client(load_kubeconfig([cluster.kubeconfig]), name="reliability-test") as client:
        await install_crds(client)
        first = await start_manager(cluster.kubeconfig, [namespace], tmp_path / "a.log", *lease)
        second: ManagerProcess | None = None
        standby = await start_manager(
            cluster.kubeconfig, [namespace], tmp_path / "c.log", *lease, "--leader-elect", wait=False
        )
        standby_since = time.monotonic()
        try:

            async def holder() -> str:
                try:
                    found = await client.get(LEASE_API, "Lease", "gardener-resource-manager", namespace=namespace)
                except NotFound:
                    return ""
                return str(found["spec"].get("holderIdentity", ""))

            await until("the first manager to hold the Lease", lambda: _holds(holder, first), 30)
            second = await start_manager(cluster.kubeconfig, [namespace], tmp_path / "b.log", *lease)
            await until("the second manager's warning", lambda: WARNING in second.output(), 30)
            warning = next(line for line in second.output().splitlines() if WARNING in line)
            assert f"_{first.proc.pid}" in warning and f"{namespace}/gardener-resource-manager" in warning
            assert WARNING not in first.output()
            await create_mr(client, "mr", namespace, configmap("c", namespace))
            await wait_applied(client, namespace, "mr", "ApplySucceeded")
            assert first.alive() and second.alive()
            assert second.stop() == 0 and await _holds(holder, first)
            await asyncio.sleep(max(0.0, LEASE_SECONDS + 3 - (time.monotonic() - standby_since)))
            assert "acquired lease" not in standby.output() and standby.alive()
            await clean_up(first, cluster.kubeconfig, client, [namespace], tmp_path / "a.log", *lease)
            # released on a clean stop: at once, not after the 15 s a Lease lasts
            await until("the standby to lead", lambda: "acquired lease" in standby.output(), 8)
        finally:
            for manager in (second, first, standby):
                if manager is not None:
                    manager.kill()
