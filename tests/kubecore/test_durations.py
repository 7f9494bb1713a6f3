"""Go durations: one parser and one printer for both products."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kubecore.durations import format_go_duration, parse_go_duration


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (0.5, "500ms"), (1.5, "1.5s"), (60, "1m0s"), (5400, "1h30m0s"), (7203, "2h0m3s"), (-90, "-1m30s")],
)
def test_prints_like_go(seconds: float, text: str) -> None:
    assert format_go_duration(seconds) == text


@pytest.mark.parametrize("text", ["", "5", "5x", "m", "1m 2s", "--1s", ".s"])
def test_invalid_durations_are_value_errors_in_go_words(text: str) -> None:
    with pytest.raises(ValueError, match=r"^time: "):
        parse_go_duration(text)


@given(st.integers(min_value=-(10**10), max_value=10**10))
def test_printed_durations_parse_back(millis: int) -> None:
    assert parse_go_duration(format_go_duration(millis / 1000)) == pytest.approx(millis / 1000, abs=1e-9)
