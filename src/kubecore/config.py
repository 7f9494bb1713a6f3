"""Kubeconfig and in-cluster configuration → one frozen `ClusterConfig` value.

Parsing is pure (dicts in, value out); the only I/O is reading the files the kubeconfig names, done at
load time so a config value is self-contained. Token files are the exception: they rotate, so only their
path is kept and `kubecore.credentials` re-reads them. Merge and path rules follow kubectl so a kubeconfig
that works there works here.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kubecore.errors import ConfigError

EXEC_API_VERSIONS = ("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1")
EXEC_INFO_EXTENSION = "client.authentication.k8s.io/exec"
INCLUSTER_ROOT = Path("/var/run/secrets/kubernetes.io/serviceaccount")


@dataclass(frozen=True)
class ExecConfig:
    """An exec credential plugin (`users[].user.exec`)."""

    command: str
    api_version: str
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = field(default=(), repr=False)  # may carry secrets
    interactive_mode: str = "IfAvailable"
    provide_cluster_info: bool = False
    install_hint: str = ""


@dataclass(frozen=True)
class ClusterConfig:
    """Everything needed to talk to one cluster as one user. repr() hides secrets."""

    server: str
    namespace: str = "default"
    context: str | None = None
    ca_data: bytes | None = field(default=None, repr=False)
    insecure_skip_tls_verify: bool = False
    tls_server_name: str | None = None
    client_cert_data: bytes | None = field(default=None, repr=False)
    client_key_data: bytes | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    token_file: Path | None = None
    exec: ExecConfig | None = None
    cluster_extension: dict[str, Any] | None = field(default=None, repr=False, compare=False)


def load_config(kubeconfig: str | Path | None = None, *, context: str | None = None) -> ClusterConfig:
    """kubectl's order: explicit file, $KUBECONFIG, ~/.kube/config, then in-cluster."""
    if kubeconfig is not None:
        return load_kubeconfig([kubeconfig], context=context)
    paths = kubeconfig_paths(os.environ)
    if paths:
        return load_kubeconfig(paths, context=context)
    if os.environ.get("KUBERNETES_SERVICE_HOST"):
        return load_incluster()
    raise ConfigError("no Kubernetes configuration found: set KUBECONFIG, create ~/.kube/config or run in a cluster")


def kubeconfig_paths(env: Mapping[str, str]) -> list[Path]:
    """Existing kubeconfig files from $KUBECONFIG (os.pathsep-separated), else ~/.kube/config."""
    listed = [Path(p).expanduser() for p in env.get("KUBECONFIG", "").split(os.pathsep) if p]
    if listed:
        return [p for p in dict.fromkeys(listed) if p.exists()]
    default = Path(env.get("HOME", str(Path.home()))) / ".kube" / "config"
    return [default] if default.exists() else []


def load_kubeconfig(paths: Sequence[str | Path], *, context: str | None = None) -> ClusterConfig:
    """Read, merge and resolve kubeconfig files."""
    if not paths:
        raise ConfigError("no kubeconfig file found (KUBECONFIG lists no existing file)")
    docs = [(_read_yaml(Path(p)), Path(p)) for p in paths]
    merged, origins = merge_kubeconfigs(docs)
    return config_from_kubeconfig(merged, origins, context=context)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"cannot read kubeconfig {path}: {exc.strerror}") from None
    try:
        doc = yaml.load(text, Loader=yaml.CSafeLoader) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"kubeconfig {path} is not valid YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"kubeconfig {path} is not a YAML mapping")
    return doc


_SECTIONS = (("clusters", "cluster"), ("users", "user"), ("contexts", "context"))


def merge_kubeconfigs(
    docs: Sequence[tuple[dict[str, Any], Path]],
) -> tuple[dict[str, Any], dict[str, Path]]:
    """Merge like client-go: the first file that defines a name wins, the first current-context wins.

    Returns the merged document and, for each "section/name" entry, the file it came from, so
    relative paths in it resolve against that file's directory.
    """
    merged: dict[str, Any] = {"clusters": [], "users": [], "contexts": []}
    origins: dict[str, Path] = {}
    for doc, path in docs:
        if not merged.get("current-context") and doc.get("current-context"):
            merged["current-context"] = doc["current-context"]
        for section, _ in _SECTIONS:
            for entry in doc.get(section) or []:
                name = entry.get("name") if isinstance(entry, dict) else None
                key = f"{section}/{name}"
                if name is None or key in origins:
                    continue
                origins[key] = path
                merged[section].append(entry)
    return merged, origins


