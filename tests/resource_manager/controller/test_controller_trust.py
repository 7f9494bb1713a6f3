"""Trusting the live object, on the real cluster: hand edits (additions too) are undone within a second while
other controllers' fields stay; a restarted manager writes nothing for objects that match; an object that
exists without our label is read before its first apply; a kind we may not list is not listed again and
again; errors name the object as the manifest does."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from devcluster import Cluster
from kubecore import Client, Conflict, load_kubeconfig
from resource_manager.cmd.install import install_crds
from resource_manager.controller.controller import Controller
from resource_manager.controller.reconciler import Reconciler, Settings
from tests.kstatus.live.manifests import deployment
from tests.kubecore.waiting import until
from tests.resource_manager.controller_harness import (
    RunningController,
    configmap,
    create_mr,
    idle,
    recorded_reads,
    recorded_writes,
    running_controller,
    set_manifests,
    start_controller,
    wait_started,
)

pytestmark = pytest.mark.cluster

Obj = dict[str, Any]
WITHIN = 1.0  # seconds: a hand edit is undone within this


async def repaired_within(what: str, check: Any, seconds: float = WITHIN) -> float:
    started = time.perf_counter()
    await until(what, check, seconds)
    return time.perf_counter() - started


async def test_kubectl_patch_adding_a_data_key_is_undone_within_a_second(cluster: Cluster, namespace: str) -> None:
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        await create_mr(ctl.client, "mr", namespace, configmap("cm", namespace, {"k": "v"}))
        await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
        await idle(ctl)
        before = await ctl.client.get("v1", "ConfigMap", "cm", namespace=namespace)
        patches = ctl.client.transport.stats.count(verb="PATCH")
        cluster.kubectl("patch", "configmap", "cm", "-n", namespace, "-p", '{"data":{"added":"x"}}')

        async def removed() -> bool:
            live = await ctl.client.get("v1", "ConfigMap", "cm", namespace=namespace)
            return bool(live["data"] == {"k": "v"})

        await repaired_within("the added key removed", removed)
        await idle(ctl)
        live = await ctl.client.get("v1", "ConfigMap", "cm", namespace=namespace)
        assert live["metadata"]["uid"] == before["metadata"]["uid"]  # repaired in place, not re-created
        managers = {e["manager"]: e for e in live["metadata"]["managedFields"]}
        assert "kubectl-patch" not in managers  # its only field is ours now, and gone
        assert ctl.client.transport.stats.count(verb="PATCH") == patches + 2  # take over + apply, nothing else
        condition = await ctl.condition(namespace, "mr")
        assert (condition["status"], condition["reason"]) == ("True", "ApplySucceeded")


async def test_kubectl_edit_adding_an_env_var_is_undone(cluster: Cluster, namespace: str) -> None:
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        await create_mr(ctl.client, "mr", namespace, deployment("web", namespace))
        await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
        while True:  # what `kubectl edit` sends: a PUT of the edited object (retried on a concurrent change)
            live = await ctl.client.get("apps/v1", "Deployment", "web", namespace=namespace)
            live["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "DEBUG", "value": "1"}]
            with contextlib.suppress(Conflict):
                await ctl.client.update(live, field_manager="kubectl-edit")
                break

        async def env_gone() -> bool:
            now = await ctl.client.get("apps/v1", "Deployment", "web", namespace=namespace)
            return "env" not in now["spec"]["template"]["spec"]["containers"][0]

        await repaired_within("the added env var removed", env_gone)
        now = await ctl.client.get("apps/v1", "Deployment", "web", namespace=namespace)
        assert now["metadata"]["uid"] == live["metadata"]["uid"]
        assert now["spec"]["template"]["spec"]["containers"][0]["image"] == "example.invalid/app:1"


async def edits_handled(ctl: RunningController, key: str, edited: Obj) -> None:
    """Until the watch delivered ``edited`` and the rounds its events started are done.

    Why: an object deleted while such a round runs is (truthfully) reported missing by that round, which
    writes the MR status twice more (unhealthy, then healthy again once re-created)."""
    watches = ctl.manager.reconciler.cache.watches
    version = edited["metadata"]["resourceVersion"]

    def delivered() -> bool:
        _, cached = watches.cached(("v1", "ConfigMap"), key)
        return cached is not None and cached["metadata"]["resourceVersion"] == version

    await until(f"the watch delivering {key} at {version}", delivered)
    await idle(ctl)


async def test_hand_added_label_and_other_controllers_fields_stay_without_writes(
    cluster: Cluster, namespace: str
) -> None:
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        client = ctl.client
        await create_mr(ctl.client, "mr", namespace, configmap("cm", namespace), configmap("sentinel", namespace))
        await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
        await idle(ctl)
        cluster.kubectl("label", "configmap", "cm", "-n", namespace, "team=x")
        foreign = {"data": {"extra": "1"}}
        await client.patch("v1", "ConfigMap", "cm", foreign, namespace=namespace, field_manager="hpa-like-controller")
        edited = await client.get("v1", "ConfigMap", "cm", namespace=namespace)
        await edits_handled(ctl, f"{namespace}/cm", edited)
        with recorded_writes(client) as writes:
            await client.delete("v1", "ConfigMap", "sentinel", namespace=namespace)
            await repaired_within("sentinel re-created", lambda: ctl.exists("v1", "ConfigMap", "sentinel", namespace))
            await ctl.manager.reconciler.reconcile(namespace, "mr", ctl.manager.secret)  # a resync on top
            await idle(ctl)
        live = await client.get("v1", "ConfigMap", "cm", namespace=namespace)
        assert live["metadata"]["resourceVersion"] == edited["metadata"]["resourceVersion"]  # never written
        assert live["metadata"]["labels"]["team"] == "x"
        assert live["data"] == {"k": "v", "extra": "1"}
        sentinel = f"/api/v1/namespaces/{namespace}/configmaps/sentinel"
        assert writes == [("DELETE", sentinel), ("PATCH", sentinel)]  # the test's DELETE, our re-creation


async def test_an_object_grm_wrote_is_taken_over_and_a_dropped_field_disappears(
    cluster: Cluster, namespace: str
) -> None:
    origin = f"{namespace}/mr"
    grm_style = configmap(
        "cm",
        namespace,
        {"k": "v", "old": "x"},
        labels={"resources.gardener.cloud/managed-by": "gardener"},
        annotations={"resources.gardener.cloud/origin": origin},
    )
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        created = await ctl.client.create(grm_style, field_manager="gardener-resource-manager")
        updated = await ctl.client.update(
            {**created, "data": {"k": "v", "old": "x"}}, field_manager="gardener-resource-manager"
        )
        await create_mr(ctl.client, "mr", namespace, configmap("cm", namespace, {"k": "v", "old": "x"}))
        await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
        await idle(ctl)
        live = await ctl.client.get("v1", "ConfigMap", "cm", namespace=namespace)
        grm = [e for e in live["metadata"]["managedFields"] if e["manager"] == "gardener-resource-manager"]
        assert all(set(e["fieldsV1"]) == {"f:metadata"} for e in grm)  # GRM keeps only metadata
        await set_manifests(ctl.client, "mr", namespace, configmap("cm", namespace, {"k": "v"}))

        async def dropped() -> bool:
            now = await ctl.client.get("v1", "ConfigMap", "cm", namespace=namespace)
            return bool(now["data"] == {"k": "v"})

        await until("the dropped key removed", dropped, 10)
        now = await ctl.client.get("v1", "ConfigMap", "cm", namespace=namespace)
        assert now["metadata"]["uid"] == updated["metadata"]["uid"]


async def test_a_restarted_manager_writes_nothing_for_matching_objects(cluster: Cluster, namespace: str) -> None:
    maps = [configmap(f"cm{i:03}", namespace, {"k": str(i)}) for i in range(200)]
    changing = configmap("changing", namespace, {"k": "v", "dropped": "x"})
    ignored = configmap("ignored", namespace, annotations={"resources.gardener.cloud/ignore": "true"})
    others = [deployment("web", namespace), changing, ignored]
    async with Client(load_kubeconfig([cluster.kubeconfig]), name="trust-test") as client:
        await install_crds(client)
        first = start_controller(client, [namespace])
        await wait_started(first)
        try:
            await create_mr(client, "maps", namespace, *maps)
            await create_mr(client, "others", namespace, *others)
            await first.wait_condition(namespace, "maps", "True", "ApplySucceeded", seconds=90)
            await first.wait_condition(namespace, "others", "True", "ResourcesHealthy", "ResourcesHealthy", 90)
            await idle(first)
        finally:
            await first.stop()
        # while no manager runs, a field leaves the manifest
        await set_manifests(
            client,
            "others",
            namespace,
            deployment("web", namespace),
            configmap("changing", namespace, {"k": "v"}),
            ignored,
        )
        with recorded_writes(client) as writes:
            second = start_controller(client, [namespace])
            try:
                await wait_started(second)
                cache = second.manager.reconciler.cache

                async def dropped() -> bool:
                    live = await client.get("v1", "ConfigMap", "changing", namespace=namespace)
                    return bool(live["data"] == {"k": "v"})

                await until("the dropped key removed after the restart", dropped, 60)
                await idle(second)
                checked = [rk for rk in cache.applied.records if rk[2].startswith(f"{namespace}/")]
                assert len(checked) == 202  # every object verified (the ignore object is never written)
                to_objects = [w for w in writes if "/managedresources/" not in w[1]]  # not the MRs' status
                assert to_objects == [("PATCH", f"/api/v1/namespaces/{namespace}/configmaps/changing")]
                healthy = await second.condition(namespace, "others", "ResourcesHealthy")
                assert (healthy["status"], healthy["reason"]) == ("True", "ResourcesHealthy")
            finally:
                await second.stop()
                await _delete_all_mrs(client, namespace)


def statefulset(name: str, namespace: str, storage: str, replicas: int = 1) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": replicas,
            "serviceName": name,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": "example.invalid/app:1"}]},
            },
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "data"},
                    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": storage}}},
                }
            ],
        },
    }


UNLABELLED = "resources.gardener.cloud/managed-by notin (gardener)"


async def test_a_new_mrs_round_reads_none_of_its_objects(cluster: Cluster, namespace: str) -> None:
    """The complement watch (objects without our label) tells that none of the new objects exists: no GET
    of any of them and no LIST per round; the writes keep their order: finalizer, widened inventory,
    objects, final status."""
    maps = [configmap(f"cm{i}", namespace) for i in range(10)]
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        with recorded_reads(ctl.client) as reads, recorded_writes(ctl.client) as writes:
            await create_mr(ctl.client, "mr", namespace, *maps)
            await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
            await idle(ctl)
        mr = f"/apis/resources.gardener.cloud/v1alpha1/namespaces/{namespace}/managedresources/mr"
        ours = [w for w in writes if w[0] != "POST"]  # not the test's creations
        assert ours[:2] == [("PATCH", mr), ("PUT", f"{mr}/status")]
        assert sorted(ours[2:-1]) == sorted(
            ("PATCH", f"/api/v1/namespaces/{namespace}/configmaps/cm{i}") for i in range(10)
        )
        assert ours[-1] == ("PUT", f"{mr}/status")
        configmaps = [r for r in reads if "configmaps" in r.path]
        assert [r.path for r in configmaps if not r.path.endswith("/configmaps")] == []  # no GET of any object
        selectors = sorted(r.params.get("labelSelector", "") for r in configmaps)
        # only the two watches' initial LISTs: ours, and the complement
        assert selectors == sorted(["resources.gardener.cloud/managed-by=gardener", UNLABELLED])
        for cm in maps:
            assert await ctl.exists("v1", "ConfigMap", cm["metadata"]["name"], namespace)


async def test_an_unlabelled_object_is_read_before_its_first_apply(cluster: Cluster, namespace: str) -> None:
    """Objects that exist without our label are read in full before their first apply (the ownership check
    and the merge need them); the new ones beside them are not read at all."""
    new = [configmap(f"new{i}", namespace) for i in range(3)]
    new += [statefulset(f"new{i}", namespace, "1Gi", replicas=0) for i in range(3)]
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        # owned by another MR, but without our label (e.g. stripped by hand): refused from the first round
        theirs = configmap("shared", namespace, annotations={"resources.gardener.cloud/origin": f"{namespace}/other"})
        await ctl.client.create(theirs)
        # a StatefulSet created by hand: its immutable volumeClaimTemplates are kept from the first round
        existing = await ctl.client.create(statefulset("db", namespace, "1Gi"))
        with recorded_reads(ctl.client) as reads:
            await create_mr(
                ctl.client,
                "mine",
                namespace,
                configmap("shared", namespace, {"mine": "1"}),
                statefulset("db", namespace, "2Gi"),
                *new,
            )
            mr = await ctl.wait_condition(namespace, "mine", "False", "ApplyFailed")
        message = next(c for c in mr["status"]["conditions"] if c["type"] == "ResourcesApplied")["message"]
        assert f'"v1/ConfigMap/{namespace}/shared": it is managed by ManagedResource "{namespace}/other"' in message
        assert "StatefulSet" not in message  # applied
        assert "shared" not in [r["name"] for r in mr["status"]["resources"]]  # never in this MR's inventory
        live = await ctl.client.get("v1", "ConfigMap", "shared", namespace=namespace)
        assert "mine" not in live["data"]
        db = await ctl.client.get("apps/v1", "StatefulSet", "db", namespace=namespace)
        assert db["metadata"]["uid"] == existing["metadata"]["uid"]
        assert db["metadata"]["labels"]["resources.gardener.cloud/managed-by"] == "gardener"
        claim = db["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"]
        assert claim == "1Gi"
        collections = (
            f"/api/v1/namespaces/{namespace}/configmaps/",
            f"/apis/apps/v1/namespaces/{namespace}/statefulsets/",
        )
        objects_read = {r.path.rpartition("/")[2] for r in reads if r.path.startswith(collections)}
        assert objects_read == {"shared", "db"}  # the new ones were never read
        await ctl.client.delete("v1", "ConfigMap", "shared", namespace=namespace)


async def test_refusal_names_the_manifest_kind_not_the_metadata_cache_kind(cluster: Cluster, namespace: str) -> None:
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        await create_mr(ctl.client, "first", namespace, configmap("shared", namespace))
        await ctl.wait_condition(namespace, "first", "True", "ApplySucceeded")
        await create_mr(ctl.client, "second", namespace, configmap("shared", namespace, {"k": "second"}))
        mr = await ctl.wait_condition(namespace, "second", "False", "ApplyFailed")
        message = next(c for c in mr["status"]["conditions"] if c["type"] == "ResourcesApplied")["message"]
        assert message.startswith(f'error during apply of object "v1/ConfigMap/{namespace}/shared": it is managed by')
        assert "PartialObjectMetadata" not in message


@contextlib.asynccontextmanager
async def without_list_rights(cluster: Cluster, client: Client, namespace: str) -> AsyncIterator[Client]:
    """A client of a ServiceAccount that may read and write ConfigMaps in ``namespace`` but not list them."""
    name = "no-list"
    rules = [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "create", "update", "patch", "delete"]}]
    await client.create(
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": namespace}}
    )
    await client.create(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": name, "namespace": namespace},
            "rules": rules,
        }
    )
    await client.create(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": name, "namespace": namespace},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
            "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": namespace}],
        }
    )
    token = cluster.kubectl("create", "token", name, "-n", namespace).stdout.strip()
    config = dataclasses.replace(client.config, token=token, client_cert_data=None, client_key_data=None)
    async with Client(config, name="no-list") as restricted:
        yield restricted


async def test_a_kind_we_may_not_list_is_not_listed_on_every_round(cluster: Cluster, namespace: str) -> None:
    async with Client(load_kubeconfig([cluster.kubeconfig]), name="source") as source:
        await install_crds(source)
        async with without_list_rights(cluster, source, namespace) as target:
            reconciler = Reconciler(source, target, Settings(sync_period=30.0))
            manager = Controller(source, reconciler, namespaces=[namespace], workers=1)
            ctl = RunningController(source, manager, asyncio.create_task(manager.run()))
            await wait_started(ctl)
            try:
                more = [configmap(f"cm{i}", namespace) for i in range(3)]
                await create_mr(source, "mr", namespace, configmap("cm", namespace), *more)
                await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
                lists = target.transport.stats.count(verb="GET", code=403)
                # the first round tried to watch, was told no (the complement watch's LIST is cancelled with ours
                # when it is still in flight) and read each object
                assert lists in (1, 2)
                for _ in range(3):
                    outcome = await reconciler.reconcile(namespace, "mr", manager.secret)
                    assert outcome.error is None
                assert target.transport.stats.count(verb="GET", code=403) == lists  # remembered: no further LIST
                assert reconciler.cache.watched() == []
                # without a watch the objects are read: a hand edit is still undone at the next round
                await source.patch("v1", "ConfigMap", "cm", {"data": {"k": "edited"}}, namespace=namespace)
                await reconciler.reconcile(namespace, "mr", manager.secret)
                live = await source.get("v1", "ConfigMap", "cm", namespace=namespace)
                assert live["data"] == {"k": "v"}
            finally:
                await ctl.stop()
                await _delete_all_mrs(source, namespace)


async def _delete_all_mrs(client: Client, namespace: str) -> None:
    """Delete the test's MRs while a manager runs (its finalizer must be removed)."""
    ctl = start_controller(client, [namespace])
    await wait_started(ctl)
    try:
        items = (await client.list("resources.gardener.cloud/v1alpha1", "ManagedResource", namespace=namespace))[
            "items"
        ]
        for mr in items:
            await client.delete(
                "resources.gardener.cloud/v1alpha1", "ManagedResource", mr["metadata"]["name"], namespace=namespace
            )

        async def gone() -> bool:
            return not (await client.list("resources.gardener.cloud/v1alpha1", "ManagedResource", namespace=namespace))[
                "items"
            ]

        await until("MRs deleted", gone, 120)
    finally:
        await ctl.stop()


