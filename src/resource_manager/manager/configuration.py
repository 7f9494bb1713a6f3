"""GRM's component configuration file, parsed and validated into one frozen value (pure).

Why GRM's format: an operator moving from the Gardener Resource Manager keeps its
``resourcemanager.config.gardener.cloud/v1alpha1`` ``ResourceManagerConfiguration`` file. Field names,
defaults and minimums are GRM's; where we accept more (shorter sync periods, bare seconds) the user docs
say so. Sections of controllers and webhooks we do not implement are not errors: each enabled one yields
one warning, so a GRM file works unchanged.

Precedence, lowest first: defaults, the file, the environment (``KUBECONFIG``, ``TARGET_KUBECONFIG``, as
GRM), command-line flags. Flags arrive here as *overrides* keyed by the file's field path, so one
validation serves both and an error names the field and the flag.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kubecore.durations import format_go_duration, parse_go_duration
from resource_manager.api import annotations as ann
from resource_manager.api import classes
from resource_manager.manager.sharding import Shard, parse_shard

API_VERSION = "resourcemanager.config.gardener.cloud/v1alpha1"
KIND = "ResourceManagerConfiguration"

LOG_LEVELS = ("debug", "info", "error")
LOG_FORMATS = ("json", "text")

_BARE_SECONDS = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)")


class ConfigError(ValueError):
    """A field with a value we cannot run with; ``str()`` is one line: field, problem, fix."""

    def __init__(self, path: str, problem: str) -> None:
        flag = FLAGS.get(path)
        where = f"{path} ({flag})" if flag else path
        super().__init__(f"{where}: {problem}")
        self.path = path


def parse_duration(value: Any) -> float:
    """Seconds of a Go/Kubernetes duration (``500ms``, ``1m``, ``1h30m``); a bare number means seconds."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = str(value).strip()
        try:
            seconds = float(text) if _BARE_SECONDS.fullmatch(text) else parse_go_duration(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a duration") from None
    if not math.isfinite(seconds):
        raise ValueError(f"{value!r} is not a duration")
    return seconds


@dataclass(frozen=True)
class Connection:
    """One cluster's client settings (GRM's ``ClientConnection``)."""

    kubeconfig: str | None = None
    qps: float = -1.0
    """Client-side limit; negative: none (the default, ours; GRM: 100). The API server's priority and
    fairness queues our requests and answers 429 with Retry-After when overloaded, which the client
    honours: a fixed limit only makes a controller slower than the server it writes to."""
    burst: int = 130
    namespaces: tuple[str, ...] = ()
    cache_resync_period: float = 24 * 3600.0


@dataclass(frozen=True)
class LeaderElection:
    """client-go's recommended timings and GRM's Lease name; ``namespace`` ``None``: the Pod's namespace
    when running in a cluster, else ``kube-system`` (decided at start-up, not here)."""

    enabled: bool = True
    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0
    name: str = "gardener-resource-manager"
    namespace: str | None = None


@dataclass(frozen=True)
class Endpoint:
    """Where an HTTP server listens; port 0 picks a free one."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Configuration:
    """Everything ``resource-manager run`` needs, defaulted and validated."""

    source: Connection = Connection()
    target: Connection = Connection()
    """Its own client always (own qps/burst); ``kubeconfig`` ``None``: the source's cluster."""
    leader_election: LeaderElection = LeaderElection()
    log_level: str = "info"
    log_format: str = "json"
    health_probes: Endpoint = Endpoint("127.0.0.1", 8081)
    metrics: Endpoint = Endpoint("127.0.0.1", 8080)
    cluster_id: str = ""
    resource_class: str = classes.DEFAULT_CLASS
    cache_sync_timeout: float = 120.0
    workers: int = 5
    sync_period: float = 60.0
    always_update: bool = False
    managed_by: str = ann.DEFAULT_MANAGED_BY
    takeover_managers: tuple[str, ...] = ()
    """Ours: field managers whose fields count as hand edits (empty: the built-in set)."""
    health_sync_period: float = 60.0
    garbage_collector: bool = False
    garbage_collector_sync_period: float = 3600.0
    shard: Shard = field(default_factory=Shard)
    """Ours: which MRs this process reconciles when several share the work (``0/1``: all)."""
    warnings: tuple[str, ...] = field(default=(), compare=False)
    """One line per part of the file we read but do not act on."""


FLAGS: dict[str, str] = {
    "sourceClientConnection.kubeconfig": "--kubeconfig",
    "sourceClientConnection.qps": "--qps",
    "sourceClientConnection.burst": "--burst",
    "sourceClientConnection.namespaces": "--namespace",
    "targetClientConnection.kubeconfig": "--target-kubeconfig",
    "leaderElection.leaderElect": "--leader-elect",
    "leaderElection.resourceName": "--leader-election-id",
    "leaderElection.resourceNamespace": "--leader-election-namespace",
    "logLevel": "--log-level",
    "logFormat": "--log-format",
    "server.healthProbes": "--health-bind-address",
    "server.metrics": "--metrics-bind-address",
    "controllers.clusterID": "--cluster-id",
    "controllers.resourceClass": "--class",
    "controllers.managedResource.concurrentSyncs": "--workers",
    "controllers.managedResource.syncPeriod": "--sync-period",
    "controllers.managedResource.alwaysUpdate": "--always-update",
    "controllers.managedResource.managedByLabelValue": "--managed-by-label",
    "controllers.managedResource.takeoverFieldManagers": "--takeover-field-manager",
    "controllers.managedResource.shard": "--shard",
}
"""The command-line flag of each field it can override (named in errors)."""

_KNOWN_TOP = {
    "apiVersion",
    "kind",
    "sourceClientConnection",
    "targetClientConnection",
    "leaderElection",
    "server",
    "debugging",
    "logLevel",
    "logFormat",
    "controllers",
    "webhooks",
}
_CONNECTION_KEYS = {
    "kubeconfig",
    "qps",
    "burst",
    "namespaces",
    "cacheResyncPeriod",
    "acceptContentTypes",
    "contentType",
}
_SECTIONS = (
    "sourceClientConnection",
    "targetClientConnection",
    "leaderElection",
    "server",
    "server.healthProbes",
    "server.metrics",
    "controllers",
    "controllers.managedResource",
    "controllers.health",
    "controllers.garbageCollector",
)
_OURS_CONTROLLERS = {"clusterID", "resourceClass", "cacheSyncTimeout", "managedResource", "health", "garbageCollector"}


class _Reader:
    """Typed access to the raw document by dotted path; every type error names its field."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.doc = doc

    def raw(self, path: str) -> Any:
        node: Any = self.doc
        for part in path.split("."):
            if not isinstance(node, Mapping):
                return None
            node = node.get(part)
        return node

    def section(self, path: str) -> Mapping[str, Any]:
        value = self.raw(path)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise ConfigError(path, "must be a mapping of fields")
        return value

    def string(self, path: str, default: str, *, allowed: tuple[str, ...] = (), non_empty: bool = False) -> str:
        value = self.raw(path)
        if value is None:
            return default
        if not isinstance(value, str):
            raise ConfigError(path, f"must be a string, got {value!r}")
        if allowed and value not in allowed:
            raise ConfigError(path, f"{value!r} is not supported; use one of {', '.join(allowed)}")
        if non_empty and not value:
            raise ConfigError(path, "must not be empty")
        return value

    def optional_string(self, path: str) -> str | None:
        value = self.raw(path)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise ConfigError(path, f"must be a string, got {value!r}")
        return value

    def boolean(self, path: str, default: bool) -> bool:
        value = self.raw(path)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise ConfigError(path, f"must be true or false, got {value!r}")
        return value

    def number(self, path: str, default: float, *, minimum: float, integer: bool = False) -> float:
        value = self.raw(path)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or (integer and value != int(value)):
            kind = "a whole number" if integer else "a number"
            raise ConfigError(path, f"must be {kind}, got {value!r}")
        if value < minimum:
            raise ConfigError(path, f"{value!r} is too small; use at least {minimum:g}")
        return float(value)

    def duration(self, path: str, default: float, *, minimum: float) -> float:
        value = self.raw(path)
        if value is None:
            return default
        try:
            seconds = parse_duration(value)
        except ValueError:
            raise ConfigError(path, f"{value!r} is not a duration; write it like 500ms, 10s, 1m or 1h30m") from None
        if seconds < minimum:
            raise ConfigError(
                path, f"{format_go_duration(seconds)} is too short; use at least {format_go_duration(minimum)}"
            )
        return seconds

    def strings(self, path: str, what: str) -> tuple[str, ...]:
        value = self.raw(path)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
            raise ConfigError(path, f"must be a list of {what}")
        return tuple(dict.fromkeys(value))

    def endpoint(self, path: str, default: Endpoint) -> Endpoint:
        self.section(path)
        host = self.string(f"{path}.bindAddress", default.host) or default.host
        port = int(self.number(f"{path}.port", default.port, minimum=0, integer=True))
        if port > 65535:
            raise ConfigError(f"{path}.port", f"{port} is not a port; use 0-65535 (0 picks a free port)")
        return Endpoint(host, port)


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    node = doc
    *parents, last = path.split(".")
    for part in parents:
        child = node.get(part)
        node[part] = child = dict(child) if isinstance(child, Mapping) else {}
        node = child
    node[last] = value


def merged(doc: Mapping[str, Any], env: Mapping[str, str], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The document with GRM's environment overrides, then the flags, applied (copies; inputs untouched)."""
    result = dict(doc)
    controllers = result.get("controllers")
    if isinstance(controllers, Mapping) and "managedResource" not in controllers and "managedResources" in controllers:
        # GRM's example file and chart spell the section so (GRM itself silently ignores that spelling)
        controllers = dict(controllers)
        controllers["managedResource"] = controllers.pop("managedResources")
        result["controllers"] = controllers
    if env.get("KUBECONFIG"):  # kubecore's loader reads (and merges) $KUBECONFIG itself
        _set(result, "sourceClientConnection.kubeconfig", None)
    if env.get("TARGET_KUBECONFIG"):
        _set(result, "targetClientConnection.kubeconfig", env["TARGET_KUBECONFIG"])
    for path, value in overrides.items():
        if value is not None:
            _set(result, path, value)
    return result


def parse_address(flag_value: str, path: str) -> dict[str, Any]:
    """``HOST:PORT`` / ``:PORT`` of a bind-address flag as the file's ``{bindAddress, port}``."""
    host, sep, port = flag_value.rpartition(":")
    if not sep or not port.isdigit():
        raise ConfigError(path, f"{flag_value!r} is not an address; write HOST:PORT, e.g. 127.0.0.1:8080 or :8080")
    return {"bindAddress": host.strip("[]") or "0.0.0.0", "port": int(port)}


def _connection(read: _Reader, path: str) -> Connection:
    base = Connection()
    return Connection(
        kubeconfig=read.optional_string(f"{path}.kubeconfig"),
        qps=read.number(f"{path}.qps", base.qps, minimum=-math.inf) or base.qps,
        burst=int(read.number(f"{path}.burst", base.burst, minimum=0, integer=True)) or base.burst,
        namespaces=read.strings(f"{path}.namespaces", "namespace names"),
        cache_resync_period=read.duration(f"{path}.cacheResyncPeriod", base.cache_resync_period, minimum=10.0),
    )


def _shard(read: _Reader, path: str) -> Shard:
    text = read.string(path, "")
    if not text:
        return Shard()
    try:
        return parse_shard(text)
    except ValueError as exc:
        raise ConfigError(path, str(exc)) from None


def _leader_election(read: _Reader) -> LeaderElection:
    base = LeaderElection()
    read.string("leaderElection.resourceLock", "leases", allowed=("leases",))
    election = LeaderElection(
        enabled=read.boolean("leaderElection.leaderElect", base.enabled),
        lease_duration=read.duration("leaderElection.leaseDuration", base.lease_duration, minimum=1.0),
        renew_deadline=read.duration("leaderElection.renewDeadline", base.renew_deadline, minimum=1.0),
        retry_period=read.duration("leaderElection.retryPeriod", base.retry_period, minimum=0.1),
        name=read.string("leaderElection.resourceName", base.name) or base.name,
        namespace=read.optional_string("leaderElection.resourceNamespace"),
    )
    if not election.lease_duration > election.renew_deadline:
        raise ConfigError("leaderElection.renewDeadline", "must be shorter than leaderElection.leaseDuration")
    if not election.renew_deadline > 1.2 * election.retry_period:
        raise ConfigError("leaderElection.retryPeriod", "must be shorter than leaderElection.renewDeadline / 1.2")
    return election


def _ignored(doc: Mapping[str, Any]) -> list[str]:
    """One warning per section the file enables that we do not implement (and per unknown field)."""
    warnings = [f"{key}: unknown field, ignored" for key in doc if key not in _KNOWN_TOP]
    for side in ("sourceClientConnection", "targetClientConnection"):
        connection = doc.get(side)
        if isinstance(connection, Mapping):
            warnings += [f"{side}.{key}: unknown field, ignored" for key in connection if key not in _CONNECTION_KEYS]
    webhooks_server = (doc.get("server") or {}).get("webhooks") if isinstance(doc.get("server"), Mapping) else None
    if webhooks_server:
        warnings.append("server.webhooks: this manager serves no webhooks; ignored")
    debugging = doc.get("debugging")
    if isinstance(debugging, Mapping) and any(debugging.values()):
        warnings.append("debugging: profiling is not available in this manager; ignored")
    for group, known in (("controllers", _OURS_CONTROLLERS), ("webhooks", set())):
        section = doc.get(group)
        if not isinstance(section, Mapping):
            continue
        for name, sub in section.items():
            if name in known:
                continue
            if not isinstance(sub, Mapping) or sub.get("enabled", True):
                warnings.append(f"{group}.{name}: not implemented by this manager; ignored")
    return warnings


def build(
    doc: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Configuration:
    """Defaults ← ``doc`` (the parsed file, if any) ← ``env`` ← ``overrides`` (flags by field path).

    Raises :class:`ConfigError` for the first field we cannot run with."""
    raw = merged(doc or {}, env or {}, overrides or {})
    if doc is not None:
        if raw.get("apiVersion") != API_VERSION:
            raise ConfigError("apiVersion", f"{raw.get('apiVersion')!r} is not supported; use {API_VERSION}")
        if raw.get("kind") != KIND:
            raise ConfigError("kind", f"{raw.get('kind')!r} is not supported; use {KIND}")
    read = _Reader(raw)
    for section in _SECTIONS:
        read.section(section)
    base = Configuration()
    mr = "controllers.managedResource"
    gc_enabled = read.boolean("controllers.garbageCollector.enabled", False)
    return Configuration(
        source=_connection(read, "sourceClientConnection"),
        target=_connection(read, "targetClientConnection"),
        leader_election=_leader_election(read),
        log_level=read.string("logLevel", base.log_level, allowed=LOG_LEVELS) or base.log_level,
        log_format=read.string("logFormat", base.log_format, allowed=LOG_FORMATS) or base.log_format,
        health_probes=read.endpoint("server.healthProbes", base.health_probes),
        metrics=read.endpoint("server.metrics", base.metrics),
        cluster_id=read.string("controllers.clusterID", base.cluster_id),
        resource_class=read.string("controllers.resourceClass", base.resource_class, non_empty=True),
        cache_sync_timeout=read.duration("controllers.cacheSyncTimeout", base.cache_sync_timeout, minimum=1.0),
        workers=int(read.number(f"{mr}.concurrentSyncs", base.workers, minimum=1, integer=True)),
        sync_period=read.duration(f"{mr}.syncPeriod", base.sync_period, minimum=1.0),
        always_update=read.boolean(f"{mr}.alwaysUpdate", base.always_update),
        managed_by=read.string(f"{mr}.managedByLabelValue", base.managed_by, non_empty=True),
        takeover_managers=read.strings(f"{mr}.takeoverFieldManagers", "field manager names"),
        health_sync_period=read.duration("controllers.health.syncPeriod", base.health_sync_period, minimum=1.0),
        garbage_collector=gc_enabled,
        garbage_collector_sync_period=read.duration(
            "controllers.garbageCollector.syncPeriod", base.garbage_collector_sync_period, minimum=15.0
        ),
        shard=_shard(read, f"{mr}.shard"),
        warnings=tuple(_ignored(raw)),
    )
