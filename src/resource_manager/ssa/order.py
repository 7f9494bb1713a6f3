"""In which order objects are applied, and in which waves they are pruned (spec §3.6, §10.7).

Why: applying a workload before the ServiceAccount or ConfigMap it needs, or a custom resource before
its CRD, fails or misbehaves (GRM #5585, #5898); deleting the ConfigMaps/Secrets a Pod mounts before the
Pod leaves the Pod stuck in Terminating (GRM #4853).

Apply order is Helm's ``InstallOrder`` as GRM uses it: known kinds by their rank then name, unknown
kinds (custom resources) last, by kind then name. GRM applies one object after the other; we apply in
waves, each a stretch of the install order whose kinds need nothing of each other, the objects of a
wave concurrently and the waves one after the other (:data:`WAVE_STARTS` says where a wave begins and
why). A wave per kind would wait for nothing, and each wait is a round trip per MR: a round of an MR
holding ServiceAccounts, Secrets, ConfigMaps and Roles took four instead of two.

Deviation: GRM sorts by the kind/name of the *previous* ``status.resources`` entry, so objects that
are new to an MR all count as "unknown" and are applied in arbitrary order; we sort by the object
itself. Namespace breaks remaining ties so the order is deterministic.

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

WAVE_STARTS = (
    "NetworkPolicy",  # everything namespaced needs its Namespace (and PriorityClasses come with them)
    "ServiceAccount",  # quotas, limit ranges and policies act on what is created after them
    "PersistentVolume",  # a claim or volume names its StorageClass
    "ClusterRoleBinding",  # a binding's escalation check may need the (Cluster)Role it grants to exist
    "RoleBinding",  # ... and a RoleBinding may name a Role or a ClusterRole
    "Service",  # workloads need their ServiceAccounts, ConfigMaps, Secrets, claims and permissions
    "IngressClass",  # Ingresses route to Services
    "APIService",  # APIServices and webhooks call Services that must be able to run first
)
"""Kinds that begin an apply wave; custom resources form the last one (their CRDs are Established by
then: :mod:`resource_manager.ssa.established`)."""
_WAVE_OF_RANK = [sum(1 for start in WAVE_STARTS if _RANK[start] <= rank) for rank in range(_UNKNOWN)]
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


def apply_wave(kind: str) -> int:
    """The apply wave of ``kind`` (0 first): the number of :data:`WAVE_STARTS` at or before its rank."""
    rank = _RANK.get(kind, _UNKNOWN)
    return len(WAVE_STARTS) + 1 if rank == _UNKNOWN else _WAVE_OF_RANK[rank]


def apply_waves(items: Iterable[T], obj: Callable[[T], Mapping[str, Any]]) -> list[list[T]]:
    """``items`` in install order, cut into apply waves (empty ones left out); the objects of a wave may
    be applied concurrently."""
    waves: list[list[T]] = []
    previous: int | None = None
    for item in sort_for_apply(items, obj):
        wave = apply_wave(_kind_and_name(obj(item))[0])
        if wave != previous:
            waves.append([])
            previous = wave
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
