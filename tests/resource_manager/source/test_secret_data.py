"""Secret data → decoded documents (spec §3.3, §10.6, §10.9; python-stack.md risk 7)."""

from __future__ import annotations

import base64
import gzip
import sys
from typing import Any

import brotli
import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from kubecore.go_yaml import DocumentError, load_yaml_document
from resource_manager.source.secret_data import (
    DecodingError,
    Manifest,
    decode_secret,
    decode_secrets,
    decoding_failed_message,
    split_yaml_documents,
)


def _secret(name: str, data: dict[str, bytes], namespace: str = "shoot--a") -> dict[str, Any]:
    encoded = {key: base64.b64encode(value).decode() for key, value in data.items()}
    return {"metadata": {"namespace": namespace, "name": name}, "data": encoded}


def _objects(items: list[Manifest | DecodingError]) -> list[Any]:
    return [item.obj if isinstance(item, Manifest) else item for item in items]


CONFIGMAP = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"


@pytest.mark.parametrize(
    ("key", "compress"),
    [
        ("data.yaml", lambda b: b),
        ("data.yaml.br", brotli.compress),
        ("data.yaml.gz", gzip.compress),
        ("data.yaml.zst", zstandard.ZstdCompressor().compress),
    ],
)
def test_plain_and_compressed_keys(key: str, compress: Any) -> None:
    raw = compress(CONFIGMAP)
    [item] = decode_secret(_secret("s", {key: raw}))
    assert item == Manifest("s", key, 0, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}, raw)


def test_order_is_secret_refs_then_sorted_keys_then_documents() -> None:
    first = _secret("first", {"b.yaml": b"name: b1\n---\nname: b2\n", "a.yaml": b"name: a1\n"})
    second = _secret("second", {"0.yaml": b"name: z\n"})
    manifests, errors = decode_secrets([first, second])
    assert errors == []
    assert [(m.secret, m.key, m.index_in_file, m.obj["name"]) for m in manifests] == [
        ("first", "a.yaml", 0, "a1"),
        ("first", "b.yaml", 0, "b1"),
        ("first", "b.yaml", 1, "b2"),
        ("second", "0.yaml", 0, "z"),
    ]


def test_empty_documents_are_skipped_but_keep_their_index() -> None:
    stream = b"---\n# only a comment\n---\n---\nname: x\n---\nnull\n---\nname: [\n"
    items = decode_secret(_secret("s", {"k": stream}))
    assert [(type(i).__name__, i.index_in_file) for i in items] == [("Manifest", 1), ("DecodingError", 3)]


def test_yaml_reader_splits_only_on_separator_lines() -> None:
    assert split_yaml_documents(b"a: 1\n--- # c\nb: 2\n---\n") == [b"a: 1\n", b"b: 2\n"]
    assert split_yaml_documents(b"a: '---'\n---x: 1\n") == [b"a: '---'\n---x: 1\n"]
    assert split_yaml_documents(b"a: 1\r\n---\r\nb: 2") == [b"a: 1\r\n", b"b: 2"]


def test_json_stream() -> None:
    stream = b' \n{"kind": "A", "n": 1.0}\n{"kind": "B"} null {"kind": "C"}'
    assert _objects(decode_secret(_secret("s", {"k.json": stream}))) == [
        {"kind": "A", "n": 1},
        {"kind": "B"},
        {"kind": "C"},
    ]


def test_json_syntax_error_is_reported_once_and_stops_the_key() -> None:
    items = decode_secret(_secret("s", {"k": b'{"kind": "A"} {"kind": oops} {"kind": "C"}'}))
    assert isinstance(items[0], Manifest)
    assert len(items) == 2
    assert isinstance(items[1], DecodingError)
    assert items[1].index_in_file == 1


def test_json_rejects_nan_like_go() -> None:
    [item] = decode_secret(_secret("s", {"k": b'{"a": NaN}'}))
    assert isinstance(item, DecodingError)


