"""Controller convergence against the API server's limit, with the manager started the way users start it.

One run (repeat with `--runs`; medians printed at the end):
1. plain concurrent client: our client (no client-side rate limit) server-side-applies the same NxM
   objects (labels/annotations as the controller writes them) with 32 requests in flight, into a
   namespace of its own — what the API server can take from one process;
2. controller: `resource-manager run --namespace SRC` as a child process with its shipped defaults (free
   ports for metrics and probes, JSON logs; leader election on); once it logs that its caches are
   synced (it holds the Lease and watches MRs and Secrets), the clock starts, N Secrets and then N
   ManagedResources are created → until every MR is `ResourcesApplied=True` at its generation (watched
   with an informer of our own, no polling). The process start-up is not counted, as the plain client's
   is not;
3. idle: the manager keeps running one sync period (its default) plus 5 s with nothing changed; write
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
from pathlib import Path

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
from kubecore.cli import run_async
from resource_manager.cmd.install import install_crds
from resource_manager.desired import inject_labels, labels_to_inject, with_origin
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
    plains, converges, ratios = [], [], []
    with given_or_temporary_cluster(args.dir) as cluster, tempfile.TemporaryDirectory() as tmp:
        # shipped defaults except what a benchmark needs: free ports, JSON logs (for "caches synced")
        config = config_file(Path(tmp) / "config.yaml", cluster.kubeconfig, leaderElection={"leaderElect": True})
        async with client_of(cluster, "install-crds") as client:
            await install_crds(client)  # the namespace clean-up lists MRs
        await plain_client(cluster, args.mrs, args.per_mr, CONCURRENCY)  # warm-up, not counted
        for run in range(args.runs):
            plain = await plain_client(cluster, args.mrs, args.per_mr, CONCURRENCY)
            converged, idle_writes, rss, cpu = await controller_run(cluster, config, args.mrs, args.per_mr)
            plains.append(plain)
            converges.append(converged)
            ratios.append(converged / plain)
            print(
                f"run {run + 1}: plain client (concurrency {CONCURRENCY}) {total} objects {plain:.2f} s "
                f"({total / plain:.0f}/s); `resource-manager run` {args.mrs} MRs x {args.per_mr} -> all Applied "
                f"{converged:.2f} s = {converged / plain:.2f}x; writes while idle {DEFAULT_SYNC_PERIOD + 5:.0f} s: "
                f"{idle_writes or 0}; manager RSS {rss:.0f} MiB, CPU {cpu:.1f} s; load {os.getloadavg()[0]:.2f}",
                flush=True,
            )
    print(
        f"median of {args.runs}: plain client {median(plains):.2f} s, controller {median(converges):.2f} s, "
        f"ratio {median(ratios):.2f}x"
    )
    if args.sequential:
        with given_or_temporary_cluster(args.dir) as cluster:
            seconds = await sequential_loop(cluster, args.mrs, args.per_mr)
        print(f"footnote: one request at a time, {total} objects {seconds:.2f} s")


if __name__ == "__main__":
    run_async(main())
