"""Scale: `resource-manager run` with N ManagedResources of M objects each, started the way users start it.

The manager is the CLI (`resource-manager run --namespace SRC --sync-period ...`, shipped defaults
otherwise: 5 workers, no client-side rate limit, leader election on; metrics and probes on
127.0.0.1:0, JSON logs read for the metrics address). The objects per MR are ConfigMaps, Secrets,
ServiceAccounts, a Role and a Deployment (no replicas); every MR has `injectLabels`. One run:

1. converge: manager 1 (sync period 1 h) runs, the Secrets then the MRs are created → until every MR
   is `ResourcesApplied=True` at its generation (our own informer). Printed: seconds, the manager's
   RSS (/proc), its requests by HTTP method (its own `rest_client_requests_total`), the API server's
   count of writes to the managed kinds and MRs (`apiserver_request_total`);
2. idle: once every MR is also healthy and no longer progressing (the Deployments' status settled),
   nothing changes for `--idle` seconds → the manager's requests per second, writes;
3. restart: manager 1 gets SIGTERM, manager 2 (sync period `--resync` s) starts → seconds from its
   start until it has reconciled every MR once ("re-verified": its `controller_runtime_reconcile_total`
   reaches N; each MR is queued once at start), its writes and requests;
4. full resync: `--resync` s after its own restart round every MR is reconciled again → until the
   reconcile count reaches 2N: requests per MR, writes;
5. drift during a full resync: in the next round, one ConfigMap after the other is edited by another
   field manager and the time until our watch sees it restored is sampled while that round runs.
The machine's load average is printed with every figure.

Run: `.venv/bin/python benchmarks/controller_scale.py [--dir CLUSTER_DIR] [--mrs 100] [--objects-per-mr 50]
[--idle 60] [--resync 60] [--samples 100]`
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))  # the CLI process harness is the tests' own code

from tests.resource_manager.manager_process import ManagerProcess, config_file, running_manager, sum_samples

from controller_common import (
    OUR_RESOURCES,
    WRITE_VERBS,
    Stopwatch,
    apiserver_requests,
    apiserver_writes,
    arguments,
    client_of,
    cpu_seconds,
    create_mrs,
    delete_namespaces,
    delta,
    load,
    namespace,
    percentile,
    rss_mib,
    settled,
    wait_all_applied,
)
from controller_drift import sample, watching
from devcluster.cluster import Cluster, given_or_temporary_cluster
from kubecore import Client
from kubecore.cli import run_async
from resource_manager.cmd.install import install_crds

RESOURCES = (*OUR_RESOURCES, "deployments")
VERBS = ("GET", *WRITE_VERBS)
REQUESTS = "rest_client_requests_total"


async def requests_by_method(manager: ManagerProcess) -> dict[str, int]:
    """The manager's own count of API requests (source and target clients), by HTTP method."""
    _, text = await manager.get("/metrics")
    counts: dict[str, int] = {}
    for line in text.splitlines():
        if line.startswith(REQUESTS + "{"):
            method = line.split('method="', 1)[1].split('"', 1)[0]
            counts[method] = counts.get(method, 0) + int(float(line.rpartition(" ")[2]))
    return counts


async def reconciles(manager: ManagerProcess) -> int:
    _, text = await manager.get("/metrics")
    return int(sum_samples(text, "controller_runtime_reconcile_total", {"controller": "managedresource"}))


async def reconciled(manager: ManagerProcess, count: int, within: float) -> None:
    """Until the manager has finished ``count`` reconciles (its metrics read every 0.2 s)."""
    async with asyncio.timeout(within):
        while await reconciles(manager) < count:  # noqa: ASYNC110 - a process's metrics offer no event
            await asyncio.sleep(0.2)


def total(counts: Mapping[str, int]) -> int:
    return sum(counts.values())


def report(what: str, **figures: object) -> None:
    text = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in figures.items())
    print(f"{time.strftime('%H:%M:%S', time.gmtime())} {what}: {text}; {load()}", flush=True)