def test_decoding_error_message_format_is_grms() -> None:
    items = decode_secret(_secret("mr-data", {"objects.yaml": b"a: 1\n---\n- x\n"}, namespace="garden"))
    errors = [i for i in items if isinstance(i, DecodingError)]
    assert errors[0].reason == "DecodingFailed"
    assert errors[0].short() == "Could not decode resource at index 1 in 'objects.yaml' in secret 'garden/mr-data'"
    assert str(errors[0]) == (
        "Could not decode resource at index 1 in 'objects.yaml' in secret 'garden/mr-data': "
        "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type "
        "map[string]interface {}."
    )
    two = [errors[0], errors[0]._replace(index_in_file=4, error="boom")]
    assert decoding_failed_message(two) == (
        f"Could not decode all new resources: [{two[0]} Could not decode resource at index 4 in "
        "'objects.yaml' in secret 'garden/mr-data': boom.]"
    )


def test_syntax_error_names_line_but_never_content() -> None:
    stream = b"kind: Secret\nstringData:\n  password: hunter2-very-secret\n  other: [unclosed\n"
    [item] = decode_secret(_secret("s", {"k": stream}))
    assert isinstance(item, DecodingError)
    assert item.error.startswith("error converting YAML to JSON: yaml: line ")
    assert "hunter2" not in str(item)
    assert "unclosed" not in str(item)


def test_a_broken_document_does_not_stop_the_next_one() -> None:
    items = decode_secret(_secret("s", {"k": b"a: [\n---\nname: ok\n"}))
    assert [type(i).__name__ for i in items] == ["DecodingError", "Manifest"]


def test_bad_base64_and_bad_compression_are_error_values() -> None:
    secret = {"metadata": {"namespace": "n", "name": "s"}, "data": {"a": "%%%", "b.br": "aGVsbG8=", "c.zst": ""}}
    items = decode_secret(secret)
    assert [(i.key, i.error) for i in items if isinstance(i, DecodingError)] == [
        ("a", "illegal base64 data"),
        ("b.br", "brotli: invalid compressed data"),
        ("c.zst", "zstd: invalid compressed data"),
    ]


def test_zst_keys_without_the_zstd_extra_say_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "zstandard", None)  # as if not installed: importing it fails
    zst = zstandard.ZstdCompressor().compress(CONFIGMAP)
    [item] = decode_secret(_secret("s", {"objects.yaml.zst": zst}))
    assert isinstance(item, DecodingError)
    assert item.error == "zstd: not supported by this installation (pip install 'resource-manager[zstd]')"


def test_truncated_streams_are_errors() -> None:
    gz = gzip.compress(CONFIGMAP)[:-5]
    zst = zstandard.ZstdCompressor().compress(CONFIGMAP * 50)[:-8]
    items = decode_secret(_secret("s", {"a.gz": gz, "b.zst": zst}))
    assert all(isinstance(i, DecodingError) and i.index_in_file == 0 for i in items)
    assert len(items) == 2


# --- YAML dialect parity with sigs.k8s.io/yaml over go-yaml v2 (python-stack.md risk 7) ---------------


@pytest.mark.parametrize(
    ("scalar", "expected"),
    [
        ("y", True),
        ("Y", True),
        ("yes", True),
        ("On", True),
        ("TRUE", True),
        ("n", False),
        ("NO", False),
        ("off", False),
        ("~", None),
        ("", None),
        ("Null", None),
        ("0777", 511),  # YAML 1.1 / Go leading-zero octal
        ("0o17", 15),  # Go base prefix
        ("0x1F", 31),
        ("0B101", 5),
        ("-0b11", -3),
        ("1_000", 1000),
        ("08", 8),  # not octal, but Go's float syntax → 8.0 → JSON 8
        ("1e3", 1000),
        ("1.0", 1),
        ("1.5", 1.5),
        (".5", 0.5),
        ("-1.5e-3", -0.0015),
        ("1e999", "1e999"),  # range error in Go keeps the string
        ("1:30", "1:30"),  # PyYAML 1.1 would say 90
        ("2024-01-02", "2024-01-02"),  # PyYAML would return a date
        ("2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z"),
        ("18446744073709551615", 18446744073709551615),
        ("+12", 12),
        ("=", "="),
        ("1.2.3", "1.2.3"),
        ("-x", "-x"),
        ("0x", "0x"),
    ],
)
def test_plain_scalars_resolve_like_go_yaml(scalar: str, expected: object) -> None:
    doc = load_yaml_document(f"v: {scalar}\n".encode())
    assert doc == {"v": expected}
    assert type(doc["v"]) is type(expected)


def test_quoted_scalars_stay_strings() -> None:
    assert load_yaml_document(b"a: 'yes'\nb: \"0777\"\nc: '1e3'\n") == {"a": "yes", "b": "0777", "c": "1e3"}


