"""Parse YAML the way Kubernetes' Go tools do (sigs.k8s.io/yaml over go-yaml v2).

Why: manifests in ManagedResource Secrets were written for the Go Gardener Resource Manager, and the
manifests kstatus reads (``-f``) for Go's kstatus and kubectl. PyYAML's YAML 1.1 resolver differs from
go-yaml v2 in ways that change the objects we would apply or judge:

* go-yaml reads ``y``/``Y``/``n``/``N`` as booleans (PyYAML: strings);
* PyYAML reads ``2024-01-01`` as a date and ``1:30`` as the sexagesimal int 90 (go-yaml: strings);
* go-yaml strips ``_`` and parses ints with Go's base prefixes (``0o17``, ``0B1``, leading-zero octal),
  and reads ``1e3`` as a float (PyYAML: string);
* sigs.k8s.io/yaml turns every value into JSON, so integral floats (``1.0``, ``1e3``) travel as the
  integers ``1`` / ``1000`` and ``.inf`` / ``.nan`` are errors; map keys become strings
  (``true``, ``1``).

We use PyYAML's C parser (``yaml.CSafeLoader``) for speed and only swap the scalar resolver
(:class:`GoLoader`, which kstatus's manifest reader builds on). Duplicate
keys keep the last value in both implementations. Deliberate deviation: integers beyond 2**53 stay exact
(Go rounds them through float64).

Errors are raised as :class:`DocumentError` whose text never quotes document content.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import yaml

NUMBER_TAG = "tag:resource-manager,go-yaml:number"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_NULL_TAG = "tag:yaml.org,2002:null"
_TRUE = frozenset({"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})
_FALSE = frozenset({"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"})
_SPECIAL_FLOATS = {
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
}
# Go's strconv.ParseInt(s, 0, 64) syntax after go-yaml removed all underscores.
_GO_INT = re.compile(r"([-+]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)")
# go-yaml v2's yamlStyleFloat.
_GO_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_INT64 = range(-(2**63), 2**63)
_UINT64 = range(2**64)
# A document may hold at most this many values per byte (plus a floor): more means alias expansion.
_NODES_PER_BYTE = 10
_MIN_NODES = 100_000
MAX_DOCUMENT_VALUES = 250_000
"""Values (mappings, sequences, scalars; aliases expanded) one document may hold: parsing holds a node
graph of about 350 bytes per value, so this bounds one document's parse to under 100 MB."""
MAX_VALUES = 2_000_000
"""Values all documents of one ManagedResource may hold together: bounds the decoded objects kept."""
_TOO_MANY_VALUES = f"document has more than {MAX_DOCUMENT_VALUES} values (the limit per document)"
# Go encodes float64 values below this magnitude without an exponent, so integral ones are ints.
_PLAIN_FLOAT_LIMIT = 1e21


class DocumentError(ValueError):
    """A document could not be turned into a JSON object; the message never quotes its content."""


class GoLoader(yaml.CSafeLoader):
    """CSafeLoader with go-yaml v2's implicit scalar resolution instead of PyYAML's YAML 1.1 one."""

    yaml_implicit_resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}


def _go_int(plain: str) -> int | None:
    match = _GO_INT.fullmatch(plain)
    if match is None:
        return None
    sign, digits = match.groups()
    prefix = digits[:2].lower()
    if prefix in ("0x", "0b", "0o"):
        value = int(digits[2:], {"0x": 16, "0b": 2, "0o": 8}[prefix])
    elif digits.startswith("0") and len(digits) > 1:
        value = int(digits[1:], 8)
    else:
        value = int(digits)
    value = -value if sign == "-" else value
    if value in _INT64 or (sign == "" and value in _UINT64):
        return value
    return None


