"""Lease leader election with client-go's semantics, so Go and Python contenders can share one Lease.

Rules taken over from client-go on purpose:
* expiry is judged on *our* clock, from when we last saw the Lease record change, plus the record's
  `leaseDurationSeconds` — never by comparing `renewTime` with our clock (clocks are skewed);
* the leader renews every `retry_period` and gives up leadership when it could not renew for
  `renew_deadline` (then the work must stop: someone else may take over after `lease_duration`);
* the leader renews the Lease it last wrote without reading it first (one PUT per renewal; its
  resourceVersion makes it a compare-and-swap); a conflict sends it the slow way, read then decide;
* on a clean shutdown the leader releases the Lease (empty holder, duration 1 s) so a successor takes
  over at once instead of waiting for expiry.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import aiohttp
import structlog

from kubecore.errors import Conflict, KubeError, NotFound

if TYPE_CHECKING:
    from kubecore.client import Client

Obj = dict[str, Any]
LEASE_API = "coordination.k8s.io/v1"
JITTER = 1.2  # client-go's JitterFactor for acquire retries
log = structlog.get_logger("kubecore.leaderelection")


def micro_time(now: datetime) -> str:
    """Kubernetes MicroTime: RFC 3339 with microseconds, UTC."""
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def lease_expired(spec: Obj, observed_at: float, now: float) -> bool:
    """Expired when `leaseDurationSeconds` passed on our clock since we saw this record appear."""
    return now >= observed_at + float(spec.get("leaseDurationSeconds") or 0)


def claim(spec: Obj, identity: str, lease_duration: float, now: datetime, *, expired: bool) -> Obj | None:
    """The Lease spec to write to take or keep the lease, or None when another live holder has it."""
    holder = spec.get("holderIdentity") or ""
    if holder and holder != identity and not expired:
        return None
    stamp = micro_time(now)
    transitions = int(spec.get("leaseTransitions") or 0)
    keeping = holder == identity
    return {
        **spec,
        "holderIdentity": identity,
        "leaseDurationSeconds": round(lease_duration),
        "acquireTime": (spec.get("acquireTime") or stamp) if keeping else stamp,
        "renewTime": stamp,
        "leaseTransitions": transitions if keeping or not spec else transitions + 1,
    }


def released(spec: Obj, now: datetime) -> Obj:
    """client-go's release record: no holder, 1 s duration, so contenders acquire immediately."""
    stamp = micro_time(now)
    return {**spec, "holderIdentity": "", "leaseDurationSeconds": 1, "acquireTime": stamp, "renewTime": stamp}


class LeaseLost(KubeError):
    """The leader could not renew its Lease in time: its work was stopped, and the caller must not
    treat that as a normal end (another replica may be leading already)."""


