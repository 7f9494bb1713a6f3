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
    kubeconfig: Annotated[
        Path | None, typer.Option(help="Kubeconfig of the source cluster (default: $KUBECONFIG).")
    ] = None,
    target_kubeconfig: Annotated[
        Path | None,
        typer.Option(envvar="TARGET_KUBECONFIG", help="Kubeconfig of the target cluster (default: the source)."),
    ] = None,
    resource_class: Annotated[str, typer.Option("--class", help="Class of MRs to handle ('*' = all).")] = "resources",
    namespace: Annotated[list[str] | None, typer.Option(help="Watch MRs only in this namespace (repeatable).")] = None,
    cluster_id: Annotated[str, typer.Option(help="Origin prefix; '<cluster>' / '<default>' read it.")] = "",
    workers: Annotated[int, typer.Option(min=1, help="Concurrent reconciles.")] = 5,
    sync_period: Annotated[float, typer.Option(min=1.0, help="Seconds between resyncs of an MR.")] = 60.0,
    leader_elect: Annotated[bool, typer.Option(help="Run only while holding a Lease.")] = False,
    leader_election_namespace: Annotated[str, typer.Option(help="Namespace of the Lease.")] = "kube-system",
    takeover_field_manager: Annotated[
        list[str] | None,
        typer.Option(help="Field manager whose fields count as hand edits (repeatable; replaces the default set)."),
    ] = None,
) -> None:
    """Run the ManagedResource controller until Ctrl-C / SIGTERM."""
    import aiohttp

    from kubecore import KubeError
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
        asyncio.run(run_controller(options))
    except (KeyboardInterrupt, asyncio.CancelledError):  # Ctrl-C / SIGTERM: a clean stop
        pass
    except (KubeError, aiohttp.ClientError, OSError) as exc:
        raise _fail(str(exc) or type(exc).__name__) from None


@app.command()
def demo() -> None:
    """Start a local control plane, show that it works, and keep it up until Ctrl-C."""
    from resource_manager.demo import run_demo

    raise typer.Exit(run_demo())


def main() -> None:
    """Console-script entry point."""
    app()
