"""Hostile Secret data, built in memory: decompression bombs and alias bombs (unit and reliability tests)."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator

import brotli
import zstandard

MiB = 2**20


def huge_configmap(mib: int, name: str = "huge", namespace: str = "default") -> Iterator[bytes]:
    """One ConfigMap whose single value is ``mib`` MiB of ``a`` (streamed: never materialised)."""
    yield f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {namespace}\ndata:\n  v: ".encode()
    for _ in range(mib):
        yield b"a" * MiB


def brotli_stream(pieces: Iterator[bytes]) -> bytes:
    compressor = brotli.Compressor(quality=5)
    return b"".join([*(compressor.process(p) for p in pieces), compressor.finish()])


def gzip_stream(pieces: Iterator[bytes]) -> bytes:
    compressor = zlib.compressobj(9, wbits=16 + zlib.MAX_WBITS)
    return b"".join([*(compressor.compress(p) for p in pieces), compressor.flush()])


def zstd_stream(pieces: Iterator[bytes]) -> bytes:
    compressor = zstandard.ZstdCompressor(level=3).compressobj()
    return b"".join([*(compressor.compress(p) for p in pieces), compressor.flush()])


BOMBS: dict[str, Callable[[Iterator[bytes]], bytes]] = {
    "objects.yaml.br": brotli_stream,
    "objects.yaml.gz": gzip_stream,
    "objects.yaml.zst": zstd_stream,
}
"""Key → compressor: the key's suffix tells the manager how to decompress it."""


def alias_bomb(levels: int = 9, fan_out: int = 10) -> bytes:
    """ "Billion laughs": each level an anchored list of ``fan_out`` aliases of the previous one."""
    lines = [f"l0: &l0 [{', '.join(['lol'] * fan_out)}]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * fan_out)}]" for i in range(1, levels)]
    return ("\n".join(lines) + "\n").encode()
