"""Child processes tracked by PID file, stopped by PID only.

Each component writes its PID to `<state>/pids/<name>.pid`. Stopping checks that the PID still belongs to
a process started from this state directory (its command line names the directory), so a recycled PID
of an unrelated process is never signalled, and nothing is ever killed by name.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path


def _pid_file(state: Path, name: str) -> Path:
    return state / "pids" / f"{name}.pid"


def spawn(state: Path, name: str, argv: list[str]) -> int:
    """Start `argv` detached from our terminal (Ctrl-C reaches us, we stop it), logging to a file."""
    (state / "pids").mkdir(parents=True, exist_ok=True)
    (state / "logs").mkdir(parents=True, exist_ok=True)
    with (state / "logs" / f"{name}.log").open("ab") as log:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    _pid_file(state, name).write_text(str(proc.pid))
    _await_cmdline(proc)
    return proc.pid


def _await_cmdline(proc: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """Wait until the new program's command line is readable in /proc.

    Right after exec the kernel briefly reports an empty command line; `tracked_pid` would then not
    recognise the process as ours, and a stop in that window would miss it.
    """
    deadline = time.monotonic() + timeout
    while not _cmdline(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def tracked_pid(state: Path, name: str) -> int | None:
    """The PID of component `name` if it is alive and really ours, else None."""
    try:
        pid = int(_pid_file(state, name).read_text())
    except (OSError, ValueError):
        return None
    if str(state) not in _cmdline(pid) or _is_zombie(pid):
        return None
    return pid


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def stop_all(state: Path, names: list[str], grace: float = 8.0) -> None:
    """SIGTERM every live component at once, SIGKILL whatever is left after `grace` seconds."""
    live = {name: pid for name in names if (pid := tracked_pid(state, name)) is not None}
    for pid in live.values():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while live and time.monotonic() < deadline:
        for name, pid in list(live.items()):
            _reap(pid)
            if tracked_pid(state, name) is None:
                del live[name]
        time.sleep(0.05)
    for pid in live.values():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        _reap(pid)
    for name in names:
        _pid_file(state, name).unlink(missing_ok=True)
