"""`wait`: watch a set of objects until they reach a status, fail (fail-fast) or time out (network)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kstatus import Options, Status
from kstatus.live.events import Error, Event, ResourceStatus, Update
from kstatus.live.ids import ObjectId
from kstatus.live.tracker import Outcome, Tracker
from kstatus.live.watch import watch_status
from kstatus.options import DEFAULT_OPTIONS
from kubecore import Client


@dataclass(frozen=True)
class WaitResult:
    """How the wait ended, the aggregate status then, and every object's last status (id order)."""

    outcome: Outcome
    aggregate: Status
    statuses: list[ResourceStatus]
    error: str | None = None


async def wait(
    client: Client,
    ids: Iterable[ObjectId],
    *,
    desired: Status = Status.CURRENT,
    timeout: float | None = None,  # noqa: ASYNC109 (the wait has a deadline of its own; spec API)
    fail_fast: bool = False,
    options: Options = DEFAULT_OPTIONS,
    on_event: Callable[[Event, Tracker], None] | None = None,
) -> WaitResult:
    """Wait until `aggregate(statuses, desired) == desired` (Current, or NotFound for deletion).

    `on_event` sees every event with the tracker after it was applied (the CLI draws its table
    from it).  A fatal watch error (e.g. Forbidden) ends the wait with `Outcome.ERROR`.
    """
    loop = asyncio.get_running_loop()
    ids = list(dict.fromkeys(ids))
    tracker = Tracker(ids, desired, fail_fast=fail_fast, now=loop.time())
    outcome, error = tracker.outcome(), None
    if outcome is None:
        try:
            async with asyncio.timeout(timeout):
                outcome, error = await _follow(client, ids, tracker, options, on_event)
        except TimeoutError:
            outcome = Outcome.TIMED_OUT
    return WaitResult(outcome, tracker.aggregate(), list(tracker.statuses.values()), error)


async def _follow(
    client: Client,
    ids: list[ObjectId],
    tracker: Tracker,
    options: Options,
    on_event: Callable[[Event, Tracker], None] | None,
) -> tuple[Outcome, str | None]:
    loop = asyncio.get_running_loop()
    async with contextlib.aclosing(watch_status(client, ids, options=options)) as events:
        async for event in events:
            if isinstance(event, Update):
                tracker.observe(event.resource, loop.time())
            if on_event is not None:
                on_event(event, tracker)
            if isinstance(event, Error):
                return Outcome.ERROR, event.message
            outcome = tracker.outcome()
            if outcome is not None:
                return outcome, None
    return Outcome.ERROR, "the watch ended unexpectedly"
