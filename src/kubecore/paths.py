"""REST paths and query parameters, pure.

One place that knows the URL layout (`/api/v1` for the core group, `/apis/<group>/<version>` otherwise,
`namespaces/<ns>/` for namespaced kinds, `/<subresource>` last) so every call builds it the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
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


def label_selector(labels: Mapping[str, str]) -> str:
    """Equality label selector from a mapping: {"a": "1", "b": "2"} → "a=1,b=2"."""
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
