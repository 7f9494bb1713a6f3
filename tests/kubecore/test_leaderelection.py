"""Leader election against the real API server: two contenders, handover, expiry, lost lease."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from devcluster import Cluster
from kubecore import Client, load_kubeconfig
from kubecore.leaderelection import LEASE_API, LeaderElector, LeaseLost
from tests.kubecore.waiting import until

pytestmark = pytest.mark.cluster


@pytest.fixture
async def second_client(cluster: Cluster) -> AsyncIterator[Client]:
    """A second, independent client: the other contender is another process in real life."""
    async with Client(load_kubeconfig([cluster.kubeconfig]), name="contender-b") as c:
        yield c


def leader_work(started: asyncio.Event) -> Callable[[], Awaitable[None]]:
    async def lead() -> None:
        started.set()
        await asyncio.Event().wait()  # work until cancelled

    return lead


def elector(client: Client, namespace: str, identity: str, **timing: Any) -> LeaderElector:
    return LeaderElector(client, lease_name="kubecore-test", lease_namespace=namespace, identity=identity, **timing)


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@contextlib.asynccontextmanager
async def a_leads_b_waits(
    clients: tuple[Client, Client], namespace: str, **timing: Any
) -> AsyncIterator[tuple[LeaderElector, LeaderElector, asyncio.Task[None], asyncio.Event]]:
    """Contender a holds the lease and b has seen that; yields (a, b, a's task, b-leads event)."""
    a, b = elector(clients[0], namespace, "a", **timing), elector(clients[1], namespace, "b", **timing)
    a_leads, b_leads = asyncio.Event(), asyncio.Event()
    task_a = asyncio.create_task(a.run(leader_work(a_leads)))
    await asyncio.wait_for(a_leads.wait(), 10)
    task_b = asyncio.create_task(b.run(leader_work(b_leads)))
    try:
        await until("b sees a as leader", lambda: b.leader == "a")
        assert a.is_leader and not b.is_leader and not b_leads.is_set()
        yield a, b, task_a, b_leads
    finally:
        await stop(task_a)
        await stop(task_b)


async def test_two_contenders_and_handover_on_release(client: Client, second_client: Client, namespace: str) -> None:
    timing = {"lease_duration": 10.0, "renew_deadline": 5.0, "retry_period": 0.3}
    async with a_leads_b_waits((client, second_client), namespace, **timing) as (a, b, task_a, b_leads):
        loop = asyncio.get_running_loop()
        stopped_at = loop.time()
        await stop(task_a)  # clean shutdown: a releases the lease
        await asyncio.wait_for(b_leads.wait(), 10)
        assert loop.time() - stopped_at < 5.0  # well before the 10 s lease would have expired
        assert b.is_leader and not a.is_leader
        lease = await client.get(LEASE_API, "Lease", "kubecore-test", namespace=namespace)
        assert lease["spec"]["holderIdentity"] == "b"
        assert lease["spec"]["leaseTransitions"] == 1
        assert lease["spec"]["leaseDurationSeconds"] == 10


async def test_crashed_leader_is_replaced_after_expiry(client: Client, second_client: Client, namespace: str) -> None:
    timing = {"lease_duration": 2.0, "renew_deadline": 1.5, "retry_period": 0.2, "release_on_cancel": False}
    async with a_leads_b_waits((client, second_client), namespace, **timing) as (_, b, task_a, b_leads):
        loop = asyncio.get_running_loop()
        stopped_at = loop.time()
        await stop(task_a)  # no release: like a crash
        await asyncio.wait_for(b_leads.wait(), 10)
        assert loop.time() - stopped_at >= 1.5  # b had to wait for the lease to expire
        assert b.is_leader


async def test_leader_stops_work_when_it_cannot_renew(client: Client, namespace: str) -> None:
    a = elector(client, namespace, "a", lease_duration=3.0, renew_deadline=1.0, retry_period=0.2)
    a_leads = asyncio.Event()
    cancelled = asyncio.Event()

    async def lead() -> None:
        a_leads.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    task_a = asyncio.create_task(a.run(lead))
    await asyncio.wait_for(a_leads.wait(), 10)
    # someone else takes the lease by force (e.g. an operator, or a split brain)
    await client.patch(
        LEASE_API,
        "Lease",
        "kubecore-test",
        {"spec": {"holderIdentity": "intruder", "leaseDurationSeconds": 60}},
        namespace=namespace,
    )
    with pytest.raises(LeaseLost):  # run() gives up once renewing failed for renew_deadline
        await asyncio.wait_for(task_a, 10)
    assert cancelled.is_set() and not a.is_leader and a.leader == "intruder"
    lease = await client.get(LEASE_API, "Lease", "kubecore-test", namespace=namespace)
    assert lease["spec"]["holderIdentity"] == "intruder"  # a lost leader does not "release" others' lease


async def test_the_leader_renews_without_reading_the_lease(cluster: Cluster, namespace: str) -> None:
    async with Client(load_kubeconfig([cluster.kubeconfig]), name="renewing-leader") as counted:
        a = elector(counted, namespace, "a", lease_duration=3.0, renew_deadline=1.0, retry_period=0.2)
        a_leads = asyncio.Event()
        task_a = asyncio.create_task(a.run(leader_work(a_leads)))
        try:
            await asyncio.wait_for(a_leads.wait(), 10)
            stats = counted.transport.stats
            reads, renewals = stats.count("GET"), stats.count("PUT", 200)
            await until("five renewals", lambda: stats.count("PUT", 200) >= renewals + 5)
            assert stats.count("GET") == reads  # one PUT per renewal, the Lease we wrote last is not re-read
            assert a.is_leader
        finally:
            await stop(task_a)
