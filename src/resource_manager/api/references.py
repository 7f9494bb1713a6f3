"""GRM's reference annotations and garbage-collectable label (pure).

Why one module: the renderer writes them (so what it produces can be garbage-collected, by us or GRM) and
the garbage collector reads them; both must agree on GRM's exact spelling.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

LABEL = "resources.gardener.cloud/garbage-collectable-reference"
PREFIX = "reference.resources.gardener.cloud/"

Ref = tuple[str, str, str]
"""(``secret``/``configmap``, namespace, name)."""


def annotation_key(kind: str, name: str) -> str:
    """GRM's ``AnnotationKey``: prefix + kind + ``-`` + the first 8 hex chars of sha256(name)."""
    return f"{PREFIX}{kind}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"


def references(referrer: Mapping[str, Any]) -> set[Ref]:
    """What one referrer's annotations name: keys ``<prefix><kind>-<suffix>`` (exactly one ``-``)."""
    meta = referrer.get("metadata") or {}
    found: set[Ref] = set()
    for key, value in (meta.get("annotations") or {}).items():
        if not key.startswith(PREFIX) or not value:
            continue
        parts = key.removeprefix(PREFIX).split("-")
        if len(parts) == 2 and parts[0] in ("secret", "configmap"):
            found.add((parts[0], meta.get("namespace") or "", str(value)))
    return found
