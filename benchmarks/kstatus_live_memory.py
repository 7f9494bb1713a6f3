"""Memory of the watch engine holding N objects: RSS of a process watching N Widgets after Sync.

Creates N Widgets (with a Ready status, so each carries managedFields for two managers, as real
objects do), then runs the watch in a fresh child process so the figure holds only the engine:
RSS after imports (baseline), and RSS once every object is cached and has its first status.
Run: `.venv/bin/python benchmarks/kstatus_live_memory.py [--objects 10000] [--kubeconfig FILE]`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import subprocess
import sys
import time
from pathlib import Path

from kstatus.live.events import Sync, Update
from kstatus.live.watch import watch_status
from kstatus_live_common import arguments, cluster_kubeconfig, widget_ids, widgets
from kubecore import Client, load_kubeconfig


def rss_mib() -> float:
    """Resident set size now (VmRSS), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


async def watch_all(kubeconfig: Path, namespace: str, objects: int) -> None:
    """The child: watch every Widget until Sync, then report RSS."""
    ids = widget_ids(namespace, objects)
    baseline = rss_mib()
    started = time.perf_counter()
    async with (
        Client(load_kubeconfig([kubeconfig]), name="bench-watcher") as client,
        contextlib.aclosing(watch_status(client, ids)) as events,
    ):
        updates = 0
        async for event in events:
            updates += isinstance(event, Update)
            if isinstance(event, Sync):
                break
        gc.collect()
        held = rss_mib()
        print(
            f"{updates} objects watched (Sync after {time.perf_counter() - started:.2f} s): "
            f"RSS {held:.1f} MiB, {held - baseline:.1f} MiB over the {baseline:.1f} MiB after imports "
            f"({(held - baseline) * 1024 / objects:.2f} KiB per object)"
        )


async def prepare_and_measure(kubeconfig: Path, objects: int) -> None:
    async with widgets(kubeconfig, objects) as (_client, namespace):
        child = [sys.executable, __file__, "--kubeconfig", str(kubeconfig), "--objects", str(objects)]
        await asyncio.to_thread(subprocess.run, [*child, "--namespace", namespace], check=True)


def main() -> None:
    if "--namespace" in sys.argv:  # the child process
        index = sys.argv.index("--namespace")
        namespace = sys.argv[index + 1]
        del sys.argv[index : index + 2]
        args = arguments(__doc__ or "", objects=10000)
        asyncio.run(watch_all(args.kubeconfig, namespace, args.objects))
        return
    args = arguments(__doc__ or "", objects=10000)
    with cluster_kubeconfig(args.kubeconfig) as kubeconfig:
        asyncio.run(prepare_and_measure(kubeconfig, args.objects))


if __name__ == "__main__":
    main()
