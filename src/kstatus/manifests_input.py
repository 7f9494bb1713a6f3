"""Manifests in, object dicts out: files, directories or stdin, YAML or JSON, `List` kinds expanded.

This is the input half of `kstatus status -f` and `kstatus wait -f`.  It reads files and stdin
and nothing else.  Unquoted scalars mean what they mean to Go's `sigs.k8s.io/yaml`
(`kubecore.go_yaml`): timestamps, `y` and `1:30` stay strings, `0o17` and `1e3` are numbers, and
integral numbers are ints.  Every problem is one `ManifestError` whose message names the source and
the document.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson
import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from kubecore.go_yaml import NUMBER_TAG, PLAIN_SCALAR_TAGS, DocumentError, GoLoader, json_key, json_number

STDIN = "-"
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_RESOLVE_CACHE_LIMIT = 50_000


class ManifestError(ValueError):
    """Input that cannot be turned into objects; the message is one line a user can act on."""


class _Loader(GoLoader):
    """The libyaml loader with Go's scalar rules (`GoLoader`), and with a faster path for what
    manifests are made of.

    PyYAML resolves every plain scalar with regular expressions and builds every collection through
    generators; for a 10,000-document file that dominates `kstatus status -f`.  Here plain scalar
    resolutions are memoised (manifests repeat the same keys and values), and documents made of
    plain mappings, sequences and scalars are built by one recursive function.  Anything else
    (merge keys, explicit tags, odd keys) goes through PyYAML's own constructor.
    """

    _resolved: dict[str, str] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        # Without path resolvers (none are registered), PyYAML's answer depends only on these.
        if kind is ScalarNode:
            if not implicit[0]:
                return _STR  # quoted
            tag = self._resolved.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
                if len(self._resolved) < _RESOLVE_CACHE_LIMIT:
                    self._resolved[value] = tag
            return tag
        return _SEQ if kind is SequenceNode else _MAP

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        """PyYAML's mappings (merge keys, tags) with keys as sigs.k8s.io/yaml gives them (`true`, `1`)."""
        mapping = super().construct_mapping(node, deep)
        return mapping if all(type(key) is str for key in mapping) else {json_key(k): v for k, v in mapping.items()}

    def construct_document(self, node: Any) -> Any:
        return self._build(node)

    def _build(self, node: Any) -> Any:
        cls = node.__class__
        tag = node.tag
        if cls is ScalarNode:
            if tag == _STR:
                return node.value
            simple = _SIMPLE_SCALARS.get(tag)
            if simple is not None:
                return simple(self, node)
        elif cls is MappingNode and tag == _MAP:
            build = self._build
            out = {}
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE:
                    break
                key = build(key_node)
                if type(key) is not str:
                    if isinstance(key, (list, dict)):
                        break
                    key = json_key(key)
                out[key] = build(value_node)
            else:
                return out
        elif cls is SequenceNode and tag == _SEQ:
            build = self._build
            return [build(item) for item in node.value]
        return self.construct_object(node, deep=True)


def _construct_number(loader: _Loader, node: ScalarNode) -> Any:
    """Go's reading of a number, integral ones as ints (what kstatus's Go rules see after JSON)."""
    value = _GO_NUMBER(loader, node)
    return json_number(value) if type(value) is float else value


_GO_NUMBER = GoLoader.yaml_constructors[NUMBER_TAG]
_Loader.add_constructor(NUMBER_TAG, _construct_number)
_SIMPLE_SCALARS = {tag: _Loader.yaml_constructors[tag] for tag in PLAIN_SCALAR_TAGS}


def read_objects(sources: Iterable[str]) -> list[dict[str, Any]]:
    """All objects from the given files, directories (their .yaml/.yml/.json files) or `-`."""
    objects: list[dict[str, Any]] = []
    for source in sources:
        for name, text in _texts(source):
            objects.extend(decode(text, name))
    return objects


def _texts(source: str) -> Iterator[tuple[str, str]]:
    """(name, content) of each manifest file a source stands for."""
    if source == STDIN:
        yield "stdin", sys.stdin.read()
        return
    path = Path(source)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in MANIFEST_SUFFIXES and p.is_file())
        if not files:
            raise ManifestError(f"{source}: no .yaml, .yml or .json files in this directory")
    else:
        files = [path]
    for file in files:
        try:
            yield str(file), file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ManifestError(f"{file}: no such file or directory") from None
        except (OSError, UnicodeDecodeError) as err:
            raise ManifestError(f"{file}: cannot read: {getattr(err, 'strerror', None) or err}") from None


def decode(text: str, name: str) -> list[dict[str, Any]]:
    """The objects in one manifest text (a JSON document or a YAML stream)."""
    stripped = text.lstrip()
    documents: list[Any] | None = None
    if stripped[:1] in ("{", "["):
        try:
            documents = [orjson.loads(stripped)]
        except orjson.JSONDecodeError:
            documents = None  # not one JSON document: let the YAML parser read (and report) it
    if documents is None:
        documents = _yaml_documents(text, name)
    objects: list[dict[str, Any]] = []
    for index, document in enumerate(documents, start=1):
        if document is None:
            continue
        if isinstance(document, list):  # a bare JSON/YAML array of objects
            for position, item in enumerate(document):
                _expand(item, f"{name}: document {index}, item {position}", objects)
        else:
            _expand(document, f"{name}: document {index}", objects)
    return objects


def _yaml_documents(text: str, name: str) -> list[Any]:
    """Every document of a YAML stream, with parse errors reduced to one line."""
    try:
        return list(yaml.load_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise ManifestError(f"{name}: invalid YAML{where}: {err.problem}") from None
    except (yaml.YAMLError, DocumentError) as err:
        raise ManifestError(f"{name}: invalid YAML: {err}") from None


def _expand(document: Any, where: str, out: list[dict[str, Any]]) -> None:
    """Append an object, or the items of a `List` kind (recursively)."""
    if not isinstance(document, dict):
        raise ManifestError(f"{where}: expected a Kubernetes object (a mapping), got {type(document).__name__}")
    kind = document.get("kind")
    items = document.get("items")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
        for position, item in enumerate(items):
            _expand(item, f"{where}, item {position}", out)
        return
    if not isinstance(kind, str) or not kind:
        raise ManifestError(f"{where}: object has no kind")
    out.append(document)
