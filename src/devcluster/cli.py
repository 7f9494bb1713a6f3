"""`rm-dev`: the development-only commands (the distribution `resource-manager-dev`, never installed
with the product): `rm-dev dev-cluster up|down|status|build` and `rm-dev demo`.

`up` leaves the processes running after the command returns (they are tracked by PID files in the state
directory), so a later `down` from another shell stops exactly those processes. The convention (exit
codes, `-h`, `--version`, `completion`) is `kubecore.cli`'s, as for the product commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kubecore.cli import App, ClusterFailure, run_app

app = App("rm-dev", help="Development tools of resource-manager: a local control plane and the demo.")
cluster_app = App(
    "dev-cluster", help="A local Kubernetes control plane on 127.0.0.1 (etcd, apiserver, controllers, kwok).", top=False
)
app.add_typer(cluster_app, name="dev-cluster")

DirOption = Annotated[Path, typer.Option("--dir", metavar="DIR", help="State directory of the cluster.")]
DEFAULT_DIR = Path(".devcluster/default")


@cluster_app.command("build")
def build() -> None:
    """Build (or find in the cache) the control-plane binaries and print their directory."""
    from devcluster.build import BuildError, ensure_binaries

    try:
        typer.echo(ensure_binaries())
    except BuildError as exc:
        raise ClusterFailure(str(exc)) from None


@cluster_app.command("up")
def up(state_dir: DirOption = DEFAULT_DIR) -> None:
    """Start the cluster (or reuse the one running from this directory) and print its kubeconfig."""
    from devcluster.build import BuildError
    from devcluster.cluster import Cluster, ClusterError

    cluster = Cluster(state_dir)
    try:
        cluster.start()
    except (BuildError, ClusterError) as exc:
        cluster.stop()
        raise ClusterFailure(str(exc)) from None
    typer.echo(f"cluster {cluster.version().get('gitVersion')} ready at {cluster.server}")
    typer.echo(f"export KUBECONFIG={cluster.kubeconfig}")


@cluster_app.command("down")
def down(
    state_dir: DirOption = DEFAULT_DIR,
    purge: Annotated[bool, typer.Option("--purge", help="Also delete data, PKI and logs.")] = False,
) -> None:
    """Stop the processes started from this directory (by PID)."""
    from devcluster.cluster import Cluster

    cluster = Cluster(state_dir)
    if purge:
        cluster.destroy()
    else:
        cluster.stop()
    typer.echo("stopped")


@cluster_app.command("status", epilog="Exit codes: 0 everything runs and is ready, 1 anything is down.")
def status(state_dir: DirOption = DEFAULT_DIR) -> None:
    """Show which components run and whether the API server is ready."""
    from devcluster.cluster import Cluster

    cluster = Cluster(state_dir)
    running = cluster.running()
    for name, alive in running.items():
        typer.echo(f"{name:<24} {'running' if alive else 'stopped'}")
    ready = all(running.values()) and cluster.ready()
    typer.echo(f"{'apiserver /readyz':<24} {'ok' if ready else 'not ready'}")
    if not ready:
        raise typer.Exit(1)
    typer.echo(f"kubeconfig               {cluster.kubeconfig}")


@app.command("demo")
def demo() -> None:
    """Start a local control plane, run the controller and the examples on it, keep it up until Ctrl-C."""
    from devcluster.demo import run_demo

    raise typer.Exit(run_demo())


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    run_app(app, "rm-dev", argv)
