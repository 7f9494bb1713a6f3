"""The calls against the real API server: CRUD, pagination, patches, server-side apply, status."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from devcluster import Cluster
from kubecore import (
    AlreadyExists,
    Client,
    Conflict,
    ListOptions,
    NoMatchError,
    NotFound,
    TooManyRequests,
    load_kubeconfig,
)
from tests.kubecore.waiting import until

pytestmark = pytest.mark.cluster


def configmap(name: str, data: dict[str, str] | None = None) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data or {}}


async def test_create_get_update_delete_roundtrip(client: Client, namespace: str) -> None:
    created = await client.create(configmap("a", {"k": "v"}), namespace=namespace)
    assert created["metadata"]["namespace"] == namespace
    got = await client.get("v1", "ConfigMap", "a", namespace=namespace)
    assert got["data"] == {"k": "v"}
    got["data"]["k"] = "w"
    updated = await client.update(got)
    assert updated["data"]["k"] == "w"
    with pytest.raises(Conflict):  # the old resourceVersion is an optimistic lock
        await client.update(got)
    with pytest.raises(AlreadyExists):
        await client.create(configmap("a"), namespace=namespace)
    await client.delete("v1", "ConfigMap", "a", namespace=namespace)
    with pytest.raises(NotFound) as err:
        await client.get("v1", "ConfigMap", "a", namespace=namespace)
    assert err.value.code == 404 and err.value.reason == "NotFound"
    assert err.value.details["name"] == "a"


async def test_list_follows_continue_tokens(client: Client, namespace: str) -> None:
    await asyncio.gather(*(client.create(configmap(f"cm-{i}"), namespace=namespace) for i in range(7)))
    before = client.transport.stats.count("GET")
    listed = await client.list(
        "v1", "ConfigMap", namespace=namespace, limit=2, options=ListOptions(label_selector=None)
    )
    names = sorted(i["metadata"]["name"] for i in listed["items"] if i["metadata"]["name"].startswith("cm-"))
    assert names == [f"cm-{i}" for i in range(7)]
    assert client.transport.stats.count("GET") - before >= 4  # 7+ items at 2 per page
    assert listed["kind"] == "ConfigMapList" and listed["metadata"]["resourceVersion"]
    assert all(i["kind"] == "ConfigMap" and i["apiVersion"] == "v1" for i in listed["items"])


async def test_selectors_and_metadata_only_list(client: Client, namespace: str) -> None:
    labelled = configmap("labelled", {"big": "x" * 1000})
    labelled["metadata"]["labels"] = {"pick": "me"}
    await client.create(labelled, namespace=namespace)
    await client.create(configmap("other"), namespace=namespace)
    listed = await client.list(
        "v1", "ConfigMap", namespace=namespace, options=ListOptions(label_selector="pick=me", metadata_only=True)
    )
    assert [i["metadata"]["name"] for i in listed["items"]] == ["labelled"]
    assert listed["items"][0]["kind"] == "PartialObjectMetadata"
    assert "data" not in listed["items"][0]
    by_field = await client.list(
        "v1", "ConfigMap", namespace=namespace, options=ListOptions(field_selector="metadata.name=other")
    )
    assert [i["metadata"]["name"] for i in by_field["items"]] == ["other"]


async def test_patch_types(client: Client, namespace: str) -> None:
    await client.create(configmap("p", {"a": "1"}), namespace=namespace)
    merged = await client.patch("v1", "ConfigMap", "p", {"data": {"b": "2"}}, namespace=namespace)
    assert merged["data"] == {"a": "1", "b": "2"}
    jsonp = await client.patch(
        "v1", "ConfigMap", "p", [{"op": "remove", "path": "/data/a"}], namespace=namespace, patch_type="json"
    )
    assert jsonp["data"] == {"b": "2"}
    strategic = await client.patch(
        "v1", "ConfigMap", "p", {"metadata": {"labels": {"x": "y"}}}, namespace=namespace, patch_type="strategic"
    )
    assert strategic["metadata"]["labels"] == {"x": "y"}


async def test_server_side_apply_conflicts_force_and_dry_run(client: Client, namespace: str) -> None:
    desired = configmap("ssa", {"owned": "mine"})
    desired["metadata"]["namespace"] = namespace
    applied = await client.apply(desired, field_manager="kubecore-a")
    managers = {m["manager"] for m in applied["metadata"]["managedFields"]}
    assert managers == {"kubecore-a"}
    rival = configmap("ssa", {"owned": "theirs"})
    rival["metadata"]["namespace"] = namespace
    with pytest.raises(Conflict) as err:
        await client.apply(rival, field_manager="kubecore-b")
    assert "conflict" in err.value.message.lower()
    dry = await client.apply(rival, field_manager="kubecore-b", force=True, dry_run=True)
    assert dry["data"]["owned"] == "theirs"
    assert (await client.get("v1", "ConfigMap", "ssa", namespace=namespace))["data"]["owned"] == "mine"
    forced = await client.apply(rival, field_manager="kubecore-b", force=True)
    assert forced["data"]["owned"] == "theirs"


async def test_status_subresource(client: Client, namespace: str) -> None:
    pod_free_kind = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "svc", "namespace": namespace},
        "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]},
    }
    await client.create(pod_free_kind)
    status = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "svc", "namespace": namespace},
        "status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.1"}]}},
    }
    await client.apply(status, field_manager="kubecore-status", subresource="status")
    got = await client.get("v1", "Service", "svc", namespace=namespace, subresource="status")
    assert [i["ip"] for i in got["status"]["loadBalancer"]["ingress"]] == ["192.0.2.1"]
    # a status write through the main resource is ignored by the API server
    await client.patch("v1", "Service", "svc", {"status": {"loadBalancer": {"ingress": []}}}, namespace=namespace)
    still = await client.get("v1", "Service", "svc", namespace=namespace)
    assert [i["ip"] for i in still["status"]["loadBalancer"]["ingress"]] == ["192.0.2.1"]


async def test_delete_with_propagation_policy_and_preconditions(client: Client, namespace: str) -> None:
    created = await client.create(configmap("d"), namespace=namespace)
    with pytest.raises(Conflict):
        await client.delete("v1", "ConfigMap", "d", namespace=namespace, preconditions={"uid": "not-the-uid"})
    deleting = await client.delete(
        "v1",
        "ConfigMap",
        "d",
        namespace=namespace,
        propagation_policy="Foreground",
        preconditions={"uid": created["metadata"]["uid"]},
    )
    # Foreground: the object stays, marked, until the garbage collector has deleted its dependents
    assert deleting["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert deleting["metadata"]["deletionTimestamp"]
    await wait_for_gone(client, "v1", "ConfigMap", "d", namespace)


async def wait_for_gone(client: Client, api_version: str, kind: str, name: str, namespace: str) -> None:
    async def gone() -> bool:
        try:
            await client.get(api_version, kind, name, namespace=namespace)
        except NotFound:
            return True
        return False

    await until(f"{kind} {name} to be deleted", gone)


async def test_cluster_scoped_kind_ignores_namespace(client: Client) -> None:
    ns = await client.get("v1", "Namespace", "default", namespace="ignored")
    assert ns["metadata"]["name"] == "default"


async def test_unknown_kind_raises_no_match(client: Client) -> None:
    with pytest.raises(NoMatchError) as err:
        await client.get("example.com/v1", "Nope", "x")
    assert 'no matches for kind "Nope"' in str(err.value)


CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.kubecore.test"},
    "spec": {
        "group": "kubecore.test",
        "names": {"kind": "Widget", "plural": "widgets", "singular": "widget", "listKind": "WidgetList"},
        "scope": "Namespaced",
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
                "subresources": {"status": {}},
            }
        ],
    },
}


async def test_crd_installed_after_discovery_is_found(client: Client, cluster: Cluster, namespace: str) -> None:
    await client.resource("v1", "ConfigMap")  # discovery is now cached, without the CRD
    await client.apply(CRD, field_manager="kubecore-test")
    try:
        widget = {"apiVersion": "kubecore.test/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"n": 1}}
        created = await created_when_served(client, widget, namespace)
        assert created["spec"] == {"n": 1}
        info = await client.resource("kubecore.test/v1", "Widget")
        assert info.resource == "widgets" and info.namespaced and "status" in info.subresources
    finally:
        await client.delete("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.kubecore.test")


async def created_when_served(client: Client, obj: dict[str, Any], namespace: str) -> dict[str, Any]:
    """Create `obj` as soon as its CRD is served; each NoMatch already refreshed discovery once."""
    for _ in range(100):
        try:
            return await client.create(obj, namespace=namespace)
        except NoMatchError:
            await asyncio.sleep(0.1)  # CRD not established yet: the next call refreshes discovery again
    raise AssertionError("CRD kind never became available")


async def test_429_is_retried_then_raised_with_the_servers_reason(
    cluster: Cluster, client: Client, namespace: str
) -> None:
    """An eviction blocked by a PodDisruptionBudget answers 429: retried with backoff, then raised."""
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"app": "p"}},
           "spec": {"containers": [{"name": "c", "image": "nginx"}]}}  # fmt: skip
    pdb = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "pdb"},
           "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "p"}}}}  # fmt: skip
    await client.create(pod, namespace=namespace)

    async def pod_ready() -> bool:
        status = (await client.get("v1", "Pod", "p", namespace=namespace)).get("status", {})
        return any(c["type"] == "Ready" and c["status"] == "True" for c in status.get("conditions", []))

    await until("the pod to be ready", pod_ready, seconds=120)  # scheduling + kwok; slow on a busy machine
    await client.create(pdb, namespace=namespace)  # after readiness: its first sync counts the pod

    async def budget_blocks() -> bool:
        status = (await client.get("policy/v1", "PodDisruptionBudget", "pdb", namespace=namespace)).get("status", {})
        return bool(status.get("currentHealthy") == 1 and status.get("disruptionsAllowed") == 0)

    await until("the disruption budget to count the running pod", budget_blocks, seconds=120)
    eviction = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "p", "namespace": namespace}}
    async with Client(load_kubeconfig([cluster.kubeconfig]), max_retries=2) as c:
        with pytest.raises(TooManyRequests) as err:
            await c.transport.request("POST", f"/api/v1/namespaces/{namespace}/pods/p/eviction", body=eviction)
        assert c.transport.stats.count("POST", 429) == 3  # first try + 2 retries
    assert err.value.details["causes"][0]["reason"] == "DisruptionBudget"
    assert "disruption budget" in err.value.message


async def test_client_side_rate_limit(cluster: Cluster) -> None:
    """qps=10, burst=2: twelve requests cannot finish in under a second."""
    async with Client(load_kubeconfig([cluster.kubeconfig]), qps=10, burst=2) as c:
        await c.resource("v1", "Namespace")  # discovery first (its 2 requests use the burst)
        loop = asyncio.get_running_loop()
        start = loop.time()
        await asyncio.gather(*(c.get("v1", "Namespace", "default") for _ in range(12)))
        assert loop.time() - start >= 1.1  # 12 tokens at 10/s, the burst already spent


async def test_repeated_lookups_send_nothing_and_invalidate_forgets_them(client: Client) -> None:
    first = await client.mapper.resource_for("v1", "ConfigMap")
    gets = client.transport.stats.count("GET")
    again = [await client.mapper.resource_for("v1", "ConfigMap") for _ in range(3)]
    assert again == [first] * 3 and first.resource == "configmaps"
    assert client.transport.stats.count("GET") == gets  # no discovery request
    client.mapper.invalidate()
    assert await client.mapper.resource_for("v1", "ConfigMap") == first
    assert client.transport.stats.count("GET") == gets + 2  # /api and /apis read again
