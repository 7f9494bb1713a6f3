"""Watch trouble: connections dropped and etcd compacted again and again while objects are edited by hand.

The manager reaches the API server through a TCP proxy that the test cuts (every open watch and request
breaks at once); between cuts etcd is compacted to its current revision, so resumed watches may be told
their resource version is gone (410) and must re-list. Meanwhile managed ConfigMaps are edited and deleted
by hand: every edit must be reverted and every deleted object re-created.
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
import time
import urllib.request
from pathlib import Path

import pytest

from devcluster import Cluster
from kubecore import Client, NotFound, load_kubeconfig
from resource_manager.install import install_crds
from tests.kubecore.waiting import until
from tests.reliability.manager_process import manager_running, wait_applied
from tests.reliability.proxy import counting_proxy, proxied_kubeconfig
from tests.resource_manager.controller_harness import configmap, create_mr

pytestmark = pytest.mark.cluster

ROUNDS = 4
REPAIR_LIMIT = 45.0
"""Seconds a repair may take: it comes when the watch resumes, after a back-off that doubles with every
broken stream up to 30 s (docs/reliability.md); the 30 s sync period bounds it as well."""


def _etcd(cluster: Cluster, path: str, body: dict[str, object]) -> dict[str, object]:
    request = urllib.request.Request(
        cluster.etcd_url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        result: dict[str, object] = json.loads(response.read())
        return result


def compact(cluster: Cluster) -> int:
    """Compact etcd to its current revision (what kube-apiserver does every 5 minutes, now)."""
    header = _etcd(cluster, "/v3/kv/range", {"key": base64.b64encode(b"/").decode()})["header"]
    revision = int(header["revision"])  # type: ignore[index]
    _etcd(cluster, "/v3/kv/compaction", {"revision": revision})
    return revision


async def test_every_hand_edit_is_reverted_through_dropped_watches_and_compactions(
    cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    rng = random.Random(3)
    names = [f"w{i}" for i in range(20)]
    repairs: list[float] = []
    async with (
        Client(load_kubeconfig([cluster.kubeconfig]), name="reliability-test") as client,
        counting_proxy(cluster.server) as proxy,
    ):
        await install_crds(client)
        kubeconfig = proxied_kubeconfig(cluster, proxy.port, tmp_path / "proxied.kubeconfig")
        async with manager_running(kubeconfig, client, [namespace], tmp_path / "manager.log") as manager:
            await create_mr(client, "mr", namespace, *[configmap(n, namespace) for n in names])
            await wait_applied(client, namespace, "mr", "ApplySucceeded")
            for round_ in range(ROUNDS):
                proxy.cut()
                compact(cluster)
                edited, deleted = rng.sample(names, 3), rng.choice(names)
                for name in edited:
                    patch = {"data": {"k": f"hand-{round_}"}}
                    await client.patch("v1", "ConfigMap", name, patch, namespace=namespace)
                await client.delete("v1", "ConfigMap", deleted, namespace=namespace)
                await asyncio.sleep(rng.uniform(0, 0.5))
                proxy.cut()  # again, while the manager reacts
                compact(cluster)

                async def repaired(edited: list[str] = edited, deleted: str = deleted) -> bool:
                    try:
                        objects = [await client.get("v1", "ConfigMap", n, namespace=namespace) for n in edited]
                        await client.get("v1", "ConfigMap", deleted, namespace=namespace)
                    except NotFound:
                        return False
                    return all(o["data"] == {"k": "v"} for o in objects)

                started = time.monotonic()
                await until(f"round {round_}: edits reverted and {deleted} re-created", repaired, REPAIR_LIMIT)
                repairs.append(time.monotonic() - started)
            assert manager.alive(), manager.output()[-3000:]
            print(
                f"\nwatch trouble: {ROUNDS} rounds, {proxy.connections} connections through the proxy, "
                f"repaired after {', '.join(f'{r:.1f}' for r in repairs)} s"
            )
