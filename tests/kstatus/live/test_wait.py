"""`watch_status` and `wait` against the real control plane (kwok runs the Pods)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
from collections.abc import Callable

import pytest

from devcluster import Cluster
from kstatus import Status
from kstatus.live.events import Error, Event, ResourceStatus, Sync, Update
from kstatus.live.ids import ObjectId, id_of
from kstatus.live.tracker import Outcome, Tracker
from kstatus.live.wait import wait
from kstatus.live.watch import CLUSTER_WIDE_FROM, watch_status
from kubecore import Client, NotFound
from tests.kstatus.live import manifests
from tests.kubecore.waiting import until

pytestmark = pytest.mark.cluster
FIELD_MANAGER = "kstatus-live-test"
ROLLOUT = 180.0  # kwok is quick, but a loaded 2-core machine is not


class Seen(list[ResourceStatus]):
    """The updates a wait reported, in order; `until` waits for one that satisfies a check."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = asyncio.Event()

    def on_event(self, event: Event, tracker: Tracker) -> None:
        if isinstance(event, Update):
            self.append(event.resource)
            self.changed.set()

    async def until(self, check: Callable[[Seen], bool]) -> None:
        async with asyncio.timeout(ROLLOUT):
            while not check(self):
                self.changed.clear()
                await self.changed.wait()


async def test_deployment_rollout_waits_until_current(client: Client, namespace: str) -> None:
    web = manifests.deployment("web", namespace, replicas=2)
    await client.apply(web, field_manager=FIELD_MANAGER)
    seen = Seen()
    result = await wait(client, [id_of(web)], timeout=ROLLOUT, on_event=seen.on_event)
    assert (result.outcome, result.aggregate) == (Outcome.REACHED, Status.CURRENT)
    [final] = result.statuses
    assert final.message == "Deployment is available. Replicas: 2"
    assert [p.message for p in final.generated[0].generated] == ["Pod is Ready"] * 2
    assert seen[0].status == Status.IN_PROGRESS  # it followed the rollout, it did not just read the end
    assert all(a.signature != b.signature for a, b in itertools.pairwise(seen))  # deduplicated


async def test_crash_looping_deployment_fails_fast(client: Client, namespace: str) -> None:
    crashy = manifests.deployment("crashy", namespace, crash_loop=True)
    await client.apply(crashy, field_manager=FIELD_MANAGER)
    never = ObjectId("", "ConfigMap", namespace, "never-created")  # keeps the aggregate from ending the wait
    result = await wait(client, [id_of(crashy), never], timeout=ROLLOUT, fail_fast=True)
    assert result.outcome == Outcome.FAILED  # not TIMED_OUT: long before the timeout and the progress deadline
    deployment, missing = result.statuses
    assert deployment.status == Status.IN_PROGRESS  # upstream's status; the wait gave up on its ReplicaSet
    [rs] = deployment.generated
    assert (rs.status, rs.message) == (Status.FAILED, "1 pods have failed")
    assert rs.generated[0].message == "Containers in CrashLoop state: app"
    assert missing.status == Status.NOT_FOUND


async def test_custom_resource_is_picked_up_when_its_crd_is_established(client: Client, namespace: str) -> None:
    group = manifests.unique_group()
    widget = ObjectId(group, "Widget", namespace, "w")
    definition = manifests.crd(group, "Widget")
    seen = Seen()
    waiting = asyncio.create_task(wait(client, [widget], timeout=ROLLOUT, on_event=seen.on_event))
    try:
        await seen.until(bool)
        assert (seen[0].status, seen[0].message) == (
            Status.NOT_FOUND,
            f"Resource not found: the cluster does not serve kind Widget.{group}",
        )
        await client.apply(definition, field_manager=FIELD_MANAGER)
        await until_served(client, f"{group}/v1", "Widget")
        await client.create(manifests.custom(group, "Widget", "w", namespace))
        await client.patch(
            f"{group}/v1",
            "Widget",
            "w",
            {"status": {"conditions": [{"type": "Ready", "status": "True"}]}},
            namespace=namespace,
            subresource="status",
        )
        result = await waiting
    finally:
        waiting.cancel()
        await client.delete(definition["apiVersion"], definition["kind"], definition["metadata"]["name"])
    assert result.outcome == Outcome.REACHED
    assert result.statuses[0].message in ("Resource is Ready", "Resource is current")


async def test_wait_for_deletion(client: Client, namespace: str) -> None:
    web = manifests.deployment("web", namespace)
    settings = manifests.config_map("settings", namespace)
    for obj in (web, settings):
        await client.apply(obj, field_manager=FIELD_MANAGER)
    ids = [id_of(web), id_of(settings), ObjectId("", "Secret", namespace, "already-gone")]
    seen = Seen()
    waiting = asyncio.create_task(wait(client, ids, desired=Status.NOT_FOUND, timeout=ROLLOUT, on_event=seen.on_event))
    await seen.until(lambda got: {s.id for s in got} == set(ids))
    assert not waiting.done()
    await client.delete("apps/v1", "Deployment", "web", namespace=namespace)
    await client.delete("v1", "ConfigMap", "settings", namespace=namespace)
    result = await waiting
    assert (result.outcome, result.aggregate) == (Outcome.REACHED, Status.NOT_FOUND)
    assert [s.message for s in result.statuses] == ["Resource not found"] * 3


