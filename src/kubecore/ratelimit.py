"""Rate limiters and backoff, pure: the caller passes the clock.

Keeping time out of these classes makes them deterministic under test; the transport, work queue and
reflector feed them `loop.time()`. Defaults are client-go's so behaviour under load matches Go controllers.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Hashable
from typing import Protocol


class TokenBucket:
    """`qps` tokens per second, at most `burst` saved up; `reserve` books one and says how long to wait."""

    def __init__(self, qps: float, burst: int) -> None:
        if qps <= 0 or burst < 1:
            raise ValueError("a token bucket needs qps > 0 and burst >= 1")
        self.qps = qps
        self.burst = burst
        self._tokens = float(burst)
        self._last: float | None = None

    def reserve(self, now: float) -> float:
        """Take one token (possibly from the future); return the delay before it may be used."""
        if self._last is not None:
            self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.qps)
        self._last = now
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self.qps


class RateLimiter(Protocol):
    """Per-item requeue delays for a work queue."""

    def when(self, item: Hashable, now: float) -> float: ...

    def forget(self, item: Hashable) -> None: ...

    def num_requeues(self, item: Hashable) -> int: ...


class ItemExponentialRateLimiter:
    """base * 2**failures per item, capped (client-go ItemExponentialFailureRateLimiter)."""

    def __init__(self, base: float = 0.005, cap: float = 1000.0) -> None:
        self.base = base
        self.cap = cap
        self._failures: dict[Hashable, int] = {}

    def when(self, item: Hashable, now: float) -> float:
        failures = self._failures.get(item, 0)
        self._failures[item] = failures + 1
        if failures > 64:  # 2**64 * base overflows any sane cap
            return self.cap
        return float(min(self.base * 2**failures, self.cap))

    def forget(self, item: Hashable) -> None:
        self._failures.pop(item, None)

    def num_requeues(self, item: Hashable) -> int:
        return self._failures.get(item, 0)


class BucketRateLimiter:
    """One token bucket shared by all items: bounds the overall retry rate."""

    def __init__(self, qps: float = 10.0, burst: int = 100) -> None:
        self._bucket = TokenBucket(qps, burst)

    def when(self, item: Hashable, now: float) -> float:
        return self._bucket.reserve(now)

    def forget(self, item: Hashable) -> None:
        return None

    def num_requeues(self, item: Hashable) -> int:
        return 0


class MaxOfRateLimiter:
    """The longest delay any of the limiters asks for."""

    def __init__(self, *limiters: RateLimiter) -> None:
        self._limiters = limiters

    def when(self, item: Hashable, now: float) -> float:
        return max(limiter.when(item, now) for limiter in self._limiters)

    def forget(self, item: Hashable) -> None:
        for limiter in self._limiters:
            limiter.forget(item)

    def num_requeues(self, item: Hashable) -> int:
        return max(limiter.num_requeues(item) for limiter in self._limiters)


def default_controller_rate_limiter() -> RateLimiter:
    """client-go's DefaultControllerRateLimiter: per-item 5 ms → 1000 s, overall 10 qps / burst 100."""
    return MaxOfRateLimiter(ItemExponentialRateLimiter(0.005, 1000.0), BucketRateLimiter(10.0, 100))


class Backoff:
    """Exponential backoff with jitter that resets after a quiet period (client-go's reflector backoff).

    `next(now)` returns the delay for the next attempt. If the previous attempt was longer ago than
    `reset_after`, things went well in between, so the delay starts over from `initial`.
    """

    def __init__(
        self,
        *,
        initial: float = 0.8,
        cap: float = 30.0,
        factor: float = 2.0,
        jitter: float = 1.0,
        reset_after: float = 120.0,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.initial = initial
        self.cap = cap
        self.factor = factor
        self.jitter = jitter
        self.reset_after = reset_after
        self._rand = rand
        self._current = 0.0
        self._last: float | None = None

    def next(self, now: float) -> float:
        if self._last is None or now - self._last > self.reset_after:
            self._current = self.initial
        else:
            self._current = min(self._current * self.factor, self.cap)
        self._last = now
        return self._current * (1.0 + self.jitter * self._rand())
