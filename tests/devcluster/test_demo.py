"""The README's main job, end to end: `rm-dev demo` until Ctrl-C, then nothing left running."""

from __future__ import annotations

import os
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


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a live (not zombie) process."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def test_ctrl_c_with_stdout_a_closed_pipe_still_stops_every_process(tmp_path: Path) -> None:
    """`make demo | tee demo.log`, Ctrl-C: tee is gone before the demo's clean-up prints a word."""
    demo = subprocess.Popen([CLI, "demo"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert demo.stdout is not None
    state = tmp_path / ".devcluster" / "demo"
    try:
        manager_pid = 0
        for line in demo.stdout:
            if line.startswith(b"controller running (pid "):
                manager_pid = int(line.split()[3].rstrip(b","))
            if b"Press Ctrl-C" in line:
                break
        pids = [int(p.read_text()) for p in (state / "pids").glob("*.pid")]
        assert len(pids) == 5 and manager_pid, (pids, manager_pid)
        demo.stdout.close()  # the reader (tee) ends first ...
        demo.send_signal(signal.SIGINT)  # ... then the demo gets Ctrl-C
        _, stderr = demo.communicate(timeout=120)
        survivors = [pid for pid in [*pids, manager_pid] if _alive(pid)]
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
        Cluster(state).destroy()
        if manager_pid and _alive(manager_pid):
            os.kill(manager_pid, signal.SIGKILL)
    assert survivors == [], "the demo must stop every process it started"
    assert demo.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr
