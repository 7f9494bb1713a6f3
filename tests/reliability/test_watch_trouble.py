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
from devcluster.cluster import running_cluster
from kubecore import Client, NotFound
from tests.kubecore.waiting import until
from tests.reliability.control_plane import restart_apiserver
from tests.reliability.manager_process import wait_applied
from tests.reliability.proxy import CountingProxy, counting_proxy, manager_behind
from tests.resource_manager.controller_harness import MR, configmap, create_mr

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


async def trouble_round(
    cluster: Cluster,
    client: Client,
    proxy: CountingProxy,
    namespace: str,
    names: list[str],
    rng: random.Random,
    round_: int,
) -> float:
    """Cut, compact, edit three and delete one managed ConfigMap, cut and compact again; the seconds until
    every edit is reverted and the deleted one is back."""
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

    async def repaired() -> bool:
        try:
            objects = [await client.get("v1", "ConfigMap", n, namespace=namespace) for n in edited]
            await client.get("v1", "ConfigMap", deleted, namespace=namespace)
        except NotFound:
            return False
        return all(o["data"] == {"k": "v"} for o in objects)

    started = time.monotonic()
    await until(f"round {round_}: edits reverted and {deleted} re-created", repaired, REPAIR_LIMIT)
    return time.monotonic() - started


async def test_every_hand_edit_is_reverted_through_dropped_watches_and_compactions(
    cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    rng = random.Random(3)
    names = [f"w{i}" for i in range(20)]
    repairs: list[float] = []
    behind = manager_behind(counting_proxy(cluster.server), cluster, namespace, tmp_path)
    async with behind as (client, proxy, manager):
        await create_mr(client, "mr", namespace, *[configmap(n, namespace) for n in names])
        await wait_applied(client, namespace, "mr", "ApplySucceeded")
        for round_ in range(ROUNDS):
            repairs.append(await trouble_round(cluster, client, proxy, namespace, names, rng, round_))
        assert manager.alive(), manager.output()[-3000:]
        print(
            f"\nwatch trouble: {ROUNDS} rounds, {proxy.connections} connections through the proxy, "
            f"repaired after {', '.join(f'{r:.1f}' for r in repairs)} s"
        )


async def test_a_410_storm_without_watch_cache_misses_no_edit_and_no_deletion(tmp_path: Path) -> None:
    """The same rounds on a throw-away cluster whose API server runs without its watch cache: watches are
    served from etcd, so every resume from a compacted revision is a 410 and every informer re-lists. An MR
    deleted while the watches are cut must still be finalized (its objects deleted)."""
    rng = random.Random(4)
    names = [f"w{i}" for i in range(20)]
    with running_cluster(tmp_path / "cluster") as cluster:
        await restart_apiserver(cluster, "--watch-cache=false")
        namespace = "gone"
        cluster.kubectl("create", "namespace", namespace)
        behind = manager_behind(counting_proxy(cluster.server), cluster, namespace, tmp_path)
        async with behind as (client, proxy, manager):
            await create_mr(client, "mr", namespace, *[configmap(n, namespace) for n in names])
            await create_mr(client, "doomed", namespace, configmap("doomed-c", namespace))
            for mr in ("mr", "doomed"):
                await wait_applied(client, namespace, mr, "ApplySucceeded")
            proxy.cut()
            await client.delete(*MR, "doomed", namespace=namespace)  # the round compacts past it
            repairs = [await trouble_round(cluster, client, proxy, namespace, names, rng, r) for r in range(3)]

            async def doomed_gone() -> bool:
                live = {
                    c["metadata"]["name"] for c in (await client.list("v1", "ConfigMap", namespace=namespace))["items"]
                }
                mrs = {m["metadata"]["name"] for m in (await client.list(*MR, namespace=namespace))["items"]}
                return "doomed-c" not in live and "doomed" not in mrs

            await until("the MR deleted during a cut to be finalized", doomed_gone, REPAIR_LIMIT)
            relists = manager.output().count("re-listing")
            times = ", ".join(f"{r:.1f}" for r in repairs)
            print(f"\n410 storm: {relists} re-lists after a 410; repaired after {times} s")
            assert relists >= 3
            assert manager.alive(), manager.output()[-3000:]
