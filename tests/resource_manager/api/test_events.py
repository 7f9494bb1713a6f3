"""Warning events appended to DeletionPending messages: kubectl's durations and GRM's layout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kubecore.durations import human_duration
from resource_manager.api.events import events_message

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "<invalid>"),
        (-1, "0s"),
        (0, "0s"),
        (59, "59s"),
        (119, "119s"),
        (120, "2m"),
        (121, "2m1s"),
        (599, "9m59s"),
        (600, "10m"),
        (3 * 3600 - 1, "179m"),
        (3 * 3600, "3h"),
        (3 * 3600 + 60, "3h1m"),
        (8 * 3600, "8h"),
        (47 * 3600 + 3599, "47h"),
        (48 * 3600, "2d"),
        (49 * 3600, "2d1h"),
        (8 * 86400, "8d"),
        (2 * 365 * 86400, "2y"),
        (2 * 365 * 86400 + 86400, "2y1d"),
        (8 * 365 * 86400, "8y"),
    ],
)
def test_human_duration_matches_kubectl(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_human_duration_is_always_a_short_word(seconds: float) -> None:
    text = human_duration(seconds)
    assert text and " " not in text


def _stamp(ago: float) -> str:
    return (NOW - timedelta(seconds=ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_events_message_lists_the_newest_five_oldest_first() -> None:
    events = [
        {
            "message": f"m{i}",
            "count": 1,
            "firstTimestamp": _stamp(100 - i),
            "lastTimestamp": _stamp(100 - i),
            "source": {"component": "service-controller"},
        }
        for i in range(7)
    ]
    repeated = {
        "message": "again",
        "count": 3,
        "firstTimestamp": _stamp(600),
        "lastTimestamp": _stamp(5),
        "reportingComponent": "lb",
    }
    text = events_message([repeated, *events], NOW)
    assert text.splitlines() == [
        "-> Events:",
        "* service-controller reported 97s ago: m3",
        "* service-controller reported 96s ago: m4",
        "* service-controller reported 95s ago: m5",
        "* service-controller reported 94s ago: m6",
        "* lb reported 5s ago (x3 over 10m): again",
    ]


def test_no_events_no_block() -> None:
    assert events_message([], NOW) == ""
