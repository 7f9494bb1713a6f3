"""The MR lifecycle on the real cluster: status as GRM writes it, finalizer per class, class filtering and
hand-over, the MR ignore annotation, operation=reconcile, a Secret created after its MR, deletion."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from devcluster import Cluster
from kubecore.ratelimit import ItemExponentialRateLimiter
from resource_manager.controller.reconciler import Settings
from tests.kubecore.waiting import until
from tests.resource_manager.controller_harness import (
    MR,
    configmap,
    create_mr,
    managed_resource,
    manifests,
    running_controller,
    secret,
    set_manifests,
)

pytestmark = pytest.mark.cluster

Obj = dict[str, Any]
FINALIZER = "resources.gardener.cloud/gardener-resource-manager"


def _conditions(mr: Obj) -> dict[str, Obj]:
    return {c["type"]: c for c in mr["status"]["conditions"]}


async def test_status_is_written_as_grm_writes_it(cluster: Cluster, namespace: str) -> None:
    docs = [
        configmap("b", namespace),
        {
            **configmap("a", namespace),
            "metadata": {"name": "a", "namespace": namespace, "labels": {"x": "1"}, "annotations": {"note": "2"}},
        },
    ]
    svc = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa", "namespace": namespace}}
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        await create_mr(ctl.client, "mr", namespace, *docs, svc, injectLabels={"team": "t"})
        mr = await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
        assert mr["metadata"]["finalizers"] == [FINALIZER]
        assert mr["status"]["observedGeneration"] == mr["metadata"]["generation"]
        raw = manifests(*docs, svc).encode()
        assert mr["status"]["secretsDataChecksum"] == hashlib.sha256(raw * 3).hexdigest()  # once per object
        labels = {"team": "t", "resources.gardener.cloud/managed-by": "gardener"}
        assert mr["status"]["resources"] == [  # sorted by group/kind/namespace/name
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "name": "a",
                "namespace": namespace,
                "labels": {"x": "1", **labels},
                "annotations": {"note": "2"},
            },
            {"apiVersion": "v1", "kind": "ConfigMap", "name": "b", "namespace": namespace, "labels": labels},
            {"apiVersion": "v1", "kind": "ServiceAccount", "name": "sa", "namespace": namespace, "labels": labels},
        ]
        conditions = _conditions(mr)
        assert [c["type"] for c in mr["status"]["conditions"]] == [
            "ResourcesHealthy",
            "ResourcesProgressing",
            "ResourcesApplied",
        ]
        # health is judged in the same round (from the watch cache), so ChecksPending is never left behind
        assert (conditions["ResourcesHealthy"]["status"], conditions["ResourcesHealthy"]["reason"]) == (
            "True",
            "ResourcesHealthy",
        )
        assert conditions["ResourcesProgressing"]["reason"] == "ResourcesRolledOut"
        assert conditions["ResourcesApplied"]["message"] == "All resources are applied."
        applied_at = conditions["ResourcesApplied"]["lastTransitionTime"]

        # a reconcile that changes nothing writes nothing: same resourceVersion afterwards
        cluster.kubectl("annotate", "mr", "mr", "-n", namespace, "gardener.cloud/operation=reconcile")

        async def annotation_removed() -> bool:
            return "gardener.cloud/operation" not in (await ctl.mr(namespace, "mr"))["metadata"].get("annotations", {})

        await until("the operation annotation removed", annotation_removed)
        unchanged = await ctl.mr(namespace, "mr")
        assert unchanged["status"] == mr["status"]
        # zero writes when nothing changed (spec 10.2): one more reconcile, no PATCH/PUT/POST/DELETE at all
        writes = ctl.client.transport.stats.writes
        outcome = await ctl.manager.reconciler.reconcile(namespace, "mr", ctl.manager.secret)
        assert outcome.error is None and outcome.requeue_after == 30.0
        assert ctl.client.transport.stats.writes == writes

        await set_manifests(ctl.client, "mr", namespace, *docs)  # the set changes: checks reset, then applied
        mr = await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")

        async def shrunk() -> bool:
            return len((await ctl.mr(namespace, "mr"))["status"]["resources"]) == 2

        await until("the ServiceAccount pruned and the inventory narrowed", shrunk)
        mr = await ctl.mr(namespace, "mr")
        assert mr["status"]["secretsDataChecksum"] == hashlib.sha256(manifests(*docs).encode() * 2).hexdigest()
        assert _conditions(mr)["ResourcesApplied"]["lastTransitionTime"] >= applied_at


async def test_secret_created_after_its_mr_triggers_the_reconcile(cluster: Cluster, namespace: str) -> None:
    slow_retries = ItemExponentialRateLimiter(base=120.0, cap=120.0)  # only the Secret's event can be in time
    async with running_controller(cluster.kubeconfig, [namespace], rate_limiter=slow_retries) as ctl:
        await ctl.client.create(managed_resource("mr", namespace, ["late"]))
        mr = await ctl.wait_condition(namespace, "mr", "False", "CannotReadSecret")
        assert _conditions(mr)["ResourcesApplied"]["message"] == 'secrets "late" not found'
        await ctl.client.create(secret("late", namespace, {"cm.yaml": manifests(configmap("cm", namespace))}))
        await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded", seconds=20)
        assert await ctl.exists("v1", "ConfigMap", "cm", namespace)


async def test_mr_ignore_annotation_and_deletion_path(cluster: Cluster, namespace: str) -> None:
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        await create_mr(ctl.client, "mr", namespace, configmap("cm", namespace))
        await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
        cluster.kubectl("annotate", "mr", "mr", "-n", namespace, "resources.gardener.cloud/ignore=true")
        mr = await ctl.wait_condition(namespace, "mr", "True", "ManagedResourceIgnored")
        conditions = _conditions(mr)
        assert (conditions["ResourcesHealthy"]["status"], conditions["ResourcesHealthy"]["reason"]) == (
            "True",
            "ManagedResourceIgnored",
        )
        assert (conditions["ResourcesProgressing"]["status"], conditions["ResourcesProgressing"]["reason"]) == (
            "False",
            "ManagedResourceIgnored",
        )
        assert conditions["ResourcesApplied"]["message"] == "ManagedResource is marked to be ignored."
        await ctl.client.patch("v1", "ConfigMap", "cm", {"data": {"k": "by-hand"}}, namespace=namespace)
        cluster.kubectl("annotate", "mr", "mr", "-n", namespace, "gardener.cloud/operation=reconcile")

        async def annotation_removed() -> bool:
            return "gardener.cloud/operation" not in (await ctl.mr(namespace, "mr"))["metadata"].get("annotations", {})

        await until("the operation annotation removed", annotation_removed)
        assert (await ctl.client.get("v1", "ConfigMap", "cm", namespace=namespace))["data"] == {"k": "by-hand"}

        cluster.kubectl("annotate", "mr", "mr", "-n", namespace, "resources.gardener.cloud/ignore-")
        await ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
        assert (await ctl.client.get("v1", "ConfigMap", "cm", namespace=namespace))["data"] == {"k": "v"}

        # deletion: an object held by a finalizer keeps the MR in DeletionPending, naming the object
        await ctl.client.patch(
            "v1", "ConfigMap", "cm", {"metadata": {"finalizers": ["test.example.com/hold"]}}, namespace=namespace
        )
        await ctl.client.delete(*MR, "mr", namespace=namespace)
        pending = f'deletion of old resource "v1/ConfigMap/{namespace}/cm" is still pending'
        try:

            async def named_pending() -> bool:
                return pending in (await ctl.condition(namespace, "mr"))["message"]

            await until("DeletionPending naming the held ConfigMap", named_pending)
            conditions = _conditions(await ctl.mr(namespace, "mr"))
            assert (conditions["ResourcesApplied"]["status"], conditions["ResourcesApplied"]["reason"]) == (
                "Progressing",
                "DeletionPending",
            )
            assert (conditions["ResourcesHealthy"]["status"], conditions["ResourcesHealthy"]["reason"]) == (
                "False",
                "DeletionPending",
            )
            assert (conditions["ResourcesProgressing"]["status"], conditions["ResourcesProgressing"]["reason"]) == (
                "True",
                "DeletionPending",
            )
        finally:
            await ctl.client.patch("v1", "ConfigMap", "cm", {"metadata": {"finalizers": None}}, namespace=namespace)

        async def mr_gone() -> bool:
            return not await ctl.exists(*MR, "mr", namespace)

        await until("the MR gone after its objects", mr_gone, 30)
        assert not await ctl.exists("v1", "ConfigMap", "cm", namespace)


async def test_class_filter_finalizer_per_class_and_hand_over(cluster: Cluster, namespace: str) -> None:
    seed = Settings(resource_class="seed", sync_period=30.0)
    async with running_controller(cluster.kubeconfig, [namespace]) as default_ctl:
        await create_mr(default_ctl.client, "seeded", namespace, configmap("s", namespace), **{"class": "seed"})
        cluster.kubectl("annotate", "mr", "seeded", "-n", namespace, "gardener.cloud/operation=reconcile")
        await create_mr(default_ctl.client, "mr", namespace, configmap("cm", namespace))
        await default_ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
        untouched = await default_ctl.mr(namespace, "seeded")
        assert "finalizers" not in untouched["metadata"] and "status" not in untouched  # not our class
        assert untouched["metadata"]["annotations"]["gardener.cloud/operation"] == "reconcile"  # not ours to take
        assert not await default_ctl.exists("v1", "ConfigMap", "s", namespace)

        async with running_controller(cluster.kubeconfig, [namespace], seed) as seed_ctl:
            seeded = await seed_ctl.wait_condition(namespace, "seeded", "True", "ApplySucceeded")
            assert seeded["metadata"]["finalizers"] == [f"{FINALIZER}-seed"]
            assert "gardener.cloud/operation" not in seeded["metadata"].get("annotations", {})
            before = await seed_ctl.client.get("v1", "ConfigMap", "cm", namespace=namespace)

            # hand-over: the default-class controller deletes its objects and lets go, then "seed" applies
            patch = {"spec": {"class": "seed"}}
            await seed_ctl.client.patch(*MR, "mr", patch, namespace=namespace)

            async def handed_over() -> bool:
                mr = await seed_ctl.mr(namespace, "mr")
                return bool(mr["metadata"].get("finalizers") == [f"{FINALIZER}-seed"]) and await seed_ctl.exists(
                    "v1", "ConfigMap", "cm", namespace
                )

            await until("the seed controller to take over", handed_over, 60)
            mr = await seed_ctl.wait_condition(namespace, "mr", "True", "ApplySucceeded")
            after = await seed_ctl.client.get("v1", "ConfigMap", "cm", namespace=namespace)
            assert after["metadata"]["uid"] != before["metadata"]["uid"]  # deleted by the old class, re-created
            assert mr["status"]["resources"][0]["name"] == "cm"
