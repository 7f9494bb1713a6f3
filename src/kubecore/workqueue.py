"""The controller work queue: client-go's semantics plus a priority lane.

Guarantees a reconciler relies on:
* an item waits in the queue at most once, however often it is added (dedup);
* an item is never handed to two workers at once: adding it while it is processed marks it dirty, and
  `done()` puts it back;
* failures are retried with per-item exponential backoff (`add_rate_limited`), periodic work with
  `add_after` (the earliest pending delay wins);
* the priority lane is served first; adding an item with priority promotes it if it already waits on the
  normal lane (drift on a target object must not wait behind a full resync of every ManagedResource).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Hashable
from typing import Generic, TypeVar

from kubecore.metrics import (
    WORKQUEUE_ADDS,
    WORKQUEUE_DEPTH,
    WORKQUEUE_QUEUE_DURATION,
    WORKQUEUE_RETRIES,
    WORKQUEUE_WORK_DURATION,
)
from kubecore.ratelimit import RateLimiter, default_controller_rate_limiter

T = TypeVar("T", bound=Hashable)


class ShutDown(Exception):
    """The queue was shut down; workers should return."""


class WorkQueue(Generic[T]):
    """Async work queue; all methods but `get` and `shutdown_with_drain` are synchronous."""

    def __init__(self, *, name: str = "", rate_limiter: RateLimiter | None = None) -> None:
        self.name = name
        self._limiter = rate_limiter or default_controller_rate_limiter()
        self._lanes: tuple[deque[T], deque[T]] = (deque(), deque())  # (priority, normal)
        self._dirty: dict[T, bool] = {}  # item -> wants the priority lane
        self._processing: set[T] = set()
        self._delayed: dict[T, tuple[asyncio.TimerHandle, bool]] = {}
        self._getters: deque[asyncio.Future[None]] = deque()
        self._idle: asyncio.Event | None = None
        self._shutting_down = False
        self._depth = WORKQUEUE_DEPTH.labels(name)
        self._adds = WORKQUEUE_ADDS.labels(name)
        self._retries = WORKQUEUE_RETRIES.labels(name)
        self._queue_duration = WORKQUEUE_QUEUE_DURATION.labels(name)
        self._work_duration = WORKQUEUE_WORK_DURATION.labels(name)
        self._since: dict[T, float] = {}
        """When each waiting item entered its lane, then when its processing started (metrics only)."""

    def __len__(self) -> int:
        return len(self._lanes[0]) + len(self._lanes[1])

    @property
    def in_flight(self) -> int:
        return len(self._processing)

    @property
    def shutting_down(self) -> bool:
        return self._shutting_down

    def add(self, item: T, *, priority: bool = False) -> None:
        if self._shutting_down:
            return
        self._adds.inc()
        if item in self._dirty:
            if priority and not self._dirty[item]:
                self._dirty[item] = True
                if item not in self._processing:  # waiting on the normal lane: promote it
                    self._lanes[1].remove(item)
                    self._lanes[0].append(item)
            return
        self._dirty[item] = priority
        if item not in self._processing:
            self._enqueue(item, priority)

    def add_after(self, item: T, delay: float, *, priority: bool = False) -> None:
        """Add `item` after `delay` seconds; of several pending delays for one item the earliest wins."""
        if self._shutting_down:
            return
        if delay <= 0:
            self.add(item, priority=priority)
            return
        loop = asyncio.get_running_loop()
        when = loop.time() + delay
        pending = self._delayed.get(item)
        if pending is not None:
            handle, was_priority = pending
            if handle.when() <= when:
                self._delayed[item] = (handle, was_priority or priority)
                return
            handle.cancel()
            priority = priority or was_priority
        self._delayed[item] = (loop.call_at(when, self._fire, item), priority)

    def add_rate_limited(self, item: T) -> float:
        """Retry `item` after its rate limiter's delay (grows with each failure until `forget`); returns
        the delay, so a caller can tell when the retry comes."""
        self._retries.inc()
        delay = self._limiter.when(item, asyncio.get_running_loop().time())
        self.add_after(item, delay)
        return delay

    def forget(self, item: T) -> None:
        self._limiter.forget(item)

    def num_requeues(self, item: T) -> int:
        return self._limiter.num_requeues(item)

    async def get(self) -> T:
        """The next item (priority lane first); raises ShutDown once the queue is shut down."""
        while not self._shutting_down and not len(self):
            waiter = asyncio.get_running_loop().create_future()
            self._getters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._wake()  # we were woken but leave: pass the wake-up on
                raise
            finally:
                if waiter in self._getters:
                    self._getters.remove(waiter)
        if self._shutting_down:
            raise ShutDown
        item = (self._lanes[0] or self._lanes[1]).popleft()
        del self._dirty[item]
        self._processing.add(item)
        self._depth.set(len(self))
        now = time.monotonic()
        self._queue_duration.observe(now - self._since.get(item, now))
        self._since[item] = now
        return item

    def done(self, item: T) -> None:
        """Processing of `item` finished; if it was added meanwhile it goes back in the queue."""
        self._processing.discard(item)
        started = self._since.pop(item, None)
        if started is not None:
            self._work_duration.observe(time.monotonic() - started)
        if item in self._dirty and not self._shutting_down:
            self._enqueue(item, self._dirty[item])
        if not self._processing and self._idle is not None:
            self._idle.set()

    def shutdown(self) -> None:
        """Stop handing out items: waiting and delayed items are dropped, in-flight ones may finish."""
        self._shutting_down = True
        for handle, _ in self._delayed.values():
            handle.cancel()
        self._delayed.clear()
        for lane in self._lanes:
            lane.clear()
        self._dirty.clear()
        self._since = {item: started for item, started in self._since.items() if item in self._processing}
        self._depth.set(0)
        self._wake(all_getters=True)

    async def shutdown_with_drain(self) -> None:
        """Shut down and wait until every in-flight item is `done()`."""
        self.shutdown()
        while self._processing:
            self._idle = asyncio.Event()
            await self._idle.wait()

    def _fire(self, item: T) -> None:
        pending = self._delayed.pop(item, None)
        if pending is not None:
            self.add(item, priority=pending[1])

    def _enqueue(self, item: T, priority: bool) -> None:
        self._lanes[0 if priority else 1].append(item)
        self._since[item] = time.monotonic()
        self._depth.set(len(self))
        self._wake()

    def _wake(self, *, all_getters: bool = False) -> None:
        while self._getters:
            waiter = self._getters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                if not all_getters:
                    return
