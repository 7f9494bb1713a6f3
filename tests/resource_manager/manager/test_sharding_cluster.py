"""Three shards (`resource-manager run --shard i/3`, real processes) and a standby share 300 MRs on the real
control plane: each MR is reconciled by its shard only, and killing a shard's leader hands its MRs to the
standby of that shard."""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from devcluster import Cluster
from kubecore import Client, NotFound, load_kubeconfig
from resource_manager.cmd.install import install_crds
from resource_manager.manager.sharding import shard_of
from tests.kubecore.waiting import until
from tests.resource_manager.controller_harness import MR, _delete_mrs, configmap, create_mr, set_manifests
from tests.resource_manager.manager_process import ManagerProcess, config_file, eventually, running_manager

pytestmark = pytest.mark.cluster

MRS = 300
SHARDS = 3
LEASE = "gardener-resource-manager"
PRESENCE_WARNING = "another manager of this class holds the Lease"
SERIES = re.compile(r"^resource_manager_managed_objects\{([^}]*)\}", re.MULTILINE)
LABEL = re.compile(r'(\w+)="([^"]*)"')
ELECTION = {"leaseDuration": "4s", "renewDeadline": "3s", "retryPeriod": "500ms"}


@pytest.fixture
async def client(cluster: Cluster) -> AsyncIterator[Client]:
    async with Client(load_kubeconfig([cluster.kubeconfig]), name="sharding-test") as test_client:
        await install_crds(test_client)
        yield test_client


async def _create_mrs(client: Client, namespace: str) -> None:
    names = [f"mr-{index}" for index in range(MRS)]
    for start in range(0, MRS, 50):
        await asyncio.gather(
            *(create_mr(client, name, namespace, configmap(name, namespace)) for name in names[start : start + 50])
        )


async def _applied(client: Client, namespace: str) -> int:
    count = 0
    for mr in (await client.list(*MR, namespace=namespace))["items"]:
        conditions = (mr.get("status") or {}).get("conditions") or []
        count += any(c["type"] == "ResourcesApplied" and c["status"] == "True" for c in conditions)
    return count


def _reconciled(manager: ManagerProcess) -> set[str]:
    """The MRs (``ns/name``) this process ran a reconcile for, from its log."""
    return {str(line["mr"]) for line in manager.logged("reconcile")}


async def _per_mr_series(manager: ManagerProcess) -> set[str]:
    """The MRs (``ns/name``) this process serves ``resource_manager_managed_objects`` for."""
    _, text = await manager.get("/metrics")
    series = [dict(LABEL.findall(labels)) for labels in SERIES.findall(text)]
    return {f"{labels['namespace']}/{labels['name']}" for labels in series}


async def _holder(client: Client, namespace: str, name: str) -> str:
    try:
        lease = await client.get("coordination.k8s.io/v1", "Lease", name, namespace=namespace)
    except NotFound:
        return ""
    return str(lease["spec"].get("holderIdentity") or "")


def _is(manager: ManagerProcess, holder: str) -> bool:
    return holder.endswith(f"_{manager.process.pid}")


def _config(tmp_path: Path, cluster: Cluster, namespace: str, **election: bool) -> Path:
    """Only the test namespace, short Lease timings in it, 10 workers per process."""
    return config_file(
        tmp_path / "config.yaml",
        cluster.kubeconfig,
        sourceClientConnection={"namespaces": [namespace]},
        leaderElection={**ELECTION, **election, "resourceNamespace": namespace},
        controllers={"managedResource": {"concurrentSyncs": 10}},
    )


async def _wait_holds(client: Client, namespace: str, lease: str, manager: ManagerProcess) -> None:
    await eventually(f"{lease} held", lambda: _holder(client, namespace, lease), lambda h: _is(manager, h))


