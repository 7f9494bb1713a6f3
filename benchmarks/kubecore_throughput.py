"""Throughput of the kubecore client against a real API server: creates, paginated lists, informer sync,
watch events.

Starts a throw-away devcluster unless `--kubeconfig` names a running cluster. Prints one line per figure.
Run: `.venv/bin/python benchmarks/kubecore_throughput.py [--objects 2000] [--kubeconfig FILE]`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from devcluster.cluster import running_cluster
from kubecore import Client, Informer, ListOptions, load_kubeconfig


def configmap(i: int) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": f"bench-{i}", "labels": {"bench": "yes"}},
        "data": {"payload": "x" * 1000},
    }


async def bounded(n: int, limit: int, make: object) -> None:
    """Run make(i) for i < n with at most `limit` requests in flight."""
    sem = asyncio.Semaphore(limit)

    async def one(i: int) -> None:
        async with sem:
            await make(i)  # type: ignore[operator]

    await asyncio.gather(*(one(i) for i in range(n)))


class Timer:
    """Wall time and this process's CPU time (the client's own cost) since the last report."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def report(self, what: str, count: int) -> None:
        wall, cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu
        rate, cpu_ms = count / wall, cpu / count * 1e3
        print(f"{what:<36} {count:>6} in {wall:6.2f} s = {rate:7.0f} /s; client CPU {cpu_ms:.3f} ms each")
        self.wall, self.cpu = time.perf_counter(), time.process_time()


async def measure(kubeconfig: Path, objects: int) -> None:
    ns = f"bench-{uuid.uuid4().hex[:6]}"
    async with Client(load_kubeconfig([kubeconfig]), name="bench", qps=0) as client:
        await client.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        try:
            timer = Timer()
            await bounded(objects, 32, lambda i: client.create(configmap(i), namespace=ns))
            timer.report("create (32 in flight)", objects)

            for metadata_only in (False, True):
                timer = Timer()
                listed = await client.list(
                    "v1", "ConfigMap", namespace=ns, options=ListOptions(metadata_only=metadata_only)
                )
                kind = "metadata-only" if metadata_only else "full"
                timer.report(f"list, 500 per page ({kind})", len(listed["items"]))

            async with Informer(
                client, "v1", "ConfigMap", namespace=ns, options=ListOptions(label_selector="bench=yes")
            ) as informer:
                timer = Timer()
                await informer.wait_synced()
                timer.report("informer sync", len(informer.store))
                seen: set[str] = set()
                done = asyncio.Event()

                def on_update(old: dict[str, object], new: dict[str, object]) -> None:
                    seen.add(new["metadata"]["name"])  # type: ignore[index]
                    if len(seen) == objects:
                        done.set()

                informer.add_handler(on_update=on_update)
                timer = Timer()
                await bounded(
                    objects,
                    32,
                    lambda i: client.patch("v1", "ConfigMap", f"bench-{i}", {"data": {"n": "1"}}, namespace=ns),
                )
                await asyncio.wait_for(done.wait(), 120)
                timer.report("merge patch + watch event seen", objects)
            print(f"requests sent: {client.transport.stats.count()}, writes: {client.transport.stats.writes}")
        finally:
            await client.delete("v1", "Namespace", ns)


@contextlib.contextmanager
def cluster_kubeconfig(given: Path | None) -> Iterator[Path]:
    if given is not None:
        yield given
        return
    with tempfile.TemporaryDirectory() as tmp, running_cluster(Path(tmp)) as cluster:
        yield cluster.kubeconfig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--kubeconfig", type=Path)
    args = parser.parse_args()
    with cluster_kubeconfig(args.kubeconfig) as kubeconfig:
        asyncio.run(measure(kubeconfig, args.objects))


if __name__ == "__main__":
    main()
