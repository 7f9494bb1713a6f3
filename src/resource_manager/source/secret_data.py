"""Secret ``data`` → decoded manifest documents, in the order GRM iterates them (spec §3.3).

Why this shape: decoding must never raise on bad input; a document that cannot be decoded becomes a
:class:`DecodingError` value naming secret, key and index (never the content), so the reconciler can
report ``DecodingFailed`` and — our deviation §10.6 — refuse to prune while any document is broken.

Order: Secrets in ``spec.secretRefs`` order, data keys sorted, documents in stream order. A key ending in
``.br`` is Brotli (as GRM), ``.gz`` gzip and ``.zst`` zstd (our addition, §10.9). A stream whose first
non-blank byte (within 1024 bytes) is ``{`` is a JSON stream, otherwise multi-document YAML split at
``---`` lines like apimachinery's YAMLReader. Null documents are skipped but keep their index.

Limits (our addition; GRM has none): a few hundred bytes of Brotli can expand to gigabytes, and a small
document can hold millions of values. Decoding one ManagedResource stops at
:data:`MAX_DECOMPRESSED_BYTES` of decompressed data (compressed keys are stream-decompressed and never
materialised past it), :data:`MAX_DOCUMENTS` documents, and the value limits of :mod:`kubecore.go_yaml`. Each
excess becomes a :class:`DecodingError` like any other bad document, so nothing is pruned meanwhile.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from kubecore import go_yaml
from resource_manager.source.decompress import CorruptData, TooLarge, compression_of, decompress

DECODING_FAILED = "DecodingFailed"
_SNIFF_BYTES = 1024
MAX_DECOMPRESSED_BYTES = 32 * 2**20
"""Decompressed bytes of all data keys of one ManagedResource's Secrets together."""
MAX_DOCUMENTS = 10_000
"""Documents (including broken ones) of one ManagedResource; decoding stops after that many."""
MAX_LISTED_ERRORS = 10
"""Decoding errors quoted in the condition message; the rest are counted."""


class Budget:
    """What decoding one ManagedResource may still use; shared by all its Secrets and keys."""

    def __init__(
        self,
        max_bytes: int = MAX_DECOMPRESSED_BYTES,
        max_documents: int = MAX_DOCUMENTS,
        max_values: int = go_yaml.MAX_VALUES,
    ) -> None:
        self.max_bytes, self.max_documents = max_bytes, max_documents
        self.bytes, self.documents = max_bytes, max_documents
        self.values = go_yaml.ValueBudget(max_values)


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
    """The ``ResourcesApplied`` message GRM writes (Go's ``%v`` of a slice: space separated, bracketed).

    Only the first :data:`MAX_LISTED_ERRORS` are quoted, so the condition stays small however many fail.
    """
    errors = list(errors)
    listed = " ".join(str(e) for e in errors[:MAX_LISTED_ERRORS])
    more = len(errors) - MAX_LISTED_ERRORS
    return f"Could not decode all new resources: [{listed}{f' and {more} more' if more > 0 else ''}]"


ZSTD_MISSING = "zstd: not supported by this installation (pip install 'resource-manager[zstd]')"


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


Decoded = dict[str, Any] | go_yaml.DocumentError | None
"""One document: an object, ``None`` (null) or the reason it could not be decoded."""


def decode_stream(data: bytes, budget: Budget | None = None) -> Iterator[Decoded]:
    """Decode a (decompressed) stream document by document, charging ``budget`` (a fresh one if not given)."""
    budget = budget or Budget()
    if _is_json_stream(data):
        if _json_values_bound(data) > budget.values.left:
            yield go_yaml.DocumentError(budget.values.exceeded())
            return
        for value, error in go_yaml.split_json_stream(data.decode("utf-8", errors="replace")):
            yield error if error is not None else _checked(go_yaml.json_object, value, len(data), budget.values)
        return
    for chunk in split_yaml_documents(data):
        yield _checked(go_yaml.load_yaml_document, chunk, budget.values)


