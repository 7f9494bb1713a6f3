"""Which failed requests are retried and how long the transport waits."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from email.utils import format_datetime

import aiohttp
import pytest

from kubecore import Client, ClusterConfig, ConnectionFailed, KubeError
from kubecore.metrics import RequestStats
from kubecore.transport import parse_retry_after, retry_delay, should_retry


def test_retry_rules() -> None:
    assert should_retry("POST", 429) and should_retry("PATCH", 503) and should_retry("DELETE", 504)
    assert should_retry("GET", 500) and not should_retry("POST", 500)
    assert not should_retry("GET", 404) and not should_retry("GET", 409)


def test_retry_after_header() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    when = datetime(2030, 1, 1, tzinfo=UTC)
    assert parse_retry_after(format_datetime(when, usegmt=True), now=when.timestamp() - 7) == 7.0


def test_retry_delay_prefers_server_then_backs_off() -> None:
    assert retry_delay(0, 2.0, 0.9) == 2.0
    assert retry_delay(0, 600.0, 0.0) == 60.0
    assert [retry_delay(n, None, 0.0) for n in range(3)] == [0.1, 0.2, 0.4]
    assert retry_delay(20, None, 1.0) == 15.0  # capped at 10 s plus 50 % jitter


def test_request_stats_count_writes() -> None:
    stats = RequestStats("unit")
    for verb, code in [("GET", "200"), ("PATCH", "200"), ("POST", "409"), ("WATCH", "200"), ("DELETE", "200")]:
        stats.record(verb, code, 0.01)
    assert stats.writes == 3
    assert stats.count("get") == 1 and stats.count(code=200) == 4 and stats.count("POST", 409) == 1


async def test_unreachable_server_is_a_kube_error_after_retries() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with Client(ClusterConfig(server=f"https://127.0.0.1:{port}"), max_retries=2) as c:
        with pytest.raises(ConnectionFailed, match=rf"^cannot reach https://127.0.0.1:{port}: connection refused$"):
            await c.get("v1", "Namespace", "default")
        assert c.transport.stats.count("GET", "error") == 3
    assert issubclass(ConnectionFailed, KubeError) and issubclass(ConnectionFailed, aiohttp.ClientConnectionError)