async def test_unschedulable_pod_turns_failed_when_its_window_ends_without_an_event(
    client: Client, namespace: str
) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "nowhere", "namespace": namespace},
        "spec": {"nodeSelector": {"no-such": "node"}, "containers": [{"name": "app", "image": "x/y:1"}]},
    }
    await client.create(pod)

    async def marked_unschedulable() -> bool:
        live = await client.get("v1", "Pod", "nowhere", namespace=namespace)
        conditions = live.get("status", {}).get("conditions", [])
        return any(c["type"] == "PodScheduled" and c["status"] == "False" for c in conditions)

    # Watch only once the scheduler has written its verdict: from then on nothing changes the Pod, so
    # the Failed status must come from the end of the window, not from an event.
    await until("the scheduler to mark the Pod unschedulable", marked_unschedulable, ROLLOUT)
    statuses: list[ResourceStatus] = []
    async with contextlib.aclosing(watch_status(client, [id_of(pod)])) as events:
        async with asyncio.timeout(ROLLOUT):
            async for event in events:
                if isinstance(event, Update):
                    statuses.append(event.resource)
                    if event.resource.status == Status.FAILED:
                        break
    waiting = next(s for s in statuses if s.message == "Pod has not been scheduled")
    final = statuses[-1]
    assert (final.status, final.message) == (Status.FAILED, "Pod could not be scheduled")
    assert final.resource is not None and waiting.resource is not None
    assert final.resource["metadata"]["resourceVersion"] == waiting.resource["metadata"]["resourceVersion"]


async def test_sync_follows_the_first_status_of_every_object(client: Client, namespace: str) -> None:
    names = [f"cm-{i}" for i in range(5)]
    for name in names:
        await client.apply(manifests.config_map(name, namespace), field_manager=FIELD_MANAGER)
    ids = [ObjectId("", "ConfigMap", namespace, n) for n in names]
    events: list[Event] = []
    async with contextlib.aclosing(watch_status(client, ids)) as stream:
        async for event in stream:
            events.append(event)
            if isinstance(event, Sync):
                break
    assert {e.resource.id for e in events[:-1] if isinstance(e, Update)} == set(ids)
    assert isinstance(events[-1], Sync)


async def until_served(client: Client, api_version: str, kind: str) -> None:
    """The CRD's kind is in discovery (create calls need it; the wait found it on its own)."""
    async with asyncio.timeout(ROLLOUT):
        while True:
            with contextlib.suppress(Exception):
                await client.mapper.refresh()
                await client.resource(api_version, kind)
                return
            await asyncio.sleep(0.1)


async def test_a_watched_pod_does_not_narrow_the_pods_its_replicaset_sees(client: Client, namespace: str) -> None:
    web = manifests.deployment("web", namespace, replicas=2)
    await client.apply(web, field_manager=FIELD_MANAGER)
    assert (await wait(client, [id_of(web)], timeout=ROLLOUT)).outcome == Outcome.REACHED
    [rs] = (await client.list("apps/v1", "ReplicaSet", namespace=namespace))["items"]
    pods = (await client.list("v1", "Pod", namespace=namespace))["items"]
    result = await wait(client, [id_of(pods[0]), id_of(rs)], timeout=ROLLOUT)  # one Pod alone would be narrowed
    assert result.outcome == Outcome.REACHED
    assert sorted(p.id.name for p in result.statuses[1].generated) == sorted(p["metadata"]["name"] for p in pods)


async def test_a_kind_whose_crd_is_deleted_and_reinstalled_is_followed(client: Client, namespace: str) -> None:
    group = manifests.unique_group()
    definition = manifests.crd(group, "Widget")
    crd_name = definition["metadata"]["name"]
    widget = manifests.custom(group, "Widget", "w", namespace)

    async def install() -> None:
        await client.apply(definition, field_manager=FIELD_MANAGER)
        await until_served(client, f"{group}/v1", "Widget")
        await client.create(widget)

    await install()
    seen: list[ResourceStatus] = []
    try:
        async with contextlib.aclosing(watch_status(client, [id_of(widget)])) as events, asyncio.timeout(ROLLOUT):
            async for event in events:
                if not isinstance(event, Update):
                    continue
                seen.append(event.resource)
                if len(seen) == 1:
                    assert event.resource.status == Status.CURRENT
                    await client.delete(definition["apiVersion"], definition["kind"], crd_name)
                elif event.resource.text.startswith("Resource not found: the cluster does not serve"):
                    await until_gone(client, crd_name)
                    await install()
                elif event.resource.status == Status.CURRENT:
                    break
    finally:
        await client.delete(definition["apiVersion"], definition["kind"], crd_name)
    statuses = [(s.status, s.text) for s in seen]
    assert statuses[:3] == [
        (Status.CURRENT, "Resource is current"),
        (Status.NOT_FOUND, "Resource not found"),  # the CR went first
        (Status.NOT_FOUND, f"Resource not found: the cluster does not serve kind Widget.{group}"),  # then its kind
    ]
    # Back once the CRD is established again (NotFound between, if the informer listed before the CR came).
    assert statuses[3:] in (
        [(Status.CURRENT, "Resource is current")],
        [(Status.NOT_FOUND, "Resource not found"), (Status.CURRENT, "Resource is current")],
    )


