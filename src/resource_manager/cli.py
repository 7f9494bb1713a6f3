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

from kubecore.cli import App, NotReached, cluster_errors, run_app

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
        return asyncio.run(main())


@app.command(
    "install-crds",
    epilog="Exit codes: 0 established, 1 not established in time, 2 usage error, 3 cluster error.",
)
def install_crds(kubeconfig: KubeconfigOption = None) -> None:
    """Install (or upgrade) the ManagedResource CRD and wait until it is Established."""
    from resource_manager.established import NotEstablished
    from resource_manager.install import install_crds as install

    try:
        names = _run_with_client(kubeconfig, "install-crds", install)
    except NotEstablished as exc:
        raise NotReached(str(exc)) from None
    for name in names:
        typer.echo(f"customresourcedefinition {name} established")


@app.command(
    "run",
    epilog="Exit codes: 0 stopped by Ctrl-C or SIGTERM, 2 usage error, 3 cluster error "
    "(unreachable, no CRD installed, refused).",
)
def run(
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
        str, typer.Option("--class", metavar="CLASS", help="Class of MRs to handle ('*' = all).")
    ] = "resources",
    namespace: Annotated[
        list[str] | None,
        typer.Option("--namespace", metavar="NAMESPACE", help="Watch MRs only in this namespace (repeatable)."),
    ] = None,
    cluster_id: Annotated[
        str, typer.Option("--cluster-id", metavar="ID", help="Origin prefix; '<cluster>' / '<default>' read it.")
    ] = "",
    workers: Annotated[int, typer.Option("--workers", metavar="N", min=1, help="Concurrent reconciles.")] = 5,
    sync_period: Annotated[
        float,
        typer.Option("--sync-period", metavar="SECONDS", min=1.0, help="Seconds between resyncs of an MR."),
    ] = 60.0,
    leader_elect: Annotated[
        bool, typer.Option("--leader-elect/--no-leader-elect", help="Run only while holding a Lease.")
    ] = False,
    leader_election_namespace: Annotated[
        str, typer.Option("--leader-election-namespace", metavar="NAMESPACE", help="Namespace of the Lease.")
    ] = "kube-system",
    takeover_field_manager: Annotated[
        list[str] | None,
        typer.Option(
            "--takeover-field-manager",
            metavar="NAME",
            help="Field manager whose fields count as hand edits (repeatable; replaces the default set).",
        ),
    ] = None,
) -> None:
    """Run the ManagedResource controller until Ctrl-C / SIGTERM."""
    from resource_manager.run import RunOptions, run_controller

    options = RunOptions(
        kubeconfig=kubeconfig,
        target_kubeconfig=target_kubeconfig,
        resource_class=resource_class,
        namespaces=tuple(namespace or ()),
        cluster_id=cluster_id,
        workers=workers,
        sync_period=sync_period,
        leader_elect=leader_elect,
        lease_namespace=leader_election_namespace,
        takeover_managers=tuple(takeover_field_manager or ()),
    )
    try:
        with cluster_errors():
            asyncio.run(run_controller(options))
    except (KeyboardInterrupt, asyncio.CancelledError):  # Ctrl-C / SIGTERM: a clean stop
        pass


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    run_app(app, "resource-manager", argv)
