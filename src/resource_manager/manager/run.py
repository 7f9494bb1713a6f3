"""`resource-manager run`: wire clients, reconciler, manager, HTTP endpoints and leader election (network).

Why a module of its own: the CLI stays a thin argument parser over :mod:`resource_manager.manager.configuration`.
Order of start-up: logs, clients, CRD check, cluster ID, ``/healthz`` ``/readyz`` ``/metrics``, source
caches (a standby replica is ready with warm caches), then the Lease, then the workers.

Stopping: the first SIGTERM or Ctrl-C drains (reconciles in flight finish, at most ``GRACE`` seconds),
then the Lease is released so a standby takes over at once; a second signal stops at once. Losing the
Lease stops the work and ends the process with an error (:class:`LeaseLost`), never as a success.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import structlog
import yaml
from prometheus_client import Gauge

from kubecore import Client, KubeError, NoMatchError, load_config
from kubecore.cli import cli_client
from kubecore.leaderelection import LeaderElector
from resource_manager.api.crd import CRD_NAME, MR_API_VERSION, MR_KIND
from resource_manager.controller.controller import Controller, resolve_cluster_id
from resource_manager.controller.garbage_collector import GarbageCollector
from resource_manager.controller.reconciler import Reconciler, Settings
from resource_manager.manager import logs, metrics, presence
from resource_manager.manager.configuration import KIND, ConfigError, Configuration, Connection, build, parse_address
from resource_manager.manager.recorder import Recorder
from resource_manager.manager.server import Check, Probe, app, serve
from resource_manager.ssa.fields import DEFAULT_TAKEOVER_MANAGERS

log = structlog.get_logger("resource_manager.manager.run")

GRACE = 30.0
"""How long a graceful stop waits for reconciles in flight (Kubernetes' default termination grace)."""
SERVICE_ACCOUNT_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")


def configuration(path: Path | None, flags: Mapping[str, Any]) -> Configuration:
    """The file at ``path`` (if any), ``$KUBECONFIG`` / ``$TARGET_KUBECONFIG``, then the flags that were
    given (``None``: not given), as one validated value; :class:`ConfigError` names what is wrong."""
    doc: Any = None
    if path is not None:
        try:
            doc = yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except OSError as exc:
            raise ConfigError("--config", f"cannot read {path}: {exc.strerror or exc}") from None
        except yaml.YAMLError as exc:
            raise ConfigError("--config", f"{path} is not valid YAML: {str(exc).splitlines()[0]}") from None
        if not isinstance(doc, dict):
            raise ConfigError("--config", f"{path} must hold one {KIND} document")
    return build(doc, os.environ, {path: _override(path, value) for path, value in flags.items()})


def _override(path: str, value: Any) -> Any:
    """A flag's value as the file would spell it."""
    if isinstance(value, Path):
        return str(value)
    if path in ("server.metrics", "server.healthProbes") and isinstance(value, str):
        return parse_address(value, path)
    if isinstance(value, list):
        return value or None
    return value


def lease_namespace(configured: str | None) -> str:
    """The configured namespace, else the Pod's own (in a cluster, as controller-runtime), else kube-system."""
    if configured:
        return configured
    with contextlib.suppress(OSError):
        own = SERVICE_ACCOUNT_NAMESPACE.read_text().strip()
        if own:
            return own
    return "kube-system"


async def _client(
    stack: contextlib.AsyncExitStack, connection: Connection, name: str, kubeconfig: str | None
) -> Client:
    config = load_config(kubeconfig)
    return await stack.enter_async_context(Client(config, name=name, qps=connection.qps, burst=connection.burst))


def _api_server(client: Client) -> Check:
    """Whether ``client``'s API server answers ``GET /version``."""

    async def check() -> str | None:
        try:
            await client.transport.request("GET", "/version")
        except (KubeError, OSError) as exc:
            return str(exc) or type(exc).__name__
        return None

    return check


def probes(
    source: Client, controller: Controller, elector: LeaderElector | None, target: Client | None = None
) -> tuple[list[Probe], list[Probe]]:
    """Liveness and readiness checks; ``target``: the target cluster's client when it is another cluster
    (its API server must answer too)."""

    async def leader_election() -> str | None:
        if elector is None or elector.healthy(asyncio.get_running_loop().time()):
            return None
        return f"the Lease was not renewed for more than {elector.renew_deadline:g}s"

    async def informers() -> str | None:
        return None if controller.synced else "the ManagedResource and Secret caches have not synced yet"

    async def ping() -> str | None:
        return None

    liveness = [Probe("ping", ping), Probe("leader-election", leader_election)]
    readiness = [*liveness, Probe("source-informer-sync", informers), Probe("apiserver", _api_server(source))]
    if target is not None:
        readiness.append(Probe("target-apiserver", _api_server(target)))
    return liveness, readiness


def _install_stop_signals(controller: Controller, task: asyncio.Task[None] | None) -> None:
    """First SIGTERM/SIGINT: drain; second: cancel."""
    loop = asyncio.get_running_loop()
    stopping: list[asyncio.Task[None]] = []

    def on_signal() -> None:
        if task is None:
            return
        if stopping or not controller.started.is_set():  # second signal, or not leading: nothing to finish
            task.cancel()
            return
        log.info("stopping: letting reconciles in flight finish", grace_seconds=GRACE)
        stopping.append(asyncio.create_task(controller.stop(GRACE)))

    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, on_signal)


