"""`rm-dev dev-cluster up|status|down` leaves a cluster running between commands, then stops it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from devcluster.cluster import COMPONENTS, Cluster

pytestmark = pytest.mark.cluster

CLI = str(Path(sys.executable).parent / "rm-dev")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, "dev-cluster", *args], capture_output=True, text=True, timeout=180)


def test_up_status_down(tmp_path: Path) -> None:
    state = tmp_path / "cli-cluster"
    try:
        started = run("up", "--dir", str(state))
        assert started.returncode == 0, started.stderr
        assert f"export KUBECONFIG={state / 'admin.kubeconfig'}" in started.stdout
        status = run("status", "--dir", str(state))
        assert status.returncode == 0
        for name in COMPONENTS:
            assert f"{name}" in status.stdout
        assert "not ready" not in status.stdout and "stopped" not in status.stdout
        nodes = Cluster(state).kubectl("get", "nodes", "-o", "name").stdout
        assert "node/fake-node-0" in nodes
    finally:
        stopped = run("down", "--dir", str(state), "--purge")
    assert stopped.returncode == 0
    assert not state.exists()
    after = run("status", "--dir", str(state))
    assert after.returncode == 1 and "stopped" in after.stdout
