"""Shared set-up of the kstatus live benchmarks: a cluster, a Widget CRD and many objects in it.

Not a benchmark itself.  Each benchmark starts a throw-away devcluster unless `--kubeconfig` names a
running one, creates its objects in a fresh namespace and deletes namespace and CRD at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[1]))  # the tests' manifest builders are the benchmarks' too

from tests.kstatus.live.manifests import crd

from devcluster.cluster import given_or_temporary_cluster
from kstatus.live.ids import ObjectId
from kubecore import Client, load_kubeconfig

Obj = dict[str, Any]
GROUP = "bench.kstatus.test"
KIND = "Widget"
IN_FLIGHT = 32


def arguments(doc: str, **defaults: int) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--kubeconfig", type=Path, help="a running cluster (default: start a throw-away one)")
    for name, value in defaults.items():
        parser.add_argument(f"--{name}", type=int, default=value)
    return parser.parse_args()


@contextlib.contextmanager
def cluster_kubeconfig(given: Path | None) -> Iterator[Path]:
    if given is not None:
        yield given
        return
    with given_or_temporary_cluster(None) as cluster:
        yield cluster.kubeconfig


def widget_crd() -> Obj:
    return crd(GROUP, KIND)


def widget(i: int) -> Obj:
    """A custom resource of realistic size: labels, a small spec."""
    return {
        "apiVersion": f"{GROUP}/v1",
        "kind": KIND,
        "metadata": {"name": f"w-{i:05d}", "labels": {"app": "bench", "shard": str(i % 16)}},
        "spec": {"size": i % 7, "owner": "team-a", "replicas": 1},
    }


def ready(message: str, status: str = "True") -> Obj:
    """A status patch: one Ready condition (the generic rule reads it; Ready=False keeps the message)."""
    condition = {"type": "Ready", "status": status, "reason": "Bench", "message": message}
    return {"status": {"observedGeneration": 1, "conditions": [condition]}}


def widget_ids(namespace: str, count: int) -> list[ObjectId]:
    return [ObjectId(GROUP, KIND, namespace, f"w-{i:05d}") for i in range(count)]


async def bounded(count: int, make: Callable[[int], Awaitable[object]]) -> None:
    """make(i) for every i < count, IN_FLIGHT at a time."""
    sem = asyncio.Semaphore(IN_FLIGHT)

    async def one(i: int) -> None:
        async with sem:
            await make(i)

    await asyncio.gather(*(one(i) for i in range(count)))


@contextlib.asynccontextmanager
async def widgets(kubeconfig: Path, count: int) -> AsyncIterator[tuple[Client, str]]:
    """A namespace with `count` Widgets, each with a Ready status; removed afterwards."""
    namespace = f"bench-{uuid.uuid4().hex[:6]}"
    async with Client(load_kubeconfig([kubeconfig]), name="bench-writer", qps=0) as client:
        await client.apply(widget_crd(), field_manager="bench", force=True)
        await established(client)
        await client.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
        try:

            async def make(i: int) -> None:
                await client.create(widget(i), namespace=namespace)
                await client.patch(
                    f"{GROUP}/v1", KIND, f"w-{i:05d}", ready("initial"), namespace=namespace, subresource="status"
                )

            await bounded(count, make)
            yield client, namespace
        finally:
            await client.delete("v1", "Namespace", namespace)


async def established(client: Client) -> None:
    """Wait until discovery serves the Widget kind."""
    async with asyncio.timeout(60):
        while True:
            with contextlib.suppress(Exception):
                await client.mapper.refresh()
                await client.resource(f"{GROUP}/v1", KIND)
                return
            await asyncio.sleep(0.1)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]
