"""Wait for a condition instead of sleeping a fixed time."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable

POLL = 0.02


async def until(what: str, check: Callable[[], bool | Awaitable[bool]], seconds: float = 30.0) -> None:
    """Poll `check` (plain or async) until it is true; fail naming `what` after `seconds`."""
    for _ in range(int(seconds / POLL)):
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        await asyncio.sleep(POLL)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")
