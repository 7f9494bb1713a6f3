"""Prometheus metrics of the controller: controller-runtime's names, plus per-ManagedResource figures.

Why controller-runtime's names: GRM is a controller-runtime manager, so operators' dashboards and alerts
query ``controller_runtime_reconcile_*``; serving the same series lets them keep those. The per-MR series
are ours (GRM has none): managed objects, drift corrections, prunes, and whether the last apply failed.
The client and work-queue series live in :mod:`kubecore.metrics`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from prometheus_client import Counter, Gauge, Histogram, Info

from resource_manager.api import conditions as cond
from resource_manager.api import messages as msg

CONTROLLER = "managedresource"

RECONCILE_TOTAL = Counter(
    "controller_runtime_reconcile", "Reconciles per controller and result", ["controller", "result"]
)
RECONCILE_ERRORS = Counter("controller_runtime_reconcile_errors", "Reconciles that failed", ["controller"])
RECONCILE_TIME = Histogram(
    "controller_runtime_reconcile_time_seconds",
    "Duration of one reconcile",
    ["controller"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)
ACTIVE_WORKERS = Gauge("controller_runtime_active_workers", "Workers reconciling right now", ["controller"])
MAX_WORKERS = Gauge("controller_runtime_max_concurrent_reconciles", "Configured workers", ["controller"])
LEADER = Gauge("leader_election_master_status", "1 while this process holds the Lease", ["name"])

MANAGED_OBJECTS = Gauge(
    "resource_manager_managed_objects", "Objects listed in a ManagedResource's status", ["namespace", "name"]
)
DRIFT_CORRECTIONS = Counter(
    "resource_manager_drift_corrections",
    "Changes to managed objects by others that triggered a repair",
    ["namespace", "name"],
)
PRUNES = Counter(
    "resource_manager_pruned_objects", "Objects deleted because they left a ManagedResource", ["namespace", "name"]
)
APPLY_FAILED = Gauge(
    "resource_manager_apply_failed", "1 while a ManagedResource's last apply failed", ["namespace", "name"]
)
SHARD_INFO = Gauge(
    "resource_manager_shard_info", "1 for the shard this process reconciles (0 of 1: no sharding)", ["shard", "shards"]
)
BUILD_INFO = Info("resource_manager_build", "Version of the running manager")


def package_version() -> str:
    try:
        return version("resource-manager")
    except PackageNotFoundError:  # running from a source tree without installing
        return "unknown"


def condition(mr: Mapping[str, Any], condition_type: str) -> Mapping[str, Any]:
    for item in (mr.get("status") or {}).get("conditions") or []:
        if isinstance(item, Mapping) and item.get("type") == condition_type:
            return item
    return {}


def resources(mr: Mapping[str, Any]) -> set[tuple[str, str, str, str]]:
    """``status.resources`` as comparable keys (apiVersion, kind, namespace, name)."""
    return {
        (str(r.get("apiVersion", "")), str(r.get("kind", "")), str(r.get("namespace", "")), str(r.get("name", "")))
        for r in (mr.get("status") or {}).get("resources") or []
        if isinstance(r, Mapping)
    }


def apply_failed(mr: Mapping[str, Any]) -> bool:
    applied = condition(mr, cond.APPLIED)
    return applied.get("status") == cond.FALSE and applied.get("reason") == msg.APPLY_FAILED


def observe_mr(mr: Mapping[str, Any]) -> None:
    """Set the per-MR gauges from the MR as the cache sees it."""
    meta = mr.get("metadata") or {}
    labels = (meta.get("namespace", ""), meta.get("name", ""))
    MANAGED_OBJECTS.labels(*labels).set(len(resources(mr)))
    APPLY_FAILED.labels(*labels).set(1 if apply_failed(mr) else 0)


def forget_mr(namespace: str, name: str) -> None:
    """Drop every per-MR series of a deleted MR (no stale series for MRs that are gone)."""
    for metric in (MANAGED_OBJECTS, DRIFT_CORRECTIONS, PRUNES, APPLY_FAILED):
        with contextlib.suppress(KeyError):
            metric.remove(namespace, name)
