"""Label selectors (`metav1.LabelSelector`) as predicates over label maps, pure.

Generated resources are found the way upstream finds them: by the parent's `spec.selector`, not by
owner references.  The watch engine matches selectors against its caches, so this is a local
re-implementation of `LabelSelectorAsSelector` semantics, including its errors.  It is part of the
pure core because the PodDisruptionBudget option matches selectors too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Labels = Mapping[str, str]
Matcher = Callable[[Labels], bool]


class SelectorError(ValueError):
    """A selector that upstream rejects; the parent's status becomes Unknown with this message."""


def _everything(labels: Labels) -> bool:
    return True


def selector_of(obj: dict[str, Any]) -> Matcher:
    """The predicate of `obj`'s `spec.selector`; raises `SelectorError` like upstream's `toSelector`."""
    spec = obj.get("spec")
    selector = spec.get("selector") if isinstance(spec, dict) else None
    if selector is None:
        raise SelectorError("no selector found")
    return compile_selector(selector)


def compile_selector(selector: Any) -> Matcher:
    """`matchLabels` and `matchExpressions` (In, NotIn, Exists, DoesNotExist), all required; {} matches all."""
    if not isinstance(selector, dict):
        raise SelectorError(f"spec.selector: expected a mapping, got {type(selector).__name__}")
    tests: list[Matcher] = []
    match_labels = selector.get("matchLabels") or {}
    if not isinstance(match_labels, dict):
        raise SelectorError("spec.selector.matchLabels: expected a mapping")
    for key, value in match_labels.items():
        tests.append(_expression(key, "In", [value]))
    expressions = selector.get("matchExpressions") or []
    if not isinstance(expressions, list):
        raise SelectorError("spec.selector.matchExpressions: expected a list")
    for expr in expressions:
        if not isinstance(expr, dict):
            raise SelectorError("spec.selector.matchExpressions: expected a list of mappings")
        tests.append(_expression(expr.get("key"), expr.get("operator"), expr.get("values") or []))
    if not tests:
        return _everything
    return lambda labels: all(test(labels) for test in tests)


def _expression(key: Any, operator: Any, values: Any) -> Matcher:
    """One requirement; the value-count rules are the ones `metav1` validates."""
    if not isinstance(key, str) or not key:
        raise SelectorError("spec.selector: a requirement has no key")
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise SelectorError(f"spec.selector: values for key {key!r} must be strings")
    allowed = frozenset(values)
    if operator in ("In", "NotIn"):
        if not allowed:
            raise SelectorError(f"spec.selector: for 'in', 'notin' operators, values set can't be empty (key {key!r})")
        if operator == "In":
            return lambda labels: labels.get(key) in allowed
        return lambda labels: labels.get(key) not in allowed
    if operator in ("Exists", "DoesNotExist"):
        if allowed:
            raise SelectorError(f"spec.selector: values set must be empty for exists and does not exist (key {key!r})")
        if operator == "Exists":
            return lambda labels: key in labels
        return lambda labels: key not in labels
    raise SelectorError(f"spec.selector: {operator!r} is not a valid label selector operator")


def labels_of(obj: Mapping[str, Any]) -> Labels:
    """The object's labels ({} when absent or malformed); the controller reads labels with it too."""
    meta = obj.get("metadata")
    labels = meta.get("labels") if isinstance(meta, dict) else None
    return labels if isinstance(labels, dict) else {}


def label_index(obj: dict[str, Any]) -> list[str]:
    """Index function: one "namespace/key=value" entry per label, so a cache (also one holding many
    namespaces) finds the candidates of a selector in a namespace."""
    meta = obj.get("metadata")
    namespace = (meta.get("namespace") if isinstance(meta, dict) else None) or ""
    return [f"{namespace}/{key}={value}" for key, value in labels_of(obj).items()]


def index_value(selector: dict[str, Any], namespace: str) -> str | None:
    """The `label_index` value every object in `namespace` matching `selector` carries (None: no
    such value, the selector has no matchLabels)."""
    match_labels = selector.get("matchLabels")
    if isinstance(match_labels, dict):
        for key, value in match_labels.items():
            return f"{namespace}/{key}={value}"
    return None
