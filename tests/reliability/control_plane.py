"""Stopping and starting a throw-away cluster's components by PID, with their original command lines."""

from __future__ import annotations

from pathlib import Path

from devcluster.cluster import Cluster
from devcluster.processes import spawn, stop_all, tracked_pid
from tests.kubecore.waiting import until


def command_line(cluster: Cluster, name: str) -> list[str]:
    """The command line of a running component, to start it again the same way."""
    pid = tracked_pid(cluster.state_dir, name)
    assert pid is not None, f"{name} is not running"
    return Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").decode().split("\0")


async def restart_apiserver(cluster: Cluster, *flags: str) -> None:
    """kube-apiserver again with ``flags`` added; returns once it serves."""
    argv = command_line(cluster, "kube-apiserver")
    stop_all(cluster.state_dir, ["kube-apiserver"])
    spawn(cluster.state_dir, "kube-apiserver", [*argv, *flags])
    await until("the API server ready again", cluster.ready, 60)
