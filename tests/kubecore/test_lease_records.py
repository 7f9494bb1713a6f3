"""The pure rules of leader election: who may write the Lease, and what is written."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from kubecore import Client
from kubecore.leaderelection import LeaderElector, claim, lease_expired, micro_time, released

NOW = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
HELD = {"holderIdentity": "a", "leaseDurationSeconds": 15, "acquireTime": "T0", "renewTime": "T1",
        "leaseTransitions": 3}  # fmt: skip


def test_micro_time() -> None:
    assert micro_time(NOW) == "2026-01-02T03:04:05.678901Z"


def test_new_lease() -> None:
    assert claim({}, "a", 15, NOW, expired=True) == {
        "holderIdentity": "a", "leaseDurationSeconds": 15, "acquireTime": micro_time(NOW),
        "renewTime": micro_time(NOW), "leaseTransitions": 0,
    }  # fmt: skip


def test_renew_keeps_acquire_time_and_transitions() -> None:
    renewed = claim(HELD, "a", 15, NOW, expired=False)
    assert renewed is not None
    assert (renewed["acquireTime"], renewed["leaseTransitions"], renewed["renewTime"]) == ("T0", 3, micro_time(NOW))


def test_live_foreign_lease_is_not_taken_expired_one_is() -> None:
    assert claim(HELD, "b", 15, NOW, expired=False) is None
    taken = claim(HELD, "b", 15, NOW, expired=True)
    assert taken is not None and taken["holderIdentity"] == "b" and taken["leaseTransitions"] == 4
    assert taken["acquireTime"] == micro_time(NOW)


def test_released_lease_is_taken_at_once() -> None:
    free = released(HELD, NOW)
    assert free["holderIdentity"] == "" and free["leaseDurationSeconds"] == 1
    taken = claim(free, "b", 15, NOW, expired=False)
    assert taken is not None and taken["leaseTransitions"] == 4


def test_expiry_is_judged_on_our_clock_from_observation() -> None:
    assert not lease_expired(HELD, observed_at=100.0, now=114.9)
    assert lease_expired(HELD, observed_at=100.0, now=115.0)


def test_health_check_fails_only_for_a_leader_that_stopped_renewing() -> None:
    elector = LeaderElector(cast(Client, None), lease_name="l", lease_namespace="n", identity="a")
    assert elector.healthy(now=1000.0)  # contending
    elector.is_leader, elector.renewed_at = True, 100.0
    assert elector.healthy(now=100.0 + elector.renew_deadline + elector.retry_period)
    assert not elector.healthy(now=100.0 + elector.renew_deadline + elector.retry_period + 0.1)
