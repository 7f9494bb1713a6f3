"""Which watches an MR needs, and the managedFields summary cached objects carry (the watches themselves run
against the dev cluster in test_controller_drift_health.py and test_target_connection.py)."""

from __future__ import annotations

from resource_manager.controller.watches import FIELDS, SCALERS, fields_of, metadata_only, types_for
from resource_manager.ssa.fields import DEFAULT_TAKEOVER_MANAGERS, summarise


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
