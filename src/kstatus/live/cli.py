"""`kstatus wait` and the live half of `kstatus status`: terminal I/O around the live engine.

Importing this module is cheap (typer is loaded already by the CLI): aiohttp, kubecore and rich
are imported inside the functions that talk to a cluster or draw a table, so `kstatus --help`
stays fast.  Every failure a user can fix is a `BadInput` (one line, exit 3): bad flags or
manifests, no kubeconfig, an unreachable or refusing cluster.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from kstatus.live.ids import ObjectId
    from kstatus.options import Options
    from kubecore import Client, ClusterConfig

EXIT_CODES = {"reached": 0, "failed": 1, "timed out": 2, "error": 3}
_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(h|ms|m|s)")


class WaitFor(StrEnum):
    current = "current"
    deleted = "deleted"


class WaitOutput(StrEnum):
    table = "table"
    json = "json"


TargetsArgument = Annotated[
    list[str] | None,
    typer.Argument(metavar="TYPE/NAME", help="Objects to read from the cluster, e.g. deployment/web."),
]
LiveOption = Annotated[bool, typer.Option("--live", help="Read the objects of the manifests from the cluster.")]
NamespaceOption = Annotated[
    str | None, typer.Option("-n", "--namespace", help="Namespace (default: the kubeconfig context's).")
]
KubeconfigOption = Annotated[str | None, typer.Option("--kubeconfig", metavar="FILE", help="Path to a kubeconfig.")]
ContextOption = Annotated[str | None, typer.Option("--context", help="The kubeconfig context to use.")]


@dataclass(frozen=True)
class ClusterFlags:
    """Where the cluster is: kubectl's --kubeconfig, --context and -n."""

    kubeconfig: str | None = None
    context: str | None = None
    namespace: str | None = None


def parse_duration(text: str) -> float:
    """Seconds of a Go duration ("5m", "1m30s", "90s", "1.5h"); BadInput otherwise."""
    from kstatus.status_command import BadInput

    parts = _DURATION.findall(text)
    if not text or "".join(number + unit for number, unit in parts) != text:
        raise BadInput(f"invalid duration {text!r}: use a Go duration such as 30s, 5m or 1h30m")
    scale = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    seconds = sum(float(number) * scale[unit] for number, unit in parts)
    if seconds <= 0:
        raise BadInput(f"invalid duration {text!r}: the timeout must be positive")
    return seconds


@contextmanager
def cluster_errors() -> Iterator[None]:
    """Config, connection and API failures become one actionable line (exit 3)."""
    import aiohttp

    from kstatus.live.targets import TargetError
    from kstatus.status_command import BadInput
    from kubecore import KubeError

    try:
        yield
    except TargetError as err:
        raise BadInput(str(err)) from None
    except KubeError as err:
        raise BadInput(str(err)) from None
    except (aiohttp.ClientError, OSError) as err:
        raise BadInput(f"cannot reach the cluster: {err}") from None


def _config(flags: ClusterFlags) -> ClusterConfig:
    from kubecore import load_config

    return load_config(flags.kubeconfig, context=flags.context)


async def _ids(
    client: Client, targets: Sequence[str], objects: Sequence[dict[str, Any]], flags: ClusterFlags
) -> list[ObjectId]:
    from kstatus.live.targets import argument_ids, manifest_ids

    namespace = flags.namespace or client.namespace
    ids = await argument_ids(client, targets, namespace) if targets else []
    return ids + await manifest_ids(client, objects, namespace)


# --- kstatus status TYPE/NAME... | -f FILE --live ------------------------------------------------


def run_live_status(
    targets: Sequence[str], filenames: Sequence[str], flags: ClusterFlags, output: str, options: Options
) -> int:
    """Print the statuses read from the cluster, like the offline command; return its exit code."""
    import asyncio

    from kstatus.status_command import BadInput, read_manifests

    if not targets and not filenames:
        raise BadInput("nothing to look at: give TYPE/NAME arguments or manifests with -f")
    objects = read_manifests(filenames) if filenames else []
    with cluster_errors():
        return asyncio.run(_live_status(targets, objects, flags, output, options))


async def _live_status(
    targets: Sequence[str], objects: Sequence[dict[str, Any]], flags: ClusterFlags, output: str, options: Options
) -> int:
    import sys

    from kstatus.live.fetch import fetch_and_resolve
    from kstatus.live.table import status_record
    from kstatus.offline import exit_code
    from kstatus.render import render
    from kubecore import Client

    async with Client(_config(flags), name="kstatus") as client:
        statuses = await fetch_and_resolve(client, await _ids(client, targets, objects, flags), options=options)
    records = [status_record(s) for s in statuses]
    render(records, output, sys.stdout)
    return exit_code(records)


# --- kstatus wait -------------------------------------------------------------------------------


def run_wait(
    filenames: Sequence[str],
    flags: ClusterFlags,
    *,
    wait_for: str,
    timeout: str,
    fail_fast: bool,
    output: str,
    options: Options,
) -> int:
    """Wait for the manifests' objects; print a live table (or JSON lines) and a summary."""
    import asyncio

    from kstatus.status_command import BadInput, read_manifests

    if not filenames:
        raise BadInput("no input: give manifests with -f FILE|DIR|-")
    seconds = parse_duration(timeout)
    objects = read_manifests(filenames)
    with cluster_errors():
        return asyncio.run(_wait(objects, flags, wait_for, seconds, fail_fast, output, options))


async def _wait(
    objects: Sequence[dict[str, Any]],
    flags: ClusterFlags,
    wait_for: str,
    seconds: float,
    fail_fast: bool,
    output: str,
    options: Options,
) -> int:
    from kstatus import Status
    from kstatus.live.progress import progress_view
    from kstatus.live.wait import wait
    from kubecore import Client

    desired = Status.CURRENT if wait_for == WaitFor.current else Status.NOT_FOUND
    async with Client(_config(flags), name="kstatus") as client:
        ids = await _ids(client, [], objects, flags)
        with progress_view(output, desired) as view:
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