def _go_plain_scalar(scalar: str) -> int | float | str:
    """Resolve a plain scalar starting with a digit, sign or dot as go-yaml v2 does."""
    if scalar in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[scalar]
    if scalar.startswith("."):
        plain = scalar
    else:
        plain = scalar.replace("_", "")
        as_int = _go_int(plain)
        if as_int is not None:
            return as_int
    if _GO_FLOAT.fullmatch(plain):
        value = float(plain)
        if not math.isinf(value):  # Go's ParseFloat reports a range error; go-yaml keeps the string.
            return value
    return scalar


def _construct_number(loader: GoLoader, node: yaml.ScalarNode) -> int | float | str:
    return _go_plain_scalar(loader.construct_scalar(node))


def _construct_bool(loader: GoLoader, node: yaml.ScalarNode) -> bool:
    return loader.construct_scalar(node) in _TRUE


_BOOLS = re.compile("(?:" + "|".join(sorted(_TRUE | _FALSE)) + ")$")
GoLoader.add_implicit_resolver(_BOOL_TAG, _BOOLS, list("yYnNtTfFoO"))
GoLoader.add_implicit_resolver(_NULL_TAG, re.compile(r"(~|null|Null|NULL|)$"), ["~", "n", "N", ""])
GoLoader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"<<$"), ["<"])
GoLoader.add_implicit_resolver(NUMBER_TAG, re.compile(r"[-+0-9.]"), list("-+0123456789."))
GoLoader.add_constructor(NUMBER_TAG, _construct_number)
GoLoader.add_constructor(_BOOL_TAG, _construct_bool)
PLAIN_SCALAR_TAGS = (NUMBER_TAG, _BOOL_TAG, _NULL_TAG)
"""The tags :class:`GoLoader` resolves unquoted scalars to, besides strings and ``<<``."""


def json_number(value: float) -> int | float:
    """An integral float as sigs.k8s.io/yaml's JSON round trip hands it on: an int (``1.0``, ``1e3``)."""
    return int(value) if value.is_integer() and abs(value) < _PLAIN_FLOAT_LIMIT else value


def json_key(key: object) -> str:
    """Map keys as sigs.k8s.io/yaml stringifies them for JSON."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int | float):
        return str(key)
    raise DocumentError(f"unsupported map key of type: {type(key).__name__}")


class ValueBudget:
    """The values one ManagedResource's documents may still create (shared by all its documents)."""

    def __init__(self, total: int = MAX_VALUES) -> None:
        self.total = total
        self.left = total

    def exceeded(self) -> str:
        return f"the documents have more than {self.total} values together (the limit per ManagedResource)"


class _Budget:
    """Value budget of one document, drawn from its ManagedResource's :class:`ValueBudget`.

    Aliases may expand a small document exponentially ("billion laughs"): a document may expand to at
    most ten values per byte (plus a floor), to :data:`MAX_DOCUMENT_VALUES`, and to what the MR has left.
    """

    def __init__(self, size: int, shared: ValueBudget) -> None:
        self.shared = shared
        self.limits = (
            (_NODES_PER_BYTE * size + _MIN_NODES, "yaml: document contains excessive aliasing"),
            (MAX_DOCUMENT_VALUES, _TOO_MANY_VALUES),
            (shared.left, shared.exceeded()),
        )
        self.granted, self.message = min(self.limits)
        self.left = self.granted

    def spend(self, values: int = 1) -> None:
        self.left -= values
        if self.left < 0:
            raise DocumentError(self.message)

    def commit(self) -> None:
        """Charge the values of a decoded document to its MR (a rejected document is not kept)."""
        self.shared.left -= self.granted - self.left


def _bounded(value: object, size: int, shared: ValueBudget) -> object:
    budget = _Budget(size, shared)
    result = _jsonable(value, budget)
    budget.commit()
    return result


def _jsonable(value: object, budget: _Budget) -> object:
    """Turn a YAML value into what Go's JSON round trip yields (see module docstring)."""
    budget.spend()
    if isinstance(value, dict):
        budget.spend(len(value))  # the keys
        return {json_key(k): _jsonable(v, budget) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v, budget) for v in value]
    if isinstance(value, float):
        if math.isinf(value) or math.isnan(value):
            raise DocumentError(f"json: unsupported value: {value!r}")
        return json_number(value)
    if value is None or isinstance(value, str | int):
        return value
    raise DocumentError(f"json: unsupported value of type {type(value).__name__}")


