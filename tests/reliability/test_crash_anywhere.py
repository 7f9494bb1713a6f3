"""SIGKILL the manager at random moments while it applies, prunes and deletes (bounded: see crash_rounds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from devcluster import Cluster
from kubecore import Client, load_kubeconfig
from resource_manager.cmd.install import install_crds
from tests.reliability.crash_rounds import crash_rounds

pytestmark = pytest.mark.cluster

ROUNDS = 10
"""In the suite; benchmarks/soak.py runs 30 rounds with 50-200 objects per MR."""


async def test_killed_at_random_moments_it_converges_with_no_orphan_and_nothing_else_touched(
    cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    async with Client(load_kubeconfig([cluster.kubeconfig]), name="reliability-test") as client:
        await install_crds(client)
        report = await crash_rounds(
            cluster.kubeconfig, client, namespace, tmp_path / "manager.log", rounds=ROUNDS, sizes=(20, 60), seed=13
        )
    print(
        f"\ncrash rounds: {report.rounds}, kill delays {[round(d, 2) for d in report.kill_delays]} s, "
        f"recovery {[round(s, 1) for s in report.recovery_seconds]} s, objects {report.objects_per_round}"
    )
    assert report.rounds == ROUNDS
