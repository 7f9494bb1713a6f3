"""`resource-manager run` as a child process, the way users run it, for fault and bad-input tests.

Why a process and not the in-process harness: the faults under test (SIGKILL at a random moment, memory
of a decompression bomb, what reaches stdout) are properties of the process. Its whole output (every log
level: nothing is filtered by default) goes to one file that tests scan.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubecore import Client
from tests.kubecore.waiting import until
from tests.resource_manager.controller_harness import MR, _delete_mrs

CLI = str(Path(sys.executable).parent / "resource-manager")
FREE_PORTS = ("--metrics-bind-address", "127.0.0.1:0", "--health-bind-address", "127.0.0.1:0")
"""Several managers run at once (failover, restarts): the system picks their ports."""
Obj = dict[str, Any]


@dataclass
class ManagerProcess:
    proc: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def status_kib(self, field: str) -> int:
        """A memory field of /proc/<pid>/status (VmHWM: peak resident set, VmRSS: current)."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
        raise AssertionError(f"no {field} in /proc/{self.proc.pid}/status")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind runs."""
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> int:
        """SIGTERM, as a pod's kubelet stops it; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode


async def start_manager(
    kubeconfig: Path, namespaces: Sequence[str], log: Path, *extra: str, wait: bool = True
) -> ManagerProcess:
    """Start `resource-manager run` watching ``namespaces``; wait until its caches are synced."""
    argv = [CLI, "run", "--kubeconfig", str(kubeconfig), "--sync-period", "30", *FREE_PORTS]
    if "--leader-elect" not in extra:  # a SIGKILLed leader would hold the Lease for 15 s
        argv.append("--no-leader-elect")
    for namespace in namespaces:
        argv += ["--namespace", namespace]
    with log.open("ab") as out:
        proc = subprocess.Popen(  # noqa: ASYNC220 (returns at once: the child runs on its own)
            [*argv, *extra],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    manager = ManagerProcess(proc, log)
    if wait:
        start = len(manager.output())
        await until(
            "the manager's caches to sync",
            lambda: "caches synced" in manager.output()[start:] or not manager.alive(),
            60,
        )
        assert manager.alive(), manager.output()[-3000:]
    return manager


@contextlib.asynccontextmanager
async def manager_running(
    kubeconfig: Path, client: Client, namespaces: Sequence[str], log: Path, *extra: str
) -> AsyncIterator[ManagerProcess]:
    """A manager for the test; on exit the test's MRs are deleted while it still runs, then it stops."""
    manager = await start_manager(kubeconfig, namespaces, log, *extra)
    try:
        yield manager
    finally:
        await clean_up(manager, kubeconfig, client, namespaces, log, *extra)


async def clean_up(
    manager: ManagerProcess, kubeconfig: Path, client: Client, namespaces: Sequence[str], log: Path, *extra: str
) -> None:
    """Delete the test's MRs while a manager runs (it removes their finalizers and objects), then stop it."""
    if not manager.alive():
        manager = await start_manager(kubeconfig, namespaces, log, *extra)
    try:
        await _delete_mrs(client, namespaces)  # the in-process harness' clean-up
    finally:
        await asyncio.to_thread(manager.stop)  # a proxy in this event loop keeps serving its last requests


def applied(mr: Mapping[str, Any]) -> Obj:
    """The MR's ResourcesApplied condition ({} if none yet)."""
    conditions = (mr.get("status") or {}).get("conditions") or []
    return next((c for c in conditions if c.get("type") == "ResourcesApplied"), {})


async def wait_applied(client: Client, namespace: str, name: str, reason: str, seconds: float = 60) -> Obj:
    """Wait until the MR's ResourcesApplied reason is ``reason`` (for the current generation); return the MR."""
    found: Obj = {}

    async def reached() -> bool:
        nonlocal found
        found = await client.get(*MR, name, namespace=namespace)
        return applied(found).get("reason") == reason

    try:
        await until(f"{namespace}/{name} ResourcesApplied reason {reason}", reached, seconds)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last condition: {applied(found)}") from None
    return found
