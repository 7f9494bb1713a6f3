"""Typed API errors from Status bodies and from bodies that are not Status objects."""

from __future__ import annotations

import orjson
import pytest

from kubecore.errors import (
    AlreadyExists,
    ApiError,
    Conflict,
    Gone,
    NotFound,
    ServerError,
    TooManyRequests,
    api_error,
    error_from_status,
)


def status(code: int, reason: str, message: str = "m", **details: str) -> bytes:
    return orjson.dumps(
        {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code, "reason": reason,
         "message": message, "details": details}
    )  # fmt: skip


@pytest.mark.parametrize(
    ("code", "reason", "cls"),
    [
        (404, "NotFound", NotFound),
        (409, "AlreadyExists", AlreadyExists),
        (409, "Conflict", Conflict),
        (410, "Expired", Gone),
        (429, "TooManyRequests", TooManyRequests),
        (503, "ServiceUnavailable", ServerError),
        (418, "Teapot", ApiError),
    ],
)
def test_subclass_by_code_and_reason(code: int, reason: str, cls: type[ApiError]) -> None:
    err = api_error(code, status(code, reason), "GET", "/p")
    assert type(err) is cls and err.code == code and err.reason == reason


def test_fields_and_one_line_message() -> None:
    err = api_error(404, status(404, "NotFound", 'configmaps "x" not found', name="x", kind="configmaps"), "GET", "/p")
    assert err.details == {"name": "x", "kind": "configmaps"}
    assert str(err) == 'NotFound (404) on GET /p: configmaps "x" not found'
    assert isinstance(err, Exception) and err.status["kind"] == "Status"


def test_non_status_body_is_synthesised() -> None:
    err = api_error(503, b"upstream connect error\n", "POST", "/apis")
    assert isinstance(err, ServerError)
    assert (err.reason, err.message) == ("ServiceUnavailable", "upstream connect error")
    empty = api_error(502, b"", "GET", "/")
    assert empty.message == "the server responded with HTTP 502"


def test_watch_error_event_status() -> None:
    err = error_from_status({"kind": "Status", "code": 410, "reason": "Expired", "message": "too old"}, "WATCH", "/x")
    assert isinstance(err, Gone) and err.method == "WATCH"