_GO_TYPE_NAMES = {list: "array", str: "string", int: "number", float: "number", bool: "bool"}


def _as_object(value: object) -> dict[str, Any] | None:
    """Only JSON objects (or null) can be decoded into GRM's ``map[string]interface{}``."""
    if value is None or isinstance(value, dict):
        return value
    go_type = _GO_TYPE_NAMES.get(type(value), type(value).__name__)
    raise DocumentError(
        "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal "
        f"{go_type} into Go value of type map[string]interface {{}}"
    )


_NODE_EVENTS = (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)


def _require_few_nodes(chunk: bytes) -> None:
    """Count the first document's nodes from parser events before composing it.

    PyYAML composes a whole document into a node graph (about 350 bytes per node) before we see any of
    it; counting events first keeps that graph within :data:`MAX_DOCUMENT_VALUES` nodes. Only a document
    longer than that many bytes can have more nodes, so small documents skip the extra pass.
    """
    if len(chunk) <= MAX_DOCUMENT_VALUES:
        return
    loader = GoLoader(chunk)
    try:
        nodes = 0
        while not isinstance(event := loader.get_event(), yaml.DocumentEndEvent | yaml.StreamEndEvent):
            nodes += isinstance(event, _NODE_EVENTS)
            if nodes > MAX_DOCUMENT_VALUES:
                raise DocumentError(_TOO_MANY_VALUES)
    finally:
        loader.dispose()


def load_yaml_document(chunk: bytes, values: ValueBudget | None = None) -> dict[str, Any] | None:
    """Parse the first YAML document in ``chunk`` (go-yaml ignores further ones); ``None`` for null.

    ``values`` is the budget of the document's ManagedResource (a fresh one when decoding alone).
    """
    loader = GoLoader(chunk)
    try:
        _require_few_nodes(chunk)
        data = loader.get_data() if loader.check_data() else None  # type: ignore[no-untyped-call]
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise DocumentError(f"error converting YAML to JSON: yaml: line {line}: {exc.problem}") from None
    except yaml.YAMLError as exc:  # reader errors (bad encoding, control characters)
        reason = getattr(exc, "reason", type(exc).__name__)
        raise DocumentError(f"error converting YAML to JSON: yaml: {reason}") from None
    except TypeError:  # unhashable (complex) mapping key
        raise DocumentError("error converting YAML to JSON: yaml: unsupported complex map key") from None
    finally:
        loader.dispose()
    return _as_object(_bounded(data, len(chunk), values or ValueBudget()))


def _reject_constant(name: str) -> object:
    raise DocumentError(f"invalid character {name[0]!r} looking for beginning of value")


_JSON = json.JSONDecoder(parse_constant=_reject_constant)


def split_json_stream(text: str) -> list[tuple[object, None] | tuple[None, DocumentError]]:
    """Decode a stream of concatenated JSON values; stop at the first syntax error.

    Go's json.Decoder error is sticky (GRM would report it forever); we report it once and stop.
    """
    results: list[tuple[object, None] | tuple[None, DocumentError]] = []
    position = 0
    while True:
        while position < len(text) and text[position] in " \t\r\n":
            position += 1
        if position == len(text):
            return results
        try:
            value, position = _JSON.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            error = DocumentError(f"json: {exc.msg} (line {exc.lineno}, column {exc.colno})")
            results.append((None, error))
            return results
        except DocumentError as exc:
            results.append((None, exc))
            return results
        results.append((value, None))


def json_object(value: object, size: int, values: ValueBudget | None = None) -> dict[str, Any] | None:
    """Normalise one decoded JSON value (from ``size`` bytes) like Go's float64 round trip; require an object."""
    return _as_object(_bounded(value, size, values or ValueBudget()))
