"""Resident memory of the controller managing NxM objects (default 500 MRs x 20 = 10,000 objects).

The controller runs in a child process of its own (the same wiring as controller_convergence.py,
client rate limit off), so its RSS is not mixed with the benchmark's. The parent creates the Secrets
and MRs, waits until every MR is applied, waits for the child to settle, then reads the child's
`VmRSS` and `VmHWM` (peak) from /proc. The baseline is the child's RSS with its caches synced and no MR.

Run: `.venv/bin/python benchmarks/controller_memory.py [--dir CLUSTER_DIR] [--mrs 500] [--per-mr 20]`
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from controller_common import (
    arguments,
    client_of,
    controller,
    create_mrs,
    delete_namespaces,
    namespace,
    wait_all_applied,
)
from devcluster.cluster import given_or_temporary_cluster
from kubecore import Client, load_kubeconfig


def memory(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields


async def serve(kubeconfig: str, source_ns: str) -> None:
    """Child: run the controller until SIGTERM."""
    client = Client(load_kubeconfig([kubeconfig]), name="controller", qps=0)
    async with client, controller(client, source_ns):
        print("ready", file=sys.stderr, flush=True)  # stdout (the logs) goes to /dev/null
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()


async def measure() -> None:
    args = arguments(__doc__ or "", mrs=500, per_mr=20)
    with given_or_temporary_cluster(args.dir) as cluster:
        async with client_of(cluster, "bench") as client:
            source, target = await namespace(client, "bench-src"), await namespace(client, "bench-tgt")
            child = await asyncio.create_subprocess_exec(
                sys.executable,
                __file__,
                "--serve",
                str(cluster.kubeconfig),
                source,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            try:
                assert child.stderr is not None
                while (await child.stderr.readline()).strip() != b"ready":
                    pass
                baseline = memory(child.pid)["VmRSS"]
                await create_mrs(client, source, target, args.mrs, args.per_mr)
                await wait_all_applied(client, source, args.mrs, within=1200)
                await asyncio.sleep(5)  # let the second reconciles (finalizer change) and events settle
                figures = memory(child.pid)
                print(
                    f"controller RSS with {args.mrs * args.per_mr} managed objects ({args.mrs} MRs): "
                    f"{figures['VmRSS']:.0f} MB (peak {figures['VmHWM']:.0f} MB; baseline without MRs "
                    f"{baseline:.0f} MB)",
                    flush=True,
                )
            finally:
                child.send_signal(signal.SIGTERM)
                await child.wait()
                await delete_namespaces(client, [source, target])


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        asyncio.run(serve(sys.argv[2], sys.argv[3]))
    else:
        asyncio.run(measure())
