"""`resource-manager run` against a cluster without the CRD: exit 3 with one line that says what to do."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from devcluster import running_cluster

pytestmark = pytest.mark.cluster

CLI = str(Path(sys.executable).parent / "resource-manager")


def test_run_without_the_crd_fails_at_once_with_the_fix(tmp_path: Path) -> None:
    # A cluster of its own: the session's cluster gets the CRD from other tests.
    with running_cluster(tmp_path / "bare") as bare:
        result = subprocess.run(
            [CLI, "run", "--kubeconfig", str(bare.kubeconfig)], capture_output=True, text=True, timeout=60
        )
    assert result.returncode == 3
    assert result.stderr.strip().splitlines() == [
        "error: the ManagedResource CRD (managedresources.resources.gardener.cloud) is not installed in the "
        "source cluster: run `resource-manager install-crds` first"
    ]
    assert "Traceback" not in result.stderr + result.stdout
