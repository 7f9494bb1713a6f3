"""Label selectors: the `metav1.LabelSelector` semantics generated resources are found by."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kstatus.selectors import SelectorError, compile_selector, labels_of, selector_of

label_maps = st.dictionaries(st.sampled_from("abcde"), st.sampled_from(["1", "2", "3"]), max_size=5)


@given(wanted=label_maps, extra=label_maps)
def test_match_labels_matches_every_superset_and_nothing_that_differs(
    wanted: dict[str, str], extra: dict[str, str]
) -> None:
    matches = compile_selector({"matchLabels": wanted})
    labels = {**extra, **wanted}
    assert matches(labels)
    for key, value in wanted.items():
        assert not matches({**labels, key: value + "x"})
        assert not matches({k: v for k, v in labels.items() if k != key})


def test_expressions() -> None:
    matches = compile_selector(
        {
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["web", "api"]},
                {"key": "env", "operator": "NotIn", "values": ["dev"]},
                {"key": "team", "operator": "Exists"},
                {"key": "legacy", "operator": "DoesNotExist"},
            ]
        }
    )
    assert matches({"tier": "api", "team": "x"})
    assert matches({"tier": "web", "team": "x", "env": "prod"})
    assert not matches({"tier": "db", "team": "x"})
    assert not matches({"tier": "web", "team": "x", "env": "dev"})
    assert not matches({"tier": "web"})
    assert not matches({"tier": "web", "team": "x", "legacy": ""})


def test_empty_selector_matches_everything_and_missing_selector_is_an_error() -> None:
    assert compile_selector({})({"any": "thing"})
    with pytest.raises(SelectorError, match=r"^no selector found$"):
        selector_of({"spec": {}})


@pytest.mark.parametrize(
    ("selector", "problem"),
    [
        ({"matchExpressions": [{"key": "a", "operator": "In", "values": []}]}, "values set can't be empty"),
        ({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}, "must be empty"),
        ({"matchExpressions": [{"key": "a", "operator": "Near"}]}, "not a valid label selector operator"),
        ({"matchExpressions": [{"operator": "Exists"}]}, "has no key"),
        ({"matchLabels": ["a"]}, "matchLabels: expected a mapping"),
        ("app=web", "expected a mapping, got str"),
    ],
)
def test_invalid_selectors_are_errors(selector: object, problem: str) -> None:
    with pytest.raises(SelectorError, match=problem):
        compile_selector(selector)


def test_labels_of_tolerates_missing_and_malformed_labels() -> None:
    assert labels_of({}) == {}
    assert labels_of({"metadata": {"labels": None}}) == {}
    assert labels_of({"metadata": {"labels": {"a": "1"}}}) == {"a": "1"}