async def test_three_shards_split_300_mrs_and_a_standby_takes_over_its_shard(
    cluster: Cluster, client: Client, namespace: str, tmp_path: Path
) -> None:
    config = _config(tmp_path, cluster, namespace, leaderElect=True)
    owner = {f"{namespace}/mr-{i}": shard_of(namespace, f"mr-{i}", SHARDS) for i in range(MRS)}
    ports = ("--metrics-bind-address", "127.0.0.1:0", "--health-bind-address", "127.0.0.1:0")
    async with contextlib.AsyncExitStack() as stack:
        shards = [
            await stack.enter_async_context(running_manager(config, "--shard", f"{i}/{SHARDS}", *ports))
            for i in range(SHARDS)
        ]
        # started after shard 1's first replica has the Lease: the standby of shard 1
        leases = [f"{LEASE}-shard-{i}-of-{SHARDS}" for i in range(SHARDS)]
        for index, manager in enumerate(shards):
            await manager.wait_logged("acquired lease", lease=leases[index])
        standby = await stack.enter_async_context(running_manager(config, "--shard", f"1/{SHARDS}", *ports))
        await eventually("the standby ready", lambda: standby.get("/readyz"), lambda answer: answer[0] == 200)

        started = time.monotonic()
        await _create_mrs(client, namespace)
        await eventually(f"{MRS} MRs applied", lambda: _applied(client, namespace), lambda n: n == MRS, 120)
        converged = time.monotonic() - started

        for index, manager in enumerate(shards):
            mine = {key for key, shard in owner.items() if shard == index}
            assert mine  # 300 names spread over all three shards
            assert _reconciled(manager) == mine, f"shard {index} reconciled another shard's MR or missed one"
            assert await _per_mr_series(manager) == mine
            assert await manager.metric("resource_manager_shard_info", shard=str(index), shards=str(SHARDS)) == 1
            assert _is(manager, await _holder(client, namespace, leases[index]))
        assert _reconciled(standby) == set()
        assert await standby.metric("rest_client_requests_total", client="target", method="PATCH") == 0
        assert converged < 120, converged

        shard_1 = sorted(key for key, shard in owner.items() if shard == 1)
        changed = shard_1[0].split("/")[1]
        shards[1].signal(signal.SIGKILL)  # by PID, without releasing the Lease
        await shards[1].wait()
        killed = time.monotonic()
        await set_manifests(client, changed, namespace, configmap(changed, namespace, {"k": "after-failover"}))

        async def value() -> str:
            live = await client.get("v1", "ConfigMap", changed, namespace=namespace)
            return str((live.get("data") or {}).get("k"))

        await eventually("the standby applied the change", value, lambda v: v == "after-failover", 30)
        takeover = time.monotonic() - killed
        assert takeover <= 4 + 2 * 0.5 + 10, takeover  # Lease duration, two retries, a reconcile under load
        assert _is(standby, await _holder(client, namespace, leases[1]))
        assert f"{namespace}/{changed}" in _reconciled(standby)
        assert _reconciled(standby) <= set(shard_1)
        for index in (0, 2):
            assert all(owner[key] == index for key in _reconciled(shards[index]))
        print(f"\n{MRS} MRs converged over {SHARDS} shards in {converged:.1f}s; failover to applied: {takeover:.1f}s")
        await _delete_mrs(client, [namespace])


def _warned(manager: ManagerProcess) -> list[str]:
    return [str(line["lease"]) for line in manager.lines if str(line.get("event", "")).startswith(PRESENCE_WARNING)]


async def test_without_leader_election_only_a_second_manager_of_the_same_shard_is_warned_about(
    cluster: Cluster, client: Client, namespace: str, tmp_path: Path
) -> None:
    config = _config(tmp_path, cluster, namespace, leaderElect=False)
    leases = [f"{LEASE}-shard-{i}-of-2" for i in range(2)]
    async with running_manager(config, "--shard", "0/2") as first, running_manager(config, "--shard", "1/2") as second:
        await _wait_holds(client, namespace, leases[0], first)
        await _wait_holds(client, namespace, leases[1], second)
        async with running_manager(config, "--shard", "1/2") as again:
            await until("the second manager of shard 1 warned", lambda: bool(_warned(again)), 30)
            assert set(_warned(again)) == {f"{namespace}/{leases[1]}"}
        assert _warned(first) == _warned(second) == []
