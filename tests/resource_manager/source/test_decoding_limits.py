"""Decoding limits: decompression bombs, huge and alias-expanded documents, too many documents.

A user found a 486-byte Secret whose Brotli key expands to 256 MiB taking the manager to 1.9 GB. Every
test here builds such an input and checks both the error value (naming secret, key and index) and that
decoding never held much more than the limit (``tracemalloc`` traces the decompressors' output buffers
and PyYAML's node graph, both Python objects).
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import tracemalloc
from collections.abc import Callable
from typing import Any, TypeVar

import brotli
import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from kubecore import go_yaml
from resource_manager.source import decompress as dz
from resource_manager.source.secret_data import (
    MAX_DECOMPRESSED_BYTES,
    MAX_DOCUMENTS,
    Budget,
    DecodingError,
    Manifest,
    decode_secret,
    decode_secrets,
    decoding_failed_message,
)
from tests.resource_manager.bad_data import BOMBS, MiB, alias_bomb, brotli_stream, huge_configmap


def _secret(name: str, data: dict[str, bytes]) -> dict[str, Any]:
    encoded = {key: base64.b64encode(value).decode() for key, value in data.items()}
    return {"metadata": {"namespace": "shoot--a", "name": name}, "data": encoded}


T = TypeVar("T")


def _peak_while(work: Callable[[], T]) -> tuple[T, int]:
    tracemalloc.start()
    try:
        result = work()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("key", sorted(BOMBS))
def test_a_small_key_expanding_to_256_mib_is_an_error_and_never_materialised(key: str) -> None:
    bomb = BOMBS[key](huge_configmap(256))
    assert len(bomb) < 300_000  # Brotli: under 500 bytes, the Secret the user found
    secret = _secret("mr-data", {key: bomb})
    items, peak = _peak_while(lambda: decode_secret(secret))
    assert items == [
        DecodingError(
            "shoot--a",
            "mr-data",
            key,
            0,
            "decompressed data exceeds 32 MiB (the limit for all Secrets of a ManagedResource)",
        )
    ]
    assert peak < MAX_DECOMPRESSED_BYTES + 4 * dz.STEP + len(bomb) * 3, f"peak {peak / MiB:.1f} MiB"


def test_the_limit_is_shared_by_all_keys_and_secrets_of_a_managed_resource() -> None:
    twenty = brotli_stream(huge_configmap(20))
    first = _secret("one", {"a.yaml.br": twenty, "b.yaml": b"kind: ConfigMap\n"})
    second = _secret("two", {"c.yaml.br": twenty})
    manifests, errors = decode_secrets([first, second])
    assert [(m.secret, m.key) for m in manifests] == [("one", "a.yaml.br"), ("one", "b.yaml")]
    assert [(e.secret, e.key, e.index_in_file) for e in errors] == [("two", "c.yaml.br", 0)]
    assert "exceeds 32 MiB" in errors[0].error


def test_data_just_under_the_limit_decodes() -> None:
    body = brotli_stream(huge_configmap(31))
    [item] = decode_secret(_secret("s", {"k.br": body}))
    assert isinstance(item, Manifest)
    assert len(item.obj["data"]["v"]) == 31 * MiB


_PAYLOADS = st.binary(max_size=4096) | st.integers(0, 20_000).map(lambda n: b"x" * n)
_COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    "k.br": brotli.compress,
    "k.gz": gzip.compress,
    "k.zst": zstandard.ZstdCompressor().compress,
    "k.yaml": lambda b: b,
}


@settings(max_examples=200)
@given(_PAYLOADS, st.sampled_from(sorted(_COMPRESSORS)), st.integers(0, 25_000))
def test_decompress_returns_the_payload_or_refuses_it_by_size(payload: bytes, key: str, limit: int) -> None:
    compressed = _COMPRESSORS[key](payload)
    if len(payload) <= limit:
        assert dz.decompress(key, compressed, limit) == payload
    else:
        with pytest.raises(dz.TooLarge):
            dz.decompress(key, compressed, limit)


@settings(max_examples=200)
@given(st.sampled_from(["k.br", "k.gz", "k.zst"]), st.binary(min_size=1, max_size=2000), st.data())
def test_corrupt_or_cut_streams_are_corrupt_data_never_another_exception(key: str, payload: bytes, data: Any) -> None:
    compressed = _COMPRESSORS[key](payload)
    cut = data.draw(st.integers(0, len(compressed) - 1))
    flipped = bytearray(compressed)
    flipped[data.draw(st.integers(0, len(compressed) - 1))] ^= 0xFF
    with pytest.raises(dz.CorruptData):
        dz.decompress(key, compressed[:cut], 10**6)
    with contextlib.suppress(dz.CorruptData, dz.TooLarge):
        assert len(dz.decompress(key, bytes(flipped), 10**6)) <= 10**6


def test_gzip_members_are_concatenated_and_trailing_garbage_is_corrupt() -> None:
    assert dz.decompress("k.gz", gzip.compress(b"a") + gzip.compress(b"b"), 10) == b"ab"
    with pytest.raises(dz.CorruptData):
        dz.decompress("k.gz", gzip.compress(b"a") + b"junk", 10)


# --- documents --------------------------------------------------------------------------------------------


def test_a_flat_document_with_too_many_values_is_refused_before_parsing_it() -> None:
    document = b"v: [" + b"a," * 1_000_000 + b"a]\n"  # 2 MB, a million values: ~350 MB as a PyYAML graph
    [item], peak = _peak_while(lambda: decode_secret(_secret("s", {"k.yaml": document})))
    assert isinstance(item, DecodingError)
    assert item.error == "document has more than 250000 values (the limit per document)"
    assert peak < 40 * MiB, f"peak {peak / MiB:.1f} MiB"


def test_a_document_at_the_value_limit_decodes() -> None:
    values = go_yaml.MAX_DOCUMENT_VALUES - 3  # the mapping, its key and the sequence count too
    [item] = decode_secret(_secret("s", {"k.yaml": b"v: [" + b"a," * (values - 1) + b"a]\n"}))
    assert isinstance(item, Manifest)
    assert len(item.obj["v"]) == values


def test_an_alias_bomb_in_a_big_document_stops_at_the_document_limit() -> None:
    padding = b"# " + b"p" * 100_000 + b"\n"  # large enough that the per-byte alias allowance exceeds the limit
    [item] = decode_secret(_secret("s", {"k.yaml": padding + alias_bomb()}))
    assert isinstance(item, DecodingError)
    assert item.error == "document has more than 250000 values (the limit per document)"


def test_values_are_limited_per_managed_resource_across_documents() -> None:
    document = b"v: [" + b"a," * 999 + b"a]\n"  # 1,003 values (mapping, key, sequence, items)
    stream = b"---\n".join([document] * 5)
    manifests, errors = decode_secrets([_secret("s", {"k.yaml": stream})], Budget(max_values=3_500))
    assert len(manifests) == 3
    assert [(e.index_in_file, e.error) for e in errors] == [
        (i, "the documents have more than 3500 values together (the limit per ManagedResource)") for i in (3, 4)
    ]


def test_a_json_stream_with_more_values_than_the_budget_is_refused_before_decoding() -> None:
    stream = b"{" + b'"a": {},' * 3000 + b'"z": 1}'
    manifests, errors = decode_secrets([_secret("s", {"k.json": stream})], Budget(max_values=2_000))
    assert manifests == []
    assert [e.error for e in errors] == [
        "the documents have more than 2000 values together (the limit per ManagedResource)"
    ]


def test_documents_are_limited_per_managed_resource() -> None:
    stream = b"---\n".join(b"kind: ConfigMap\n" for _ in range(MAX_DOCUMENTS + 50))
    manifests, errors = decode_secrets([_secret("s", {"k.yaml": stream}), _secret("t", {"k.yaml": b"a: 1\n"})])
    assert len(manifests) == MAX_DOCUMENTS
    assert [(e.secret, e.index_in_file) for e in errors] == [("s", MAX_DOCUMENTS), ("t", 0)]
    assert errors[0].error == "more than 10000 documents (the limit per ManagedResource); the rest is not read"


def test_the_condition_message_quotes_at_most_ten_errors() -> None:
    errors = [DecodingError("n", "s", "k", i, "boom") for i in range(13)]
    message = decoding_failed_message(errors)
    assert message.count("Could not decode resource at index") == 10
    assert message.endswith("in secret 'n/s': boom. and 3 more]")


def test_hundred_level_nesting_decodes() -> None:
    document = b"v: " + b"[" * 100 + b"]" * 100 + b"\n"
    [item] = decode_secret(_secret("s", {"k.yaml": document}))
    assert isinstance(item, Manifest)


@settings(max_examples=100)
@given(st.integers(1, 30), st.integers(1, 50), st.integers(1, 400))
def test_any_budget_bounds_what_decoding_keeps(documents: int, max_documents: int, max_values: int) -> None:
    stream = b"---\n".join(b"v: [" + b"a," * i + b"a]\n" for i in range(documents))
    budget = Budget(max_documents=max_documents, max_values=max_values)
    manifests, errors = decode_secrets([_secret("s", {"k.yaml": stream})], budget)
    assert len(manifests) <= max_documents
    assert sum(len(m.obj["v"]) + 3 for m in manifests) <= max_values
    assert len(manifests) + len(errors) == min(documents, max_documents + 1)


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (b"kind: [a]\n", "kind must be a string"),
        (b"apiVersion: 1\nkind: ConfigMap\n", "apiVersion must be a string"),
        (b"kind: ConfigMap\nmetadata: text\n", "metadata must be a map"),
        (b"kind: ConfigMap\nmetadata:\n  name: [a, b]\n", "metadata.name must be a string"),
        (b"kind: ConfigMap\nmetadata:\n  namespace: {a: b}\n", "metadata.namespace must be a string"),
        (b"kind: ConfigMap\nmetadata:\n  labels: 7\n", "metadata.labels must be a map of strings"),
        (b"kind: ConfigMap\nmetadata:\n  annotations: {a: [x]}\n", "metadata.annotations must be a map of strings"),
    ],
)
def test_wrong_types_in_the_identity_are_decoding_errors(document: bytes, problem: str) -> None:
    """A regression: ``metadata.name: [a, b]`` crashed every reconcile of its MR (install order compares names)."""
    [item] = decode_secret(_secret("s", {"k.yaml": document}))
    assert isinstance(item, DecodingError)
    assert item.error == problem


def test_null_metadata_fields_are_fine() -> None:
    [item] = decode_secret(_secret("s", {"k.yaml": b"kind: ConfigMap\nmetadata:\n  name: a\n  labels: {x: }\n"}))
    assert isinstance(item, Manifest)
