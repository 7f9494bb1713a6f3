"""One copy of the strings and maps that many cached objects repeat.

Why: the JSON decoder gives every object its own copy of each string. The objects of one MR carry the
same origin annotation, every managed object the same description annotation, the same managed-by and
injected labels, and a namespace shared with its neighbours: at 50,000 cached objects those copies are a
fifth of the watch caches. An MR's ``status.resources`` repeats apiVersions, kinds, namespaces and
labels once per object it manages. ``sys.intern`` keeps one copy of a string; CPython drops an interned
string once nothing refers to it, so unique values (a one-off annotation) cost nothing lasting.

Label and annotation maps are often equal as a whole (all objects of one MR carry the same origin and
description), so equal maps are shared too: cached objects are read-only, nobody changes them in place.
The table of shared maps is bounded (oldest out first), so label sets that come and go cannot make it
grow for ever.
"""

from __future__ import annotations

import sys
from typing import Any

SHARED_MAPS = 10_000
"""At most this many distinct label/annotation maps are remembered for sharing."""
_shared: dict[tuple[tuple[str, Any], ...], dict[str, Any]] = {}


def _shared_map(values: dict[str, Any]) -> dict[str, Any]:
    """The remembered map equal to ``values`` (with interned strings), else ``values``, remembered."""
    for key, value in values.items():
        if isinstance(value, str):
            values[key] = sys.intern(value)
    try:
        identity = tuple(values.items())
        found = _shared.get(identity)
    except TypeError:  # a value that is not hashable (not a label or annotation then): keep it as it is
        return values
    if found is not None:
        return found
    if len(_shared) >= SHARED_MAPS:
        del _shared[next(iter(_shared))]
    _shared[identity] = values
    return values


def share_metadata_strings(metadata: dict[str, Any]) -> None:
    """Intern ``namespace`` and share the label and annotation maps of ``metadata`` in place (a dict fresh
    from the decoder: nobody else holds it yet)."""
    namespace = metadata.get("namespace")
    if isinstance(namespace, str):
        metadata["namespace"] = sys.intern(namespace)
    for field in ("labels", "annotations"):
        values = metadata.get(field)
        if isinstance(values, dict):
            metadata[field] = _shared_map(values)


def share_inventory_strings(mr: dict[str, Any]) -> None:
    """Intern the apiVersion, kind and namespace and share the label and annotation maps of each
    ``status.resources`` entry of ``mr`` in place (fresh from the decoder)."""
    for entry in (mr.get("status") or {}).get("resources") or ():
        if not isinstance(entry, dict):
            continue
        for field in ("apiVersion", "kind", "namespace"):
            value = entry.get(field)
            if isinstance(value, str):
                entry[field] = sys.intern(value)
        for field in ("labels", "annotations"):
            values = entry.get(field)
            if isinstance(values, dict):
                entry[field] = _shared_map(values)
