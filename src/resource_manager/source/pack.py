"""Pack manifests into Secret(s) and a ManagedResource that references them (pure).

Why this shape: it produces what Gardener's own client helpers produce, so the result works with GRM and
its garbage collector too: Secrets are immutable, named ``<name>-<checksum>`` (a change is a new Secret and
the MR switches to it atomically), labelled garbage-collectable, and the MR carries one
``reference.resources.gardener.cloud/secret-<hash>`` annotation per Secret. One data key per input file;
a file too big for one Secret is split at document boundaries, and keys are packed into as many Secrets
as needed to stay below the API server's 1 MiB limit on a Secret's data.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from resource_manager.api.crd import MR_API_VERSION, MR_KIND
from resource_manager.api.references import LABEL, annotation_key

SECRET_LIMIT = 1024 * 1024
BUDGET = SECRET_LIMIT - 16 * 1024
"""Bytes of keys + values per Secret; the rest is headroom for metadata."""
COMPRESSIONS = ("br", "gz", "zst")
_DOCUMENT_SEPARATOR = re.compile(rb"^---[ \t]*(?:#.*)?$", re.MULTILINE)


class RenderError(ValueError):
    """Input we cannot pack; the message names the file and the fix."""


@dataclass(frozen=True)
class Source:
    """One input file: the data key it becomes (without compression suffix) and its bytes."""

    key: str
    content: bytes


def data_key(relative_path: str) -> str:
    """A valid Secret data key from a file's path (``a/b.yaml`` → ``a_b.yaml``)."""
    key = re.sub(r"[^-._a-zA-Z0-9]", "_", relative_path)
    return key.lstrip(".") or "manifests.yaml"


def compress(data: bytes, method: str | None) -> bytes:
    if method is None:
        return data
    if method == "br":
        import brotli

        result: bytes = brotli.compress(data)
        return result
    if method == "gz":
        return gzip.compress(data, mtime=0)  # no timestamp: the same input gives the same Secret name
    import zstandard

    return zstandard.ZstdCompressor().compress(data)


def _documents(content: bytes) -> list[bytes]:
    parts = _DOCUMENT_SEPARATOR.split(content)
    return [part.strip(b"\n") + b"\n" for part in parts if part.strip()]


def _chunks(source: Source, method: str | None) -> list[tuple[str, bytes]]:
    """The (key, value) pairs of one file: whole if it fits, else split at documents."""
    suffix = f".{method}" if method else ""
    whole = compress(source.content, method)
    if len(source.key) + len(suffix) + len(whole) <= BUDGET:
        return [(source.key + suffix, whole)]
    pieces: list[list[bytes]] = [[]]
    for document in _documents(source.content):
        if len(document) > BUDGET:
            raise RenderError(f"{source.key}: one document is larger than a Secret may be (1 MiB); split it")
        if sum(map(len, pieces[-1])) + len(document) + 4 > BUDGET // 2 and pieces[-1]:
            pieces.append([])
        pieces[-1].append(document)
    stem, dot, extension = source.key.rpartition(".")
    base, ext = (stem, f".{extension}") if dot else (source.key, "")
    return [
        (f"{base}-{index}{ext}{suffix}", compress(b"---\n".join(piece), method)) for index, piece in enumerate(pieces)
    ]


def _pack(pairs: list[tuple[str, bytes]]) -> list[dict[str, bytes]]:
    secrets: list[dict[str, bytes]] = [{}]
    for key, value in pairs:
        used = sum(len(k) + len(v) for k, v in secrets[-1].items())
        if secrets[-1] and used + len(key) + len(value) > BUDGET:
            secrets.append({})
        secrets[-1][key] = value
    return secrets


def _checksum(data: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for key in sorted(data):
        digest.update(key.encode() + b"\0" + data[key] + b"\0")
    return digest.hexdigest()[:8]


def render(
    sources: Sequence[Source], name: str, namespace: str, compression: str | None = None
) -> list[dict[str, Any]]:
    """The Secrets, then the ManagedResource."""
    if not sources:
        raise RenderError("no manifests given: pass files or directories with .yaml/.yml/.json files")
    keys = [source.key for source in sources]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise RenderError(f"two files map to the data key {duplicates[0]}: rename one")
    pairs = [pair for source in sources for pair in _chunks(source, compression)]
    secrets: list[dict[str, Any]] = []
    names: list[str] = []
    for index, data in enumerate(_pack(pairs)):
        stem = name if len(pairs) == len(data) else f"{name}-{index}"
        names.append(f"{stem}-{_checksum(data)}")
        secrets.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": names[-1], "namespace": namespace, "labels": {LABEL: "true"}},
                "type": "Opaque",
                "immutable": True,
                "data": {key: base64.b64encode(value).decode() for key, value in sorted(data.items())},
            }
        )
    managed_resource = {
        "apiVersion": MR_API_VERSION,
        "kind": MR_KIND,
        "metadata": {
            "name": name,
            "namespace": namespace,
            "annotations": {annotation_key("secret", secret_name): secret_name for secret_name in names},
        },
        "spec": {"secretRefs": [{"name": secret_name} for secret_name in names]},
    }
    return [*secrets, managed_resource]