async def until_gone(client: Client, crd_name: str) -> None:
    """The deleted CRD is gone (its CRs were removed first), so it can be created again."""
    async with asyncio.timeout(ROLLOUT):
        while True:
            try:
                await client.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", crd_name)
            except NotFound:
                return
            await asyncio.sleep(0.1)


async def test_forbidden_ends_the_watch_with_an_error_and_the_wait_with_error(
    cluster: Cluster, client: Client, namespace: str
) -> None:
    cluster.kubectl("create", "serviceaccount", "nobody", "-n", namespace)
    token = cluster.kubectl("create", "token", "nobody", "-n", namespace).stdout.strip()
    config = dataclasses.replace(client.config, token=token, client_cert_data=None, client_key_data=None)
    secret = ObjectId("", "Secret", namespace, "s")
    async with Client(config, name="nobody") as nobody:
        async with contextlib.aclosing(watch_status(nobody, [secret])) as events, asyncio.timeout(ROLLOUT):
            received = [event async for event in events]
        result = await wait(nobody, [secret], timeout=ROLLOUT)
    [error] = received
    assert isinstance(error, Error)
    assert error.message.startswith("Forbidden (403) on GET /api/v1/namespaces/")
    assert f'User "system:serviceaccount:{namespace}:nobody" cannot list resource "secrets"' in error.message
    assert (result.outcome, result.error) == (Outcome.ERROR, error.message)


async def test_changes_made_while_nobody_reads_are_computed_once_at_the_newest_version(
    client: Client, namespace: str
) -> None:
    group = manifests.unique_group()
    definition = manifests.crd(group, "Widget")
    await client.apply(definition, field_manager=FIELD_MANAGER)
    try:
        await until_served(client, f"{group}/v1", "Widget")
        widget = await client.create(manifests.custom(group, "Widget", "w", namespace))
        changes = 30
        async with contextlib.aclosing(watch_status(client, [id_of(widget)])) as events, asyncio.timeout(ROLLOUT):
            first = await anext(events)
            assert isinstance(first, Update) and first.resource.text == "Resource is current"
            for n in range(changes):  # the engine only marks the object dirty; nothing reads the events
                ready = {"type": "Ready", "status": "False", "reason": "Busy", "message": f"step {n}"}
                await client.patch(
                    f"{group}/v1",
                    "Widget",
                    "w",
                    {"status": {"conditions": [ready]}},
                    namespace=namespace,
                    subresource="status",
                )
            steps = []
            async for event in events:
                if isinstance(event, Update):
                    steps.append(int(event.resource.text.removeprefix("step ")))
                    if steps[-1] == changes - 1:
                        break
    finally:
        await client.delete(definition["apiVersion"], definition["kind"], definition["metadata"]["name"])
    assert steps == sorted(set(steps))  # never an older version after a newer one
    assert len(steps) < changes // 2  # coalesced: computed from the cache when read, not per event


async def test_a_kind_spread_over_many_namespaces_is_watched_by_one_informer(
    cluster: Cluster, client: Client, namespace: str
) -> None:
    """Eleven namespaces, each with a Deployment "web" whose Pods carry the same labels: one watch per
    kind for all of them, and each Deployment still sees only its own namespace's ReplicaSet and Pod."""
    namespaces = [namespace] + [f"{namespace}-{i}" for i in range(CLUSTER_WIDE_FROM)]
    for ns in namespaces[1:]:
        cluster.kubectl("create", "namespace", ns)
    try:
        for ns in namespaces:
            await client.apply(manifests.deployment("web", ns), field_manager=FIELD_MANAGER)
        ids = [ObjectId("apps", "Deployment", ns, "web") for ns in namespaces]
        async with Client(client.config, name="spread") as watcher:
            result = await wait(watcher, ids, timeout=ROLLOUT)
            watches = watcher.transport.stats.count(verb="WATCH")
    finally:
        for ns in namespaces[1:]:
            cluster.kubectl("delete", "namespace", ns, "--wait=false")
    assert result.outcome == Outcome.REACHED
    assert watches == 3  # Deployments, ReplicaSets and Pods, each for all namespaces at once
    for status in result.statuses:
        [rs] = status.generated
        [pod] = rs.generated
        assert rs.id.namespace == pod.id.namespace == status.id.namespace
