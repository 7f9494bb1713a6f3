"""Controller convergence against the API server's limit, with the manager started the way users start it.

One run (repeat with `--runs`; medians printed at the end):
1. plain concurrent client: our client (no client-side rate limit) server-side-applies the same NxM
   objects (labels/annotations as the controller writes them) with 32 requests in flight, into a
   namespace of its own — what the API server can take from one process;
2. protocol floor: no controller; the benchmark creates the same Secrets and MRs as in step 3 and then,
   for every MR at once, sends only the requests GRM's protocol asks of any controller for a new MR: the
   finalizer (merge patch), the status write that resets the checks and records the new inventory
   (`ResourcesApplied=Progressing`), the server-side applies (32 in flight in all, as the plain client)
   and the final status write (`ApplySucceeded`, healthy, `observedGeneration`); the clock stops when
   the same watcher as in step 3 sees every MR Applied. No watches of the applied objects, no Events, no
   decoding: what a controller that costs nothing itself would measure. The controller's ratio to it is
   its own overhead; the floor's ratio to the plain client is the protocol's;
3. controller: `resource-manager run --namespace SRC` as a child process with its shipped defaults (free
   ports for metrics and probes, JSON logs; leader election on); once it logs that its caches are
   synced (it holds the Lease and watches MRs and Secrets), the clock starts, N Secrets and then N
   ManagedResources are created → until every MR is `ResourcesApplied=True` at its generation (watched
   with an informer of our own, no polling). The process start-up is not counted, as the plain client's
   is not;
4. idle: the manager keeps running one sync period (its default) plus 5 s with nothing changed; write
   requests to the managed kinds counted by the API server (`apiserver_request_total`).
Also printed: the manager's RSS and CPU seconds (from /proc), the machine's load average.
Before run 1 an unmeasured plain pass warms the API server up (its first writes of a kind are slower:
caches fill, its heap grows), so run 1's plain figure is not inflated in the controller's favour. The
benchmark process runs on the event loop the CLIs use (uvloop), so the plain client is as cheap as ours.

`--sequential` adds the old one-request-at-a-time loop as a footnote figure.

Run: `.venv/bin/python benchmarks/controller_convergence.py [--dir CLUSTER_DIR] [--mrs 100] [--per-mr 20] [--runs 3]`
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).parents[1]))  # the CLI process harness is the tests' own code

from tests.resource_manager.manager_process import config_file, running_manager

from controller_common import (
    Stopwatch,
    apiserver_writes,
    arguments,
    client_of,
    cpu_seconds,
    create_mrs,
    delete_namespaces,
    delta,
    median,
    namespace,
    objects,
    rss_mib,
    wait_all_applied,
)
from devcluster.cluster import Cluster, given_or_temporary_cluster
from kubecore import Client
from kubecore.cli import run_async
from resource_manager.api import conditions as cond
from resource_manager.api.classes import finalizer_name
from resource_manager.api.crd import MR_API_VERSION, MR_KIND
from resource_manager.api.identity import key_of
from resource_manager.cmd.install import install_crds
from resource_manager.desired import inject_labels, labels_to_inject, status_reference, with_origin
from resource_manager.health.assess import health_conditions
from resource_manager.inventory import sort_references
from resource_manager.source.checksum import secrets_data_checksum
from resource_manager.ssa.fields import FIELD_MANAGER

CONCURRENCY = 32
DEFAULT_SYNC_PERIOD = 60.0
"""`resource-manager run`'s default sync period: the idle window covers one full resync."""


async def plain_client(cluster: Cluster, mrs: int, per_mr: int, concurrency: int) -> float:
    """Seconds for one client to server-side-apply every object with ``concurrency`` requests in flight."""
    async with client_of(cluster, "plain-client") as client:
        target = await namespace(client, "bench-plain")
        bodies = [
            with_origin(inject_labels(obj, labels_to_inject({})), f"bench/mr{i}")
            for i in range(mrs)
            for obj in objects(target, i, per_mr)
        ]
        semaphore = asyncio.Semaphore(concurrency)

        async def apply(body: dict[str, object]) -> None:
            async with semaphore:
                await client.apply(body, field_manager=FIELD_MANAGER, force=True)

        watch = Stopwatch()
        await asyncio.gather(*(apply(b) for b in bodies))
        seconds = watch.seconds()
        await delete_namespaces(client, [target])
        return seconds


async def protocol_floor(cluster: Cluster, mrs: int, per_mr: int, concurrency: int) -> float:
    """Seconds from the first Secret created until every MR is Applied, with only the protocol's requests
    sent (step 2 of the module docstring)."""
    async with client_of(cluster, "protocol-floor") as client:
        source, target = await namespace(client, "bench-src"), await namespace(client, "bench-tgt")
        semaphore = asyncio.Semaphore(concurrency)

        async def apply(body: dict[str, object]) -> dict[str, object]:
            async with semaphore:
                return await client.apply(body, field_manager=FIELD_MANAGER, force=True)

        try:
            watch = Stopwatch()
            await create_mrs(client, source, target, mrs, per_mr)
            work = (
                _one_mr_by_protocol(client, apply, source, f"mr{i}", objects(target, i, per_mr)) for i in range(mrs)
            )
            await asyncio.gather(wait_all_applied(client, source, mrs), *work)
            return watch.seconds()
        finally:
            await delete_namespaces(client, [source, target])