def config_from_kubeconfig(
    doc: Mapping[str, Any], origins: Mapping[str, Path], *, context: str | None = None
) -> ClusterConfig:
    """Resolve one context of a (merged) kubeconfig into a ClusterConfig."""
    ctx_name = context or doc.get("current-context")
    if not ctx_name:
        raise ConfigError("kubeconfig has no current-context; pass a context name")
    ctx = _named(doc, "contexts", "context", ctx_name)
    cluster_name, user_name = ctx.get("cluster"), ctx.get("user")
    cluster = _named(doc, "clusters", "cluster", cluster_name)
    user = _named(doc, "users", "user", user_name) if user_name else {}
    cluster_dir = _base_dir(origins, f"clusters/{cluster_name}")
    user_dir = _base_dir(origins, f"users/{user_name}")
    server = cluster.get("server")
    if not server:
        raise ConfigError(f"cluster {cluster_name!r} in kubeconfig has no server")
    return ClusterConfig(
        server=str(server).rstrip("/"),
        namespace=ctx.get("namespace") or "default",
        context=ctx_name,
        ca_data=_data_or_file(cluster, "certificate-authority", cluster_dir),
        insecure_skip_tls_verify=bool(cluster.get("insecure-skip-tls-verify", False)),
        tls_server_name=cluster.get("tls-server-name") or None,
        client_cert_data=_data_or_file(user, "client-certificate", user_dir),
        client_key_data=_data_or_file(user, "client-key", user_dir),
        token=user.get("token") or None,
        token_file=_resolve(user["tokenFile"], user_dir) if user.get("tokenFile") else None,
        exec=_exec_config(user.get("exec"), user_dir),
        cluster_extension=_exec_extension(cluster),
    )


def _named(doc: Mapping[str, Any], section: str, inner: str, name: Any) -> dict[str, Any]:
    for entry in doc.get(section) or []:
        if isinstance(entry, dict) and entry.get("name") == name:
            value = entry.get(inner) or {}
            if not isinstance(value, dict):
                raise ConfigError(f"kubeconfig {inner} {name!r} is not a mapping")
            return value
    raise ConfigError(f"kubeconfig has no {inner} named {name!r}")


def _base_dir(origins: Mapping[str, Path], key: str) -> Path:
    origin = origins.get(key)
    return origin.parent if origin is not None else Path.cwd()


def _resolve(path: str, base: Path) -> Path:
    p = Path(path).expanduser()
    return p if p.is_absolute() else base / p


def _data_or_file(section: Mapping[str, Any], name: str, base: Path) -> bytes | None:
    """`<name>-data` (base64) wins over the file `<name>`, like kubectl."""
    data = section.get(f"{name}-data")
    if data:
        try:
            return base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise ConfigError(f"kubeconfig field {name}-data is not valid base64") from None
    file = section.get(name)
    if not file:
        return None
    path = _resolve(str(file), base)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {name} file {path}: {exc.strerror}") from None


def _exec_config(raw: Any, base: Path) -> ExecConfig | None:
    if not raw:
        return None
    api_version = raw.get("apiVersion", "")
    if api_version not in EXEC_API_VERSIONS:
        raise ConfigError(
            f"exec plugin apiVersion {api_version!r} is not supported (use one of {', '.join(EXEC_API_VERSIONS)})"
        )
    command = raw.get("command")
    if not command:
        raise ConfigError("exec plugin in kubeconfig has no command")
    if "/" in command:  # kubectl: a command with a path separator is relative to the kubeconfig
        command = str(_resolve(command, base))
    env = tuple((str(e["name"]), str(e["value"])) for e in raw.get("env") or [])
    return ExecConfig(
        command=command,
        api_version=api_version,
        args=tuple(str(a) for a in raw.get("args") or []),
        env=env,
        interactive_mode=raw.get("interactiveMode") or "IfAvailable",
        provide_cluster_info=bool(raw.get("provideClusterInfo", False)),
        install_hint=raw.get("installHint") or "",
    )


def _exec_extension(cluster: Mapping[str, Any]) -> dict[str, Any] | None:
    for ext in cluster.get("extensions") or []:
        if isinstance(ext, dict) and ext.get("name") == EXEC_INFO_EXTENSION:
            value = ext.get("extension")
            return value if isinstance(value, dict) else None
    return None


def load_incluster(root: Path = INCLUSTER_ROOT, env: Mapping[str, str] | None = None) -> ClusterConfig:
    """The pod's service account: API server from env, CA and namespace from files, rotating token file."""
    env = os.environ if env is None else env
    host, port = env.get("KUBERNETES_SERVICE_HOST"), env.get("KUBERNETES_SERVICE_PORT")
    if not host or not port:
        raise ConfigError("not running in a cluster: KUBERNETES_SERVICE_HOST/PORT are not set")
    token_file = root / "token"
    if not token_file.exists():
        raise ConfigError(f"in-cluster token file {token_file} does not exist")
    host = f"[{host}]" if ":" in host else host
    try:
        ca = (root / "ca.crt").read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read in-cluster CA {root / 'ca.crt'}: {exc.strerror}") from None
    ns_file = root / "namespace"
    namespace = ns_file.read_text().strip() if ns_file.exists() else "default"
    return ClusterConfig(
        server=f"https://{host}:{port}",
        namespace=namespace or "default",
        ca_data=ca,
        token_file=token_file,
    )
