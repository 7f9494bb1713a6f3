"""`kstatus wait` and the live half of `kstatus status`: terminal I/O around the live engine.

Importing this module is cheap (typer is loaded already by the CLI): aiohttp, kubecore's client
and rich are imported inside the functions that talk to a cluster or draw a table, so
`kstatus -h` stays fast.  Failures follow the CLI convention (`kubecore.cli`): bad flags,
arguments or manifests exit 2, no kubeconfig, an unreachable or refusing cluster exit 3.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kubecore.cli import CLUSTER_ERROR, NOT_REACHED, OK, NotReached, UsageFailure, run_async
from kubecore.durations import parse_go_duration

if TYPE_CHECKING:
    from kstatus.live.ids import ObjectId
    from kstatus.options import Options
    from kubecore import Client

EXIT_CODES = {"reached": OK, "failed": NOT_REACHED, "timed out": NOT_REACHED, "error": CLUSTER_ERROR}


class WaitFor(StrEnum):
    current = "current"
    delete = "delete"
    deleted = "deleted"  # the spelling before kubectl's, kept for existing scripts


TargetsArgument = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="TYPE[/NAME]",
        help="Objects in the cluster: TYPE/NAME (deployment/web), or TYPE with -l, --all or -A.",
        show_default=False,
    ),
]
SelectorOption = Annotated[
    str | None,
    typer.Option("-l", "--selector", metavar="SELECTOR", help="Label selector for the TYPE arguments (app=web)."),
]
AllOption = Annotated[bool, typer.Option("--all", help="Every object of the TYPE arguments in the namespace.")]
AllNamespacesOption = Annotated[
    bool, typer.Option("-A", "--all-namespaces", help="Objects of the TYPE arguments in every namespace.")
]
LiveOption = Annotated[bool, typer.Option("--live", help="Read the objects of the manifests from the cluster.")]
NamespaceOption = Annotated[
    str | None,
    typer.Option("-n", "--namespace", metavar="NAMESPACE", help="Namespace (default: the kubeconfig context's)."),
]
KubeconfigOption = Annotated[str | None, typer.Option("--kubeconfig", metavar="FILE", help="Path to a kubeconfig.")]
ContextOption = Annotated[str | None, typer.Option("--context", metavar="NAME", help="The kubeconfig context to use.")]


@dataclass(frozen=True)
class ClusterFlags:
    """Where the cluster is: kubectl's --kubeconfig, --context and -n."""

    kubeconfig: str | None = None
    context: str | None = None
    namespace: str | None = None


@dataclass(frozen=True)
class Targets:
    """What a command is about: `TYPE/NAME` and `TYPE` arguments, manifests, kubectl's `-l`,
    `--all` and `-A` (which select objects of the bare `TYPE`s)."""

    args: tuple[str, ...] = ()
    filenames: tuple[str, ...] = ()
    selector: str | None = None
    all: bool = False
    all_namespaces: bool = False

    @property
    def named(self) -> list[str]:
        return [arg for arg in self.args if "/" in arg]

    @property
    def types(self) -> list[str]:
        return [arg for arg in self.args if "/" not in arg]

    @property
    def selecting(self) -> bool:
        return self.selector is not None or self.all or self.all_namespaces

    def check(self) -> None:
        """Usage errors, before any cluster is asked."""
        if not self.args and not self.filenames:
            raise UsageFailure(
                "nothing to look at: give TYPE/NAME arguments, TYPE with -l, --all or -A, or manifests with -f"
            )
        if self.types and not self.selecting:
            raise UsageFailure(f"{self.types[0]!r}: give TYPE/NAME, or TYPE with -l SELECTOR, --all or -A")
        if self.selecting and not self.types:
            raise UsageFailure("-l, --all and -A select objects of a TYPE argument, e.g. 'deployment -l app=web'")


def parse_duration(text: str) -> float:
    """Seconds of a Go duration ("5m", "1m30s", "90s", "1.5h"); a usage error otherwise."""
    try:
        seconds = parse_go_duration(text)
    except ValueError:
        raise UsageFailure(f"invalid duration {text!r}: use a Go duration such as 30s, 5m or 1h30m") from None
    if seconds <= 0:
        raise UsageFailure(f"invalid duration {text!r}: the timeout must be positive")
    return seconds


