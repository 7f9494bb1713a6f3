"""The records of our writes: what a resync may skip, and what the watch has not delivered yet."""

from __future__ import annotations

from typing import Any

import orjson

from resource_manager.controller.last_applied import LastApplied, intent_of

RK = ("v1", "ConfigMap", "ns/a")
OTHER = ("v1", "Secret", "ns/b")
BODY: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "a", "namespace": "ns"},
    "data": {"k": "v"},
}


def version(rv: str) -> dict[str, Any]:
    return {**BODY, "metadata": {**BODY["metadata"], "resourceVersion": rv}}


def test_a_record_verifies_exactly_the_version_it_was_made_for() -> None:
    applied = LastApplied()
    applied.remember(RK, intent_of(BODY), BODY, version("5"), ("ns", "mr"), full=True)
    record = applied.get(RK)
    assert record is not None and orjson.loads(record.body or b"") == BODY
    assert applied.verified(RK, version("5")) and not applied.verified(RK, version("6"))
    applied.still_carries(RK, "6")
    assert applied.verified(RK, version("6"))
    applied.remember(OTHER, b"i", BODY, version("7"), ("ns", "mr"), full=False)
    assert (applied.get(OTHER) or record).body is None  # metadata-only: no body to compare events with


def test_records_go_with_their_mr_or_their_watch() -> None:
    applied = LastApplied()
    applied.remember(RK, b"i", BODY, version("1"), ("ns", "one"), full=True)
    applied.remember(OTHER, b"i", BODY, version("1"), ("ns", "two"), full=True)
    applied.forget_owner(("ns", "one"))
    assert applied.get(RK) is None and applied.get(OTHER) is not None
    applied.result_not_delivered(OTHER, version("2"))
    applied.forget_type(("v1", "Secret"))
    assert applied.get(OTHER) is None and OTHER not in applied.recent


def test_a_write_result_is_kept_until_the_watch_delivers_that_version() -> None:
    applied = LastApplied()
    applied.result_not_delivered(RK, version("8"))
    applied.delivered(RK, version("7"))
    assert applied.recent[RK] == version("8")
    applied.delivered(RK, version("8"))
    assert RK not in applied.recent
    applied.result_not_delivered(RK, version("9"))
    applied.delivered(RK, None)  # deleted
    assert RK not in applied.recent


def test_the_intent_ignores_key_order() -> None:
    assert intent_of({"a": 1, "b": {"c": 2}}) == intent_of({"b": {"c": 2}, "a": 1})
    assert intent_of({"a": 1}) != intent_of({"a": 2})
