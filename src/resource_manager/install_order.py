"""In which order objects are applied, and in which waves they are pruned (spec §3.6, §10.7).

Why: applying a workload before the ServiceAccount or ConfigMap it needs, or a custom resource before
its CRD, fails or misbehaves (GRM #5585, #5898); deleting the ConfigMaps/Secrets a Pod mounts before the
Pod leaves the Pod stuck in Terminating (GRM #4853).

Apply order is Helm's ``InstallOrder`` as GRM uses it: known kinds by their rank then name, unknown
kinds (custom resources) last, by kind then name. The objects of one rank (one kind) form an apply
wave: they are applied concurrently, the waves one after the other. Deviation: GRM sorts by the kind/name of the
*previous* ``status.resources`` entry, so objects that are new to an MR all count as "unknown" and are
applied in arbitrary order; we sort by the object itself. Namespace breaks remaining ties so the order
is deterministic.

Pruning (GRM deletes everything at once) goes in waves; the I/O shell deletes one wave and waits until
its objects are gone before starting the next:

1. custom resources, webhooks, APIServices, Ingresses (their controllers and backends still run);
2. workloads and Services;
3. what workloads use: ConfigMaps, Secrets, ServiceAccounts, RBAC, PVCs, CRDs, policies, …;
4. Namespaces and PriorityClasses.

Within a wave objects are listed in reverse install order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from kubecore.gvk import group_of

INSTALL_ORDER = (
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
)
_RANK = {kind: rank for rank, kind in enumerate(INSTALL_ORDER)}
_UNKNOWN = len(INSTALL_ORDER)
_LAST_WAVE = frozenset({"Namespace", "PriorityClass"})
_WORKLOADS_FROM = _RANK["Service"]
_WORKLOADS_TO = _RANK["CronJob"]

T = TypeVar("T")


def _kind_and_name(item: Mapping[str, Any]) -> tuple[str, str, str]:
    """Kind, name, namespace of a raw object or a ``status.resources`` entry."""
    metadata = item.get("metadata")
    source = metadata if isinstance(metadata, Mapping) else item
    return item.get("kind") or "", source.get("name") or "", source.get("namespace") or ""


def install_sort_key(item: Mapping[str, Any]) -> tuple[int, str, str, str]:
    """Sort key of Helm's install order: rank, (kind for unknown kinds), name, namespace."""
    kind, name, namespace = _kind_and_name(item)
    rank = _RANK.get(kind, _UNKNOWN)
    return rank, kind if rank == _UNKNOWN else "", name, namespace


def sort_for_apply(items: Iterable[T], obj: Callable[[T], Mapping[str, Any]]) -> list[T]:
    """``items`` (e.g. desired objects) in install order; ``obj`` extracts the raw object of an item."""
    return sorted(items, key=lambda item: install_sort_key(obj(item)))


def apply_waves(items: Iterable[T], obj: Callable[[T], Mapping[str, Any]]) -> list[list[T]]:
    """``items`` in install order, grouped into waves of one rank (one kind; custom resources: one kind
    each). A wave may be applied concurrently: install order only matters between kinds."""
    waves: list[list[T]] = []
    previous: tuple[int, str] | None = None
    for item in sort_for_apply(items, obj):
        rank = install_sort_key(obj(item))[:2]
        if rank != previous:
            waves.append([])
            previous = rank
        waves[-1].append(item)
    return waves


def _wave(kind: str) -> int:
    rank = _RANK.get(kind, _UNKNOWN)
    if kind in _LAST_WAVE:
        return 3
    if rank > _WORKLOADS_TO:
        return 0
    if rank >= _WORKLOADS_FROM:
        return 1
    return 2


def prune_waves(references: Iterable[Mapping[str, Any]]) -> list[list[Mapping[str, Any]]]:
    """Objects to delete, grouped into the waves described in the module docstring (empty waves dropped)."""
    waves: list[list[Mapping[str, Any]]] = [[], [], [], []]
    for reference in references:
        waves[_wave(_kind_and_name(reference)[0])].append(reference)
    for wave in waves:
        wave.sort(key=install_sort_key, reverse=True)
    return [wave for wave in waves if wave]


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
