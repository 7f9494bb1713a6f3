"""Apply errors never quote a manifest value (resource_manager.ssa.redact)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from resource_manager.ssa.redact import REDACTED, redact

CONFIG_MAP = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "settings", "namespace": "team", "labels": {"app": "settings"}},
    "data": {"token": {"nested": "hunter2-secret"}},
}


def test_a_go_dump_of_a_rejected_map_loses_its_values_but_keeps_the_metadata() -> None:
    message = (
        'ConfigMap "settings" is invalid: data.token: expected string, got '
        '&value.valueUnstructured{Value:map[string]interface {}{"nested":"hunter2-secret"}}'
    )
    assert redact(message, CONFIG_MAP) == (
        'ConfigMap "settings" is invalid: data.token: expected string, got '
        f'&value.valueUnstructured{{Value:map[string]interface {{}}{{"nested":"{REDACTED}"}}}}'
    )


def test_escaped_values_are_found_too() -> None:
    obj = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"k": 'pa"ss\nword'}}
    message = f"Invalid value: {json.dumps('pa' + chr(34) + 'ss' + chr(10) + 'word')}"
    assert "word" not in redact(message, obj)


@given(
    st.lists(st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=4, max_size=30), min_size=1, max_size=5),
    st.text(max_size=40),
)
def test_no_value_of_the_object_survives(values: list[str], filler: str) -> None:
    obj = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "n"},
        "data": {str(i): v for i, v in enumerate(values)},
    }
    text = filler.join(values) + filler
    redacted = redact(text, obj)
    assert not any(v in redacted for v in values)
