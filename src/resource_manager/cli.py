"""The `resource-manager` command: the controller, its CRDs, the local dev cluster and the demo.

Sub-commands import their heavy modules lazily so `--help` stays fast. Bad input or an unreachable
cluster ends with exit code 3 and one line naming the cause, never a traceback.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

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
def demo() -> None:
    """Start a local control plane, show that it works, and keep it up until Ctrl-C."""
    from resource_manager.demo import run_demo

    raise typer.Exit(run_demo())


def main() -> None:
    """Console-script entry point."""
    app()
