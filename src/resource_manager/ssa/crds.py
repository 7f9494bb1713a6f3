"""Which CRD of the same MR defines an object's kind, so the apply waits for it to be Established first.

Why: a custom resource applied right after its CRD is rejected until the API server serves the kind
(:mod:`established` waits); only CRDs the MR itself brings are awaited, others are taken as served.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kubecore.gvk import group_of


def crd_index(objects: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], str]:
    """``(group, kind)`` → CRD name for every CustomResourceDefinition among ``objects``."""
    index: dict[tuple[str, str], str] = {}
    for obj in objects:
        if obj.get("kind") == "CustomResourceDefinition" and group_of(obj.get("apiVersion") or "") == (
            "apiextensions.k8s.io"
        ):
            spec = obj.get("spec") or {}
            kind = (spec.get("names") or {}).get("kind")
            if spec.get("group") and kind:
                index[(spec["group"], kind)] = (obj.get("metadata") or {}).get("name") or ""
    return index


def defining_crd(obj: Mapping[str, Any], index: Mapping[tuple[str, str], str]) -> str | None:
    """Name of the CRD in the same MR that defines ``obj``'s kind: wait for it to be Established first."""
    return index.get((group_of(obj.get("apiVersion") or ""), obj.get("kind") or ""))
