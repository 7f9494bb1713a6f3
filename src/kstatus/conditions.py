"""The upstream condition helpers, for callers that want one step of the pipeline on its own.

They mirror `GetObjectWithConditions`, `GetLegacyConditionsFn` and `CRDConditions`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kstatus.fields import conditions_of, type_name
from kstatus.pipeline import rule_key
from kstatus.result import ComputeError, Condition, Result
from kstatus.rules_core import CORE_RULES, Rule
from kstatus.rules_core import crd_conditions as _crd_rule


def object_conditions(obj: Any) -> list[Condition]:
    """`status.conditions` as typed conditions; a wrong shape raises `ComputeError`."""
    if type(obj) is not dict:
        raise ComputeError("object", f"expected a mapping, got {type_name(obj)}")
    return [Condition(*entry) for entry in conditions_of(obj.get("status"))]


def legacy_conditions_fn(obj: dict[str, Any]) -> Callable[[dict[str, Any]], Result] | None:
    """The built-in rule for the object's group and kind (version ignored), or None."""
    rule = CORE_RULES.get(rule_key(obj))
    return None if rule is None else _standalone(rule)


def crd_conditions(obj: dict[str, Any]) -> Result:
    """The CustomResourceDefinition rule on its own (upstream exports it as `CRDConditions`)."""
    return _standalone(_crd_rule)(obj)


def _standalone(rule: Rule) -> Callable[[dict[str, Any]], Result]:
    """A rule that reads and validates the object's conditions itself, as upstream's rules do."""

    def run(obj: dict[str, Any]) -> Result:
        if type(obj) is not dict:
            raise ComputeError("object", f"expected a mapping, got {type_name(obj)}")
        return rule(obj, conditions_of(obj.get("status")), None)

    return run
