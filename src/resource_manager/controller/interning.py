"""One copy of the strings that many cached objects repeat.

Why: the JSON decoder gives every object its own copy of each string. The objects of one MR carry the
same origin annotation, every managed object the same description annotation, the same managed-by and
injected labels, and a namespace shared with its neighbours: at 50,000 cached objects those copies are a
fifth of the watch caches. An MR's ``status.resources`` repeats apiVersions, kinds, namespaces and
labels once per object it manages. ``sys.intern`` keeps one copy; CPython drops an interned string once nothing
refers to it, so unique values (a one-off annotation) cost nothing lasting.
"""

from __future__ import annotations

import sys
from typing import Any


def share_metadata_strings(metadata: dict[str, Any]) -> None:
    """Intern ``namespace`` and the label and annotation values of ``metadata`` in place (a dict fresh from
    the decoder: nobody else holds it yet)."""
    namespace = metadata.get("namespace")
    if isinstance(namespace, str):
        metadata["namespace"] = sys.intern(namespace)
    for field in ("labels", "annotations"):
        values = metadata.get(field)
        if isinstance(values, dict):
            for key, value in values.items():
                if isinstance(value, str):
                    values[key] = sys.intern(value)


def share_inventory_strings(mr: dict[str, Any]) -> None:
    """Intern the apiVersion, kind and namespace and the label values of each ``status.resources`` entry
    of ``mr`` in place (fresh from the decoder)."""
    for entry in (mr.get("status") or {}).get("resources") or ():
        if not isinstance(entry, dict):
            continue
        for field in ("apiVersion", "kind", "namespace"):
            value = entry.get(field)
            if isinstance(value, str):
                entry[field] = sys.intern(value)
        share_metadata_strings({"labels": entry.get("labels"), "annotations": entry.get("annotations")})
