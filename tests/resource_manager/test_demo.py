"""The README's main job, end to end: `rm-dev demo` until Ctrl-C, then nothing left running."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from devcluster.cluster import Cluster

pytestmark = pytest.mark.cluster

CLI = str(Path(sys.executable).parent / "rm-dev")


def test_demo_runs_the_examples_reverts_an_edit_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    demo = subprocess.Popen([CLI, "demo"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert demo.stdout is not None
    lines: list[str] = []
    try:
        for line in demo.stdout:
            lines.append(line)
            if "Press Ctrl-C" in line:
                break
        demo.send_signal(signal.SIGINT)
        rest, _ = demo.communicate(timeout=120)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    output = "".join(lines) + rest
    assert demo.returncode == 0, output
    assert "example-configmaps" in output and "example-nginx" in output
    assert "reverted by the controller" in output
    assert output.rstrip().endswith("stopped.")
    state = tmp_path / ".devcluster" / "demo"
    assert not any(Cluster(state).running().values()), "the demo must stop every process it started"
    Cluster(state).destroy()
