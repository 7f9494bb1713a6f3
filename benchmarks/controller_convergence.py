"""Controller convergence vs a plain SSA loop, writes during a full resync, requests per unchanged reconcile.

One run (repeat with `--runs`; medians printed at the end):
1. plain loop: our client server-side-applies the same NxM objects (labels/annotations as the controller
   writes them) one after the other, into a namespace of its own;
2. controller: N ManagedResources of M objects → until every MR is `ResourcesApplied=True` with
   `observedGeneration` current (from creating the MRs; their Secrets exist before);
3. full resync: every MR enqueued once more; write requests counted at the client and by the API
   server's own `apiserver_request_total` (verbs POST/PUT/PATCH/APPLY/DELETE on configmaps, secrets,
   serviceaccounts, roles, managedresources), and all requests per MR reconcile.

Run: `.venv/bin/python benchmarks/controller_convergence.py [--dir CLUSTER_DIR] [--mrs 100] [--per-mr 20] [--runs 3]`
"""

from __future__ import annotations

import asyncio
import time

from controller_common import (
    Stopwatch,
    apiserver_writes,
    arguments,
    client_of,
    controller,
    create_mrs,
    delete_namespaces,
    delta,
    idle,
    median,
    namespace,
    objects,
    wait_all_applied,
)
from devcluster.cluster import Cluster, given_or_temporary_cluster
from resource_manager.desired import inject_labels, labels_to_inject, with_origin
from resource_manager.fields import FIELD_MANAGER


async def plain_loop(cluster: Cluster, mrs: int, per_mr: int) -> float:
    async with client_of(cluster, "plain-loop") as client:
        target = await namespace(client, "bench-plain")
        bodies = [
            with_origin(inject_labels(obj, labels_to_inject({})), f"bench/mr{i}")
            for i in range(mrs)
            for obj in objects(target, i, per_mr)
        ]
        watch = Stopwatch()
        for body in bodies:
            await client.apply(body, field_manager=FIELD_MANAGER, force=True)
        seconds = watch.seconds()
        await delete_namespaces(client, [target])
        return seconds


async def controller_run(cluster: Cluster, mrs: int, per_mr: int) -> tuple[float, dict[str, int], float, float]:
    async with client_of(cluster, "controller") as client:
        source, target = await namespace(client, "bench-src"), await namespace(client, "bench-tgt")
        try:
            async with controller(client, source) as manager:
                watch, cpu, at_start = Stopwatch(), time.process_time(), apiserver_writes(cluster)
                await create_mrs(client, source, target, mrs, per_mr)
                create_seconds = watch.seconds()
                await wait_all_applied(client, source, mrs)
                converged = watch.seconds()
                await idle(manager)
                print(
                    f"  convergence: process CPU {time.process_time() - cpu:.2f} s; API server write requests "
                    f"(incl. the benchmark's Secret/MR creation) {delta(apiserver_writes(cluster), at_start)}",
                    flush=True,
                )
                stats = client.transport.stats
                writes, requests, server = stats.writes, stats.count(), apiserver_writes(cluster)
                for i in range(mrs):
                    manager.queue.add((source, f"mr{i}"))
                await idle(manager)
                server_writes = delta(apiserver_writes(cluster), server)
                resync_writes = {
                    "client": stats.writes - writes,
                    "apiserver": sum(server_writes.values()),
                    **server_writes,
                }
                per_reconcile = (stats.count() - requests) / mrs
            return converged, resync_writes, round(per_reconcile, 2), create_seconds
        finally:
            await delete_namespaces(client, [source, target])


async def main() -> None:
    args = arguments(__doc__ or "", mrs=100, per_mr=20, runs=3)
    total = args.mrs * args.per_mr
    loops, converges, ratios = [], [], []
    with given_or_temporary_cluster(args.dir) as cluster:
        for run in range(args.runs):
            loop = await plain_loop(cluster, args.mrs, args.per_mr)
            converged, resync, per_reconcile, created = await controller_run(cluster, args.mrs, args.per_mr)
            loops.append(loop)
            converges.append(converged)
            ratios.append(converged / loop)
            print(
                f"run {run + 1}: plain SSA loop {total} objects {loop:.2f} s ({total / loop:.0f}/s); "
                f"controller {args.mrs} MRs x {args.per_mr} -> all Applied {converged:.2f} s "
                f"(MR creation {created:.2f} s) = {converged / loop:.2f}x the loop; "
                f"full resync writes {resync}; requests per unchanged MR reconcile {per_reconcile}",
                flush=True,
            )
    print(
        f"median of {args.runs}: plain loop {median(loops):.2f} s, controller {median(converges):.2f} s, "
        f"ratio {median(ratios):.2f}x"
    )


if __name__ == "__main__":
    asyncio.run(main())
