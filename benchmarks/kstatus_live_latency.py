"""Wait latency: with N objects watched, the time from a status write to the watch's Update event.

Creates N Widgets (a CRD with a status subresource), starts `watch_status` on all of them (the
event stream `wait` consumes), then changes the Ready condition of random Widgets one at a time:
the clock starts just before the PATCH is sent and stops when the Update carrying the new message
arrives.  Prints p50, p90, p99 and max over the changes.
Run: `.venv/bin/python benchmarks/kstatus_live_latency.py [--objects 1000] [--changes 250] [--kubeconfig FILE]`.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from pathlib import Path

from kstatus.live.events import Sync, Update
from kstatus.live.watch import watch_status
from kstatus_live_common import GROUP, KIND, arguments, cluster_kubeconfig, percentile, ready, widget_ids, widgets
from kubecore import Client, load_kubeconfig


async def measure(kubeconfig: Path, objects: int, changes: int) -> None:
    async with widgets(kubeconfig, objects) as (writer, namespace):
        ids = widget_ids(namespace, objects)
        async with Client(load_kubeconfig([kubeconfig]), name="bench-watcher") as client:
            started = time.perf_counter()
            async with contextlib.aclosing(watch_status(client, ids)) as events:
                first = 0
                async for event in events:
                    first += isinstance(event, Update)
                    if isinstance(event, Sync):
                        break
                print(
                    f"watching {objects} objects: {first} first statuses and Sync in "
                    f"{time.perf_counter() - started:.2f} s"
                )
                latencies = []
                rng = random.Random(42)
                for n in range(changes):
                    target = rng.choice(ids)
                    message = f"change {n}"
                    sent = time.perf_counter()
                    await writer.patch(
                        f"{GROUP}/v1",
                        KIND,
                        target.name,
                        ready(message, "False"),
                        namespace=namespace,
                        subresource="status",
                    )
                    async for event in events:
                        if isinstance(event, Update) and event.resource.id == target and event.resource.text == message:
                            latencies.append((time.perf_counter() - sent) * 1e3)
                            break
    print(
        f"{len(latencies)} changes, write → Update event (ms): p50 {percentile(latencies, 0.5):.1f}, "
        f"p90 {percentile(latencies, 0.9):.1f}, p99 {percentile(latencies, 0.99):.1f}, max {max(latencies):.1f}"
    )


def main() -> None:
    args = arguments(__doc__ or "", objects=1000, changes=250)
    with cluster_kubeconfig(args.kubeconfig) as kubeconfig:
        asyncio.run(measure(kubeconfig, args.objects, args.changes))


if __name__ == "__main__":
    main()
