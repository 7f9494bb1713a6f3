"""The `kstatus` command line (typer): argument parsing only; the work is in lazily imported modules.

The convention (exit codes, `-h`, `--version`, `completion`, help layout, one-line errors) is
`kubecore.cli`'s, shared with `resource-manager`: exit 0 when every object is Current (wait:
reached), 1 when not (wait: failed or timed out), 2 on a usage error (flags, arguments,
manifests, rules file), 3 on a cluster error.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from kstatus.live.cli import (
    AllNamespacesOption,
    AllOption,
    ClusterFlags,
    ContextOption,
    KubeconfigOption,
    LiveOption,
    NamespaceOption,
    SelectorOption,
    Targets,
    TargetsArgument,
    WaitFor,
)
from kubecore.cli import App, run_app

if TYPE_CHECKING:
    from kstatus.options import Options

EXIT_CODES_HELP = "Exit codes: 0 {ok}, 1 {not_ok}, 2 usage error, 3 cluster error."

app = App("kstatus", help="Compute the kstatus status (Current, InProgress, Failed, ...) of Kubernetes objects.")


class OutputFormat(StrEnum):
    table = "table"
    wide = "wide"
    json = "json"
    yaml = "yaml"
    name = "name"


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
OutputOption = Annotated[
    OutputFormat, typer.Option("-o", "--output", metavar="table|wide|json|yaml|name", help="Output format.")
]
StrictOption = Annotated[
    bool, typer.Option("--strict", help="A custom resource its controller has not observed yet is InProgress.")
]
JobsOption = Annotated[
    JobsMode,
    typer.Option("--jobs", metavar="default|complete", help="'complete': a Job is Current only once it has completed."),
]
ExtendedOption = Annotated[
    bool,
    typer.Option("--extended", help="Extra rules: HPA, Ingress, LoadBalancer Service, APIService, PV, ..."),
]
RulesOption = Annotated[
    str | None, typer.Option("--rules", metavar="FILE", help="YAML file of CEL status rules per kind.")
]


class PdbMode(StrEnum):
    default = "default"
    observed = "observed"


PdbOption = Annotated[
    PdbMode,
    typer.Option(
        "--pdb", metavar="default|observed", help="'observed': a PodDisruptionBudget is Current once observed."
    ),
]
EndpointsOption = Annotated[
    bool,
    typer.Option("--endpoints", help="Live: a Service with a selector is Current once an endpoint is ready."),
]
BudgetsOption = Annotated[
    bool,
    typer.Option("--budgets", help="Live: a Deployment/StatefulSet is Current once its Pods meet their PDBs."),
]


def _options(
    strict: bool, jobs: JobsMode, extended: bool, rules: str | None, pdb: PdbMode, endpoints: bool, budgets: bool
) -> Options:
    """The compute options of the flags `status` and `wait` share."""
    from kstatus.status_command import options_from_flags

    return options_from_flags(
        strict=strict,
        jobs=jobs.value,
        extended=extended,
        rules=rules,
        pdb=pdb.value,
        endpoints=endpoints,
        budgets=budgets,
    )


@app.command(
    "status",
    epilog=EXIT_CODES_HELP.format(ok="every object is Current", not_ok="any object is not Current"),
)
def status_command(
    targets: TargetsArgument = None,
    filename: FilenameOption = None,
    live: LiveOption = False,
    selector: SelectorOption = None,
    all_: AllOption = False,
    all_namespaces: AllNamespacesOption = False,
    namespace: NamespaceOption = None,
    kubeconfig: KubeconfigOption = None,
    context: ContextOption = None,
    output: OutputOption = OutputFormat.table,
    strict: StrictOption = False,
    jobs: JobsOption = JobsMode.default,
    extended: ExtendedOption = False,
    rules: RulesOption = None,
    pdb: PdbOption = PdbMode.default,
    endpoints: EndpointsOption = False,
    budgets: BudgetsOption = False,
) -> None:
    """Compute the status of the objects in manifests (offline), or in the cluster (TYPE/NAME, -l,
    --all, -A, or -f with --live)."""
    from kstatus.status_command import run_offline_status

    chosen = Targets(tuple(targets or ()), tuple(filename or ()), selector, all_, all_namespaces)
    options = _options(strict, jobs, extended, rules, pdb, endpoints, budgets)
    if chosen.args or chosen.selecting or live:
        from kstatus.live.cli import run_live_status

        code = run_live_status(chosen, ClusterFlags(kubeconfig, context, namespace), output.value, options)
    else:
        code = run_offline_status(chosen.filenames, output.value, options)
    raise typer.Exit(code)


@app.command(
    "wait",
    epilog=EXIT_CODES_HELP.format(
        ok="every object reached the state", not_ok="an object failed (--fail-fast) or timed out"
    ),
)
def wait_command(
    targets: TargetsArgument = None,
    filename: FilenameOption = None,
    selector: SelectorOption = None,
    all_: AllOption = False,
    all_namespaces: AllNamespacesOption = False,
    wait_for: Annotated[
        WaitFor,
        typer.Option("--for", metavar="current|delete", help="Wait until Current, or until deleted ('deleted' too)."),
    ] = WaitFor.current,
    timeout: Annotated[
        str, typer.Option("--timeout", metavar="DURATION", help="Give up after this long (30s, 5m, 1h).")
    ] = "5m",
    fail_fast: Annotated[bool, typer.Option("--fail-fast", help="Stop at the first Failed resource.")] = False,
    output: OutputOption = OutputFormat.table,
    namespace: NamespaceOption = None,
    kubeconfig: KubeconfigOption = None,
    context: ContextOption = None,
    strict: StrictOption = False,
    jobs: JobsOption = JobsMode.default,
    extended: ExtendedOption = False,
    rules: RulesOption = None,
    pdb: PdbOption = PdbMode.default,
    endpoints: EndpointsOption = False,
    budgets: BudgetsOption = False,
) -> None:
    """Wait until the objects (TYPE/NAME, -l, --all, -A or manifests) are Current, or deleted."""
    from kstatus.live.cli import run_wait

    options = _options(strict, jobs, extended, rules, pdb, endpoints, budgets)
    code = run_wait(
        Targets(tuple(targets or ()), tuple(filename or ()), selector, all_, all_namespaces),
        ClusterFlags(kubeconfig, context, namespace),
        wait_for=wait_for.value,
        timeout=timeout,
        fail_fast=fail_fast,
        output=output.value,
        options=options,
    )
    raise typer.Exit(code)


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    run_app(app, "kstatus", argv)