class Run:
    """One scale run against ``cluster``: namespaces of its own, deleted at the end."""

    def __init__(self, cluster: Cluster, client: Client, config: Path, args: argparse.Namespace) -> None:
        self.cluster, self.client, self.config = cluster, client, config
        self.mrs, self.per_mr, self.idle, self.resync = args.mrs, args.objects_per_mr, args.idle, args.resync
        self.samples: int = args.samples
        self.source = self.target = ""

    def manager(self, sync_period: str) -> contextlib.AbstractAsyncContextManager[ManagerProcess]:
        """`resource-manager run` for the source namespace, as users start it."""
        return running_manager(self.config, "--namespace", self.source, "--sync-period", sync_period)

    async def converge_and_idle(self) -> None:
        async with self.manager("1h") as manager:
            await manager.wait_logged("caches synced", 60)
            before, writes = await requests_by_method(manager), apiserver_writes(self.cluster, RESOURCES)
            watch = Stopwatch()
            await create_mrs(
                self.client, self.source, self.target, self.mrs, self.per_mr, deployment=True, injectLabels={"t": "s"}
            )
            await wait_all_applied(self.client, self.source, self.mrs, within=3600)
            seconds = watch.seconds()
            sent = delta(await requests_by_method(manager), before)
            pid = manager.process.pid
            report(
                f"converged {self.mrs} MRs x {self.per_mr}",
                seconds=f"{seconds:.1f} s",
                manager_RSS=f"{rss_mib(pid):.0f} MiB",
                CPU=f"{cpu_seconds(pid):.0f} s",
                requests=f"{total(sent)} {sent}",
                apiserver_writes=delta(apiserver_writes(self.cluster, RESOURCES), writes),
            )
            await wait_all_applied(self.client, self.source, self.mrs, within=600, done_when=settled)
            await asyncio.sleep(5)  # the last status writes' own events
            before, writes = await requests_by_method(manager), apiserver_writes(self.cluster, RESOURCES)
            await asyncio.sleep(self.idle)  # the idle window itself is the measurement
            sent = delta(await requests_by_method(manager), before)
            report(
                f"idle {self.idle} s (sync period 1 h)",
                requests_per_s=f"{total(sent) / self.idle:.2f} {sent}",
                apiserver_writes=delta(apiserver_writes(self.cluster, RESOURCES), writes) or 0,
                manager_RSS=f"{rss_mib(pid):.0f} MiB (peak {rss_mib(pid, 'VmHWM'):.0f})",
            )

    async def restart_resync_drift(self, editor: Client) -> None:
        writes = apiserver_writes(self.cluster, RESOURCES)
        watch = Stopwatch()
        async with self.manager(f"{self.resync}s") as manager:
            await reconciled(manager, self.mrs, 600)
            seconds = watch.seconds()
            sent = await requests_by_method(manager)
            report(
                "restart: all MRs re-verified",
                seconds=f"{seconds:.1f} s (from process start)",
                apiserver_writes=delta(apiserver_writes(self.cluster, RESOURCES), writes) or 0,
                requests=f"{total(sent)} {sent}",
                manager_RSS=f"{rss_mib(manager.process.pid):.0f} MiB",
            )
            await self.resync_round(manager)
            await self.drift_during_resync(manager, editor)

    async def resync_round(self, manager: ManagerProcess) -> None:
        before, counted = await requests_by_method(manager), apiserver_requests(self.cluster, RESOURCES, VERBS)
        watch = Stopwatch()
        await reconciled(manager, 2 * self.mrs, self.resync + 600)
        sent = delta(await requests_by_method(manager), before)
        served = delta(apiserver_requests(self.cluster, RESOURCES, VERBS), counted)
        report(
            "full resync of the unchanged set",
            finished=f"{watch.seconds():.1f} s after the restart round (each MR is due {self.resync} s after its own)",
            requests_per_MR=f"{total(sent) / self.mrs:.3f} {sent} (Lease renewals included)",
            to_MRs_Secrets_and_managed_kinds=f"{total(served) / self.mrs:.3f} per MR {served or 0}",
            manager_RSS=f"{rss_mib(manager.process.pid):.0f} MiB",
        )

    async def drift_during_resync(self, manager: ManagerProcess, editor: Client) -> None:
        """Samples from the first reconcile of the next round until 3N reconciles are done (the repairs'
        own reconciles count too, so sampling stops a little before the round ends), at most
        ``--samples``."""
        rng = random.Random(7)
        configmaps = [f"m{i}-o{j}" for i in range(self.mrs) for j in range(int(self.per_mr * 0.7))]
        latencies: list[float] = []
        async with watching(editor, "v1", "ConfigMap", self.target) as seen:
            await reconciled(manager, 2 * self.mrs + 1, self.resync + 600)
            while len(latencies) < self.samples and await reconciles(manager) < 3 * self.mrs:
                name = rng.choice(configmaps)
                edit = editor.patch("v1", "ConfigMap", name, {"data": {"v": "edited"}}, namespace=self.target)
                key = f"{self.target}/{name}"
                latencies.append(await sample(seen, key, lambda o: o["data"]["v"] != "edited", edit))
        ms = sorted(x * 1e3 for x in latencies)
        report(
            "drift repair during a full resync",
            samples=len(ms),
            p50=f"{percentile(ms, 50):.0f} ms",
            p99=f"{percentile(ms, 99):.0f} ms" if ms else "-",
            max=f"{max(ms, default=0):.0f} ms",
        )

    async def __call__(self, editor: Client) -> None:
        self.source = await namespace(self.client, "scale-src")
        self.target = await namespace(self.client, "scale-tgt")
        try:
            await self.converge_and_idle()
            await self.restart_resync_drift(editor)
        finally:
            watch = Stopwatch()
            await delete_namespaces(self.client, [self.source, self.target])
            report("namespaces deleted", seconds=f"{watch.seconds():.0f} s")


async def main() -> None:
    args = arguments(__doc__ or "", mrs=100, objects_per_mr=50, idle=60, resync=60, samples=100)
    with given_or_temporary_cluster(args.dir) as cluster, tempfile.TemporaryDirectory() as tmp:
        # shipped defaults except what a benchmark needs: free ports, JSON logs (for the metrics address)
        config = config_file(Path(tmp) / "config.yaml", cluster.kubeconfig, leaderElection={"leaderElect": True})
        async with client_of(cluster, "benchmark") as client, client_of(cluster, "bench-editor") as editor:
            await install_crds(client)
            await Run(cluster, client, config, args)(editor)


if __name__ == "__main__":
    run_async(main())
