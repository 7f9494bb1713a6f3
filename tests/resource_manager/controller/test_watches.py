"""Which watches an MR needs, and the managedFields summary cached objects carry (the watches themselves run
against the dev cluster in test_controller_drift_health.py and test_target_connection.py)."""

from __future__ import annotations

from typing import Any, cast

from kubecore import Client
from resource_manager.controller.watches import FIELDS, SCALERS, Watches, fields_of, metadata_only, types_for
from resource_manager.ssa.fields import DEFAULT_TAKEOVER_MANAGERS, FIELD_MANAGER, summarise


def ref(kind: str, api_version: str = "apps/v1") -> dict[str, str]:
    return {"apiVersion": api_version, "kind": kind, "name": "x", "namespace": "ns"}


def test_watches_cover_the_objects_kstatus_reads_for_workloads() -> None:
    types = types_for([ref("Deployment"), ref("ConfigMap", "v1")])
    generated = {("apps/v1", "ReplicaSet"), ("v1", "Pod")}
    assert SCALERS == ("autoscaling/v1", "HorizontalPodAutoscaler")  # whether the apply keeps the replicas
    assert types == {("apps/v1", "Deployment"), *generated, SCALERS, ("v1", "ConfigMap")}
    assert types_for([ref("StatefulSet")]) == {("apps/v1", "StatefulSet"), ("v1", "Pod"), SCALERS}
    assert types_for([ref("Role", "rbac.authorization.k8s.io/v1")]) == {("rbac.authorization.k8s.io/v1", "Role")}


def test_only_configmaps_and_secrets_are_watched_metadata_only() -> None:
    assert metadata_only(("v1", "ConfigMap")) and metadata_only(("v1", "Secret"))
    assert not metadata_only(("v1", "Pod")) and not metadata_only(("example.com/v1", "Secret"))


def test_fields_come_from_the_cached_summary_or_from_managed_fields() -> None:
    managed = [
        {"manager": "kubectl-edit", "operation": "Update", "apiVersion": "v1", "fieldsType": "FieldsV1"},
    ]
    read = {"metadata": {"managedFields": managed}}
    summary = summarise(managed, "v1", DEFAULT_TAKEOVER_MANAGERS)
    assert fields_of("v1", read, DEFAULT_TAKEOVER_MANAGERS) == summary
    cached = {"metadata": {FIELDS: summary}}
    assert fields_of("v1", cached, frozenset()) is summary  # the summary made when the watch cached it
    assert fields_of("v1", None, DEFAULT_TAKEOVER_MANAGERS) is None


def _applied(name: str, kind: str) -> dict[str, Any]:
    """An object as the API server returns it after our apply (fresh dicts each call, like the decoder's)."""
    ours = {"f:metadata": {"f:labels": {"f:app": {}}}, "f:data": {"f:k": {}}}
    entry = {"manager": FIELD_MANAGER, "operation": "Apply", "apiVersion": "v1", "fieldsType": "FieldsV1"}
    meta: dict[str, Any] = {"name": name, "namespace": "ns", "uid": f"uid-{name}"}
    meta["creationTimestamp"] = "2026-12-06T11:00:00Z"
    meta |= {"resourceVersion": "7", "managedFields": [{**entry, "fieldsV1": ours}]}
    return {"apiVersion": "meta.k8s.io/v1", "kind": kind, "metadata": meta}


def test_cached_objects_share_their_summary_and_metadata_only_ones_drop_uid_and_creation_time() -> None:
    watches = Watches(
        cast(Client, None),
        "a=b",
        "a notin (b)",
        DEFAULT_TAKEOVER_MANAGERS,
        on_changed=lambda *_: None,
        on_deleted=lambda *_: None,
        on_stopped=lambda _: None,
    )
    one = watches._summarised(_applied("one", "PartialObjectMetadata"), ("v1", "ConfigMap"), True)
    two = watches._summarised(_applied("two", "PartialObjectMetadata"), ("v1", "ConfigMap"), True)
    assert one["metadata"][FIELDS] is two["metadata"][FIELDS]  # one instance per template, not per object
    assert one["metadata"][FIELDS].ours is not None
    assert (one["apiVersion"], one["kind"]) == ("v1", "ConfigMap")
    assert "uid" not in one["metadata"] and "creationTimestamp" not in one["metadata"]
    assert "managedFields" not in one["metadata"]
    full = watches._summarised(_applied("sa", "ServiceAccount"), ("v1", "ServiceAccount"), False)
    assert full["metadata"]["uid"] == "uid-sa"  # whole objects keep them (kstatus reads Pods' creation time)
