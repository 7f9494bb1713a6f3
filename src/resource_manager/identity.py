"""Object identity as GRM computes it: keys for ``status.resources`` matching, sorting and messages.

Why: GRM identifies objects by ``group/kind/namespace/name`` (version never counts, so changing an
apiVersion does not delete and re-create), and substitutes ``default`` for an empty namespace of any
kind except ``Namespace``. The same quirk shows in its messages (``apiVersion/Kind/namespace/name``),
which users grep for, so both shapes are reproduced exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DEFAULT_NAMESPACE = "default"


def group_of(api_version: str) -> str:
    """The API group of an ``apiVersion`` (``"v1"`` → core group ``""``)."""
    group, _, version = api_version.rpartition("/")
    return group if version else ""


def object_key(group_or_api_version: str, kind: str, namespace: str, name: str) -> str:
    """GRM's ``objectKey``: ``<group>/<kind>/<namespace or default>/<name>``."""
    if kind != "Namespace" and not namespace:
        namespace = DEFAULT_NAMESPACE
    return f"{group_or_api_version}/{kind}/{namespace}/{name}"


def key_of(obj_or_reference: Mapping[str, Any]) -> str:
    """Identity key of a raw object or a ``status.resources`` entry (version-independent)."""
    api_version = obj_or_reference.get("apiVersion") or ""
    kind = obj_or_reference.get("kind") or ""
    metadata = obj_or_reference.get("metadata")
    source = metadata if isinstance(metadata, Mapping) else obj_or_reference
    return object_key(group_of(api_version), kind, source.get("namespace") or "", source.get("name") or "")


def display_name(obj_or_reference: Mapping[str, Any]) -> str:
    """How GRM names an object in messages: ``<apiVersion>/<kind>/<namespace or default>/<name>``."""
    metadata = obj_or_reference.get("metadata")
    source = metadata if isinstance(metadata, Mapping) else obj_or_reference
    return object_key(
        obj_or_reference.get("apiVersion") or "",
        obj_or_reference.get("kind") or "",
        source.get("namespace") or "",
        source.get("name") or "",
    )
