"""`ObjectId`: which object a status is about (upstream's ObjMetadata), as a small frozen value.

An id names a GroupKind, not a version: the cluster serves the kind at whatever version it prefers,
and a CRD may change its storage version while we wait.  Ids are hashable so they key every table.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from kubecore.gvk import group_of


class IdError(ValueError):
    """A manifest or argument that does not name an object (missing kind, name, ...)."""


class ObjectId(NamedTuple):
    """group, kind, namespace ("" for cluster-scoped kinds) and name of one object."""

    group: str
    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        """`Kind/namespace/name` (`Kind/name` when cluster-scoped), the table's resource column."""
        kind = f"{self.kind}.{self.group}" if self.group and self.group not in _WELL_KNOWN else self.kind
        return f"{kind}/{self.namespace}/{self.name}" if self.namespace else f"{kind}/{self.name}"

    @property
    def group_kind(self) -> tuple[str, str]:
        return self.group, self.kind

    def sort_key(self) -> tuple[str, str, str, str]:
        """Upstream's order for generated resources: namespace, group, kind, name."""
        return self.namespace, self.group, self.kind, self.name


# Groups whose kinds everybody knows: their ids print without the group, like kubectl does.
_WELL_KNOWN = frozenset({"apps", "batch", "policy", "autoscaling", "networking.k8s.io", "apiextensions.k8s.io"})


def id_of(obj: dict[str, Any], default_namespace: str = "") -> ObjectId:
    """The id of an object or manifest; `default_namespace` fills in a missing namespace.

    Whether the kind is namespaced is the cluster's business: callers that know it pass "" as the
    default for cluster-scoped kinds.
    """
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    meta = obj.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    if not isinstance(api_version, str) or not api_version:
        raise IdError("object has no apiVersion")
    if not isinstance(kind, str) or not kind:
        raise IdError(f"object of apiVersion {api_version} has no kind")
    if not isinstance(name, str) or not name:
        raise IdError(f"{kind} has no metadata.name")
    namespace = meta.get("namespace") if isinstance(meta, dict) else None
    return ObjectId(group_of(api_version), kind, namespace if isinstance(namespace, str) else default_namespace, name)
