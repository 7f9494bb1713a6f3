"""Object identity as GRM computes it: keys for ``status.resources`` matching, sorting and messages.

Why: GRM identifies objects by ``group/kind/namespace/name`` (version never counts, so changing an
apiVersion does not delete and re-create), and substitutes ``default`` for an empty namespace of any
kind except ``Namespace``. The same quirk shows in its messages (``apiVersion/Kind/namespace/name``),
which users grep for, so both shapes are reproduced exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubecore.gvk import group_of

DEFAULT_NAMESPACE = "default"


def text(value: object) -> str:
    """A string field of a raw object, ``""`` when absent or malformed (the API server rejects those)."""
    return value if isinstance(value, str) else ""


def _fields(obj: Mapping[str, Any]) -> tuple[str, str, str, str]:
    """apiVersion, kind, namespace, name of a raw object or of a ``status.resources`` entry."""
    metadata = obj.get("metadata")
    source = metadata if isinstance(metadata, Mapping) else obj
    return text(obj.get("apiVersion")), text(obj.get("kind")), text(source.get("namespace")), text(source.get("name"))


def object_key(group_or_api_version: str, kind: str, namespace: str, name: str) -> str:
    """GRM's ``objectKey``: ``<group>/<kind>/<namespace or default>/<name>``."""
    if kind != "Namespace" and not namespace:
        namespace = DEFAULT_NAMESPACE
    return f"{group_or_api_version}/{kind}/{namespace}/{name}"


def key_of(obj_or_reference: Mapping[str, Any]) -> str:
    """Identity key of a raw object or a ``status.resources`` entry (version-independent)."""
    api_version, kind, namespace, name = _fields(obj_or_reference)
    return object_key(group_of(api_version), kind, namespace, name)


def display_name(obj_or_reference: Mapping[str, Any]) -> str:
    """How GRM names an object in messages: ``<apiVersion>/<kind>/<namespace or default>/<name>``."""
    return object_key(*_fields(obj_or_reference))
