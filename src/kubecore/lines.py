"""Split a byte stream into lines without a length limit.

aiohttp's `readline()` fails on lines above its buffer limit, and one watch event for a big Secret or CRD
can be megabytes. This splitter keeps the unfinished tail and emits complete lines only, whatever the
chunking of the stream.
"""

from __future__ import annotations


class LineSplitter:
    """Feed chunks, get complete non-empty lines (without the newline)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def feed(self, chunk: bytes) -> list[bytes]:
        if b"\n" not in chunk:
            if chunk:
                self._parts.append(chunk)
            return []
        pieces = chunk.split(b"\n")
        self._parts.append(pieces[0])
        first = b"".join(self._parts)
        tail = pieces[-1]
        self._parts = [tail] if tail else []
        return [line for line in (first, *pieces[1:-1]) if line.strip()]

    def rest(self) -> bytes:
        """What is left after the stream ended (an unterminated last line, if any)."""
        rest = b"".join(self._parts)
        self._parts = []
        return rest if rest.strip() else b""