class LeaderElector:
    """Contend for one Lease; `await elector.run(lead)` runs `lead()` only while we hold it."""

    def __init__(
        self,
        client: Client,
        *,
        lease_name: str,
        lease_namespace: str,
        identity: str,
        lease_duration: float = 15.0,
        renew_deadline: float = 10.0,
        retry_period: float = 2.0,
        release_on_cancel: bool = True,
    ) -> None:
        if not lease_duration > renew_deadline > JITTER * retry_period > 0:
            raise ValueError("need lease_duration > renew_deadline > 1.2 * retry_period > 0 (client-go's rule)")
        self.client = client
        self.lease_name = lease_name
        self.lease_namespace = lease_namespace
        self.identity = identity
        self.lease_duration = lease_duration
        self.renew_deadline = renew_deadline
        self.retry_period = retry_period
        self.release_on_cancel = release_on_cancel
        self.is_leader = False
        self.leader: str | None = None
        self.renewed_at: float | None = None
        """Loop time of the last successful acquire or renew while leading (health checks read it)."""
        self._observed: Obj | None = None
        self._observed_at = 0.0
        self._written: Obj | None = None
        """The Lease as our last successful create or update returned it."""

    def healthy(self, now: float) -> bool:
        """client-go's leader-election health check: a leader that has not renewed for longer than
        `renew_deadline` (plus a small tolerance) is unhealthy; a contender always is healthy."""
        if not self.is_leader or self.renewed_at is None:
            return True
        return now - self.renewed_at <= self.renew_deadline + self.retry_period

    async def run(self, lead: Callable[[], Awaitable[None]]) -> None:
        """Acquire, run `lead()` while renewing; returns when `lead()` returns, raises `LeaseLost`
        (after cancelling `lead()`) when renewing failed for `renew_deadline`."""
        await self._acquire()
        self.is_leader = True
        self.renewed_at = asyncio.get_running_loop().time()
        log.info("acquired lease", lease=self.lease_name, identity=self.identity)
        lead_task = asyncio.ensure_future(lead())
        release = self.release_on_cancel
        finished = False
        try:
            finished = await self._renew_until_lost(lead_task)
            release = finished
            if finished:
                lead_task.result()  # re-raise what lead() raised
        finally:
            self.is_leader = False
            lead_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await lead_task
            if release:
                await self.release()
        if not finished:
            raise LeaseLost(f"lost the Lease {self.lease_namespace}/{self.lease_name}: could not renew it in time")

    async def attempt(self) -> bool:
        """One try to take or keep the Lease without leading (True: we hold it now; ``leader`` names the
        holder): a process that works without leader election still marks its presence and sees others."""
        return await self._attempt(self.retry_period)

    async def _acquire(self) -> None:
        while True:
            if await self._attempt(self.retry_period):
                return
            await asyncio.sleep(self.retry_period * (1 + JITTER * random.random()))

    async def _renew_until_lost(self, lead_task: asyncio.Future[None]) -> bool:
        """True when `lead()` finished, False when renewing failed for `renew_deadline`."""
        loop = asyncio.get_running_loop()
        last_renew = loop.time()
        while True:
            await asyncio.wait({lead_task}, timeout=self.retry_period)
            if lead_task.done():
                return True
            budget = last_renew + self.renew_deadline - loop.time()
            if budget > 0 and await self._attempt(budget):
                last_renew = self.renewed_at = loop.time()
            elif loop.time() - last_renew >= self.renew_deadline:
                return False

    async def _attempt(self, budget: float) -> bool:
        """One try to acquire or renew within `budget` seconds; errors count as a failed try."""
        try:
            async with asyncio.timeout(budget):
                return await self._try_acquire_or_renew()
        except (KubeError, aiohttp.ClientError, TimeoutError) as exc:
            log.debug("lease attempt failed", lease=self.lease_name, error=str(exc))
            return False

    async def _try_acquire_or_renew(self) -> bool:
        loop = asyncio.get_running_loop()
        if self.is_leader and self._written is not None and await self._renew_written():
            return True
        try:
            lease = await self.client.get(LEASE_API, "Lease", self.lease_name, namespace=self.lease_namespace)
        except NotFound:
            spec = claim({}, self.identity, self.lease_duration, datetime.now(UTC), expired=True)
            assert spec is not None
            lease = {"apiVersion": LEASE_API, "kind": "Lease", "metadata": {"name": self.lease_name}, "spec": spec}
            self._written = await self.client.create(lease, namespace=self.lease_namespace)
            self._observe(spec, loop.time())
            return True
        current = lease.get("spec") or {}
        self._observe(current, loop.time())
        spec = claim(
            current,
            self.identity,
            self.lease_duration,
            datetime.now(UTC),
            expired=lease_expired(current, self._observed_at, loop.time()),
        )
        if spec is None:
            return False
        # resourceVersion makes this a compare-and-swap
        self._written = await self.client.update({**lease, "spec": spec})
        self._observe(spec, loop.time())
        return True

    async def _renew_written(self) -> bool:
        """client-go's fast path: renew the Lease we last wrote, unread. False on a conflict (someone
        else wrote it since: read it and decide the slow way); other errors fail the attempt."""
        assert self._written is not None
        written = self._written
        spec = claim(written.get("spec") or {}, self.identity, self.lease_duration, datetime.now(UTC), expired=False)
        if spec is None:
            return False
        try:
            self._written = await self.client.update({**written, "spec": spec})
        except Conflict:
            self._written = None
            return False
        self._observe(spec, asyncio.get_running_loop().time())
        return True

    def _observe(self, spec: Obj, now: float) -> None:
        if spec != self._observed:
            self._observed = spec
            self._observed_at = now
        self.leader = spec.get("holderIdentity") or None

    async def release(self) -> None:
        """Give the Lease up if we hold it (a clean stop: a successor need not wait for it to expire)."""
        try:
            lease = await self.client.get(LEASE_API, "Lease", self.lease_name, namespace=self.lease_namespace)
            spec = lease.get("spec") or {}
            if spec.get("holderIdentity") != self.identity:
                return
            await self.client.update({**lease, "spec": released(spec, datetime.now(UTC))})
            self.leader = None
            log.info("released lease", lease=self.lease_name, identity=self.identity)
        except (KubeError, aiohttp.ClientError) as exc:
            log.warning("could not release lease", lease=self.lease_name, error=str(exc))
