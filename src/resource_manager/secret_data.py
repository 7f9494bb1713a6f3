"""Secret ``data`` → decoded manifest documents, in the order GRM iterates them (spec §3.3).

Why this shape: decoding must never raise on bad input; a document that cannot be decoded becomes a
:class:`DecodingError` value naming secret, key and index (never the content), so the reconciler can
report ``DecodingFailed`` and — our deviation §10.6 — refuse to prune while any document is broken.

Order: Secrets in ``spec.secretRefs`` order, data keys sorted, documents in stream order. A key ending in
``.br`` is Brotli (as GRM), ``.gz`` gzip and ``.zst`` zstd (our addition, §10.9). A stream whose first
non-blank byte (within 1024 bytes) is ``{`` is a JSON stream, otherwise multi-document YAML split at
``---`` lines like apimachinery's YAMLReader. Null documents are skipped but keep their index.
"""

from __future__ import annotations

import base64
import binascii
import gzip
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from resource_manager import go_yaml

DECODING_FAILED = "DecodingFailed"
_SNIFF_BYTES = 1024


class Manifest(NamedTuple):
    """One decoded document. ``raw`` is the key's undecoded value: GRM hashes it once per object."""

    secret: str
    key: str
    index_in_file: int
    obj: dict[str, Any]
    raw: bytes


class DecodingError(NamedTuple):
    """A document (or a whole key) that could not be decoded; formatted exactly like GRM's."""

    namespace: str
    secret: str
    key: str
    index_in_file: int
    error: str

    @property
    def reason(self) -> str:
        return DECODING_FAILED

    def short(self) -> str:
        return (
            f"Could not decode resource at index {self.index_in_file} in '{self.key}' "
            f"in secret '{self.namespace}/{self.secret}'"
        )

    def __str__(self) -> str:
        return f"{self.short()}: {self.error}."


def decoding_failed_message(errors: Iterable[DecodingError]) -> str:
    """The ``ResourcesApplied`` message GRM writes (Go's ``%v`` of a slice: space separated, bracketed)."""
    return "Could not decode all new resources: [" + " ".join(str(e) for e in errors) + "]"


ZSTD_MISSING = "zstd: not supported by this installation (pip install 'resource-manager[zstd]')"


def _decompress(key: str, data: bytes) -> bytes:
    if key.endswith(".br"):
        import brotli

        result: bytes = brotli.decompress(data)
        return result
    if key.endswith(".gz"):
        return gzip.decompress(data)
    if key.endswith(".zst"):
        import zstandard

        stream = zstandard.ZstdDecompressor().decompressobj()
        result = stream.decompress(data)
        if not stream.eof:
            raise EOFError("truncated zstd frame")
        return result
    return data


def _decompression_error(key: str) -> str:
    kind = {".br": "brotli", ".gz": "gzip", ".zst": "zstd"}[key[key.rindex(".") :]]
    return f"{kind}: invalid compressed data"


def _is_separator(line: bytes) -> bool:
    if not line.startswith(b"---"):
        return False
    rest = line[3:].strip()
    return not rest or rest.startswith(b"#")


def _lines(data: bytes) -> list[bytes]:
    """Lines ending in ``\\n`` (Go's line reader splits on ``\\n`` only), the last one possibly unterminated."""
    lines = [line + b"\n" for line in data.split(b"\n")]
    lines[-1] = lines[-1][:-1]
    return [line for line in lines if line]


def split_yaml_documents(data: bytes) -> list[bytes]:
    """Split like apimachinery's YAMLReader: only non-empty chunks count as documents."""
    chunks: list[bytes] = []
    current: list[bytes] = []
    for line in _lines(data):
        if _is_separator(line):
            if current:
                chunks.append(b"".join(current))
            current = []
        else:
            current.append(line)
    if current:
        chunks.append(b"".join(current))
    return chunks


def _is_json_stream(data: bytes) -> bool:
    return data[:_SNIFF_BYTES].lstrip().startswith(b"{")


def decode_stream(data: bytes) -> list[dict[str, Any] | go_yaml.DocumentError | None]:
    """Decode a (decompressed) stream into one entry per document: object, ``None`` (null) or error."""
    if _is_json_stream(data):
        results: list[dict[str, Any] | go_yaml.DocumentError | None] = []
        for value, error in go_yaml.split_json_stream(data.decode("utf-8", errors="replace")):
            if error is not None:
                results.append(error)
                continue
            try:
                results.append(go_yaml.json_object(value, len(data)))
            except go_yaml.DocumentError as exc:
                results.append(exc)
        return results
    return [_load_chunk(chunk) for chunk in split_yaml_documents(data)]


def _load_chunk(chunk: bytes) -> dict[str, Any] | go_yaml.DocumentError | None:
    try:
        return go_yaml.load_yaml_document(chunk)
    except go_yaml.DocumentError as exc:
        return exc


def _key_value(encoded: object) -> bytes:
    if not isinstance(encoded, str):
        raise TypeError
    return base64.b64decode(encoded, validate=True)


def decode_secret(secret: Mapping[str, Any]) -> list[Manifest | DecodingError]:
    """Decode every data key of one Secret (a raw API dict whose ``data`` values are base64)."""
    metadata = secret.get("metadata") or {}
    namespace, name = metadata.get("namespace", ""), metadata.get("name", "")
    data: Mapping[str, Any] = secret.get("data") or {}
    results: list[Manifest | DecodingError] = []
    for key in sorted(data):
        try:
            raw = _key_value(data[key])
        except (binascii.Error, ValueError, TypeError):
            results.append(DecodingError(namespace, name, key, 0, "illegal base64 data"))
            continue
        try:
            stream = _decompress(key, raw)
        except ImportError:  # zstandard is optional (the `zstd` extra)
            results.append(DecodingError(namespace, name, key, 0, ZSTD_MISSING))
            continue
        except Exception:  # brotli.error, zstandard.ZstdError, gzip.BadGzipFile, EOFError, zlib.error
            results.append(DecodingError(namespace, name, key, 0, _decompression_error(key)))
            continue
        for index, document in enumerate(decode_stream(stream)):
            if isinstance(document, go_yaml.DocumentError):
                results.append(DecodingError(namespace, name, key, index, str(document)))
            elif document is not None:
                results.append(Manifest(name, key, index, document, raw))
    return results


def decode_secrets(secrets: Iterable[Mapping[str, Any]]) -> tuple[list[Manifest], list[DecodingError]]:
    """Decode Secrets given in ``spec.secretRefs`` order; split into manifests and errors."""
    manifests: list[Manifest] = []
    errors: list[DecodingError] = []
    for secret in secrets:
        for item in decode_secret(secret):
            if isinstance(item, DecodingError):
                errors.append(item)
            else:
                manifests.append(item)
    return manifests, errors
