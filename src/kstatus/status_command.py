"""`kstatus status -f`, offline: read manifests, compute, render, and choose the exit code."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from kstatus.manifests_input import ManifestError, read_objects
from kstatus.offline import exit_code, status_records
from kstatus.options import Options
from kstatus.render import render
from kubecore.cli import UsageFailure


class BadInput(UsageFailure):
    """Input the command cannot work with: flags, manifests, a rules file (exit code 2)."""


def read_manifests(sources: Sequence[str]) -> list[dict[str, Any]]:
    """The objects of files, directories or `-`; a CLI error when unreadable or empty, because
    `status -f` and `wait -f` have nothing to do without objects."""
    try:
        objects = read_objects(sources)
    except ManifestError as err:
        raise BadInput(str(err)) from None
    if not objects:
        raise BadInput(f"no objects found in {', '.join(sources)}")
    return objects


def options_from_flags(
    *,
    strict: bool,
    jobs: str,
    extended: bool,
    rules: str | None,
    pdb: str = "default",
    endpoints: bool = False,
    budgets: bool = False,
) -> Options:
    """The compute options the shared CLI flags select (also for `wait`); `endpoints` and `budgets`
    only change anything where objects are read from a cluster."""
    user_rules = None
    if rules is not None:
        from kstatus.user_rules import RulesError, load_rules

        try:
            user_rules = load_rules(rules)
        except RulesError as err:
            raise BadInput(str(err)) from None
        except ImportError:
            raise BadInput("--rules needs the CEL engine: pip install 'kstatus[cel]'") from None
    return Options(
        strict=strict,
        jobs="complete" if jobs == "complete" else "default",
        extended=extended,
        rules=user_rules,
        pdb="observed" if pdb == "observed" else "default",
        endpoints=endpoints,
        budgets=budgets,
    )


def run_offline_status(sources: Sequence[str], output: str, options: Options) -> int:
    """Print the status of every object in `sources`; return the exit code."""
    if not sources:
        raise BadInput("nothing to look at: give manifests with -f, TYPE/NAME arguments, or TYPE with -l, --all or -A")
    records = status_records(read_manifests(sources), options)
    render(records, output, sys.stdout)
    return exit_code(records)
