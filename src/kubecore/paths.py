"""REST paths and query parameters, pure.

One place that knows the URL layout (`/api/v1` for the core group, `/apis/<group>/<version>` otherwise,
`namespaces/<ns>/` for namespaced kinds, `/<subresource>` last) so every call builds it the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from kubecore.mapping import ResourceInfo


def group_version_path(group: str, version: str) -> str:
    return f"/api/{version}" if not group else f"/apis/{group}/{version}"


def resource_path(
    info: ResourceInfo,
    *,
    namespace: str | None = None,
    name: str | None = None,
    subresource: str | None = None,
) -> str:
    """Path of a collection (no name) or of one object; `namespace=None` on a namespaced kind = all."""
    parts = [group_version_path(info.group, info.version)]
    if info.namespaced and namespace:
        parts.append(f"namespaces/{_segment(namespace)}")
    parts.append(info.resource)
    if name is not None:
        if not name:
            raise ValueError(f"an object of kind {info.kind} needs a name")
        parts.append(_segment(name))
        if subresource:
            parts.append(subresource)
    elif subresource:
        raise ValueError("a subresource needs an object name")
    return "/".join(parts)


def _segment(value: str) -> str:
    if value in (".", "..") or "/" in value:
        raise ValueError(f"{value!r} is not a valid name or namespace")
    return quote(value, safe="")


def query(**params: str | int | bool | None) -> dict[str, str]:
    """Query parameters with the API's spelling: None dropped, booleans lower-case."""
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        out[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out


@dataclass(frozen=True)
class ListOptions:
    """Which objects a list or watch returns, and in what form: one value that the client's `list`,
    `list_pages` and `watch`, the reflector and the informer pass on unchanged."""

    label_selector: str | None = None
    field_selector: str | None = None
    metadata_only: bool = False
    """`PartialObjectMetadata` instead of whole objects."""

    def selectors(self) -> dict[str, str]:
        """The selector query parameters."""
        return query(labelSelector=self.label_selector, fieldSelector=self.field_selector)


EVERYTHING = ListOptions()
"""Whole objects, no selector."""


def label_selector(labels: Mapping[str, str]) -> str:
    """Equality label selector from a mapping: {"a": "1", "b": "2"} → "a=1,b=2"."""
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
