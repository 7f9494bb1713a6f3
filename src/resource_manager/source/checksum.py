"""``status.secretsDataChecksum``: GRM's hash over the Secret data an MR's objects came from (spec §3.4).

Why here: it hashes what :mod:`secret_data` decoded from, the raw (possibly compressed) value of each
object's Secret key; a changed checksum resets the health checks (:func:`inventory.checks_must_reset`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def secrets_data_checksum(raw_values: Iterable[bytes]) -> str:
    """Hex SHA-256 over the raw (possibly compressed) value of the Secret key of every applied object,
    once per object (a key holding three objects is hashed three times); ``mode: Ignore`` objects are
    left out by the caller. This is GRM's quirk, kept so the checksum matches across a migration."""
    digest = hashlib.sha256()
    for raw in raw_values:
        digest.update(raw)
    return digest.hexdigest()
