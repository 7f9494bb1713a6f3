"""HTTP to one API server: TLS, authentication, client-side rate limit, retries, typed errors.

Everything that goes over the network passes through `Transport`, so this is the one place that knows
about aiohttp. Callers get decoded JSON (dicts) or, for watches, an iterator of raw lines.
"""

from __future__ import annotations

import asyncio
import os
import random
import ssl
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
import orjson

from kubecore.config import ClusterConfig
from kubecore.credentials import Authenticator, Credential
from kubecore.errors import ConfigError, ConnectionFailed, api_error
from kubecore.lines import LineSplitter
from kubecore.metrics import RequestStats
from kubecore.ratelimit import TokenBucket
from kubecore.version import VERSION

SAFE_METHODS = frozenset({"GET", "HEAD"})
RETRY_ALWAYS = frozenset({429, 502, 503, 504})
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=60)
STREAM_TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=None)
USER_AGENT = f"kubecore/{VERSION}"


def should_retry(method: str, code: int) -> bool:
    """429/502/503/504 mean the request was not processed; 500 may have been, so only safe verbs retry."""
    return code in RETRY_ALWAYS or (code == 500 and method in SAFE_METHODS)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


def retry_delay(attempt: int, retry_after: float | None, rand: float) -> float:
    """Server-given delay if any (capped at a minute), else 0.1 s doubling to 10 s with up to 50 % jitter."""
    if retry_after is not None:
        return min(retry_after, 60.0)
    return min(0.1 * 2.0**attempt, 10.0) * (1.0 + 0.5 * rand)


def ssl_context(config: ClusterConfig, credential: Credential) -> ssl.SSLContext | bool:
    """TLS settings: CA from the config, client certificate from the current credential."""
    if not config.server.startswith("https://"):
        return False
    ctx = ssl.create_default_context(cadata=config.ca_data.decode() if config.ca_data else None)
    if config.insecure_skip_tls_verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if credential.client_cert_data and credential.client_key_data:
        _load_cert_chain(ctx, credential.client_cert_data, credential.client_key_data)
    return ctx


def _load_cert_chain(ctx: ssl.SSLContext, cert: bytes, key: bytes) -> None:
    """Python's ssl loads key material only from files: use a private temp dir, removed at once."""
    with tempfile.TemporaryDirectory(prefix="kubecore-") as tmp:
        cert_path, key_path = os.path.join(tmp, "tls.crt"), os.path.join(tmp, "tls.key")
        for path, data in ((cert_path, cert), (key_path, key)):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        ctx.load_cert_chain(cert_path, key_path)