async def test_hpas_we_may_not_list_fail_the_scalable_objects_only(cluster: Cluster, namespace: str) -> None:
    """Without the right to list HPAs the replicas rule cannot be decided: the Deployment fails with a message
    saying why, the ConfigMap beside it still applies, and the round ends with a condition (no crash)."""
    async with Client(load_kubeconfig([cluster.kubeconfig]), name="source") as source:
        await install_crds(source)
        async with without_list_rights(cluster, source, namespace) as target:
            reconciler = Reconciler(source, target, Settings(sync_period=30.0))
            manager = Controller(source, reconciler, namespaces=[namespace], workers=1)
            ctl = RunningController(source, manager, asyncio.create_task(manager.run()))
            await wait_started(ctl)
            try:
                await create_mr(source, "mr", namespace, configmap("cm", namespace), deployment("web", namespace))
                mr = await ctl.wait_condition(namespace, "mr", "False", "ApplyFailed")
                [applied] = [c for c in mr["status"]["conditions"] if c["type"] == "ResourcesApplied"]
                assert f"apps/v1/Deployment/{namespace}/web" in applied["message"]
                assert "cannot list HorizontalPodAutoscalers" in applied["message"]
                assert await ctl.exists("v1", "ConfigMap", "cm", namespace)
            finally:
                await ctl.stop()
                await _delete_all_mrs(source, namespace)
