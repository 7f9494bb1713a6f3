"""Keeping manifest values out of error texts (conditions, logs, Events).

Why: the API server quotes the offending value in its error messages (``Invalid value: "…"``, or a Go
dump of a map it could not convert to a string), and a ManagedResource's manifests may carry Secret data
in any field. Before the API server's text goes into an apply error, every string value of the object
outside ``metadata`` is replaced in it (metadata — identity, labels, annotations — is shown by every
``kubectl get`` anyway, and the message needs the name to say which object failed). Values shorter
than :data:`MIN_LENGTH` are left alone: they cannot hide a secret, and replacing them would garble the
message.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

REDACTED = "[redacted]"
MIN_LENGTH = 4


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def secret_values(obj: Mapping[str, Any]) -> list[str]:
    """The texts to hide, longest first (a value inside another is replaced after it), each also in the
    escaped form Go and JSON print it in."""
    content = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "metadata")}
    values = {v for v in _strings(content) if len(v) >= MIN_LENGTH}
    escaped = {json.dumps(v)[1:-1] for v in values}
    return sorted(values | escaped, key=len, reverse=True)


def redact(text: str, obj: Mapping[str, Any]) -> str:
    """``text`` without any string value of ``obj`` outside its metadata (see the module docstring)."""
    for value in secret_values(obj):
        if value in text:
            text = text.replace(value, REDACTED)
    return text
