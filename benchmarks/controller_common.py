"""Shared pieces of the controller benchmarks: a cluster, MRs of N objects, an in-process controller.

The controller runs exactly as `resource-manager run` wires it (Reconciler + Controller), in-process, with
one kubecore client for source and target and the client-side rate limit off (`qps=0`), so that the
plain-loop comparison and the controller use the same client settings.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import os
import statistics
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import yaml

from devcluster.cluster import Cluster
from kubecore import Client, Informer, NotFound, load_kubeconfig
from resource_manager.cmd.install import install_crds
from resource_manager.controller.controller import Controller
from resource_manager.controller.reconciler import Reconciler, Settings

Obj = dict[str, Any]
MR = ("resources.gardener.cloud/v1alpha1", "ManagedResource")
WRITE_VERBS = ("POST", "PUT", "PATCH", "APPLY", "DELETE", "DELETECOLLECTION")
OUR_RESOURCES = ("configmaps", "secrets", "serviceaccounts", "roles", "managedresources")


def arguments(description: str, **defaults: int) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--dir", type=Path, help="state dir of a running dev cluster (default: start one)")
    for name, value in defaults.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=value)
    return parser.parse_args()


def objects(target_ns: str, mr: int, count: int, *, deployment: bool = False) -> list[Obj]:
    """``count`` objects of the kinds an MR typically holds: mostly ConfigMaps, some Secrets,
    ServiceAccounts and a Role (70/15/10/5 %); with ``deployment`` the last one is a Deployment."""
    result: list[Obj] = []
    for i in range(count):
        name, meta = f"m{mr}-o{i}", {"name": f"m{mr}-o{i}", "namespace": target_ns, "labels": {"app": f"m{mr}"}}
        share = i / count
        if deployment and i == count - 1:
            result.append(deployment_of(meta))
        elif share < 0.70:
            result.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"v": name * 8}})
        elif share < 0.85:
            data = {"v": base64.b64encode(name.encode() * 8).decode()}
            result.append({"apiVersion": "v1", "kind": "Secret", "metadata": meta, "data": data})
        elif share < 0.95:
            result.append({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta})
        else:
            rules = [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}]
            role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": meta, "rules": rules}
            result.append(role)
    return result


def deployment_of(meta: Obj) -> Obj:
    """A Deployment of no replicas (kwok would run its Pods, which measures kwok, not us)."""
    labels = {"app": meta["name"]}
    template = {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "app", "image": "app:1"}]}}
    spec = {"replicas": 0, "selector": {"matchLabels": labels}, "template": template}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": spec}


def secret_of(name: str, namespace: str, docs: list[Obj]) -> Obj:
    raw = "---\n".join(yaml.dump(d, Dumper=yaml.CSafeDumper) for d in docs)
    data = {"objects.yaml": base64.b64encode(raw.encode()).decode()}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": namespace}, "data": data}


def mr_of(name: str, namespace: str, **spec: Any) -> Obj:
    return {
        "apiVersion": MR[0],
        "kind": MR[1],
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"secretRefs": [{"name": name}], **spec},
    }


async def namespace(client: Client, prefix: str) -> str:
    name = f"{prefix}-{uuid.uuid4().hex[:6]}"
    await client.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    return name


async def delete_namespaces(client: Client, names: list[str]) -> None:
    """Delete and wait until they are gone, so the namespace controller's deletions do not overlap the
    next measurement. The controller is stopped by now: MR finalizers are dropped by hand."""
    for name in names:
        for mr in (await client.list(*MR, namespace=name))["items"]:
            patch = {"metadata": {"finalizers": None}}
            await client.patch(*MR, mr["metadata"]["name"], patch, namespace=name)
    for name in names:
        with contextlib.suppress(NotFound):
            await client.delete("v1", "Namespace", name)
    for name in names:
        while True:
            try:
                await client.get("v1", "Namespace", name)
            except NotFound:
                break
            await asyncio.sleep(0.5)


async def bounded(jobs: list[Any], limit: int = 20) -> None:
    semaphore = asyncio.Semaphore(limit)

    async def one(job: Any) -> None:
        async with semaphore:
            await job

    await asyncio.gather(*(one(j) for j in jobs))


def applied(mr: Obj) -> bool:
    meta, status = mr.get("metadata") or {}, mr.get("status") or {}
    return status.get("observedGeneration") == meta.get("generation") and any(
        c.get("type") == "ResourcesApplied" and c.get("status") == "True" for c in status.get("conditions") or []
    )


def settled(mr: Obj) -> bool:
    """Applied, healthy and no longer progressing: nothing left that would change its status."""
    conditions = {c.get("type"): c.get("status") for c in (mr.get("status") or {}).get("conditions") or []}
    return (
        applied(mr)
        and conditions.get("ResourcesHealthy") == "True"
        and conditions.get("ResourcesProgressing") == "False"
    )


async def wait_all_applied(
    client: Client, source_ns: str, count: int, within: float = 600.0, done_when: Callable[[Obj], bool] = applied
) -> None:
    """Until ``count`` MRs in ``source_ns`` are applied (or ``done_when``; an informer of our own, no polling)."""
    done: set[str] = set()
    event = asyncio.Event()

    def seen(mr: Obj) -> None:
        if done_when(mr):
            done.add(mr["metadata"]["name"])
            if len(done) >= count:
                event.set()

    informer = Informer(client, *MR, namespace=source_ns)
    informer.add_handler(on_add=seen, on_update=lambda _, new: seen(new))
    async with informer:
        await asyncio.wait_for(event.wait(), within)


@contextlib.asynccontextmanager
async def controller(client: Client, source_ns: str, workers: int = 5) -> AsyncIterator[Controller]:
    """A running manager for MRs in ``source_ns`` (sync period long enough not to interfere)."""
    await install_crds(client)
    manager = Controller(
        client, Reconciler(client, client, Settings(sync_period=3600.0)), namespaces=[source_ns], workers=workers
    )
    task = asyncio.create_task(manager.run())
    started = asyncio.ensure_future(manager.started.wait())
    await asyncio.wait({started, task}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()
    try:
        yield manager
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def create_mrs(
    client: Client, source_ns: str, target_ns: str, mrs: int, per_mr: int, *, deployment: bool = False, **spec: Any
) -> None:
    """Secrets first (they alone trigger nothing), then the MRs (``spec``: more MR spec fields)."""
    docs = [objects(target_ns, i, per_mr, deployment=deployment) for i in range(mrs)]
    await bounded([client.create(secret_of(f"mr{i}", source_ns, docs[i])) for i in range(mrs)])
    await bounded([client.create(mr_of(f"mr{i}", source_ns, **spec)) for i in range(mrs)])


async def idle(manager: Controller) -> None:
    """Until the work queue is empty and nothing is in flight."""
    while len(manager.queue) or manager.queue.in_flight:  # noqa: ASYNC110 - the queue offers no idle event
        await asyncio.sleep(0.01)


def apiserver_writes(cluster: Cluster, resources: tuple[str, ...] = OUR_RESOURCES) -> dict[str, int]:
    """The API server's own count of single-object write requests to ``resources``, by verb."""
    return apiserver_requests(cluster, resources, WRITE_VERBS)


