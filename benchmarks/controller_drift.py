"""Drift repair latency: a managed object edited (or deleted) by someone else → restored by the controller.

Setup: N ManagedResources of M objects (as in controller_convergence.py), all applied. Then, one sample
at a time, another client (field manager `bench-editor`) changes a field the controller owns and the
benchmark's own watch reports when the object carries the desired value again. Latency is measured from
*before* the edit request is sent (so it includes the edit's own round trip) to the watch event.

Cases (`--samples` each): a ConfigMap's data (metadata-only watch: the change is noticed by its
resourceVersion, then read), a data key added to a ConfigMap under kubectl's field manager
`kubectl-patch` (a hand edit: taken over, then removed by the apply), a Role's rules (full watch:
noticed by comparing with what we applied), a ConfigMap deleted (re-created). Each case runs quiet and
again while every MR is re-enqueued on the normal lane every 0.5 s (a permanent full resync), to show
drift is not queued behind resyncs.

Run: `.venv/bin/python benchmarks/controller_drift.py [--dir CLUSTER_DIR] [--mrs 100] [--per-mr 20] [--samples 100]`
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from controller_common import (
    Obj,
    arguments,
    client_of,
    controller,
    create_mrs,
    delete_namespaces,
    idle,
    namespace,
    percentile,
    wait_all_applied,
)
from devcluster.cluster import given_or_temporary_cluster
from kubecore import Client, Informer
from kubecore.store import object_key
from resource_manager.controller.controller import Controller

Check = Callable[[Obj], bool]


class Restorations:
    """Futures resolved when our own watch sees an object satisfy a check."""

    def __init__(self) -> None:
        self.waiting: dict[str, tuple[Check, asyncio.Future[float]]] = {}

    def expect(self, key: str, check: Check) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[key] = (check, future)
        return future

    def seen(self, obj: Obj) -> None:
        entry = self.waiting.get(object_key(obj))
        if entry is not None and entry[0](obj) and not entry[1].done():
            entry[1].set_result(time.perf_counter())
            del self.waiting[object_key(obj)]


@contextlib.asynccontextmanager
async def watching(client: Client, api_version: str, kind: str, target_ns: str) -> AsyncIterator[Restorations]:
    restorations = Restorations()
    informer = Informer(client, api_version, kind, namespace=target_ns)
    informer.add_handler(on_add=restorations.seen, on_update=lambda _, new: restorations.seen(new))
    async with informer:
        await informer.wait_synced()
        yield restorations


async def sample(restorations: Restorations, key: str, check: Check, edit: Any) -> float:
    future = restorations.expect(key, check)
    started = time.perf_counter()
    await edit
    return await asyncio.wait_for(future, 30) - started


@contextlib.asynccontextmanager
async def resyncing(manager: Controller, source_ns: str, mrs: int, on: bool) -> AsyncIterator[None]:
    async def flood() -> None:
        while True:
            for i in range(mrs):
                manager.queue.add((source_ns, f"mr{i}"))
            await asyncio.sleep(0.5)

    task = asyncio.create_task(flood()) if on else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def report(case: str, latencies: list[float]) -> None:
    ms = [x * 1e3 for x in latencies]
    print(
        f"{case:<44} n={len(ms):>3}  p50 {percentile(ms, 50):6.1f} ms  p90 {percentile(ms, 90):6.1f} ms  "
        f"p99 {percentile(ms, 99):6.1f} ms  max {max(ms):6.1f} ms",
        flush=True,
    )


async def run_cases(
    editor: Client, manager: Controller, source: str, target: str, mrs: int, per_mr: int, n: int
) -> None:
    rng = random.Random(42)
    configmaps = [f"m{i}-o{j}" for i in range(mrs) for j in range(int(per_mr * 0.7))]
    roles = [f"m{i}-o{per_mr - 1}" for i in range(mrs)]
    for flood in (False, True):
        label = " (during full resyncs)" if flood else ""
        async with resyncing(manager, source, mrs, flood):
            async with watching(editor, "v1", "ConfigMap", target) as seen:
                latencies = []
                for name in rng.sample(configmaps, n):
                    edit = editor.patch("v1", "ConfigMap", name, {"data": {"v": "edited"}}, namespace=target)
                    latencies.append(await sample(seen, f"{target}/{name}", lambda o: o["data"]["v"] != "edited", edit))
                report(f"ConfigMap data edited{label}", latencies)
                latencies = []
                for name in rng.sample(configmaps, n):  # a hand edit: kubectl patch adds a key
                    added = {"data": {"added": "x"}}
                    edit = editor.patch("v1", "ConfigMap", name, added, namespace=target, field_manager="kubectl-patch")
                    latencies.append(await sample(seen, f"{target}/{name}", lambda o: "added" not in o["data"], edit))
                report(f"ConfigMap key added by kubectl patch{label}", latencies)
                latencies = []
                for name in rng.sample(configmaps, n):
                    gone = editor.delete("v1", "ConfigMap", name, namespace=target)
                    latencies.append(await sample(seen, f"{target}/{name}", lambda o: True, gone))
                report(f"ConfigMap deleted{label}", latencies)
            async with watching(editor, "rbac.authorization.k8s.io/v1", "Role", target) as seen:
                latencies = []
                rules = {"rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["list"]}]}
                for name in [roles[i % len(roles)] for i in range(n)]:
                    edit = editor.patch("rbac.authorization.k8s.io/v1", "Role", name, rules, namespace=target)
                    check = lambda o: o["rules"][0]["verbs"] == ["get"]  # noqa: E731
                    latencies.append(await sample(seen, f"{target}/{name}", check, edit))
                report(f"Role rules edited{label}", latencies)


async def main() -> None:
    args = arguments(__doc__ or "", mrs=100, per_mr=20, samples=100)
    with given_or_temporary_cluster(args.dir) as cluster:
        async with client_of(cluster, "controller") as client, client_of(cluster, "bench-editor") as editor:
            source, target = await namespace(client, "bench-src"), await namespace(client, "bench-tgt")
            try:
                async with controller(client, source) as manager:
                    await create_mrs(client, source, target, args.mrs, args.per_mr)
                    await wait_all_applied(client, source, args.mrs)
                    await idle(manager)
                    await run_cases(editor, manager, source, target, args.mrs, args.per_mr, args.samples)
            finally:
                await delete_namespaces(client, [source, target])


if __name__ == "__main__":
    asyncio.run(main())