@contextmanager
def cluster_errors() -> Iterator[None]:
    """A TYPE the cluster does not know is a usage error; config, connection and API failures are
    cluster errors (`kubecore.cli.cluster_errors`)."""
    from kstatus.live.targets import TargetError
    from kubecore.cli import cluster_errors as kube_errors

    try:
        with kube_errors():
            yield
    except TargetError as err:
        raise UsageFailure(str(err)) from None


def _client(flags: ClusterFlags) -> Client:
    from kubecore.cli import cli_client, load_cluster_config

    return cli_client(load_cluster_config(flags.kubeconfig, flags.context), "kstatus")


async def _ids(
    client: Client, targets: Targets, objects: Sequence[dict[str, Any]], flags: ClusterFlags
) -> list[ObjectId]:
    from kstatus.live.targets import argument_ids, manifest_ids, selected_ids

    namespace = flags.namespace or client.namespace
    ids = await argument_ids(client, targets.named, namespace) if targets.named else []
    if targets.types:
        where = None if targets.all_namespaces else namespace
        ids += await selected_ids(client, targets.types, where, targets.selector)
    return list(dict.fromkeys(ids + await manifest_ids(client, objects, namespace)))


# --- kstatus status TYPE/NAME... | -f FILE --live ------------------------------------------------


def run_live_status(targets: Targets, flags: ClusterFlags, output: str, options: Options) -> int:
    """Print the statuses read from the cluster, like the offline command; return its exit code."""
    from kstatus.status_command import read_manifests

    targets.check()
    objects = read_manifests(targets.filenames) if targets.filenames else []
    with cluster_errors():
        return run_async(_live_status(targets, objects, flags, output, options))


async def _live_status(
    targets: Targets, objects: Sequence[dict[str, Any]], flags: ClusterFlags, output: str, options: Options
) -> int:
    import sys

    async with _client(flags) as client:
        ids = await _ids(client, targets, objects, flags)  # first: an unreachable server fails before more imports
        from kstatus.live.fetch import fetch_and_resolve

        statuses = await fetch_and_resolve(client, ids, options=options)
    from kstatus.live.table import status_record
    from kstatus.offline import exit_code
    from kstatus.render import render

    records = [status_record(s, options) for s in statuses]
    render(records, output, sys.stdout)
    return exit_code(records)


# --- kstatus wait -------------------------------------------------------------------------------


def run_wait(
    targets: Targets,
    flags: ClusterFlags,
    *,
    wait_for: str,
    timeout: str,
    fail_fast: bool,
    output: str,
    options: Options,
) -> int:
    """Wait for the objects; print a live table (or the final statuses with -o json|yaml|name)."""
    from kstatus.status_command import read_manifests

    targets.check()
    seconds = parse_duration(timeout)
    objects = read_manifests(targets.filenames) if targets.filenames else []
    with cluster_errors():
        return run_async(_wait(targets, objects, flags, wait_for, seconds, fail_fast, output, options))


async def _wait(
    targets: Targets,
    objects: Sequence[dict[str, Any]],
    flags: ClusterFlags,
    wait_for: str,
    seconds: float,
    fail_fast: bool,
    output: str,
    options: Options,
) -> int:
    from kstatus import Status

    desired = Status.CURRENT if wait_for == WaitFor.current else Status.NOT_FOUND
    async with _client(flags) as client:
        ids = await _ids(client, targets, objects, flags)  # first: an unreachable server fails before more imports
        if not ids and desired == Status.CURRENT:
            raise NotReached("no matching resources found")
        from kstatus.live.progress import progress_view
        from kstatus.live.wait import wait

        with progress_view(output, desired, options) as view:
            result = await wait(
                client,
                ids,
                desired=desired,
                timeout=seconds,
                fail_fast=fail_fast,
                options=options,
                on_event=view.on_event,
            )
            view.finish(result)
    return EXIT_CODES[result.outcome]
