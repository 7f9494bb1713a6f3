"""The convention that keeps the user guide's shell blocks true, and its parser (pure).

In a page of docs/, a fenced ``sh`` block preceded by the line ``<!-- runnable -->`` is executed by
tests/docs/test_runnable.py, blocks of one page in order, in one fresh directory, with the tools of this
checkout on ``PATH`` and ``KUBECONFIG`` naming the test cluster. It must exit 0. A ``text`` block preceded
by ``<!-- output -->`` right after it lists lines that must each appear (as part of a line) in what the
commands printed, so it shows only stable lines: no ages, no generated names. A block preceded by
``<!-- background -->`` is a long-running command (the controller) started before the page's runnable blocks
and stopped with SIGTERM after them; it must then exit 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_BLOCK = re.compile(
    r"<!-- (?P<marker>runnable|background) -->\n```sh\n(?P<script>.*?)```\n"
    r"(?:\s*<!-- output -->\n```text\n(?P<output>.*?)```\n)?",
    re.DOTALL,
)


@dataclass(frozen=True)
class Block:
    page: str
    script: str
    expected: tuple[str, ...]
    background: bool


def blocks(page: Path) -> list[Block]:
    """The runnable and background blocks of ``page`` in page order."""
    return [
        Block(
            page=page.name,
            script=match["script"],
            expected=tuple(line for line in (match["output"] or "").splitlines() if line.strip()),
            background=match["marker"] == "background",
        )
        for match in _BLOCK.finditer(page.read_text())
    ]


def missing_lines(expected: tuple[str, ...], printed: str) -> list[str]:
    """Expected lines that are part of no printed line."""
    lines = printed.splitlines()
    return [want for want in expected if not any(want in line for line in lines)]
