"""Decoding manifests: YAML streams, JSON, directories, stdin, List expansion and clear errors."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from kstatus.manifests_input import ManifestError, decode, read_objects
from kubecore.go_yaml import load_yaml_document

DEPLOYMENT = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"


def test_multi_document_yaml_skips_empty_documents() -> None:
    text = f"---\n{DEPLOYMENT}---\n---\nkind: ConfigMap\n...\n"
    assert [o["kind"] for o in decode(text, "f")] == ["Deployment", "ConfigMap"]


def test_timestamps_stay_strings_like_go() -> None:
    (obj,) = decode("kind: Pod\nmetadata:\n  creationTimestamp: 2024-01-01T00:00:00Z\n", "f")
    assert obj["metadata"]["creationTimestamp"] == "2024-01-01T00:00:00Z"


def test_yaml_scalars_keep_their_yaml_1_1_types() -> None:
    (obj,) = decode("kind: K\na: 3\nb: '3'\nc: yes\nd: ~\ne: 1.5\nf: 0x10\ng: !!str 7\nh: 2024-01-01\n", "f")
    assert obj == {"kind": "K", "a": 3, "b": "3", "c": True, "d": None, "e": 1.5, "f": 16, "g": "7", "h": "2024-01-01"}


def test_anchors_and_merge_keys() -> None:
    (obj,) = decode("kind: K\nbase: &b {x: 1}\nc:\n  <<: *b\n  z: 2\nd: *b\n", "f")
    assert obj["c"] == {"x": 1, "z": 2} and obj["d"] == {"x": 1}


def test_json_document_and_json_array() -> None:
    assert decode('{"kind": "Pod", "metadata": {"name": "p"}}', "f")[0]["metadata"]["name"] == "p"
    assert [o["kind"] for o in decode('[{"kind": "A"}, {"kind": "B"}]', "f")] == ["A", "B"]


def test_list_kinds_are_expanded_recursively() -> None:
    text = "kind: List\nitems:\n- kind: A\n- kind: DeploymentList\n  items: [{kind: B}, {kind: C}]\n"
    assert [o["kind"] for o in decode(text, "f")] == ["A", "B", "C"]


def test_a_kind_ending_in_list_without_items_is_an_object() -> None:
    assert decode("kind: AllowList\nspec: {}\n", "f") == [{"kind": "AllowList", "spec": {}}]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kind: [", "f: invalid YAML at line 2, column 1: did not find expected node content"),
        ("- 1\n", "f: document 1, item 0: expected a Kubernetes object (a mapping), got int"),
        ("just text\n", "f: document 1: expected a Kubernetes object (a mapping), got str"),
        ("metadata: {name: x}\n", "f: document 1: object has no kind"),
        ("kind: List\nitems: [3]\n", "f: document 1, item 0: expected a Kubernetes object (a mapping), got int"),
        ("kind: K\n? [1]\n: x\n", "f: invalid YAML at line 2, column 3: found unhashable key"),
        ("kind: !!custom K\n", "could not determine a constructor for the tag 'tag:yaml.org,2002:custom'"),
        ('{"kind": "A"} {"kind": "B"}', "f: invalid YAML"),
    ],
)
def test_bad_input_is_one_clear_line(text: str, message: str) -> None:
    with pytest.raises(ManifestError) as err:
        decode(text, "f")
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_read_files_directories_and_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "b.yaml").write_text("kind: B\n")
    (tmp_path / "a.json").write_text('{"kind": "A"}')
    (tmp_path / "c.yml").write_text("kind: C\n")
    (tmp_path / "notes.txt").write_text("kind: Ignored\n")
    (tmp_path / "sub.yaml").mkdir()
    single = tmp_path / "single.yaml"
    single.write_text("kind: S\n")
    monkeypatch.setattr("sys.stdin", io.StringIO("kind: StdIn\n"))
    objects = read_objects([str(tmp_path), str(single), "-"])
    assert [o["kind"] for o in objects] == ["A", "B", "C", "S", "S", "StdIn"]


def test_missing_file_and_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r"nope\.yaml: no such file or directory"):
        read_objects([str(tmp_path / "nope.yaml")])
    with pytest.raises(ManifestError, match=r"no \.yaml, \.yml or \.json files in this directory"):
        read_objects([str(tmp_path)])


def test_undecodable_file(tmp_path: Path) -> None:
    path = tmp_path / "bin.yaml"
    path.write_bytes(b"\xff\xfe\x00kind")
    with pytest.raises(ManifestError, match=r"bin\.yaml: cannot read"):
        read_objects([str(path)])


@pytest.mark.parametrize(
    ("scalar", "expected"),
    [
        ("y", True),  # go-yaml v2 (PyYAML: a string)
        ("N", False),
        ("1:30", "1:30"),  # PyYAML: the sexagesimal int 90
        ("0o17", 15),  # PyYAML: a string
        ("017", 15),  # Go's leading-zero octal
        ("1_000", 1000),
        ("1e3", 1000),  # PyYAML: a string; sigs.k8s.io/yaml hands integral numbers on as ints
        ("1.0", 1),
        ("2.5e-1", 0.25),
        ("0b101", 5),
        ("'y'", "y"),
    ],
)
def test_scalars_read_as_sigs_k8s_io_yaml_reads_them(scalar: str, expected: object) -> None:
    (obj,) = decode(f"kind: K\nv: {scalar}\n", "f")
    assert obj["v"] == expected and type(obj["v"]) is type(expected)


def test_map_keys_become_strings_as_in_go() -> None:
    (obj,) = decode("kind: K\nm: {y: a, 1: b, 2.5: c}\nmerged:\n  <<: {x: 1}\n  n: 2\n", "f")
    assert obj["m"] == {"true": "a", "1": "b", "2.5": "c"}
    assert obj["merged"] == {"x": 1, "false": 2}


def test_manifests_and_secret_data_share_one_reading() -> None:
    text = "kind: K\na: y\nb: 0o17\nc: 1e3\nd: 1:30\ne: 2024-01-01\n"
    (obj,) = decode(text, "f")
    assert obj == load_yaml_document(text.encode())