class Transport:
    """One aiohttp session per cluster; use as an async context manager."""

    def __init__(
        self,
        config: ClusterConfig,
        *,
        name: str = "default",
        qps: float = 50.0,
        burst: int = 100,
        max_retries: int = 5,
    ) -> None:
        self.config = config
        self.name = name
        self.max_retries = max_retries
        self.stats = RequestStats(name)
        self._auth = Authenticator(config)
        self._bucket = TokenBucket(qps, burst) if qps > 0 else None
        self._session: aiohttp.ClientSession | None = None
        self._ssl: tuple[tuple[bytes | None, bytes | None], ssl.SSLContext | bool] | None = None

    async def __aenter__(self) -> Transport:
        self._session = aiohttp.ClientSession(
            headers={"User-Agent": f"{USER_AGENT} ({self.name})"},
            connector=aiohttp.TCPConnector(limit=0),
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        content_type: str = "application/json",
        accept: str = "application/json",
    ) -> Any:
        """Send one request (with retries) and return the decoded JSON body (None if empty)."""
        started = time.monotonic()
        resp = await self._send(
            verb=method,
            method=method,
            path=path,
            params=params,
            body=body,
            content_type=content_type,
            accept=accept,
            timeouts=REQUEST_TIMEOUT,
        )
        try:
            async with resp:
                raw = await resp.read()
        except (aiohttp.ClientPayloadError, aiohttp.ClientConnectionError) as exc:
            raise ConnectionFailed(
                f"reading the answer to {method} {path} from {self.config.server} failed: {_describe(exc)}"
            ) from exc
        self.stats.record(method, str(resp.status), time.monotonic() - started)
        return orjson.loads(raw) if raw else None

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        accept: str = "application/json",
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        """Open a streaming response and yield an iterator over its lines (watch events)."""
        started = time.monotonic()
        resp = await self._send(
            verb="WATCH",
            method=method,
            path=path,
            params=params,
            body=None,
            content_type="application/json",
            accept=accept,
            timeouts=STREAM_TIMEOUT,
        )
        self.stats.record("WATCH", str(resp.status), time.monotonic() - started)
        async with resp:
            yield _lines(resp)

    async def _send(
        self,
        *,
        verb: str,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        body: Any,
        content_type: str,
        accept: str,
        timeouts: aiohttp.ClientTimeout,
    ) -> aiohttp.ClientResponse:
        """The retry loop; returns an open 2xx response or raises the typed error."""
        if self._session is None:
            raise RuntimeError("Transport used outside its 'async with' block")
        data = body if body is None or isinstance(body, bytes) else orjson.dumps(body)
        reauthenticated = False
        attempt = 0
        while True:
            await self._throttle()
            credential = await self._auth.credential()
            headers = {"Accept": accept}
            if data is not None:
                headers["Content-Type"] = content_type
            if credential.token:
                headers["Authorization"] = f"Bearer {credential.token}"
            started = time.monotonic()
            try:
                resp = await self._session.request(
                    method,
                    self.config.server + path,
                    params=params,
                    data=data,
                    headers=headers,
                    ssl=self._ssl_for(credential),
                    server_hostname=self.config.tls_server_name,
                    timeout=timeouts,
                )
            except aiohttp.ClientSSLError as exc:
                self.stats.record(verb, "error", time.monotonic() - started)
                raise ConfigError(
                    f"TLS with {self.config.server} failed ({exc}); check the certificate authority, "
                    "client certificate and tls-server-name of the kubeconfig"
                ) from None
            except (aiohttp.ClientConnectionError, TimeoutError) as exc:
                self.stats.record(verb, "error", time.monotonic() - started)
                if attempt >= self.max_retries or not _retriable_failure(method, exc):
                    raise ConnectionFailed(self._failure(method, path, exc)) from exc
                await asyncio.sleep(retry_delay(attempt, None, random.random()))
                attempt += 1
                continue
            if resp.status < 400:
                return resp
            raw = await resp.read()
            resp.release()
            self.stats.record(verb, str(resp.status), time.monotonic() - started)
            if resp.status == 401 and not reauthenticated:
                reauthenticated = True
                self._auth.invalidate()
                continue
            if attempt < self.max_retries and should_retry(method, resp.status):
                wait = parse_retry_after(resp.headers.get("Retry-After"))
                await asyncio.sleep(retry_delay(attempt, wait, random.random()))
                attempt += 1
                continue
            raise api_error(resp.status, raw, method, path)

    def _failure(self, method: str, path: str, exc: BaseException) -> str:
        """One line a person can act on: a refused connect names the server and the OS's reason
        ("cannot reach https://127.0.0.1:9: connection refused"), not aiohttp's repr of it."""
        if isinstance(exc, aiohttp.ClientConnectorError):
            error = exc.os_error
            reason = os.strerror(error.errno).lower() if error.errno else str(error) or type(error).__name__
            return f"cannot reach {self.config.server}: {reason}"
        return f"{method} {path} to {self.config.server} failed: {_describe(exc)}"

    async def _throttle(self) -> None:
        if self._bucket is not None:
            delay = self._bucket.reserve(asyncio.get_running_loop().time())
            if delay > 0:
                await asyncio.sleep(delay)

    def _ssl_for(self, credential: Credential) -> ssl.SSLContext | bool:
        """Rebuild the TLS context only when the credential's certificate changed (exec plugins)."""
        cached = self._ssl
        pair = (credential.client_cert_data, credential.client_key_data)
        if cached is None or cached[0] != pair:
            cached = self._ssl = (pair, ssl_context(self.config, credential))
        return cached[1]


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__  # TimeoutError has no message


def _retriable_failure(method: str, exc: BaseException) -> bool:
    """A failed connect never reached the server; other failures are retried for safe verbs only."""
    return isinstance(exc, aiohttp.ClientConnectorError) or method in SAFE_METHODS


async def _lines(resp: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    splitter = LineSplitter()
    async for chunk in resp.content.iter_any():
        for line in splitter.feed(chunk):
            yield line
    rest = splitter.rest()
    if rest:
        yield rest
