"""Running the ManagedResource controller in-process against the real control plane, for cluster tests.

The manager runs as a task on the test's event loop with one kubecore client (source = target). On exit
every MR the test left in its namespaces is deleted *while the manager still runs*, so its finalizer is
removed and the objects it manages are cleaned up like in production.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from kubecore import Client, Informer, ListOptions, NotFound, load_kubeconfig
from kubecore.metrics import WRITE_VERBS
from kubecore.ratelimit import RateLimiter
from resource_manager.cmd.install import install_crds
from resource_manager.controller.controller import Controller
from resource_manager.controller.reconciler import Reconciler, Settings
from tests.kubecore.waiting import until

Obj = dict[str, Any]
MR = ("resources.gardener.cloud/v1alpha1", "ManagedResource")


@dataclass
class RunningController:
    client: Client
    manager: Controller
    task: asyncio.Task[None]

    async def mr(self, namespace: str, name: str) -> Obj:
        return await self.client.get(*MR, name, namespace=namespace)

    async def condition(self, namespace: str, name: str, condition_type: str = "ResourcesApplied") -> Obj:
        mr = await self.mr(namespace, name)
        found = [c for c in (mr.get("status") or {}).get("conditions") or [] if c["type"] == condition_type]
        return found[0] if found else {}

    async def wait_condition(
        self,
        namespace: str,
        name: str,
        status: str,
        reason: str,
        condition_type: str = "ResourcesApplied",
        seconds: float = 30.0,
    ) -> Obj:
        """Wait until the MR's condition has ``status`` and ``reason``; return the MR."""

        async def reached() -> bool:
            condition = await self.condition(namespace, name, condition_type)
            return (condition.get("status"), condition.get("reason")) == (status, reason)

        await until(f"{condition_type}={status}/{reason} on {namespace}/{name}", reached, seconds)
        return await self.mr(namespace, name)

    async def live(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> Obj | None:
        """The object, or ``None`` if it does not exist (one GET: no race between "exists" and "get")."""
        try:
            return await self.client.get(api_version, kind, name, namespace=namespace)
        except NotFound:
            return None

    async def exists(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> bool:
        return await self.live(api_version, kind, name, namespace) is not None

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


def manifests(*docs: Mapping[str, Any]) -> str:
    """A multi-document YAML stream."""
    return "---\n".join(yaml.dump(dict(doc), Dumper=yaml.CSafeDumper) for doc in docs)


def secret(name: str, namespace: str, data: Mapping[str, str | bytes]) -> Obj:
    """A Secret whose ``data`` keys hold the given (already serialised) manifests."""
    encoded = {
        key: base64.b64encode(value if isinstance(value, bytes) else value.encode()).decode()
        for key, value in data.items()
    }
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": namespace}, "data": encoded}


def managed_resource(name: str, namespace: str, secret_names: Sequence[str], **spec: Any) -> Obj:
    return {
        "apiVersion": MR[0],
        "kind": MR[1],
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"secretRefs": [{"name": s} for s in secret_names], **spec},
    }


def configmap(name: str, namespace: str, data: Mapping[str, str] | None = None, **metadata: Any) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace, **metadata},
        "data": dict(data or {"k": "v"}),
    }


async def create_mr(client: Client, name: str, namespace: str, *docs: Mapping[str, Any], **spec: Any) -> None:
    """A Secret ``name`` holding ``docs`` under key ``objects.yaml`` and an MR ``name`` referencing it."""
    await client.create(secret(name, namespace, {"objects.yaml": manifests(*docs)}))
    await client.create(managed_resource(name, namespace, [name], **spec))


async def set_manifests(client: Client, name: str, namespace: str, *docs: Mapping[str, Any]) -> None:
    """Replace the Secret's manifests (an MR spec change without touching the MR)."""
    await client.apply(secret(name, namespace, {"objects.yaml": manifests(*docs)}), field_manager="test", force=True)


@contextlib.asynccontextmanager
async def condition_history(client: Client, namespace: str, name: str) -> AsyncIterator[list[tuple[str, str, str]]]:
    """Every (type, status, reason) the MR's conditions take while the block runs."""
    seen: list[tuple[str, str, str]] = []

    def record(mr: Obj) -> None:
        for c in (mr.get("status") or {}).get("conditions") or []:
            if (c["type"], c["status"], c["reason"]) not in seen:
                seen.append((c["type"], c["status"], c["reason"]))

    informer = Informer(client, *MR, namespace=namespace, options=ListOptions(field_selector=f"metadata.name={name}"))
    informer.add_handler(on_add=record, on_update=lambda _, new: record(new))
    async with informer:
        await informer.wait_synced()
        yield seen


