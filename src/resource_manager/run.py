"""`resource-manager run`: wire clients, reconciler, manager and (optionally) leader election (network).

Why a module of its own: the CLI stays a thin argument parser, and the demo runs the very same wiring.
SIGTERM and Ctrl-C cancel the manager, which stops its workers and watches before the clients close.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
from dataclasses import dataclass
from pathlib import Path

import structlog

from kubecore import Client, KubeError, NoMatchError, load_config
from kubecore.leaderelection import LeaderElector
from resource_manager import annotations as ann
from resource_manager.crd import CRD_NAME, MR_API_VERSION, MR_KIND
from resource_manager.fields import DEFAULT_TAKEOVER_MANAGERS
from resource_manager.manager import Manager, resolve_cluster_id
from resource_manager.reconciler import Reconciler, Settings

log = structlog.get_logger("resource_manager.run")


@dataclass(frozen=True)
class RunOptions:
    kubeconfig: Path | None = None
    target_kubeconfig: Path | None = None
    resource_class: str = ann.DEFAULT_CLASS
    namespaces: tuple[str, ...] = ()
    cluster_id: str = ""
    workers: int = 5
    sync_period: float = 60.0
    leader_elect: bool = False
    lease_namespace: str = "kube-system"
    takeover_managers: tuple[str, ...] = ()
    """Field managers whose fields are hand edits; empty: the default set."""


def log_without_locals() -> None:
    """Render tracebacks without local variables.

    structlog's default renderer prints every frame's locals with a traceback, and a reconcile's frames hold
    Secret data (the Secrets read, the manifests decoded and applied): a crash would put them in the log.
    """
    processors = [p for p in structlog.get_config()["processors"] if not isinstance(p, structlog.dev.ConsoleRenderer)]
    renderer = structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback)
    structlog.configure(processors=[*processors, renderer])


async def run_controller(options: RunOptions) -> None:
    """Run until cancelled (SIGTERM cancels it too)."""
    log_without_locals()
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    if task is not None:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGTERM, task.cancel)
    async with contextlib.AsyncExitStack() as stack:
        source = await stack.enter_async_context(Client(load_config(options.kubeconfig), name="source"))
        await require_crd(source)
        target = source
        if options.target_kubeconfig is not None:
            target = await stack.enter_async_context(Client(load_config(options.target_kubeconfig), name="target"))
        settings = Settings(
            resource_class=options.resource_class,
            cluster_id=await resolve_cluster_id(source, options.cluster_id),
            sync_period=options.sync_period,
            takeover_managers=frozenset(options.takeover_managers) or DEFAULT_TAKEOVER_MANAGERS,
        )
        manager = Manager(
            source,
            Reconciler(source, target, settings),
            namespaces=options.namespaces or (None,),
            workers=options.workers,
        )
        log.info("starting", resource_class=settings.resource_class, namespaces=list(options.namespaces) or "all")
        if not options.leader_elect:
            await manager.run()
            return
        elector = LeaderElector(
            source,
            lease_name=f"resource-manager-{options.resource_class.replace('*', 'all')}",
            lease_namespace=options.lease_namespace,
            identity=f"{socket.gethostname()}_{os.getpid()}",
        )
        await elector.run(manager.run)


class CrdMissing(KubeError):
    """The source cluster does not serve ManagedResources."""


async def require_crd(source: Client) -> None:
    """Fail at start-up with the fix, instead of an informer retrying a kind the cluster does not serve."""
    try:
        await source.mapper.resource_for(MR_API_VERSION, MR_KIND)
    except NoMatchError:
        raise CrdMissing(
            f"the ManagedResource CRD ({CRD_NAME}) is not installed in the source cluster: "
            "run `resource-manager install-crds` first"
        ) from None
