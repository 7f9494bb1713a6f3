"""Local "is a write needed" decision (spec §10.2 zero writes, §10.3 drift)."""

from __future__ import annotations

import copy
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resource_manager.ssa.drift import drifted, fingerprint, quantity, write_needed
from resource_manager.ssa.fields import FieldsSummary
from resource_manager.ssa.plan import ApplyPlan

BODY: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "d", "namespace": "n", "labels": {"app": "a"}, "creationTimestamp": None},
    "spec": {
        "replicas": 2,
        "template": {
            "metadata": {"labels": {"app": "a"}},
            "spec": {
                "containers": [
                    {"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "1000m", "memory": "1Gi"}}}
                ],
                "volumes": [],
            },
        },
    },
}


def _live() -> dict[str, Any]:
    """What the API server returns for BODY: defaulted fields, canonical quantities, foreign metadata."""
    live = copy.deepcopy(BODY)
    live["metadata"].update(
        {"creationTimestamp": "2026-01-01T00:00:00Z", "uid": "u", "labels": {"app": "a", "foreign": "x"}}
    )
    live["spec"]["progressDeadlineSeconds"] = 600
    container = live["spec"]["template"]["spec"]["containers"][0]
    container.update({"imagePullPolicy": "Always", "terminationMessagePath": "/dev/termination-log"})
    container["resources"]["requests"] = {"cpu": "1", "memory": "1024Mi"}
    del live["spec"]["template"]["spec"]["volumes"]
    live["status"] = {"replicas": 2}
    return live


def test_defaulted_live_object_is_not_drift() -> None:
    assert not drifted(BODY, _live())


@pytest.mark.parametrize(
    "change",
    [
        lambda live: live["spec"].update(replicas=3),
        lambda live: live["metadata"]["labels"].pop("app"),
        lambda live: live["spec"]["template"]["spec"]["containers"][0].update(image="evil"),
        lambda live: live["spec"]["template"]["spec"]["containers"].append({"name": "extra"}),
        lambda live: live["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"].update(cpu="2"),
        lambda live: live["spec"].pop("template"),
    ],
)
def test_changed_or_missing_values_are_drift(change: Any) -> None:
    live = _live()
    change(live)
    assert drifted(BODY, live)


def test_absent_object_is_drift() -> None:
    assert drifted(BODY, None)


def test_quantities_compare_by_value_only_inside_resource_lists() -> None:
    assert not drifted({"spec": {"limits": {"cpu": 1}}}, {"spec": {"limits": {"cpu": "1000m"}}})
    assert drifted({"data": {"cpu": "1000m"}}, {"data": {"cpu": "1"}})


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("100m", Fraction(1, 10)),
        ("1Gi", Fraction(2**30)),
        ("1e3", Fraction(1000)),
        ("1.5", Fraction(3, 2)),
        ("2k", Fraction(2000)),
        ("-1", Fraction(-1)),
        (".5M", Fraction(500000)),
    ],
)
def test_quantity(text: str, value: Fraction) -> None:
    assert quantity(text) == value


@pytest.mark.parametrize("text", ["", "abc", "1x", "1 Gi", "Gi"])
def test_not_a_quantity(text: str) -> None:
    assert quantity(text) is None


def test_fingerprint_ignores_key_order() -> None:
    assert fingerprint({"a": 1, "b": {"c": 2, "d": 3}}) == fingerprint({"b": {"d": 3, "c": 2}, "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})


OURS_FIELDS = (
    '{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:template":{"f:spec":'
    '{"f:containers":{"k:{\\"name\\":\\"c\\"}":{".":{},"f:image":{},"f:name":{}}}}}}}'
)
OURS = FieldsSummary(False, OURS_FIELDS)


def test_write_needed_judges_the_live_object_and_its_managed_fields() -> None:
    plan = ApplyPlan(BODY, (), ())
    assert not write_needed(plan, _live(), OURS)  # e.g. right after a restart: nothing to do
    assert write_needed(plan, None, None)
    assert write_needed(plan, _live(), None)  # absent summary: unknown
    assert write_needed(plan, _live(), OURS._replace(ours=None))  # we own nothing yet (e.g. GRM migration)
    assert write_needed(plan, _live(), OURS._replace(takeover=True))  # a hand edit to take over
    dropped = OURS._replace(ours=OURS_FIELDS.replace('"f:replicas":{},', '"f:replicas":{},"f:paused":{},'))
    assert write_needed(plan, _live(), dropped)  # a field we own left the manifest: remove it
    changed = _live()
    changed["spec"]["replicas"] = 3
    assert write_needed(plan, changed, OURS)
    assert write_needed(ApplyPlan(BODY, ("foreign",), ()), _live(), OURS)
    assert not write_needed(ApplyPlan(BODY, ("gone",), ("gone",)), _live(), OURS)
    assert not write_needed(ApplyPlan(None, (), ()), _live(), None)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.sampled_from(["a", "b", "1", "100m"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["x", "y", "requests"]), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.sampled_from(["spec", "data", "metadata"]), _JSON, max_size=3))
def test_an_object_never_drifts_from_itself(body: dict[str, Any]) -> None:
    assert not drifted(body, copy.deepcopy(body))