async def _delete_mrs(client: Client, namespaces: Sequence[str]) -> None:
    for namespace in namespaces:
        for mr in (await client.list(*MR, namespace=namespace))["items"]:
            with contextlib.suppress(NotFound):
                await client.delete(*MR, mr["metadata"]["name"], namespace=namespace)

    async def all_gone() -> bool:
        for namespace in namespaces:
            if (await client.list(*MR, namespace=namespace))["items"]:
                return False
        return True

    await until("ManagedResources of the test deleted", all_gone, 180)


@contextlib.asynccontextmanager
async def running_controller(
    kubeconfig: Path,
    namespaces: Sequence[str],
    settings: Settings | None = None,
    *,
    rate_limiter: RateLimiter | None = None,
    workers: int = 2,
) -> AsyncIterator[RunningController]:
    """Install the CRD, run a manager watching ``namespaces``; clean up the test's MRs on exit."""
    async with Client(load_kubeconfig([kubeconfig]), name="controller-test") as client:
        await install_crds(client)
        controller = start_controller(client, namespaces, settings, rate_limiter=rate_limiter, workers=workers)
        await wait_started(controller)
        try:
            yield controller
        finally:
            if controller.task.done():
                controller = start_controller(client, namespaces, settings, workers=workers)
                await wait_started(controller)
            try:
                await _delete_mrs(client, namespaces)
            finally:
                await controller.stop()


def start_controller(
    client: Client,
    namespaces: Sequence[str],
    settings: Settings | None = None,
    *,
    rate_limiter: RateLimiter | None = None,
    workers: int = 2,
) -> RunningController:
    reconciler = Reconciler(client, client, settings or Settings(sync_period=30.0, wave_wait=5.0))
    manager = Controller(client, reconciler, namespaces=namespaces, workers=workers, rate_limiter=rate_limiter)
    return RunningController(client, manager, asyncio.create_task(manager.run(), name="manager"))


class Read(NamedTuple):
    path: str
    params: Mapping[str, str]


@contextlib.contextmanager
def _intercepted(client: Client, record: Callable[[str, str, Mapping[str, str]], None]) -> Iterator[None]:
    """``record(method, path, params)`` for every request ``client`` sends inside the block (watch streams
    aside), before it is sent."""
    send = client.transport.request

    async def recording(method: str, path: str, **kwargs: Any) -> Any:
        record(method, path, kwargs.get("params") or {})
        return await send(method, path, **kwargs)

    client.transport.request = recording  # type: ignore[method-assign]
    try:
        yield
    finally:
        client.transport.request = send  # type: ignore[method-assign]


@contextlib.contextmanager
def recorded_writes(client: Client) -> Iterator[list[tuple[str, str]]]:
    """The (method, path) of every write ``client`` sends inside the block, in order.

    Why: a count says that something extra was written, the paths say what; and unlike the API server's
    cluster-wide metrics, they contain no other component's writes."""
    writes: list[tuple[str, str]] = []

    def record(method: str, path: str, _params: Mapping[str, str]) -> None:
        if method in WRITE_VERBS:
            writes.append((method, path))

    with _intercepted(client, record):
        yield writes


@contextlib.contextmanager
def recorded_reads(client: Client) -> Iterator[list[Read]]:
    """Every GET ``client`` sends inside the block (single objects and LISTs; not watches), in order, with
    its query parameters: which objects were read one by one, which were listed and with what selector."""
    reads: list[Read] = []

    def record(method: str, path: str, params: Mapping[str, str]) -> None:
        if method == "GET":
            reads.append(Read(path, params))

    with _intercepted(client, record):
        yield reads


async def idle(ctl: RunningController) -> None:
    """Until the work queue is empty and no reconcile runs."""
    await until("the controller idle", lambda: not len(ctl.manager.queue) and not ctl.manager.queue.in_flight)


async def wait_started(controller: RunningController) -> None:
    started = asyncio.ensure_future(controller.manager.started.wait())
    await asyncio.wait({started, controller.task}, return_when=asyncio.FIRST_COMPLETED)
    if controller.task.done():
        controller.task.result()
    started.cancel()