async def _one_mr_by_protocol(
    client: Client,
    apply: Callable[[dict[str, object]], Awaitable[dict[str, object]]],
    source: str,
    name: str,
    docs: list[dict[str, object]],
) -> None:
    """Finalizer, checks reset with the new inventory, applies, final status: the writes of a new MR."""
    labels = labels_to_inject({})
    bodies = [with_origin(inject_labels(doc, labels), f"{source}/{name}") for doc in docs]
    resources = sort_references(status_reference(body, labels) for body in bodies)
    now = datetime.now(UTC)
    mr = await client.patch(
        MR_API_VERSION, MR_KIND, name, {"metadata": {"finalizers": [finalizer_name("")]}}, namespace=source
    )
    reset = cond.reset_for_changed_resources(None, now)
    mr = await client.update({**mr, "status": {"conditions": reset, "resources": resources}}, subresource="status")
    live = {key_of(obj): obj for obj in await asyncio.gather(*(apply(body) for body in bodies))}
    conditions = cond.applied_result(reset, None, now)
    conditions = health_conditions(conditions, resources, lambda ref: live.get(key_of(ref)), _no_children, now)
    final = {
        "conditions": conditions,
        "secretsDataChecksum": secrets_data_checksum(orjson.dumps(doc) for doc in docs),
        "resources": resources,
        "observedGeneration": mr["metadata"]["generation"],
    }
    await client.update({**mr, "status": {**mr["status"], **final}}, subresource="status")


def _no_children(*_: object) -> list[dict[str, object]]:
    """The protocol floor applies no kinds with children (health of ConfigMaps etc. needs none)."""
    return []


async def controller_run(
    cluster: Cluster, config: Path, mrs: int, per_mr: int
) -> tuple[float, dict[str, int], float, float]:
    """Convergence seconds, idle writes by verb, RSS MiB and CPU seconds of the manager."""
    async with client_of(cluster, "benchmark") as client:
        source, target = await namespace(client, "bench-src"), await namespace(client, "bench-tgt")
        try:
            async with running_manager(config, "--namespace", source) as manager:
                await manager.wait_logged("caches synced", 60)
                watch = Stopwatch()
                await create_mrs(client, source, target, mrs, per_mr)
                await wait_all_applied(client, source, mrs)
                converged = watch.seconds()
                before = apiserver_writes(cluster)
                await asyncio.sleep(DEFAULT_SYNC_PERIOD + 5)  # the idle window itself is the measurement
                idle_writes = delta(apiserver_writes(cluster), before)
                pid = manager.process.pid
                rss, cpu = rss_mib(pid), cpu_seconds(pid)
            return converged, idle_writes, rss, cpu
        finally:
            await delete_namespaces(client, [source, target])


async def sequential_loop(cluster: Cluster, mrs: int, per_mr: int) -> float:
    return await plain_client(cluster, mrs, per_mr, concurrency=1)


async def main() -> None:
    args = arguments(__doc__ or "", mrs=100, per_mr=20, runs=3, sequential=0)
    total = args.mrs * args.per_mr
    plains, floors, converges = [], [], []
    with given_or_temporary_cluster(args.dir) as cluster, tempfile.TemporaryDirectory() as tmp:
        # shipped defaults except what a benchmark needs: free ports, JSON logs (for "caches synced")
        config = config_file(Path(tmp) / "config.yaml", cluster.kubeconfig, leaderElection={"leaderElect": True})
        async with client_of(cluster, "install-crds") as client:
            await install_crds(client)  # the namespace clean-up lists MRs
        await plain_client(cluster, args.mrs, args.per_mr, CONCURRENCY)  # warm-up, not counted
        for run in range(args.runs):
            plain = await plain_client(cluster, args.mrs, args.per_mr, CONCURRENCY)
            floor = await protocol_floor(cluster, args.mrs, args.per_mr, CONCURRENCY)
            converged, idle_writes, rss, cpu = await controller_run(cluster, config, args.mrs, args.per_mr)
            plains.append(plain)
            floors.append(floor)
            converges.append(converged)
            print(
                f"run {run + 1}: plain client (concurrency {CONCURRENCY}) {total} objects {plain:.2f} s "
                f"({total / plain:.0f}/s); protocol floor {floor:.2f} s = {floor / plain:.2f}x; "
                f"`resource-manager run` {args.mrs} MRs x {args.per_mr} -> all Applied {converged:.2f} s = "
                f"{converged / plain:.2f}x ({converged / floor:.2f}x the floor); writes while idle "
                f"{DEFAULT_SYNC_PERIOD + 5:.0f} s: {idle_writes or 0}; manager RSS {rss:.0f} MiB, CPU {cpu:.1f} s; "
                f"load {os.getloadavg()[0]:.2f}",
                flush=True,
            )
    print(
        f"median of {args.runs}: plain client {median(plains):.2f} s, protocol floor {median(floors):.2f} s, "
        f"controller {median(converges):.2f} s; ratios (medians of the per-run ratios): controller / plain "
        f"{median([c / p for c, p in zip(converges, plains, strict=True)]):.2f}x, floor / plain "
        f"{median([f / p for f, p in zip(floors, plains, strict=True)]):.2f}x, controller / floor "
        f"{median([c / f for c, f in zip(converges, floors, strict=True)]):.2f}x"
    )
    if args.sequential:
        with given_or_temporary_cluster(args.dir) as cluster:
            seconds = await sequential_loop(cluster, args.mrs, args.per_mr)
        print(f"footnote: one request at a time, {total} objects {seconds:.2f} s")


if __name__ == "__main__":
    run_async(main())
