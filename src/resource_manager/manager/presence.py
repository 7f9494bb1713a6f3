"""Without leader election, a second manager of the same class is still noticed (network: the Lease).

Why: two managers that both reconcile the same ManagedResources fight over every object, and nothing
would tell. A manager started with leader election off still takes the class's Lease whenever it is free
and renews it, but never waits for it: it works either way. When another live holder has the Lease (a
leader, or an earlier manager without leader election), it logs one warning per holder. A leader-electing
manager started next to it stays a follower while it runs. A clean stop releases the Lease. Without
rights on Leases the check stays silent. With ``--shard`` the Lease is the shard's, so only a second
manager of the same shard is warned about.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from kubecore.leaderelection import LeaderElector

log = structlog.get_logger("resource_manager.manager.presence")


async def announce(elector: LeaderElector) -> None:
    """Hold the Lease when free, warn when someone else holds it; until cancelled (then release it)."""
    warned: str | None = None
    try:
        while True:
            other = None if await elector.attempt() else elector.leader
            if other is not None and other != warned:
                log.warning(
                    "another manager of this class holds the Lease while leader election is off: "
                    "both reconcile the same ManagedResources; run one, or all with leader election",
                    lease=f"{elector.lease_namespace}/{elector.lease_name}",
                    holder=other,
                )
            warned = other
            await asyncio.sleep(elector.retry_period)
    finally:
        if elector.leader == elector.identity:  # a manager started next would warn for a lease duration
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(elector.retry_period):
                    await elector.release()
