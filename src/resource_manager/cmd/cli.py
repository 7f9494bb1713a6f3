"""The `resource-manager` command: the controller and its CRD (the product; the dev cluster and the
demo are `rm-dev`, in the development-only distribution).

The convention (exit codes, `-h`, `--version`, `completion`, help layout, one-line errors) is
`kubecore.cli`'s, shared with `kstatus`. Sub-commands import their heavy modules lazily so `-h`
stays fast. Options are typer `Annotated` parameters; see docs/cli.md for how to add one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from kubecore.cli import App, NotReached, cluster_errors, run_app, run_async
from resource_manager.cmd.render import render_cmd
from resource_manager.cmd.status import status_cmd

if TYPE_CHECKING:
    from kubecore import Client

T = TypeVar("T")

app = App("resource-manager", help="A ManagedResource controller compatible with the Gardener Resource Manager.")

KubeconfigOption = Annotated[
    Path | None,
    typer.Option("--kubeconfig", metavar="FILE", help="Kubeconfig of the source cluster (default: $KUBECONFIG)."),
]


def _run_with_client(kubeconfig: Path | None, name: str, work: Callable[[Client], Awaitable[T]]) -> T:
    """Run `work` with a command-line client of `kubeconfig`; cluster failures exit 3."""
    from kubecore.cli import cli_client, load_cluster_config

    async def main() -> T:
        async with cli_client(load_cluster_config(kubeconfig), name) as client:
            return await work(client)

    with cluster_errors():
        return run_async(main())


@app.command(
    "install-crds",
    epilog="Exit codes: 0 established, 1 not established in time, 2 usage error, 3 cluster error.",
)
def install_crds(kubeconfig: KubeconfigOption = None) -> None:
    """Install (or upgrade) the ManagedResource CRD and wait until it is Established."""
    from resource_manager.cmd.install import install_crds as install
    from resource_manager.ssa.established import NotEstablished

    try:
        names = _run_with_client(kubeconfig, "install-crds", install)
    except NotEstablished as exc:
        raise NotReached(str(exc)) from None
    for name in names:
        typer.echo(f"customresourcedefinition {name} established")


@app.command(
    "run",
    epilog="Exit codes: 0 stopped by Ctrl-C or SIGTERM, 2 usage or configuration error, 3 cluster error "
    "(unreachable, no CRD installed, refused, the Lease lost).",
)
def run(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            metavar="FILE",
            help="GRM's ResourceManagerConfiguration file (resourcemanager.config.gardener.cloud/v1alpha1).",
        ),
    ] = None,
    kubeconfig: KubeconfigOption = None,
    target_kubeconfig: Annotated[
        Path | None,
        typer.Option(
            "--target-kubeconfig",
            metavar="FILE",
            envvar="TARGET_KUBECONFIG",
            help="Kubeconfig of the target cluster (default: the source).",
        ),
    ] = None,
    resource_class: Annotated[
        str | None,
        typer.Option("--class", metavar="CLASS", help="Class of MRs to handle ('*' = all; default resources)."),
    ] = None,
    namespace: Annotated[
        list[str] | None,
        typer.Option("--namespace", metavar="NAMESPACE", help="Watch MRs only in this namespace (repeatable)."),
    ] = None,
    cluster_id: Annotated[
        str | None, typer.Option("--cluster-id", metavar="ID", help="Origin prefix; '<cluster>' / '<default>' read it.")
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", metavar="N", help="Concurrent reconciles (default 5).")
    ] = None,
    sync_period: Annotated[
        str | None,
        typer.Option(
            "--sync-period", metavar="DURATION", help="Resync of an MR after success: 30s, 1m, 1h (default 1m)."
        ),
    ] = None,
    always_update: Annotated[
        bool | None, typer.Option("--always-update/--no-always-update", help="Send every object every round.")
    ] = None,
    managed_by_label: Annotated[
        str | None,
        typer.Option("--managed-by-label", metavar="VALUE", help="Value of resources.gardener.cloud/managed-by."),
    ] = None,
    shard: Annotated[
        str | None,
        typer.Option(
            "--shard",
            metavar="INDEX/COUNT",
            help="Reconcile only shard INDEX of COUNT (by a hash of namespace/name), e.g. 1/3 (default 0/1: all).",
        ),
    ] = None,
    qps: Annotated[
        float | None,
        typer.Option("--qps", metavar="N", help="Requests per second; negative: no client-side limit (the default)."),
    ] = None,
    burst: Annotated[
        int | None, typer.Option("--burst", metavar="N", help="Request burst when --qps is set (default 130).")
    ] = None,
    leader_elect: Annotated[
        bool | None,
        typer.Option("--leader-elect/--no-leader-elect", help="Run only while holding a Lease (default on)."),
    ] = None,
    leader_election_id: Annotated[
        str | None,
        typer.Option("--leader-election-id", metavar="NAME", help="Lease name (default gardener-resource-manager)."),
    ] = None,
    leader_election_namespace: Annotated[
        str | None,
        typer.Option(
            "--leader-election-namespace",
            metavar="NAMESPACE",
            help="Lease namespace (default: the Pod's, else kube-system).",
        ),
    ] = None,
    metrics_bind_address: Annotated[
        str | None,
        typer.Option(
            "--metrics-bind-address", metavar="HOST:PORT", help="/metrics (default 127.0.0.1:8080; port 0: free)."
        ),
    ] = None,
    health_bind_address: Annotated[
        str | None,
        typer.Option("--health-bind-address", metavar="HOST:PORT", help="/healthz, /readyz (default 127.0.0.1:8081)."),
    ] = None,
    log_level: Annotated[str | None, typer.Option("--log-level", metavar="LEVEL", help="debug, info or error.")] = None,
    log_format: Annotated[str | None, typer.Option("--log-format", metavar="FORMAT", help="json or text.")] = None,
    takeover_field_manager: Annotated[
        list[str] | None,
        typer.Option(
            "--takeover-field-manager",
            metavar="NAME",
            help="Field manager whose fields count as hand edits (repeatable; replaces the default set).",
        ),
    ] = None,
) -> None:
    """Run the ManagedResource controller until Ctrl-C / SIGTERM (docs/operations.md: every option)."""
    from kubecore.cli import UsageFailure
    from resource_manager.manager.configuration import ConfigError
    from resource_manager.manager.run import configuration, run_controller

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
        "controllers.managedResource.takeoverFieldManagers": takeover_field_manager,
        "controllers.managedResource.shard": shard,
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
        raise UsageFailure(str(exc)) from None
    try:
        with cluster_errors():
            run_async(run_controller(settings))
    except (KeyboardInterrupt, asyncio.CancelledError):  # Ctrl-C / SIGTERM: a clean stop
        pass


app.command("render")(render_cmd)
app.command("status")(status_cmd)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    run_app(app, "resource-manager", argv)
