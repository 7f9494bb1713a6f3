"""GRM's merge rules hold when the plan of :func:`merge.plan_apply` is server-side applied (spec §10.1).

SSA removes a field we stop applying when no other manager owns it, and rejects changes of immutable
fields; these tests check on the real API server that the preserve-* rules survive that, that others'
edits survive and that immutable fields are never touched. Each step is what the controller does:
GET live → plan → SSA the body (forced, our field manager) → merge-patch the listed removals.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import pytest

from devcluster import Cluster
from kubecore import Client, NotFound, load_kubeconfig
from resource_manager.api import annotations as a
from resource_manager.ssa.plan import MergeOptions, plan_apply

pytestmark = pytest.mark.cluster

MANAGER = "resource-manager"
OTHER = "someone-else"


@pytest.fixture
async def client(cluster: Cluster) -> AsyncIterator[Client]:
    async with Client(load_kubeconfig([cluster.kubeconfig]), name="merge-test") as c:
        yield c


async def _live(client: Client, obj: dict[str, Any]) -> dict[str, Any] | None:
    meta = obj["metadata"]
    try:
        return await client.get(obj["apiVersion"], obj["kind"], meta["name"], namespace=meta.get("namespace"))
    except NotFound:
        return None


async def reconcile(client: Client, desired: dict[str, Any], options: MergeOptions | None = None) -> dict[str, Any]:
    """One apply of ``desired`` as the controller does it; returns the resulting live object."""
    live = await _live(client, desired)
    plan = plan_apply(desired, live, options or MergeOptions())
    assert plan.body is not None
    result = await client.apply(plan.body, field_manager=MANAGER, force=True)
    patch = plan.removal_patch(result)
    if patch is not None:
        meta = desired["metadata"]
        result = await client.patch(
            desired["apiVersion"], desired["kind"], meta["name"], patch, namespace=meta["namespace"]
        )
    return result


async def edit(client: Client, obj: dict[str, Any], patch: dict[str, Any], patch_type: str = "merge") -> dict[str, Any]:
    """A change by another manager (a user with kubectl, an HPA, a controller)."""
    meta = obj["metadata"]
    return await client.patch(
        obj["apiVersion"],
        obj["kind"],
        meta["name"],
        patch,
        namespace=meta["namespace"],
        patch_type=patch_type,  # type: ignore[arg-type]
        field_manager=OTHER,
    )


def _deployment(namespace: str, replicas: int | None, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "containers": [
                    {"name": "web", "image": "nginx", "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}
                ]
            },
        },
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": namespace, "annotations": annotations or {}},
        "spec": spec,
    }


async def test_unset_replicas_keep_the_live_value_even_after_we_owned_the_field(client: Client, namespace: str) -> None:
    await reconcile(client, _deployment(namespace, 3))
    await edit(client, _deployment(namespace, 3), {"spec": {"replicas": 5}})
    result = await reconcile(client, _deployment(namespace, None))
    assert result["spec"]["replicas"] == 5  # plain SSA would have dropped our field and defaulted it to 1


async def test_preserve_replicas_and_hpa_scaling_keep_the_live_value(client: Client, namespace: str) -> None:
    annotated = _deployment(namespace, 2, {a.PRESERVE_REPLICAS: "true"})
    await reconcile(client, annotated)
    await edit(client, annotated, {"spec": {"replicas": 4}})
    assert (await reconcile(client, annotated))["spec"]["replicas"] == 4
    plain = _deployment(namespace, 2)
    await edit(client, plain, {"spec": {"replicas": 6}})
    assert (await reconcile(client, plain, MergeOptions(horizontally_scaled=True)))["spec"]["replicas"] == 6
    assert (await reconcile(client, plain))["spec"]["replicas"] == 2


async def test_preserve_resources_and_rollout_restart_stamp(client: Client, namespace: str) -> None:
    desired = _deployment(namespace, 1, {a.PRESERVE_RESOURCES: "true"})
    await reconcile(client, desired)
    await edit(
        client,
        desired,
        {
            "spec": {
                "template": {
                    "metadata": {"annotations": {a.RESTARTED_AT: "2026-01-01T00:00:00Z"}},
                    "spec": {"containers": [{"name": "web", "resources": {"requests": {"cpu": "300m"}}}]},
                }
            }
        },
        patch_type="strategic",
    )
    result = await reconcile(client, desired)
    template = result["spec"]["template"]
    assert template["metadata"]["annotations"][a.RESTARTED_AT] == "2026-01-01T00:00:00Z"
    assert template["spec"]["containers"][0]["resources"]["requests"] == {"cpu": "300m", "memory": "64Mi"}


async def test_labels_three_way_and_force_overwrite(client: Client, namespace: str) -> None:
    def configmap(labels: dict[str, str]) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "c", "namespace": namespace, "labels": labels},
        }

    await reconcile(client, configmap({"keep": "1", "drop": "1", "changed": "1"}))
    await edit(client, configmap({}), {"metadata": {"labels": {"user": "u", "changed": "by-user"}}})
    old = {"keep": "1", "drop": "1", "changed": "1"}
    result = await reconcile(client, configmap({"keep": "1"}), MergeOptions(old_labels=old))
    assert result["metadata"]["labels"] == {"keep": "1", "user": "u", "changed": "by-user"}
    forced = await reconcile(client, configmap({"keep": "1"}), MergeOptions(force_overwrite_labels=True))
    assert forced["metadata"]["labels"] == {"keep": "1"}


async def test_finalizers_added_by_others_survive(client: Client, namespace: str) -> None:
    desired: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "f", "namespace": namespace},
        "data": {"a": "1"},
    }
    await reconcile(client, desired)
    await edit(client, desired, {"metadata": {"finalizers": ["example.com/hold"]}})
    changed = copy.deepcopy(desired)
    changed["data"]["a"] = "2"
    result = await reconcile(client, changed)
    assert result["metadata"]["finalizers"] == ["example.com/hold"]
    assert result["data"] == {"a": "2"}
    await edit(client, desired, {"metadata": {"finalizers": None}})


def _service(namespace: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": namespace}, "spec": spec}


async def test_service_cluster_ip_and_node_ports_are_kept(client: Client, namespace: str) -> None:
    ports = [{"name": "http", "port": 80, "targetPort": 8080}]
    first = await reconcile(client, _service(namespace, type="NodePort", selector={"app": "web"}, ports=ports))
    cluster_ip, node_port = first["spec"]["clusterIP"], first["spec"]["ports"][0]["nodePort"]
    # The manifest now names another (immutable) clusterIP and no node port: both must stay as allocated.
    again = await reconcile(
        client, _service(namespace, type="NodePort", clusterIP="10.0.0.250", selector={"app": "web"}, ports=ports)
    )
    assert again["spec"]["clusterIP"] == cluster_ip
    assert again["spec"]["ports"][0]["nodePort"] == node_port


async def test_statefulset_volume_claim_templates_are_never_updated(client: Client, namespace: str) -> None:
    def statefulset(storage: str) -> dict[str, Any]:
        return {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "db", "namespace": namespace},
            "spec": {
                "serviceName": "db",
                "selector": {"matchLabels": {"app": "db"}},
                "template": {
                    "metadata": {"labels": {"app": "db"}},
                    "spec": {"containers": [{"name": "db", "image": "x"}]},
                },
                "volumeClaimTemplates": [
                    {
                        "metadata": {"name": "data"},
                        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": storage}}},
                    }
                ],
            },
        }

    await reconcile(client, statefulset("1Gi"))
    result = await reconcile(client, statefulset("2Gi"))  # an update of the templates would be rejected
    assert result["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] == "1Gi"


async def test_job_selector_and_server_labels_are_kept(client: Client, namespace: str) -> None:
    job: dict[str, Any] = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "once", "namespace": namespace},
        "spec": {
            "template": {
                "metadata": {"labels": {"app": "once"}},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "x"}]},
            }
        },
    }
    created = await reconcile(client, job)
    selector = created["spec"]["selector"]
    labelled = copy.deepcopy(job)
    labelled["metadata"]["labels"] = {"new": "label"}
    result = await reconcile(client, labelled)  # would fail as an immutable template change otherwise
    assert result["spec"]["selector"] == selector
    assert result["metadata"]["labels"]["new"] == "label"
