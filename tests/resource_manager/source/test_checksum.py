"""``status.secretsDataChecksum`` as GRM computes it (spec §3.4)."""

from __future__ import annotations

import hashlib

from resource_manager.source.checksum import secrets_data_checksum


def test_checksum_hashes_the_raw_value_once_per_object() -> None:
    assert secrets_data_checksum([]) == hashlib.sha256(b"").hexdigest()
    assert secrets_data_checksum([b"ab", b"ab", b"c"]) == hashlib.sha256(b"ababc").hexdigest()