def apiserver_requests(cluster: Cluster, resources: tuple[str, ...], verbs: tuple[str, ...]) -> dict[str, int]:
    """The API server's own count of single-object ``verbs`` requests to ``resources``, by verb (scope
    "resource": not the namespace controller's collection deletes when a namespace goes)."""
    text = cluster.kubectl("get", "--raw", "/metrics").stdout
    counts: dict[str, int] = {}
    for line in text.splitlines():
        if not line.startswith("apiserver_request_total{"):
            continue
        labels = dict(part.split("=", 1) for part in line[line.index("{") + 1 : line.index("}")].split(","))
        verb, resource = labels.get("verb", "").strip('"'), labels.get("resource", "").strip('"')
        if verb in verbs and resource in resources and labels.get("scope") == '"resource"':
            counts[verb] = counts.get(verb, 0) + int(float(line.rsplit(" ", 1)[1]))
    return counts


def delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: after.get(k, 0) - before.get(k, 0) for k in after if after.get(k, 0) != before.get(k, 0)}


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    """The process's resident set (or its peak, ``VmHWM``) in MiB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load() -> str:
    """The machine's load averages (1, 5, 15 min), printed next to each figure."""
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def client_of(cluster: Cluster, name: str) -> Client:
    return Client(load_kubeconfig([cluster.kubeconfig]), name=name, qps=0)


class Stopwatch:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    def seconds(self) -> float:
        return time.perf_counter() - self.start
