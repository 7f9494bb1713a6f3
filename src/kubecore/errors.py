"""Exception types of the client core.

Every error kubecore raises on purpose is a `KubeError`, so a CLI can turn it into one line and an exit
code. `ApiError` keeps the API server's `Status` (code, reason, message, details) because callers branch
on the reason (NotFound, Conflict, Expired) and users need the server's own words.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson


class KubeError(Exception):
    """Base of every error kubecore raises on purpose."""


class ConfigError(KubeError):
    """Bad or missing kubeconfig, in-cluster files or exec plugin; the message says what to fix."""


class ConnectionFailed(KubeError, aiohttp.ClientConnectionError):
    """The API server could not be reached or the connection broke, after the transport's retries.

    Also an aiohttp connection error, so code that treats those as "reconnect" keeps working.
    """


class NoMatchError(KubeError):
    """The cluster does not serve this kind (checked after a discovery refresh)."""

    def __init__(self, api_version: str, kind: str) -> None:
        self.api_version = api_version
        self.kind = kind
        super().__init__(f'no matches for kind "{kind}" in version "{api_version}"')


class ApiError(KubeError):
    """A non-2xx answer from the API server, with the fields of its `Status` object."""

    def __init__(self, status: dict[str, Any], method: str, path: str) -> None:
        self.status = status
        self.code: int = int(status.get("code") or 0)
        self.reason: str = str(status.get("reason") or "")
        self.message: str = str(status.get("message") or "")
        details = status.get("details")
        self.details: dict[str, Any] = details if isinstance(details, dict) else {}
        self.method = method
        self.path = path
        super().__init__(str(self))

    def __str__(self) -> str:
        reason = self.reason or "Error"
        return f"{reason} ({self.code}) on {self.method} {self.path}: {self.message}"


class BadRequest(ApiError):
    """400."""


class Unauthorized(ApiError):
    """401: credentials missing, wrong or expired."""


class Forbidden(ApiError):
    """403: authenticated, but RBAC does not allow the request."""


class NotFound(ApiError):
    """404."""


class Conflict(ApiError):
    """409: optimistic-lock failure or server-side apply field conflict."""


class AlreadyExists(Conflict):
    """409 with reason AlreadyExists (create of an existing object)."""


class Gone(ApiError):
    """410: the resourceVersion is too old (compacted); re-list."""


class Invalid(ApiError):
    """422: the object failed validation."""


class TooManyRequests(ApiError):
    """429 after the transport's retries ran out."""


class ServerError(ApiError):
    """5xx after the transport's retries ran out."""


_BY_CODE: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    410: Gone,
    422: Invalid,
    429: TooManyRequests,
}


def error_class(code: int, reason: str) -> type[ApiError]:
    """The subclass for an HTTP status code and Status reason."""
    if code == 409 and reason == "AlreadyExists":
        return AlreadyExists
    if code >= 500:
        return ServerError
    return _BY_CODE.get(code, ApiError)


def status_from_body(code: int, body: bytes) -> dict[str, Any]:
    """The Status object in an error body, or one synthesised from the status code and raw text."""
    try:
        decoded = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        decoded = None
    if isinstance(decoded, dict) and decoded.get("kind") == "Status":
        return {**decoded, "code": decoded.get("code") or code}
    text = body.decode("utf-8", "replace").strip()[:500]
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "code": code,
        "reason": _DEFAULT_REASON.get(code, "Unknown"),
        "message": text or f"the server responded with HTTP {code}",
    }


_DEFAULT_REASON = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    410: "Expired",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


def api_error(code: int, body: bytes, method: str, path: str) -> ApiError:
    """Turn a failed HTTP response into the matching typed exception."""
    status = status_from_body(code, body)
    return error_from_status(status, method, path)


def error_from_status(status: dict[str, Any], method: str, path: str) -> ApiError:
    """Typed exception for a Status object (also used for watch ERROR events)."""
    code = int(status.get("code") or 0)
    return error_class(code, str(status.get("reason") or ""))(status, method, path)