async def run_controller(config: Configuration) -> None:
    """Run until stopped by a signal (returns) or until the Lease is lost (raises ``LeaseLost``)."""
    logs.configure(config.log_level, config.log_format)
    for warning in config.warnings:
        log.warning(f"configuration: {warning}")
    metrics.BUILD_INFO.info({"version": metrics.package_version()})
    metrics.SHARD_INFO.labels(str(config.shard.index), str(config.shard.count)).set(1)
    async with contextlib.AsyncExitStack() as stack:
        async with cli_client(load_config(config.source.kubeconfig), "preflight") as preflight:
            await require_crd(preflight)  # someone waits for this answer: an unreachable server fails fast
        source = await _client(stack, config.source, "source", config.source.kubeconfig)
        # its own client always, so targetClientConnection's qps and burst hold also for the source's cluster
        target = await _client(stack, config.target, "target", config.target.kubeconfig or config.source.kubeconfig)
        settings = Settings(
            resource_class=config.resource_class,
            cluster_id=await resolve_cluster_id(source, config.cluster_id),
            managed_by=config.managed_by,
            sync_period=config.sync_period,
            health_sync_period=config.health_sync_period,
            takeover_managers=frozenset(config.takeover_managers) or DEFAULT_TAKEOVER_MANAGERS,
        )
        reconciler = Reconciler(source, target, settings)
        reconciler.cache.always_update = config.always_update
        reconciler.cache.namespaces = config.target.namespaces
        controller = Controller(
            source,
            reconciler,
            namespaces=config.source.namespaces or (None,),
            workers=config.workers,
            cache_resync_period=config.source.cache_resync_period,
            cache_sync_timeout=config.cache_sync_timeout,
            recorder=Recorder(source),
            shard=config.shard,
        )
        stack.push_async_callback(controller.close)
        election = config.leader_election
        lease_name = config.shard.lease_name(election.name)
        lease = LeaderElector(
            source,
            lease_name=lease_name,
            lease_namespace=lease_namespace(election.namespace),
            identity=f"{socket.gethostname()}_{os.getpid()}",
            lease_duration=election.lease_duration,
            renew_deadline=election.renew_deadline,
            retry_period=election.retry_period,
        )
        elector = lease if election.enabled else None
        liveness, readiness = probes(source, controller, elector, target if config.target.kubeconfig else None)
        runner, bound = await serve(app(liveness, readiness), [config.metrics, config.health_probes])
        stack.push_async_callback(runner.cleanup)
        log.info(
            "serving",
            metrics=f"http://{bound[config.metrics]}/metrics",
            probes=f"http://{bound[config.health_probes]}/readyz",
        )
        _install_stop_signals(controller, asyncio.current_task())
        log.info(
            "starting",
            resource_class=settings.resource_class,
            shard=str(config.shard),
            namespaces=list(config.source.namespaces) or "all",
            leader_election=f"{elector.lease_namespace}/{elector.lease_name}" if elector else "off",
        )
        await controller.sync_caches()
        beside = [lambda: _every(config.target.cache_resync_period, reconciler.cache.resync)]
        if config.garbage_collector and config.shard.collects_garbage:
            beside.append(GarbageCollector(target, config.garbage_collector_sync_period).run)
        if elector is None:
            beside.append(lambda: presence.announce(lease))  # a second manager gets a warning
            await _work(controller, beside)
            return
        leader = metrics.LEADER.labels(lease_name)
        try:
            await elector.run(lambda: _lead(controller, beside, leader))
        finally:
            leader.set(0)


async def _every(period: float, tick: Callable[[], None]) -> None:
    while True:
        await asyncio.sleep(period)
        tick()


async def _lead(controller: Controller, beside: Sequence[Callable[[], Awaitable[None]]], leader: Gauge) -> None:
    leader.set(1)
    await _work(controller, beside)


async def _work(controller: Controller, beside: Sequence[Callable[[], Awaitable[None]]]) -> None:
    """The controller, and beside it while it runs: the target cache's resync, the garbage collector, and
    without leader election the Lease check of :mod:`presence`."""
    tasks = [asyncio.ensure_future(run()) for run in beside]
    try:
        await controller.run()
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


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
