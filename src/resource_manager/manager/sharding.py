"""Which manager process owns which ManagedResource when N of them share the work (``--shard i/N``; pure).

Why a hash of ``namespace/name``: it needs no coordination and no state — every process computes the
same owner for an MR from the MR's key alone, so each MR has exactly one shard and, since every managed
object belongs to one MR, no object is written by two shards. SHA-256 rather than Python's ``hash()``
(salted per process) or a hand-rolled hash: the value is the same in every process, Python version and
language, so an operator can compute an MR's shard elsewhere. The class filter still applies on top:
shards split the MRs of one class.

Each shard elects its own leader: the Lease name gets a ``-shard-<i>-of-<N>`` suffix, so replicas of one
shard are active and standby while different shards work side by side. Changing N moves most MRs to
another shard; the old and new layout must not run at once (see the operations docs).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

_SPEC = re.compile(r"(\d+)/(\d+)")


def shard_of(namespace: str, name: str, count: int) -> int:
    """The shard (``0 ≤ shard < count``) that owns the MR ``namespace/name``: the first 8 bytes of the
    SHA-256 of ``namespace/name`` (UTF-8) as a big-endian integer, modulo ``count``."""
    digest = hashlib.sha256(f"{namespace}/{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % count


@dataclass(frozen=True)
class Shard:
    """This process's part of the MRs: shard ``index`` of ``count`` (``0/1``: all of them, no sharding)."""

    index: int = 0
    count: int = 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @property
    def sharded(self) -> bool:
        return self.count > 1

    def owns(self, namespace: str, name: str) -> bool:
        """Whether this shard reconciles the MR ``namespace/name``."""
        return not self.sharded or shard_of(namespace, name, self.count) == self.index

    def lease_name(self, base: str) -> str:
        """The Lease this shard's replicas elect their leader with (``base`` itself without sharding)."""
        return f"{base}-shard-{self.index}-of-{self.count}" if self.sharded else base

    @property
    def collects_garbage(self) -> bool:
        """Only shard 0 runs the garbage collector: it reads every referrer in the cluster (not only its
        shard's MRs), so one collector is complete and N would only multiply its list requests."""
        return self.index == 0


def parse_shard(text: str) -> Shard:
    """``"i/N"`` with ``0 ≤ i < N``; :class:`ValueError` says what is wrong."""
    match = _SPEC.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a shard; write INDEX/COUNT, e.g. 0/3")
    index, count = int(match[1]), int(match[2])
    if count < 1:
        raise ValueError(f"{text!r} has no shards; COUNT must be at least 1")
    if index >= count:
        raise ValueError(f"{text!r}: INDEX must be below COUNT (shards are numbered 0 to {count - 1})")
    return Shard(index, count)
