"""GRM's garbage collector: reference annotations, age rule (pure), and one pass against the real cluster."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devcluster import Cluster
from kubecore import Client, NotFound, load_kubeconfig
from resource_manager.api.references import LABEL, annotation_key, references
from resource_manager.cmd.install import install_crds
from resource_manager.controller.garbage_collector import GarbageCollector, collectable
from tests.resource_manager.controller_harness import MR, managed_resource, secret

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def meta(
    name: str, namespace: str = "ns", age: float = 3600.0, annotations: dict[str, str] | None = None
) -> dict[str, Any]:
    created = (NOW - timedelta(seconds=age)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "metadata": {"name": name, "namespace": namespace, "creationTimestamp": created, "annotations": annotations}
    }


def test_references_are_read_from_annotations_with_exactly_one_dash() -> None:
    referrer = meta(
        "deploy",
        annotations={
            "reference.resources.gardener.cloud/secret-0a1b2c3d": "creds-1",
            "reference.resources.gardener.cloud/configmap-9f8e7d6c": "settings-2",
            "reference.resources.gardener.cloud/secret-extra-part": "not-a-reference",
            "reference.resources.gardener.cloud/service-12345678": "not-a-kind",
            "reference.resources.gardener.cloud/secret-deadbeef": "",
            "other.example.com/secret-12345678": "foreign",
        },
    )
    assert references(referrer) == {("secret", "ns", "creds-1"), ("configmap", "ns", "settings-2")}


def test_only_old_enough_unreferenced_objects_are_collectable() -> None:
    candidates = [
        ("secret", meta("used")),
        ("secret", meta("unused")),
        ("configmap", meta("used")),  # same name, other kind: not in use
        ("secret", meta("young", age=599)),
        ("secret", meta("used", namespace="other")),  # a reference counts only in the referrer's namespace
    ]
    in_use = {("secret", "ns", "used")}
    assert collectable(candidates, in_use, NOW, 600) == [
        ("configmap", "ns", "used"),
        ("secret", "ns", "unused"),
        ("secret", "other", "used"),
    ]


@pytest.fixture
async def client(cluster: Cluster) -> AsyncIterator[Client]:
    async with Client(load_kubeconfig([cluster.kubeconfig]), name="gc-test") as test_client:
        await install_crds(test_client)
        yield test_client


@pytest.mark.cluster
async def test_a_secret_the_mr_moved_away_from_is_deleted_the_new_one_stays(client: Client, namespace: str) -> None:
    labelled = {"labels": {LABEL: "true"}}
    for name in ("objects-v1", "objects-v2", "unlabelled-v0"):
        body = secret(name, namespace, {"objects.yaml": ""})
        body["metadata"].update(labelled if name != "unlabelled-v0" else {})
        await client.create(body)
    mr = managed_resource("app", namespace, ["objects-v2"])
    mr["metadata"]["annotations"] = {annotation_key("secret", "objects-v2"): "objects-v2"}
    mr["spec"]["class"] = "nobody"  # no controller in this test: only the collector looks at it
    await client.create(mr)
    collector = GarbageCollector(client, period=3600, minimum_age=0)
    deleted = await collector.collect()
    assert [ref for ref in deleted if ref[1] == namespace] == [("secret", namespace, "objects-v1")]
    with pytest.raises(NotFound):
        await client.get("v1", "Secret", "objects-v1", namespace=namespace)
    await client.get("v1", "Secret", "objects-v2", namespace=namespace)  # referenced by the MR
    await client.get("v1", "Secret", "unlabelled-v0", namespace=namespace)  # not garbage-collectable
    assert GarbageCollector(client, period=3600).minimum_age == 600  # GRM's rule outside tests
    await client.delete(*MR, "app", namespace=namespace)
