"""The `resource-manager` command: the controller, its CRDs, the local dev cluster and the demo.

Sub-commands import their heavy modules lazily so `--help` stays fast. Bad input or an unreachable
cluster ends with exit code 3 and one line naming the cause, never a traceback.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from devcluster.cli import app as dev_cluster_app
from resource_manager.render_command import render_cmd
from resource_manager.status_command import status_cmd

if TYPE_CHECKING:
    from kubecore import Client

app = typer.Typer(
    help="A ManagedResource controller compatible with the Gardener Resource Manager.", no_args_is_help=True
)
app.add_typer(dev_cluster_app, name="dev-cluster")

T = TypeVar("T")
KubeconfigOption = typer.Option(None, "--kubeconfig", help="Kubeconfig of the source cluster (default: $KUBECONFIG).")


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(3)


def _run_with_client(kubeconfig: Path | None, name: str, work: Callable[[Client], Awaitable[T]]) -> T:
    """Run `work` with a client of `kubeconfig`; kubecore errors become one line and exit code 3."""
    import aiohttp

    from kubecore import Client, KubeError, load_config

    async def main() -> T:
        async with Client(load_config(kubeconfig), name=name) as client:
            return await work(client)

    try:
        return asyncio.run(main())
    except (KubeError, aiohttp.ClientError, OSError, TimeoutError) as exc:
        raise _fail(str(exc) or type(exc).__name__) from None


@app.command("install-crds")
def install_crds(kubeconfig: Path | None = KubeconfigOption) -> None:
    """Install (or upgrade) the ManagedResource CRD and wait until it is Established."""
    from resource_manager.established import NotEstablished
    from resource_manager.install import install_crds as install

    try:
        names = _run_with_client(kubeconfig, "install-crds", install)
    except NotEstablished as exc:
        raise _fail(str(exc)) from None
    for name in names:
        typer.echo(f"customresourcedefinition {name} established")


@app.command()
def run(
    config: Annotated[
        Path | None,
        typer.Option(help="GRM's ResourceManagerConfiguration file (resourcemanager.config.gardener.cloud/v1alpha1)."),
    ] = None,
    kubeconfig: Annotated[
        Path | None, typer.Option(help="Kubeconfig of the source cluster (default: $KUBECONFIG).")
    ] = None,
    target_kubeconfig: Annotated[
        Path | None,
        typer.Option(envvar="TARGET_KUBECONFIG", help="Kubeconfig of the target cluster (default: the source)."),
    ] = None,
    resource_class: Annotated[str | None, typer.Option("--class", help="Class of MRs to handle ('*' = all).")] = None,
    namespace: Annotated[list[str] | None, typer.Option(help="Watch MRs only in this namespace (repeatable).")] = None,
    cluster_id: Annotated[str | None, typer.Option(help="Origin prefix; '<cluster>' / '<default>' read it.")] = None,
    workers: Annotated[int | None, typer.Option(help="Concurrent reconciles (default 5).")] = None,
    sync_period: Annotated[
        str | None, typer.Option(help="Resync of an MR after success: 30s, 1m, 1h (bare number: seconds).")
    ] = None,
    always_update: Annotated[
        bool | None, typer.Option("--always-update/--no-always-update", help="Send every object every round.")
    ] = None,
    managed_by_label: Annotated[
        str | None, typer.Option(help="Value of the resources.gardener.cloud/managed-by label (default gardener).")
    ] = None,
    qps: Annotated[float | None, typer.Option(help="Requests per second to each API server (default 100).")] = None,
    burst: Annotated[int | None, typer.Option(help="Request burst to each API server (default 130).")] = None,
    leader_elect: Annotated[
        bool | None,
        typer.Option("--leader-elect/--no-leader-elect", help="Run only while holding a Lease (default on)."),
    ] = None,
    leader_election_id: Annotated[
        str | None, typer.Option(help="Name of the Lease (default gardener-resource-manager).")
    ] = None,
    leader_election_namespace: Annotated[
        str | None, typer.Option(help="Namespace of the Lease (default: the Pod's namespace, else kube-system).")
    ] = None,
    metrics_bind_address: Annotated[
        str | None, typer.Option(help="HOST:PORT of /metrics (default 127.0.0.1:8080; port 0: any free port).")
    ] = None,
    health_bind_address: Annotated[
        str | None, typer.Option(help="HOST:PORT of /healthz and /readyz (default 127.0.0.1:8081).")
    ] = None,
    log_level: Annotated[str | None, typer.Option(help="debug, info (default) or error.")] = None,
    log_format: Annotated[str | None, typer.Option(help="json (default) or text.")] = None,
) -> None:
    """Run the ManagedResource controller until Ctrl-C / SIGTERM (configuration errors: exit code 2)."""
    import aiohttp

    from kubecore import KubeError
    from resource_manager.configuration import ConfigError
    from resource_manager.run import configuration, run_controller

    flags = {
        "sourceClientConnection.kubeconfig": kubeconfig,
        "targetClientConnection.kubeconfig": target_kubeconfig,
        "controllers.resourceClass": resource_class,
        "sourceClientConnection.namespaces": namespace,
        "controllers.clusterID": cluster_id,
        "controllers.managedResource.concurrentSyncs": workers,
        "controllers.managedResource.syncPeriod": sync_period,
        "controllers.managedResource.alwaysUpdate": always_update,
        "controllers.managedResource.managedByLabelValue": managed_by_label,
        "sourceClientConnection.qps": qps,
        "sourceClientConnection.burst": burst,
        "leaderElection.leaderElect": leader_elect,
        "leaderElection.resourceName": leader_election_id,
        "leaderElection.resourceNamespace": leader_election_namespace,
        "server.metrics": metrics_bind_address,
        "server.healthProbes": health_bind_address,
        "logLevel": log_level,
        "logFormat": log_format,
    }
    try:
        settings = configuration(config, flags)
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        asyncio.run(run_controller(settings))
    except (KeyboardInterrupt, asyncio.CancelledError):  # Ctrl-C / SIGTERM: a clean stop
        pass
    except (KubeError, aiohttp.ClientError, OSError) as exc:
        raise _fail(str(exc) or type(exc).__name__) from None


app.command("render")(render_cmd)
app.command("status")(status_cmd)


@app.command()
def demo() -> None:
    """Start a local control plane, show that it works, and keep it up until Ctrl-C."""
    from resource_manager.demo import run_demo

    raise typer.Exit(run_demo())


def main() -> None:
    """Console-script entry point."""
    app()
