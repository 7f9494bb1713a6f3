"""Which reconcile errors are transient (one warning line, retried) and which are bugs (a traceback)."""

from __future__ import annotations

import aiohttp
import pytest

from kubecore import ConnectionFailed, Forbidden, ServerError, TooManyRequests
from resource_manager.controller.controller import transient


def _status(code: int) -> dict[str, object]:
    return {"kind": "Status", "code": code, "message": "m"}


@pytest.mark.parametrize(
    "error",
    [
        ConnectionFailed("cannot reach https://127.0.0.1:1: connection refused"),
        TooManyRequests(_status(429), "GET", "/x"),
        ServerError(_status(503), "GET", "/x"),
        TimeoutError(),
        aiohttp.ServerDisconnectedError(),
        ExceptionGroup("applies", [TooManyRequests(_status(429), "PATCH", "/x"), TimeoutError()]),
    ],
)
def test_errors_of_an_unavailable_api_server_are_transient(error: Exception) -> None:
    assert transient(error)


@pytest.mark.parametrize(
    "error",
    [
        RuntimeError("a bug"),
        KeyError("metadata"),
        Forbidden(_status(403), "GET", "/x"),
        ExceptionGroup("applies", [TimeoutError(), TypeError("a bug")]),
    ],
)
def test_bugs_and_refusals_are_not_transient(error: Exception) -> None:
    assert not transient(error)
