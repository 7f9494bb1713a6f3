"""`resource-manager dev-cluster up|down|status|build`: the local control plane for people.

`up` leaves the processes running after the command returns (they are tracked by PID files in the state
directory), so a later `down` from another shell stops exactly those processes.
"""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="A local Kubernetes control plane on 127.0.0.1 (etcd, apiserver, controllers, kwok).",
                  no_args_is_help=True)

DirOption = typer.Option(Path(".devcluster/default"), "--dir", help="State directory of the cluster.")


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(3)


@app.command()
def build() -> None:
    """Build (or find in the cache) the control-plane binaries and print their directory."""
    from devcluster.build import BuildError, ensure_binaries

    try:
        typer.echo(ensure_binaries())
    except BuildError as exc:
        raise _fail(str(exc)) from None


@app.command()
def up(state_dir: Path = DirOption) -> None:
    """Start the cluster (or reuse the one running from this directory) and print its kubeconfig."""
    from devcluster.build import BuildError
    from devcluster.cluster import Cluster, ClusterError

    cluster = Cluster(state_dir)
    try:
        cluster.start()
    except (BuildError, ClusterError) as exc:
        cluster.stop()
        raise _fail(str(exc)) from None
    typer.echo(f"cluster {cluster.version().get('gitVersion')} ready at {cluster.server}")
    typer.echo(f"export KUBECONFIG={cluster.kubeconfig}")


@app.command()
def down(state_dir: Path = DirOption,
         purge: bool = typer.Option(False, "--purge", help="Also delete data, PKI and logs.")) -> None:
    """Stop the processes started from this directory (by PID)."""
    from devcluster.cluster import Cluster

    cluster = Cluster(state_dir)
    if purge:
        cluster.destroy()
    else:
        cluster.stop()
    typer.echo("stopped")


@app.command()
def status(state_dir: Path = DirOption) -> None:
    """Show which components run and whether the API server is ready; exit 1 if anything is down."""
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
