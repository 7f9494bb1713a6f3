"""Line splitting of watch streams: any chunking gives the same lines, with no length limit."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kubecore.lines import LineSplitter

line = st.binary(min_size=1, max_size=50).filter(lambda b: b"\n" not in b and b.strip() != b"")


def split_all(data: bytes, cuts: list[int]) -> list[bytes]:
    splitter = LineSplitter()
    out: list[bytes] = []
    start = 0
    for cut in [*sorted({c % (len(data) + 1) for c in cuts}), len(data)]:
        out.extend(splitter.feed(data[start:cut]))
        start = cut
    rest = splitter.rest()
    return [*out, rest] if rest else out


@given(st.lists(line, max_size=20), st.lists(st.integers(min_value=0), max_size=30), st.booleans())
def test_any_chunking_yields_the_lines(lines: list[bytes], cuts: list[int], trailing_newline: bool) -> None:
    data = b"\n".join(lines) + (b"\n" if trailing_newline and lines else b"")
    assert split_all(data, cuts) == lines


def test_blank_lines_are_skipped() -> None:
    assert LineSplitter().feed(b'{"a":1}\n\n  \n{"b":2}\n') == [b'{"a":1}', b'{"b":2}']


def test_a_line_of_many_megabytes_in_small_chunks() -> None:
    big = b'{"data":"' + b"x" * 8_000_000 + b'"}'
    splitter = LineSplitter()
    out: list[bytes] = []
    for i in range(0, len(big), 65536):
        out.extend(splitter.feed(big[i : i + 65536]))
    out.extend(splitter.feed(b"\n"))
    assert out == [big]
    assert splitter.rest() == b""
