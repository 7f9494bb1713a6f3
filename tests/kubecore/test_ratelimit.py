"""Token bucket, per-item exponential limiter, max-of, reconnect backoff."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kubecore.ratelimit import (
    Backoff,
    BucketRateLimiter,
    ItemExponentialRateLimiter,
    MaxOfRateLimiter,
    TokenBucket,
    default_controller_rate_limiter,
)


def test_bucket_allows_burst_then_spaces_at_qps() -> None:
    bucket = TokenBucket(qps=10, burst=3)
    assert [bucket.reserve(0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.reserve(0.0) == 0.1
    assert round(bucket.reserve(0.0), 9) == 0.2
    assert bucket.reserve(10.0) == 0.0  # refilled (up to burst) after a quiet period


@given(
    st.floats(min_value=0.5, max_value=100),
    st.integers(min_value=1, max_value=20),
    st.lists(st.floats(min_value=0, max_value=5), min_size=1, max_size=60),
)
def test_bucket_never_exceeds_burst_plus_rate(qps: float, burst: int, gaps: list[float]) -> None:
    """Requests are released at now+delay; in any window [0, T] at most burst + qps*T get through."""
    bucket = TokenBucket(qps, burst)
    now, releases = 0.0, []
    for gap in gaps:
        now += gap
        releases.append(now + bucket.reserve(now))
    for t_end in releases:
        allowed = sum(1 for r in releases if r <= t_end + 1e-9)
        assert allowed <= burst + qps * t_end + 1e-6


def test_item_exponential_doubles_caps_and_forgets() -> None:
    limiter = ItemExponentialRateLimiter(base=0.005, cap=0.03)
    assert [limiter.when("a", 0) for _ in range(5)] == [0.005, 0.01, 0.02, 0.03, 0.03]
    assert limiter.when("b", 0) == 0.005  # per item
    assert limiter.num_requeues("a") == 5
    limiter.forget("a")
    assert limiter.num_requeues("a") == 0 and limiter.when("a", 0) == 0.005


def test_item_exponential_survives_huge_failure_counts() -> None:
    limiter = ItemExponentialRateLimiter(base=1.0, cap=1000.0)
    assert [limiter.when("x", 0) for _ in range(200)][-1] == 1000.0


def test_max_of_takes_the_longest_delay() -> None:
    limiter = MaxOfRateLimiter(ItemExponentialRateLimiter(0.005, 1000), BucketRateLimiter(qps=1, burst=1))
    assert limiter.when("a", 0.0) == 0.005
    assert limiter.when("b", 0.0) == 1.0  # bucket empty
    limiter.forget("a")
    assert limiter.num_requeues("a") == 0


def test_default_controller_limiter_starts_at_5ms() -> None:
    assert default_controller_rate_limiter().when("item", 0.0) == 0.005


def test_backoff_grows_caps_and_resets_after_quiet_period() -> None:
    backoff = Backoff(initial=1.0, cap=4.0, factor=2.0, jitter=0.0, reset_after=60.0)
    assert [backoff.next(t) for t in (0, 1, 2, 3, 4)] == [1.0, 2.0, 4.0, 4.0, 4.0]
    assert backoff.next(100.0) == 1.0


@given(st.floats(min_value=0, max_value=1))
def test_backoff_jitter_stays_in_bounds(r: float) -> None:
    backoff = Backoff(initial=0.8, cap=30.0, jitter=1.0, rand=lambda: r)
    assert 0.8 <= backoff.next(0.0) <= 1.6
