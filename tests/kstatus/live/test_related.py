"""The options that read other objects, against the real control plane: Services wait for ready
endpoints (EndpointSlices from kube-controller-manager's endpointslice controller), budgets are
observed by the disruption controller, and workloads wait for the budgets over their Pods (kwok
makes the Pods Ready, or NotReady when they crash-loop)."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from kstatus import Options, Status
from kstatus.live.events import ResourceStatus, Update
from kstatus.live.fetch import fetch_and_resolve
from kstatus.live.ids import ObjectId, id_of
from kstatus.live.watch import watch_status
from kubecore import Client
from tests.kstatus.live import manifests
from tests.kstatus.live.manifests import Obj

pytestmark = pytest.mark.cluster
FIELD_MANAGER = "kstatus-live-test"
ROLLOUT = 180.0  # kwok is quick, but a loaded 2-core machine is not
ENDPOINTS = Options(endpoints=True)
BUDGETS = Options(budgets=True)


def service(name: str, namespace: str, **spec: object) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"selector": {"app": name}, "ports": [{"port": 80}], **spec},
    }


def budget(name: str, namespace: str, app: str, **spec: object) -> Obj:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"selector": {"matchLabels": {"app": app}}, **spec},
    }


def stateful_set(name: str, namespace: str, *, crash_loop: bool) -> Obj:
    """An OnDelete StatefulSet: upstream calls it Current whatever its Pods do."""
    template = manifests.deployment(name, namespace, crash_loop=crash_loop)["spec"]["template"]
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": 1,
            "serviceName": name,
            "selector": {"matchLabels": {"app": name}},
            "updateStrategy": {"type": "OnDelete"},
            "template": template,
        },
    }


async def until_status(
    client: Client, oid: ObjectId, options: Options, wanted: Status, message: str | None = None
) -> ResourceStatus:
    """Re-fetch until `oid` has the wanted status (and message): a wait for a condition."""
    async with asyncio.timeout(ROLLOUT):
        while True:
            [result] = await fetch_and_resolve(client, [oid], options=options)
            if result.status == wanted and message in (None, result.message):
                return result
            await asyncio.sleep(0.2)


async def test_service_waits_for_a_ready_endpoint(client: Client, namespace: str) -> None:
    web = service("web", namespace)
    await client.apply(web, field_manager=FIELD_MANAGER)
    [upstream] = await fetch_and_resolve(client, [id_of(web)])
    assert (upstream.status, upstream.message) == (Status.CURRENT, "Service is ready")
    waiting = await until_status(client, id_of(web), ENDPOINTS, Status.IN_PROGRESS)
    assert waiting.message == "Service has no ready endpoints"

    # Pods that are running but never Ready give endpoints that are not ready: still InProgress.
    await client.apply(manifests.deployment("web", namespace, crash_loop=True), field_manager=FIELD_MANAGER)

    async def slice_with_unready_endpoint() -> ResourceStatus:
        while True:
            [status] = await fetch_and_resolve(client, [id_of(web)], options=ENDPOINTS)
            endpoints = [e for g in status.generated for e in (g.resource or {}).get("endpoints") or []]
            if endpoints:
                return status
            await asyncio.sleep(0.2)

    async with asyncio.timeout(ROLLOUT):
        crashing = await slice_with_unready_endpoint()
    assert (crashing.status, crashing.message) == (Status.IN_PROGRESS, "Service has no ready endpoints")
    assert [g.id.kind for g in crashing.generated] == ["EndpointSlice"]

    await client.apply(manifests.deployment("web", namespace), field_manager=FIELD_MANAGER)  # Pods become Ready
    ready = await until_status(client, id_of(web), ENDPOINTS, Status.CURRENT)
    assert ready.message == "Service is ready"


async def test_selectorless_and_external_name_services_do_not_wait(client: Client, namespace: str) -> None:
    bare = {**service("bare", namespace), "spec": {"ports": [{"port": 80}]}}
    alias = service("alias", namespace, type="ExternalName", externalName="example.com")
    for obj in (bare, alias):
        await client.apply(obj, field_manager=FIELD_MANAGER)
    statuses = await fetch_and_resolve(client, [id_of(bare), id_of(alias)], options=ENDPOINTS)
    assert [(s.status, s.message) for s in statuses] == [(Status.CURRENT, "Service is ready")] * 2


async def test_watch_sees_the_service_turn_current_when_its_pods_get_ready(client: Client, namespace: str) -> None:
    web = service("web", namespace)
    await client.apply(web, field_manager=FIELD_MANAGER)
    async with contextlib.aclosing(watch_status(client, [id_of(web)], options=ENDPOINTS)) as events:
        seen: list[tuple[Status, str]] = []
        async with asyncio.timeout(ROLLOUT):
            async for event in events:
                if not isinstance(event, Update):
                    continue
                seen.append((event.resource.status, event.resource.message))
                if event.resource.status == Status.CURRENT:
                    break
                if len(seen) == 1:  # the first status is out: now give the Service a ready Pod
                    await client.apply(manifests.deployment("web", namespace), field_manager=FIELD_MANAGER)
    assert seen[0] == (Status.IN_PROGRESS, "Service has no ready endpoints")
    assert seen[-1] == (Status.CURRENT, "Service is ready")


async def test_budget_is_current_once_observed(client: Client, namespace: str) -> None:
    pdb = budget("web", namespace, "web", minAvailable=1)
    await client.create(pdb)
    observed = Options(pdb="observed")
    result = await until_status(client, id_of(pdb), observed, Status.CURRENT)
    assert result.message == "AllowedDisruptions has been computed."
    assert result.resource is not None
    assert result.resource["status"]["observedGeneration"] == result.resource["metadata"]["generation"]
    assert result.resource["status"]["disruptionsAllowed"] == 0  # no Pods: none allowed, yet Current


async def test_deployment_waits_for_a_budget_its_replicas_cannot_meet(client: Client, namespace: str) -> None:
    web = manifests.deployment("web", namespace, replicas=2)
    await client.apply(web, field_manager=FIELD_MANAGER)
    await client.apply(budget("web-pdb", namespace, "web", minAvailable=3), field_manager=FIELD_MANAGER)
    upstream = await until_status(client, id_of(web), Options(), Status.CURRENT)
    assert upstream.message == "Deployment is available. Replicas: 2"
    short = await until_status(client, id_of(web), BUDGETS, Status.IN_PROGRESS)
    assert short.message == "PodDisruptionBudget web-pdb needs 3 healthy Pods, 2 are ready"

    # The watch follows a scale-up to what the budget needs.
    async with contextlib.aclosing(watch_status(client, [id_of(web)], options=BUDGETS)) as events:
        seen: list[str] = []
        async with asyncio.timeout(ROLLOUT):
            async for event in events:
                if isinstance(event, Update):
                    seen.append(event.resource.message)
                    if event.resource.status == Status.CURRENT:
                        break
                    if len(seen) == 1:
                        scaled = manifests.deployment("web", namespace, replicas=3)
                        await client.apply(scaled, field_manager=FIELD_MANAGER)
    assert seen[0] == "PodDisruptionBudget web-pdb needs 3 healthy Pods, 2 are ready"
    assert seen[-1] == "Deployment is available. Replicas: 3"


async def test_watch_reacts_to_a_budget_change(client: Client, namespace: str) -> None:
    web = manifests.deployment("web", namespace, replicas=1)
    await client.apply(web, field_manager=FIELD_MANAGER)
    await until_status(client, id_of(web), Options(), Status.CURRENT)
    async with contextlib.aclosing(watch_status(client, [id_of(web)], options=BUDGETS)) as events:
        seen: list[str] = []
        async with asyncio.timeout(ROLLOUT):
            async for event in events:
                if isinstance(event, Update):
                    seen.append(event.resource.message)
                    if len(seen) == 1:
                        pdb = budget("web-pdb", namespace, "web", minAvailable=2)
                        await client.apply(pdb, field_manager=FIELD_MANAGER)
                    elif event.resource.status == Status.IN_PROGRESS:
                        break
    assert seen[0] == "Deployment is available. Replicas: 1"
    assert seen[-1] == "PodDisruptionBudget web-pdb needs 2 healthy Pods, 1 are ready"


async def test_on_delete_stateful_set_waits_for_ready_pods_under_a_budget(client: Client, namespace: str) -> None:
    db = stateful_set("db", namespace, crash_loop=True)
    await client.apply(db, field_manager=FIELD_MANAGER)
    await client.apply(budget("db-pdb", namespace, "db", minAvailable=1), field_manager=FIELD_MANAGER)
    [upstream] = await fetch_and_resolve(client, [id_of(db)])
    assert (upstream.status, upstream.message) == (Status.CURRENT, "StatefulSet is using the ondelete update strategy")

    async def crash_looping_pod() -> ResourceStatus:
        while True:
            [status] = await fetch_and_resolve(client, [id_of(db)], options=BUDGETS)
            if status.generated and status.generated[0].status == Status.FAILED:
                return status
            await asyncio.sleep(0.2)

    async with asyncio.timeout(ROLLOUT):
        status = await crash_looping_pod()
    assert (status.status, status.message) == (Status.FAILED, "1 pods have failed")  # InProgress + a Failed Pod
    assert status.generated[0].message == "Containers in CrashLoop state: app"