def test_keys_are_stringified_like_sigs_yaml() -> None:
    assert load_yaml_document(b"y: 1\n2: b\nfalse: c\n") == {"true": 1, "2": "b", "false": "c"}


def test_duplicate_keys_keep_the_last_value() -> None:
    assert load_yaml_document(b"a: 1\na: 2\n") == {"a": 2}


def test_merge_keys() -> None:
    doc = load_yaml_document(b"base: &b {p: 1, q: 2}\nobj:\n  <<: *b\n  q: 3\n")
    assert doc == {"base": {"p": 1, "q": 2}, "obj": {"p": 1, "q": 3}}


def test_only_the_first_document_of_a_chunk_counts() -> None:
    assert load_yaml_document(b"--- {a: 1}\n--- {b: 2}\n") == {"a": 1}


@pytest.mark.parametrize(
    "document",
    [b"v: .inf\n", b"v: -.Inf\n", b"v: .nan\n", b"~: 1\n", b"? [a, b]\n: 1\n", b"a: \x00\n", b"a: \xff\xfe\xfd\n"],
)
def test_values_go_cannot_encode_as_json_are_errors(document: bytes) -> None:
    with pytest.raises(DocumentError):
        load_yaml_document(document)


def test_alias_bombs_are_errors_not_hangs() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]"
        for i in range(12)
    ]
    with pytest.raises(DocumentError, match="excessive aliasing"):
        load_yaml_document("\n".join(lines).encode())


def test_moderate_alias_use_is_fine() -> None:
    doc = load_yaml_document(b"base: &b {p: 1}\nitems: [*b, *b, *b]\n")
    assert doc == {"base": {"p": 1}, "items": [{"p": 1}] * 3}


@pytest.mark.parametrize(("document", "go_type"), [(b"- a\n", "array"), (b"hello\n", "string"), (b"12\n", "number")])
def test_non_object_documents_are_errors(document: bytes, go_type: str) -> None:
    with pytest.raises(DocumentError, match=f"cannot unmarshal {go_type} into Go value"):
        load_yaml_document(document)


_SUFFIXES = st.sampled_from(["k.yaml", "k.yaml.br", "k.gz", "k.zst", "k.json"])


@settings(max_examples=300)
@given(st.dictionaries(_SUFFIXES, st.binary(max_size=300), max_size=4))
def test_decoding_never_raises_on_arbitrary_bytes(data: dict[str, bytes]) -> None:
    items = decode_secret(_secret("s", data))
    assert all(isinstance(i, Manifest | DecodingError) for i in items)
    assert all(isinstance(i.obj, dict) for i in items if isinstance(i, Manifest))


_TEXT = st.text(st.characters(codec="utf-8"), max_size=200)


@settings(max_examples=300)
@given(_TEXT)
def test_decoding_never_raises_on_arbitrary_text(text: str) -> None:
    items = decode_secret(_secret("s", {"k": text.encode()}))
    assert all(isinstance(i, Manifest | DecodingError) for i in items)


# YAML's printable set (raw control characters are rejected by libyaml and go-yaml alike; U+2028/U+2029 are
# line breaks to both, so JSON text holding them raw is not the same object in YAML).
_C1 = "".join(map(chr, range(0x7F, 0xA0))) + "\u2028\u2029"
_PRINTABLE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xD7FF, exclude_characters=_C1), max_size=8)
_JSON_SCALARS = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | _PRINTABLE
_JSON_VALUES = st.recursive(
    _JSON_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_PRINTABLE, inner, max_size=3)
)


@given(st.dictionaries(_PRINTABLE, _JSON_VALUES, min_size=1, max_size=4))
def test_yaml_of_a_json_object_decodes_to_the_same_object(obj: dict[str, Any]) -> None:
    import json

    # JSON is YAML; both decoding paths must agree. (Not with \\u surrogate escapes: libyaml and go-yaml
    # both reject those, so the parity holds there too, but the object would differ.)
    text = json.dumps(obj, ensure_ascii=False).encode()
    [from_json] = decode_secret(_secret("s", {"k": text}))
    [from_yaml] = decode_secret(_secret("s", {"k": b"---\n" + text}))
    assert isinstance(from_json, Manifest)
    assert isinstance(from_yaml, Manifest)
    assert from_json.obj == from_yaml.obj == obj