def _json_values_bound(data: bytes) -> int:
    """At least the number of values in a JSON stream, counted without decoding it.

    Python's JSON decoder builds a whole value before we can count it: every value after the first of a
    container follows a comma and every container opens with a bracket, so this bounds them cheaply.
    """
    return data.count(b",") + data.count(b"[") + data.count(b"{") + 1


def _checked(decode: Any, *args: Any) -> Decoded:
    try:
        result: dict[str, Any] | None = decode(*args)
    except go_yaml.DocumentError as exc:
        return exc
    problem = None if result is None else _type_problem(result)
    return result if problem is None else go_yaml.DocumentError(problem)


_STRINGS = ("apiVersion", "kind")
_METADATA_STRINGS = ("name", "namespace", "generateName")
_METADATA_MAPS = ("labels", "annotations")


def _type_problem(obj: Mapping[str, Any]) -> str | None:
    """A type the identity of an object depends on that is wrong (e.g. ``metadata.name: [a, b]``).

    Go would decode such an object and fail at apply; everything downstream of decoding (identity, install
    order, merging) relies on these types, so a wrong one makes the document a decoding error instead.
    """
    for field in _STRINGS:
        if obj.get(field) is not None and not isinstance(obj[field], str):
            return f"{field} must be a string"
    metadata = obj.get("metadata")
    if metadata is None:
        return None
    if not isinstance(metadata, Mapping):
        return "metadata must be a map"
    for field in _METADATA_STRINGS:
        if metadata.get(field) is not None and not isinstance(metadata[field], str):
            return f"metadata.{field} must be a string"
    for field in _METADATA_MAPS:
        value = metadata.get(field)
        if value is not None and not (
            isinstance(value, Mapping) and all(v is None or isinstance(v, str) for v in value.values())
        ):
            return f"metadata.{field} must be a map of strings"
    return None


def _key_value(encoded: object) -> bytes:
    if not isinstance(encoded, str):
        raise TypeError
    return base64.b64decode(encoded, validate=True)


def _stream_of(key: str, raw: bytes, budget: Budget) -> bytes | str:
    """The key's decompressed value, charged to the budget, or why there is none."""
    try:
        stream = decompress(key, raw, budget.bytes)
    except ImportError:  # zstandard is optional (the `zstd` extra)
        return ZSTD_MISSING
    except CorruptData:
        return f"{compression_of(key)}: invalid compressed data"
    except TooLarge:
        budget.bytes = 0  # the work was done; later keys must not repeat it
        return f"decompressed data exceeds {_size(budget.max_bytes)} (the limit for all Secrets of a ManagedResource)"
    budget.bytes -= len(stream)
    return stream


def _size(limit: int) -> str:
    return f"{limit / 2**20:g} MiB" if limit >= 2**20 else f"{limit} bytes"


def decode_secret(secret: Mapping[str, Any], budget: Budget | None = None) -> list[Manifest | DecodingError]:
    """Decode every data key of one Secret (a raw API dict whose ``data`` values are base64)."""
    budget = budget or Budget()
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
        stream = _stream_of(key, raw, budget)
        if isinstance(stream, str):
            results.append(DecodingError(namespace, name, key, 0, stream))
            continue
        for index, document in enumerate(decode_stream(stream, budget)):
            if budget.documents == 0:
                limit = budget.max_documents
                message = f"more than {limit} documents (the limit per ManagedResource); the rest is not read"
                results.append(DecodingError(namespace, name, key, index, message))
                return results
            budget.documents -= 1
            if isinstance(document, go_yaml.DocumentError):
                results.append(DecodingError(namespace, name, key, index, str(document)))
            elif document is not None:
                results.append(Manifest(name, key, index, document, raw))
    return results


def decode_secrets(
    secrets: Iterable[Mapping[str, Any]], budget: Budget | None = None
) -> tuple[list[Manifest], list[DecodingError]]:
    """Decode the Secrets of one ManagedResource (``spec.secretRefs`` order) within one :class:`Budget`."""
    manifests: list[Manifest] = []
    errors: list[DecodingError] = []
    budget = budget or Budget()
    for secret in secrets:
        for item in decode_secret(secret, budget):
            if isinstance(item, DecodingError):
                errors.append(item)
            else:
                manifests.append(item)
    return manifests, errors
