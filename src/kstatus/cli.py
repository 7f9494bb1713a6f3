"""The `kstatus` command line (typer): argument parsing only; the work is in lazily imported modules.

Exit codes: 0 every object Current, 1 any Failed, 2 any other status, 3 bad input (one line on
stderr, never a traceback).  Usage errors are bad input too, hence exit 3 rather than click's 2.
Commands are added to `app`; `status` is built to grow positional TYPE/NAME arguments and
`--live` later, and a `wait` command can sit beside it.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from kstatus.live.cli import (
    ContextOption,
    KubeconfigOption,
    LiveOption,
    NamespaceOption,
    TargetsArgument,
    WaitFor,
    WaitOutput,
)

BAD_INPUT = 3

app = typer.Typer(
    name="kstatus",
    help="Compute the kstatus status (Current, InProgress, Failed, ...) of Kubernetes objects.",
    rich_markup_mode=None,  # rich-formatted help costs ~100 ms of imports on every --help
    pretty_exceptions_enable=False,
    add_completion=False,
)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    yaml = "yaml"


class JobsMode(StrEnum):
    default = "default"
    complete = "complete"


FilenameOption = Annotated[
    list[str] | None,
    typer.Option(
        "-f",
        "--filename",
        metavar="FILE|DIR|-",
        help="Manifest file, directory of manifests, or - for stdin (repeatable).",
    ),
]
OutputOption = Annotated[OutputFormat, typer.Option("-o", "--output", help="Output format.")]
StrictOption = Annotated[
    bool, typer.Option("--strict", help="A custom resource its controller has not observed yet is InProgress.")
]
JobsOption = Annotated[
    JobsMode, typer.Option("--jobs", help="'complete': a Job is Current only once it has completed.")
]
ExtendedOption = Annotated[
    bool,
    typer.Option("--extended", help="Extra rules: HPA, Ingress, LoadBalancer Service, APIService, PV, ..."),
]
RulesOption = Annotated[
    str | None, typer.Option("--rules", metavar="FILE", help="YAML file of CEL status rules per kind.")
]


@app.callback()
def kstatus() -> None:
    """Compute the kstatus status (Current, InProgress, Failed, ...) of Kubernetes objects."""


@app.command("status")
def status_command(
    targets: TargetsArgument = None,
    filename: FilenameOption = None,
    live: LiveOption = False,
    namespace: NamespaceOption = None,
    kubeconfig: KubeconfigOption = None,
    context: ContextOption = None,
    output: OutputOption = OutputFormat.table,
    strict: StrictOption = False,
    jobs: JobsOption = JobsMode.default,
    extended: ExtendedOption = False,
    rules: RulesOption = None,
) -> None:
    """Compute the status of the objects in manifests (offline), or in the cluster (TYPE/NAME, --live)."""
    from kstatus.status_command import BadInput, options_from_flags, run_offline_status

    try:
        if targets or live:
            from kstatus.live.cli import ClusterFlags, run_live_status

            options = options_from_flags(strict=strict, jobs=jobs.value, extended=extended, rules=rules)
            flags = ClusterFlags(kubeconfig, context, namespace)
            code = run_live_status(targets or [], filename or [], flags, output.value, options)
        else:
            code = run_offline_status(
                filename or [], output.value, strict=strict, jobs=jobs.value, extended=extended, rules=rules
            )
    except BadInput as err:
        fail(str(err))
    raise typer.Exit(code)


@app.command("wait")
def wait_command(
    filename: FilenameOption = None,
    wait_for: Annotated[WaitFor, typer.Option("--for", help="Wait until Current, or until deleted.")] = WaitFor.current,
    timeout: Annotated[str, typer.Option("--timeout", help="Give up after this long (Go duration).")] = "5m",
    fail_fast: Annotated[bool, typer.Option("--fail-fast", help="Stop at the first Failed resource.")] = False,
    output: Annotated[WaitOutput, typer.Option("-o", "--output", help="Output format.")] = WaitOutput.table,
    namespace: NamespaceOption = None,
    kubeconfig: KubeconfigOption = None,
    context: ContextOption = None,
    strict: StrictOption = False,
    jobs: JobsOption = JobsMode.default,
    extended: ExtendedOption = False,
    rules: RulesOption = None,
) -> None:
    """Wait for the objects of the manifests; exit 0 reached, 1 failed, 2 timed out, 3 bad input or cluster error."""
    from kstatus.live.cli import ClusterFlags, run_wait
    from kstatus.status_command import BadInput, options_from_flags

    try:
        options = options_from_flags(strict=strict, jobs=jobs.value, extended=extended, rules=rules)
        code = run_wait(
            filename or [],
            ClusterFlags(kubeconfig, context, namespace),
            wait_for=wait_for.value,
            timeout=timeout,
            fail_fast=fail_fast,
            output=output.value,
            options=options,
        )
    except BadInput as err:
        fail(str(err))
    raise typer.Exit(code)


def fail(message: str) -> None:
    """Bad input: one line on stderr and exit 3."""
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(BAD_INPUT)


def main(argv: list[str] | None = None) -> None:
    """Console entry point; maps usage errors to exit code 3."""
    from typer._click.exceptions import ClickException  # typer vendors click; its errors live here

    command = typer.main.get_command(app)
    try:
        code = command.main(args=argv, prog_name="kstatus", standalone_mode=False)
    except ClickException as err:
        print(f"error: {err.format_message()}", file=sys.stderr)
        sys.exit(BAD_INPUT)
    except typer.Abort:
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
