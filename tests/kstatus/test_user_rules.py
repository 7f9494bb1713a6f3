"""User-defined CEL rules per GroupKind (spec §10.4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kstatus import ComputeError, Options, Status, compute
from kstatus.user_rules import RulesError, load_rules, parse_rules
from tests.kstatus.builders import cond, current, failed, in_progress, make

RULES = """
rules:
  - apiVersion: example.com/v1
    kind: Widget
    current: "has(self.status.phase) && self.status.phase == 'Ready'"
    inProgress: "has(self.status.phase) && self.status.phase == 'Provisioning'"
    failed: "has(self.status.phase) && self.status.phase == 'Error'"
  - apiVersion: v1
    kind: ConfigMap
    current: "has(self.data) && 'ready' in self.data"
"""
OPTIONS = Options(rules=parse_rules(RULES))


def widget(phase: str | None = None, **meta: object) -> dict[str, object]:
    return make("example.com/v2", "Widget", status=None if phase is None else {"phase": phase}, **meta)


def test_expressions_decide_in_order() -> None:
    assert compute(widget("Ready"), options=OPTIONS) == current(
        "Rule matched: has(self.status.phase) && self.status.phase == 'Ready'"
    )
    assert compute(widget("Provisioning"), options=OPTIONS) == in_progress(
        "RuleInProgress", "Rule matched: has(self.status.phase) && self.status.phase == 'Provisioning'"
    )
    assert compute(widget("Error"), options=OPTIONS) == failed(
        "RuleFailed", "Rule matched: has(self.status.phase) && self.status.phase == 'Error'"
    )


def test_current_is_evaluated_first() -> None:
    rules = parse_rules("rules: [{apiVersion: x/v1, kind: K, current: 'true', failed: 'true'}]")
    assert compute(make("x/v1", "K"), options=Options(rules=rules)).status is Status.CURRENT


def test_no_match_is_in_progress() -> None:
    expected = in_progress("NoRuleMatched", "None of the status rules for Widget matched yet")
    assert compute(widget("Unknown"), options=OPTIONS) == expected
    assert compute(widget(), options=OPTIONS) == expected  # upstream would say Current


def test_rules_replace_built_in_rules_for_their_kind() -> None:
    assert compute(make("v1", "ConfigMap"), options=OPTIONS).status is Status.IN_PROGRESS
    ready = make("v1", "ConfigMap")
    ready["data"] = {"ready": "yes"}
    assert compute(ready, options=OPTIONS).status is Status.CURRENT


def test_rules_run_after_deletion_and_generation_checks() -> None:
    deleting = widget("Ready", deletionTimestamp="2024-01-01T00:00:00Z")
    assert compute(deleting, options=OPTIONS).status is Status.TERMINATING
    stale = make("example.com/v1", "Widget", generation=2, status={"phase": "Ready", "observedGeneration": 1})
    assert compute(stale, options=OPTIONS).conditions[0].reason == "LatestGenerationNotObserved"


def test_rules_come_before_standard_conditions() -> None:
    obj = make("example.com/v1", "Widget", status={"phase": "Ready", "conditions": [cond("Stalled", "True")]})
    assert compute(obj, options=OPTIONS).status is Status.CURRENT


def test_other_kinds_are_untouched() -> None:
    assert compute(make("other.com/v1", "Widget"), options=OPTIONS) == current("Resource is current")


def test_evaluation_errors_are_compute_errors() -> None:
    rules = parse_rules("rules: [{apiVersion: x/v1, kind: K, current: 'self.status.phase == \"x\"'}]")
    with pytest.raises(ComputeError) as err:
        compute(make("x/v1", "K"), options=Options(rules=rules))
    assert err.value.field == "rules K.current"
    assert "status" in err.value.problem


def test_non_bool_results_are_compute_errors() -> None:
    rules = parse_rules("rules: [{apiVersion: x/v1, kind: K, current: '1 + 1'}]")
    with pytest.raises(ComputeError, match="did not give a bool"):
        compute(make("x/v1", "K"), options=Options(rules=rules))


def test_pyyaml_timestamps_reach_cel_as_strings() -> None:
    from datetime import UTC, datetime

    rules = parse_rules("rules: [{apiVersion: x/v1, kind: K, current: 'self.status.at == \"2024-01-01T00:00:00Z\"'}]")
    obj = make("x/v1", "K", status={"at": datetime(2024, 1, 1, tzinfo=UTC)})
    assert compute(obj, options=Options(rules=rules)).status is Status.CURRENT


def test_unconvertible_values_are_compute_errors() -> None:
    rules = parse_rules("rules: [{apiVersion: x/v1, kind: K, current: 'true'}]")
    with pytest.raises(ComputeError, match="cannot be given to CEL"):
        compute(make("x/v1", "K", status={"blob": b"bytes"}), options=Options(rules=rules))


def test_load_rules_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES)
    assert set(load_rules(str(path)).evaluators) == {("example.com", "Widget"), ("", "ConfigMap")}


def test_load_rules_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match=r"nope\.yaml: cannot read"):
        load_rules(str(tmp_path / "nope.yaml"))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("rules: [", "not valid YAML"),
        ("- a", "expected a mapping with a 'rules' list"),
        ("rules: [3]", "rules[0]: expected a mapping"),
        ("rules: [{kind: K, current: 'true'}]", "'apiVersion' must be"),
        ("rules: [{apiVersion: a/b/c, kind: K, current: 'true'}]", "'apiVersion' must be"),
        ("rules: [{apiVersion: v1, current: 'true'}]", "'kind' must be a non-empty string"),
        ("rules: [{apiVersion: v1, kind: K}]", "needs at least one of current, inProgress, failed"),
        ("rules: [{apiVersion: v1, kind: K, ready: 'true'}]", "unknown keys: ready"),
        ("rules: [{apiVersion: v1, kind: K, current: 3}]", "'current' must be a CEL expression string"),
        ("rules: [{apiVersion: v1, kind: K, current: '1 +'}]", "rules[0].current: invalid CEL expression"),
        (
            "rules: [{apiVersion: a/v1, kind: K, current: 'true'}, {apiVersion: a/v2, kind: K, failed: 'true'}]",
            "rules[1]: a second rule for K in group 'a'",
        ),
    ],
)
def test_bad_rules_files_are_reported_clearly(text: str, problem: str) -> None:
    with pytest.raises(RulesError) as err:
        parse_rules(text, source="r.yaml")
    assert str(err.value).startswith("r.yaml: ")
    assert problem in str(err.value)
