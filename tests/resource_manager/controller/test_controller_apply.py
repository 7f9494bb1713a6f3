"""Applying: install order, CRD Established wait, collected failures, GRM's merge semantics, DecodingFailed."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest

from devcluster import Cluster
from tests.kubecore.waiting import until
from tests.resource_manager.controller_harness import (
    configmap,
    create_mr,
    managed_resource,
    manifests,
    running_controller,
    secret,
)

pytestmark = pytest.mark.cluster

Obj = dict[str, Any]


def crd(group: str) -> Obj:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
                }
            ],
        },
    }


def deployment(name: str, namespace: str, annotations: dict[str, str] | None = None) -> Obj:
    spec: Obj = {
        "replicas": 1,
        "selector": {"matchLabels": {"app": name}},
        "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {"terminationGracePeriodSeconds": 0, "containers": [{"name": "main", "image": "nginx:1.7.9"}]},
        },
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "annotations": annotations or {}},
        "spec": spec,
    }


async def test_crd_then_its_resource_and_every_failure_listed(cluster: Cluster, namespace: str) -> None:
    group = f"{namespace}.example.com"
    widget = {"apiVersion": f"{group}/v1", "kind": "Widget", "metadata": {"name": "w1"}, "spec": {"size": 3}}
    broken_name = configmap("Not_A_Valid_Name", namespace)
    no_kind = {"apiVersion": "v1", "metadata": {"name": "kindless", "namespace": namespace}}
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        # the custom resource comes first in the Secret; install order puts its CRD before it
        await create_mr(
            ctl.client, "mr", namespace, widget, broken_name, crd(group), no_kind, configmap("good", namespace)
        )
        mr = await ctl.wait_condition(namespace, "mr", "False", "ApplyFailed")
        message = mr["status"]["conditions"][-1]["message"]
        assert message.startswith("2 objects failed to apply:\n")
        assert f'error during apply of object "v1/ConfigMap/{namespace}/Not_A_Valid_Name"' in message
        assert f"error during apply of object \"v1//{namespace}/kindless\": Object 'Kind' is missing" in message
        # the objects after the failures were applied all the same; the CR (namespace defaulted from the CRD scope)
        created = await ctl.client.get(f"{group}/v1", "Widget", "w1", namespace="default")
        assert created["spec"] == {"size": 3}
        assert await ctl.exists("v1", "ConfigMap", "good", namespace)
        # nothing applied is untracked: the inventory was widened before applying
        listed = {(r.get("kind"), r["name"]) for r in mr["status"]["resources"]}
        assert {("Widget", "w1"), ("CustomResourceDefinition", f"widgets.{group}"), ("ConfigMap", "good")} <= listed
        assert "observedGeneration" not in mr["status"]  # only a completed round records it


async def test_merge_semantics_hold_on_the_apiserver(cluster: Cluster, namespace: str) -> None:
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "svc", "namespace": namespace},
        "spec": {"selector": {"app": "x"}, "ports": [{"port": 80}]},
    }
    hpa = {
        "apiVersion": "autoscaling/v1",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "b-hpa", "namespace": namespace},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "b-hpa"},
            "minReplicas": 1,
            "maxReplicas": 10,
        },
    }
    docs = [
        configmap("cm", namespace),
        service,
        deployment("a-preserved", namespace, {"resources.gardener.cloud/preserve-replicas": "true"}),
        deployment("b-hpa", namespace),
        deployment("c-plain", namespace),
    ]
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        await ctl.client.create(hpa)
        await create_mr(ctl.client, "mr", namespace, *docs)
        await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
        cluster_ip = (await ctl.client.get("v1", "Service", "svc", namespace=namespace))["spec"]["clusterIP"]
        for name in ("a-preserved", "b-hpa", "c-plain"):
            cluster.kubectl("scale", "deployment", name, "-n", namespace, "--replicas=3")
        others = {"metadata": {"finalizers": ["test.example.com/hold"], "labels": {"extra": "1"}}}
        others["metadata"]["annotations"] = {"extra": "2"}
        await ctl.client.patch("v1", "ConfigMap", "cm", others, namespace=namespace)
        try:
            cluster.kubectl("annotate", "mr", "mr", "-n", namespace, "gardener.cloud/operation=reconcile")

            async def plain_reverted() -> bool:  # by drift repair already, then by the triggered reconcile
                plain = await ctl.client.get("apps/v1", "Deployment", "c-plain", namespace=namespace)
                annotations = (await ctl.mr(namespace, "mr"))["metadata"].get("annotations", {})
                return bool(plain["spec"]["replicas"] == 1) and "gardener.cloud/operation" not in annotations

            await until("c-plain's replicas reverted and the triggered reconcile done", plain_reverted, 90)
            mr = await ctl.mr(namespace, "mr")
            assert "gardener.cloud/operation" not in mr["metadata"].get("annotations", {})
            for name in ("a-preserved", "b-hpa"):  # applied before c-plain (install order, then name)
                live = await ctl.client.get("apps/v1", "Deployment", name, namespace=namespace)
                assert live["spec"]["replicas"] == 3, name
            svc = await ctl.client.get("v1", "Service", "svc", namespace=namespace)
            assert svc["spec"]["clusterIP"] == cluster_ip
            cm = await ctl.client.get("v1", "ConfigMap", "cm", namespace=namespace)
            assert cm["metadata"]["finalizers"] == ["test.example.com/hold"]
            assert cm["metadata"]["labels"]["extra"] == "1"
            assert cm["metadata"]["labels"]["resources.gardener.cloud/managed-by"] == "gardener"
            assert cm["metadata"]["annotations"]["extra"] == "2"
            assert cm["metadata"]["annotations"]["resources.gardener.cloud/origin"] == f"{namespace}/mr"
        finally:
            await ctl.client.patch("v1", "ConfigMap", "cm", {"metadata": {"finalizers": None}}, namespace=namespace)


async def test_decoding_failure_is_reported_and_deletes_nothing(cluster: Cluster, namespace: str) -> None:
    good = {"a.yaml": manifests(configmap("a", namespace)), "b.yaml": manifests(configmap("b", namespace))}
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        await ctl.client.create(secret("data", namespace, good))
        await ctl.client.create(managed_resource("mr", namespace, ["data"]))
        await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
        broken = {**good, "b.yaml": "kind: [s3cr3t-value\n"}
        await ctl.client.apply(secret("data", namespace, broken), field_manager="test", force=True)
        mr = await ctl.wait_condition(namespace, "mr", "False", "DecodingFailed")
        message = mr["status"]["conditions"][-1]["message"]
        assert message.startswith("Could not decode all new resources: [")
        assert f"Could not decode resource at index 0 in 'b.yaml' in secret '{namespace}/data'" in message
        assert "s3cr3t" not in message
        assert await ctl.exists("v1", "ConfigMap", "b", namespace)  # defined by the broken document: kept
        assert [r["name"] for r in mr["status"]["resources"]] == ["a", "b"]
        encoded = base64.b64decode(
            (await ctl.client.get("v1", "Secret", "data", namespace=namespace))["data"]["b.yaml"]
        )
        assert encoded.startswith(b"kind: [")


async def test_objects_of_one_wave_are_applied_concurrently_waves_one_after_the_other(
    cluster: Cluster, namespace: str
) -> None:
    """The applies the controller sends to the real API server, timed at the client: the ConfigMaps and the
    ServiceAccount of one MR (one wave) are in flight together, and all of them are applied before any Role
    (a later wave: a binding may need it)."""
    spans: list[tuple[str, float, float]] = []
    in_flight = [0, 0]  # now, most at once

    def account(name: str) -> Obj:
        return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": namespace}}

    def role(name: str) -> Obj:
        rules = [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}]
        meta = {"name": name, "namespace": namespace}
        return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": meta, "rules": rules}

    # in the Secret the Roles come first and last; install order applies both after every ConfigMap
    docs = [role("r-a"), *(configmap(f"cm{i}", namespace) for i in range(12)), account("sa"), role("r-b")]
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        send = ctl.client.apply

        async def timed_apply(body: Obj, **options: Any) -> Obj:
            start = time.monotonic()
            in_flight[0] += 1
            in_flight[1] = max(in_flight)
            try:
                return await send(body, **options)
            finally:
                in_flight[0] -= 1
                spans.append((body["kind"], start, time.monotonic()))

        ctl.client.apply = timed_apply  # type: ignore[method-assign,assignment]
        await create_mr(ctl.client, "mr", namespace, *docs)
        await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
    first = [s for s in spans if s[0] in ("ConfigMap", "ServiceAccount")]
    roles = [s for s in spans if s[0] == "Role"]
    assert (len(first), len(roles)) == (13, 2)
    assert in_flight[1] >= 2, "the objects of one wave were applied one after the other"
    assert max(end for _, _, end in first) <= min(start for _, start, _ in roles)


async def test_hpas_come_from_a_watch_not_a_list_per_round(cluster: Cluster, namespace: str) -> None:
    """An HPA created after the first apply is seen by the next rounds without any LIST of HPAs: the
    Deployment it scales keeps the replicas the HPA (here: kubectl scale) set."""
    hpa = {
        "apiVersion": "autoscaling/v1",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "namespace": namespace},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "maxReplicas": 5},
    }
    lists: list[str] = []
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        await create_mr(ctl.client, "mr", namespace, deployment("web", namespace))
        await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
        send = ctl.client.list

        async def counted_list(api_version: str, kind: str, **options: Any) -> Obj:
            lists.append(kind)
            return await send(api_version, kind, **options)

        ctl.client.list = counted_list  # type: ignore[method-assign]
        await ctl.client.create(hpa)
        cluster.kubectl("scale", "deployment", "web", "-n", namespace, "--replicas=3")
        for _ in range(2):
            cluster.kubectl("annotate", "mr", "mr", "-n", namespace, "gardener.cloud/operation=reconcile")

            async def reconciled() -> bool:
                annotations = (await ctl.mr(namespace, "mr"))["metadata"].get("annotations", {})
                return "gardener.cloud/operation" not in annotations

            await until("the triggered reconcile started", reconciled)
            await until("the controller idle", lambda: not len(ctl.manager.queue) and not ctl.manager.queue.in_flight)
        live = await ctl.client.get("apps/v1", "Deployment", "web", namespace=namespace)
        assert live["spec"]["replicas"] == 3
    assert "HorizontalPodAutoscaler" not in lists
