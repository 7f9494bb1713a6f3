"""The `resource-manager` command: the controller, its CRDs, the local dev cluster and the demo.

Sub-commands import their heavy modules lazily so `--help` stays fast.
"""

from __future__ import annotations

import typer

from devcluster.cli import app as dev_cluster_app

app = typer.Typer(
    help="A ManagedResource controller compatible with the Gardener Resource Manager.", no_args_is_help=True
)
app.add_typer(dev_cluster_app, name="dev-cluster")


@app.command()
def demo() -> None:
    """Start a local control plane, show that it works, and keep it up until Ctrl-C."""
    from resource_manager.demo import run_demo

    raise typer.Exit(run_demo())


def main() -> None:
    """Console-script entry point."""
    app()
