"""Soak: the reliability rounds at full length (the suite runs bounded versions of the same code).

Crash anywhere: `resource-manager run` SIGKILLed at a random moment while it applies, prunes or deletes,
30 rounds, 3 MRs of 50-200 objects each growing, shrinking, changing and being deleted; after each round
every desired object exists with its content, no orphan, a bystander MR's objects keep their UIDs, and
``status.resources`` matches (see tests/reliability/crash_rounds.py).

Run: `.venv/bin/python benchmarks/soak.py [--dir CLUSTER_DIR] [--rounds 30] [--min-objects 50]
[--max-objects 200] [--seed 13]`
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))  # the rounds are the reliability tests' own code

from tests.reliability.crash_rounds import crash_rounds

from controller_common import arguments
from devcluster.cluster import given_or_temporary_cluster
from kubecore import Client, load_kubeconfig
from resource_manager.cmd.install import install_crds


async def soak(kubeconfig: Path, rounds: int, sizes: tuple[int, int], seed: int, log: Path) -> None:
    namespace = f"soak-{uuid.uuid4().hex[:8]}"
    async with Client(load_kubeconfig([kubeconfig]), name="soak") as client:
        await install_crds(client)
        await client.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
        started = time.monotonic()
        try:
            report = await crash_rounds(kubeconfig, client, namespace, log, rounds=rounds, sizes=sizes, seed=seed)
        finally:
            await client.delete("v1", "Namespace", namespace)
    recovery = report.recovery_seconds
    print(
        f"crash anywhere: {report.rounds}/{rounds} rounds survived in {time.monotonic() - started:.0f} s; "
        f"objects per round {min(report.objects_per_round)}-{max(report.objects_per_round)}; "
        f"kill after {min(report.kill_delays):.2f}-{max(report.kill_delays):.2f} s; "
        f"recovery (restart to converged) median {statistics.median(recovery):.1f} s, max {max(recovery):.1f} s"
    )


def main() -> None:
    args = arguments(__doc__ or "", rounds=30, min_objects=50, max_objects=200, seed=13)
    with given_or_temporary_cluster(args.dir) as cluster, tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "manager.log"
        asyncio.run(soak(cluster.kubeconfig, args.rounds, (args.min_objects, args.max_objects), args.seed, log))


if __name__ == "__main__":
    main()
