"""User-defined status rules: CEL expressions per GroupKind, loaded from YAML (spec §10.4).

A rules file looks like Flux's health check expressions::

    rules:
      - apiVersion: example.com/v1     # the version is ignored, as for the built-in rules
        kind: Widget
        current: "self.status.phase == 'Ready'"
        inProgress: "self.status.phase == 'Provisioning'"
        failed: "self.status.phase == 'Error'"

The object is `self`.  After the generation check, `current`, `inProgress` and `failed` are
evaluated in that order; the first that is true decides, and when none is, the object is
InProgress.  celpy is imported only when a rules file is loaded, to keep `import kstatus` cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml

from kstatus.fields import as_go_string
from kstatus.result import ComputeError, Result, current, failed, in_progress
from kubecore.gvk import split_api_version

EXPRESSION_KEYS = ("current", "inProgress", "failed")


class RulesError(ValueError):
    """The rules file cannot be used; the message names the file, the rule and the problem."""


@dataclass(frozen=True)
class UserRules:
    """Compiled rules: one evaluator per (API group, kind)."""

    evaluators: dict[tuple[str, str], Callable[[dict[str, Any]], Result]]


def load_rules(path: str) -> UserRules:
    """Read and compile a rules file."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as err:
        raise RulesError(f"{path}: cannot read: {err.strerror}") from None
    return parse_rules(text, source=path)


def parse_rules(text: str, *, source: str = "rules") -> UserRules:
    """Compile rules from YAML text; `source` names it in error messages."""
    try:
        document = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as err:
        raise RulesError(f"{source}: not valid YAML: {err}") from None
    items = document.get("rules") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise RulesError(f"{source}: expected a mapping with a 'rules' list")
    evaluators: dict[tuple[str, str], Callable[[dict[str, Any]], Result]] = {}
    for index, item in enumerate(items):
        where = f"{source}: rules[{index}]"
        key, evaluator = _compile_rule(item, where)
        if key in evaluators:
            raise RulesError(f"{where}: a second rule for {key[1]} in group {key[0]!r}")
        evaluators[key] = evaluator
    return UserRules(evaluators)


def _compile_rule(item: object, where: str) -> tuple[tuple[str, str], Callable[[dict[str, Any]], Result]]:
    """Validate one rule and compile its expressions."""
    if not isinstance(item, dict):
        raise RulesError(f"{where}: expected a mapping")
    api_version, kind = item.get("apiVersion"), item.get("kind")
    if not isinstance(api_version, str) or not api_version or api_version.count("/") > 1:
        raise RulesError(f"{where}: 'apiVersion' must be a string like group/version or v1")
    if not isinstance(kind, str) or not kind:
        raise RulesError(f"{where}: 'kind' must be a non-empty string")
    unknown = set(item) - {"apiVersion", "kind", *EXPRESSION_KEYS}
    if unknown:
        raise RulesError(f"{where}: unknown keys: {', '.join(sorted(map(str, unknown)))}")
    programs = []
    for name in EXPRESSION_KEYS:
        expression = item.get(name)
        if expression is None:
            continue
        if not isinstance(expression, str):
            raise RulesError(f"{where}: '{name}' must be a CEL expression string")
        programs.append((name, expression, _compile(expression, f"{where}.{name}")))
    if not programs:
        raise RulesError(f"{where}: needs at least one of {', '.join(EXPRESSION_KEYS)}")
    group = split_api_version(api_version)[0]  # checked above: at most one "/"
    return (group, kind), _evaluator(kind, programs)


def _compile(expression: str, where: str) -> Any:
    """Compile one CEL expression, reporting syntax errors with their location."""
    from celpy import Environment
    from celpy.celparser import CELParseError

    environment = Environment()
    try:
        return environment.program(environment.compile(expression))
    except CELParseError as err:
        raise RulesError(f"{where}: invalid CEL expression: {err}") from None


def _evaluator(kind: str, programs: list[tuple[str, str, Any]]) -> Callable[[dict[str, Any]], Result]:
    """The status function for one GroupKind."""

    def evaluate(obj: dict[str, Any]) -> Result:
        from celpy.adapter import json_to_cel
        from celpy.celtypes import BoolType

        try:
            activation = {"self": json_to_cel(_plain(obj))}
        except (ValueError, TypeError) as err:
            raise ComputeError(f"rules {kind}", f"object cannot be given to CEL: {err}") from None
        for name, expression, program in programs:
            try:
                value = program.evaluate(activation)
            except Exception as err:  # celpy raises CELEvalError and, on odd input, built-in errors
                raise ComputeError(f"rules {kind}.{name}", f"{expression}: {_reason(err)}") from None
            if not isinstance(value, BoolType):
                raise ComputeError(f"rules {kind}.{name}", f"{expression}: did not give a bool")
            if value:
                return _matched(name, expression)
        return in_progress("NoRuleMatched", f"None of the status rules for {kind} matched yet")

    return evaluate


def _reason(err: Exception) -> str:
    """celpy puts the readable reason in the first argument of its errors."""
    return str(err.args[0]) if err.args else type(err).__name__


def _matched(name: str, expression: str) -> Result:
    """The result for the first expression that held."""
    if name == "current":
        return current(f"Rule matched: {expression}")
    if name == "inProgress":
        return in_progress("RuleInProgress", f"Rule matched: {expression}")
    return failed("RuleFailed", f"Rule matched: {expression}")


def _plain(value: Any) -> Any:
    """The object as Go would hold it: PyYAML timestamps become the strings they were."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, date):
        return as_go_string(value)
    return value
