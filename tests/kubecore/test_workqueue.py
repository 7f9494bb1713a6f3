"""Work queue semantics: dedup, in-flight tracking, priority lane, delays, rate limiting, shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kubecore.ratelimit import ItemExponentialRateLimiter
from kubecore.workqueue import ShutDown, WorkQueue


async def next_item(queue: WorkQueue[str], seconds: float = 2.0) -> str:
    async with asyncio.timeout(seconds):
        return await queue.get()


async def test_dedup_and_fifo() -> None:
    queue: WorkQueue[str] = WorkQueue(name="t")
    for item in ("a", "b", "a", "c", "b"):
        queue.add(item)
    assert len(queue) == 3
    assert [await queue.get() for _ in range(3)] == ["a", "b", "c"]


async def test_item_in_flight_is_not_handed_out_twice_and_returns_on_done() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    assert await queue.get() == "a"
    queue.add("a")  # changed while being processed
    queue.add("a")
    assert len(queue) == 0 and queue.in_flight == 1
    queue.done("a")
    assert len(queue) == 1
    assert await queue.get() == "a"
    queue.done("a")
    assert len(queue) == 0 and queue.in_flight == 0


async def test_priority_lane_first_and_promotion() -> None:
    queue: WorkQueue[str] = WorkQueue()
    for item in ("resync-1", "resync-2", "drift"):
        queue.add(item)
    queue.add("urgent", priority=True)
    queue.add("drift", priority=True)  # already waiting on the normal lane: promoted
    assert [await queue.get() for _ in range(4)] == ["urgent", "drift", "resync-1", "resync-2"]


async def test_priority_requested_while_in_flight_is_kept_for_the_requeue() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    queue.add("b")
    assert await queue.get() == "a"
    queue.add("a", priority=True)
    queue.done("a")
    assert await queue.get() == "a"  # back on the priority lane, ahead of b


async def test_get_waits_for_an_add() -> None:
    queue: WorkQueue[str] = WorkQueue()
    getter = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    assert not getter.done()
    queue.add("x")
    assert await asyncio.wait_for(getter, 1) == "x"


async def test_add_after_earliest_delay_wins() -> None:
    queue: WorkQueue[str] = WorkQueue()
    loop = asyncio.get_running_loop()
    start = loop.time()
    queue.add_after("a", 30.0)
    queue.add_after("a", 0.05)  # earlier: replaces the 30 s timer
    queue.add_after("a", 20.0)  # later: ignored
    assert len(queue) == 0
    assert await next_item(queue) == "a"
    assert 0.04 <= loop.time() - start < 1.0
    queue.done("a")
    queue.add_after("b", 0.0)  # no delay: added at once
    assert len(queue) == 1


async def test_rate_limited_requeue_grows_until_forget() -> None:
    queue: WorkQueue[str] = WorkQueue(rate_limiter=ItemExponentialRateLimiter(base=0.01, cap=1.0))
    for expected_requeues in (1, 2, 3):
        queue.add_rate_limited("a")
        assert await next_item(queue) == "a"
        queue.done("a")
        assert queue.num_requeues("a") == expected_requeues
    queue.forget("a")
    assert queue.num_requeues("a") == 0


async def test_shutdown_wakes_getters_and_drops_pending_work() -> None:
    queue: WorkQueue[str] = WorkQueue()
    getter = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    queue.add_after("later", 10.0)
    queue.shutdown()
    with pytest.raises(ShutDown):
        await asyncio.wait_for(getter, 1)
    queue.add("ignored")
    assert len(queue) == 0 and queue.shutting_down
    with pytest.raises(ShutDown):
        await queue.get()


async def test_shutdown_with_drain_waits_for_in_flight_items() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    item = await queue.get()
    drained = asyncio.create_task(queue.shutdown_with_drain())
    await asyncio.sleep(0)
    assert not drained.done()
    queue.done(item)
    await asyncio.wait_for(drained, 1)


async def test_cancelled_getter_passes_its_wakeup_on() -> None:
    queue: WorkQueue[str] = WorkQueue()
    first = asyncio.create_task(queue.get())
    second = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    queue.add("x")  # wakes `first` ...
    first.cancel()  # ... which leaves before it runs
    assert await asyncio.wait_for(second, 1) == "x"


operations = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.sampled_from("abcd"), st.booleans()),
        st.tuples(st.just("get"), st.just(""), st.just(False)),
        st.tuples(st.just("done"), st.sampled_from("abcd"), st.just(False)),
    ),
    max_size=60,
)


@given(operations)
def test_queue_matches_a_model(ops: list[tuple[str, str, bool]]) -> None:
    """No item waits twice, no item is handed out while in flight, nothing added is lost."""
    asyncio.run(_run_model(ops))


async def _run_model(ops: list[tuple[str, str, bool]]) -> None:
    queue: WorkQueue[str] = WorkQueue()
    waiting: set[Hashable] = set()
    in_flight: set[str] = set()
    for op, item, priority in ops:
        if op == "add":
            queue.add(item, priority=priority)
            waiting.add(item)
        elif op == "get" and len(queue):
            got = await queue.get()
            assert got in waiting and got not in in_flight
            waiting.discard(got)
            in_flight.add(got)
        elif op == "done" and item in in_flight:
            queue.done(item)
            in_flight.discard(item)
        assert len(queue) == len(waiting - in_flight)
    for item in list(in_flight):
        queue.done(item)
    handed_out = {await queue.get() for _ in range(len(queue))}
    assert handed_out == waiting
