"""Credentials that change while a client runs: exec plugins and rotating token files.

A `ClusterConfig` is a frozen value, but an exec plugin's token expires and a projected service-account
token is rewritten by the kubelet. The `Authenticator` caches the current credential and knows when to
renew it: exec output until its `expirationTimestamp` (or a 401), token files for a minute (client-go's
period) or until a 401.
"""

from __future__ import annotations

import asyncio
import base64
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from kubecore.config import ClusterConfig, ExecConfig
from kubecore.errors import ConfigError

TOKEN_FILE_PERIOD = 60.0


@dataclass(frozen=True)
class Credential:
    """What goes on the wire: a bearer token and/or a client certificate."""

    token: str | None = field(default=None, repr=False)
    client_cert_data: bytes | None = field(default=None, repr=False)
    client_key_data: bytes | None = field(default=None, repr=False)
    expires_at: datetime | None = None


def parse_exec_credential(raw: bytes, api_version: str) -> Credential:
    """Validate an exec plugin's stdout (an ExecCredential) and extract the credential."""
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ConfigError(f"exec plugin output is not JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("kind") != "ExecCredential":
        raise ConfigError("exec plugin output is not an ExecCredential")
    if doc.get("apiVersion") != api_version:
        raise ConfigError(
            f"exec plugin returned apiVersion {doc.get('apiVersion')!r}, the kubeconfig asks for {api_version!r}"
        )
    status = doc.get("status")
    if not isinstance(status, dict):
        raise ConfigError("exec plugin output has no status")
    token = status.get("token") or None
    cert, key = status.get("clientCertificateData"), status.get("clientKeyData")
    if bool(cert) != bool(key):
        raise ConfigError("exec plugin returned only one of clientCertificateData and clientKeyData")
    if not token and not cert:
        raise ConfigError("exec plugin returned neither a token nor a client certificate")
    return Credential(
        token=token,
        client_cert_data=cert.encode() if cert else None,
        client_key_data=key.encode() if key else None,
        expires_at=_parse_time(status.get("expirationTimestamp")),
    )


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"exec plugin expirationTimestamp {value!r} is not RFC 3339") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def exec_info(plugin: ExecConfig, config: ClusterConfig) -> dict[str, Any]:
    """The KUBERNETES_EXEC_INFO document handed to the plugin (we are never interactive)."""
    spec: dict[str, Any] = {"interactive": False}
    if plugin.provide_cluster_info:
        cluster: dict[str, Any] = {"server": config.server}
        if config.tls_server_name:
            cluster["tls-server-name"] = config.tls_server_name
        if config.insecure_skip_tls_verify:
            cluster["insecure-skip-tls-verify"] = True
        if config.ca_data:
            cluster["certificate-authority-data"] = base64.b64encode(config.ca_data).decode()
        if config.cluster_extension is not None:
            cluster["config"] = config.cluster_extension
        spec["cluster"] = cluster
    return {"apiVersion": plugin.api_version, "kind": "ExecCredential", "spec": spec}


async def run_exec_plugin(plugin: ExecConfig, config: ClusterConfig) -> Credential:
    """Run the plugin once; stderr is passed through (plugins print prompts and hints there)."""
    if plugin.interactive_mode == "Always":
        raise ConfigError(f"exec plugin {plugin.command} needs an interactive terminal, which we never have")
    env = {
        **os.environ,
        **dict(plugin.env),
        "KUBERNETES_EXEC_INFO": orjson.dumps(exec_info(plugin, config)).decode(),
    }
    try:
        proc = await asyncio.create_subprocess_exec(
            plugin.command,
            *plugin.args,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as exc:
        hint = f" ({plugin.install_hint.strip()})" if plugin.install_hint else ""
        raise ConfigError(f"cannot run exec plugin {plugin.command}: {exc.strerror}{hint}") from None
    out, err = await proc.communicate()
    if proc.returncode != 0:
        tail = err.decode("utf-8", "replace").strip()[-500:]
        raise ConfigError(f"exec plugin {plugin.command} exited with {proc.returncode}: {tail}")
    return parse_exec_credential(out, plugin.api_version)


class Authenticator:
    """The current credential of one client, renewed when it expires or after a 401."""

    def __init__(self, config: ClusterConfig) -> None:
        self._config = config
        self._cached: Credential | None = None
        self._read_at = 0.0
        self._lock = asyncio.Lock()

    async def credential(self) -> Credential:
        async with self._lock:
            if self._cached is None or self._stale():
                self._cached = await self._load()
                self._read_at = time.monotonic()
            return self._cached

    def invalidate(self) -> None:
        self._cached = None

    def _stale(self) -> bool:
        cached = self._cached
        if cached is None:
            return True
        if self._config.exec is not None:
            return cached.expires_at is not None and cached.expires_at <= datetime.now(UTC)
        if self._config.token_file is not None:
            return time.monotonic() - self._read_at >= TOKEN_FILE_PERIOD
        return False

    async def _load(self) -> Credential:
        config = self._config
        static = Credential(config.token, config.client_cert_data, config.client_key_data)
        if config.exec is not None and not (config.token or config.client_cert_data):
            return await run_exec_plugin(config.exec, config)
        if config.token_file is not None and not config.token:
            return Credential(_read_token(config.token_file), config.client_cert_data, config.client_key_data)
        return static


def _read_token(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError as exc:
        raise ConfigError(f"cannot read token file {path}: {exc.strerror}") from None
