"""Decompress a Secret data key (``.br``, ``.gz``, ``.zst``) as a stream that stops at a size limit.

Why streaming: a Secret holds at most about 1 MiB, but a few hundred compressed bytes can expand to
gigabytes. Decompressing whole (``brotli.decompress``) would materialise all of it before any check, so
every decoder here produces output in bounded steps and gives up as soon as the output passes ``limit``:
at most one step (:data:`STEP` bytes) more than the limit is ever held.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

STEP = 1 << 20
"""Largest piece of output produced at once."""
_ZSTD_INPUT_STEP = 32
"""zstd cannot bound one call's output: feed it so little input that even a 32768:1 block stays near STEP."""

COMPRESSIONS = {".br": "brotli", ".gz": "gzip", ".zst": "zstd"}


class CorruptData(ValueError):
    """The compressed data is invalid or truncated."""


class TooLarge(ValueError):
    """The decompressed data would exceed the limit."""


def compression_of(key: str) -> str | None:
    """``"brotli"`` / ``"gzip"`` / ``"zstd"`` for a compressed key, ``None`` for a plain one."""
    suffix = key[key.rfind(".") :] if "." in key else ""
    return COMPRESSIONS.get(suffix)


def decompress(key: str, data: bytes, limit: int) -> bytes:
    """The decompressed value of ``key`` (plain keys as they are); raises TooLarge past ``limit`` bytes."""
    kind = compression_of(key)
    if kind is None:
        if len(data) > limit:
            raise TooLarge
        return data
    pieces: list[bytes] = []
    size = 0
    try:
        for piece in {"brotli": _brotli, "gzip": _gzip, "zstd": _zstd}[kind](data):
            size += len(piece)
            if size > limit:
                raise TooLarge
            pieces.append(piece)
    except (CorruptData, TooLarge, ImportError):
        raise
    except Exception as exc:  # brotli.error, zlib.error, zstandard.ZstdError
        raise CorruptData from exc
    return b"".join(pieces)


def _brotli(data: bytes) -> Iterator[bytes]:
    import brotli

    decompressor = brotli.Decompressor()
    piece = decompressor.process(data, output_buffer_limit=STEP)
    while piece:  # the limit holds output back: ask for more until there is none
        yield piece
        piece = b"" if decompressor.is_finished() else decompressor.process(b"", output_buffer_limit=STEP)
    if not decompressor.is_finished():
        raise CorruptData("truncated brotli stream")


def _gzip(data: bytes) -> Iterator[bytes]:
    """Every gzip member in turn (like Go's multistream reader); garbage after a member is an error."""
    rest = data
    while True:
        member = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        pending = rest
        while pending and not member.eof:
            yield member.decompress(pending, STEP)
            pending = member.unconsumed_tail
        while not member.eof and (piece := member.decompress(b"", STEP)):
            yield piece
        if not member.eof:
            raise CorruptData("truncated gzip stream")
        rest = member.unused_data
        if not rest:
            return


def _zstd(data: bytes) -> Iterator[bytes]:
    """The first zstd frame; a frame cut short is an error."""
    import zstandard

    frame = zstandard.ZstdDecompressor().decompressobj()
    for start in range(0, len(data), _ZSTD_INPUT_STEP):
        yield frame.decompress(data[start : start + _ZSTD_INPUT_STEP])
        if frame.eof:
            return
    raise CorruptData("truncated zstd frame")
