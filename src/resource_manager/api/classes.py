"""GRM's resource classes: which ManagedResources an instance takes, and the finalizer it marks them with.

Why together: ``spec.class`` of an MR and ``resourceClass`` of the configuration decide both, and the
finalizer's name is how two instances of different classes hand an MR over (the one that lets go removes
its finalizer, the other one adds its own).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from resource_manager.api.annotations import PREFIX

FINALIZER_PREFIX = PREFIX + "gardener-resource-manager"
DEFAULT_CLASS = "resources"
ALL_CLASSES = "*"


def finalizer_name(resource_class: str) -> str:
    """The MR finalizer GRM uses for its configured class (``-<class>`` suffix unless default or ``*``)."""
    if resource_class in (DEFAULT_CLASS, ALL_CLASSES, ""):
        return FINALIZER_PREFIX
    return f"{FINALIZER_PREFIX}-{resource_class}"


def responsible(configured_class: str, mr: Mapping[str, Any]) -> bool:
    """GRM's class filter: ``*`` takes all, the default class takes empty or ``resources``."""
    mr_class = (mr.get("spec") or {}).get("class") or ""
    if configured_class == ALL_CLASSES:
        return True
    if configured_class == DEFAULT_CLASS:
        return mr_class in ("", DEFAULT_CLASS)
    return mr_class == configured_class
