"""The README's main job: a real control plane on 127.0.0.1, the controller on it, the examples applied.

Steps: start the control plane → install the CRD → start `resource-manager run` (a child process, its
log in the demo directory) → apply both examples → show `kubectl get mr`, the injected labels on the
Deployment, its ReplicaSet and Pods → edit a managed ConfigMap by hand and show the controller
reverting it → wait for Ctrl-C, then stop the controller and the control plane.

Output goes through :func:`_say`, which never raises: with `make demo | tee demo.log`, Ctrl-C also ends
`tee`, and a print into the closed pipe must not abort the clean-up that stops the control plane.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from devcluster.build import BuildError
from devcluster.cluster import Cluster, ClusterError

DEMO_DIR = Path(".devcluster/demo")
EXAMPLES = Path(str(resources.files("devcluster"))) / "examples"  # the repository's examples/, shipped
APPLIED = '{.status.conditions[?(@.type=="ResourcesApplied")].status}'
SYNC_PERIOD = "1m"


class DemoError(Exception):
    """A demo step did not reach its expected state in time."""


def _say(text: str, end: str = "\n") -> None:
    """Print and flush; once stdout is gone (a closed pipe), send the rest of the output to /dev/null."""
    try:
        print(text, end=end, flush=True)
    except (BrokenPipeError, ValueError, OSError):
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # also the interpreter's final flush then succeeds
            os.close(devnull)


def _eventually(what: str, check: Callable[[], bool], seconds: float = 90.0) -> float:
    """Poll ``check`` until true; return how long it took."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if check():
            return time.monotonic() - started
        time.sleep(0.2)
    raise DemoError(f"timed out after {seconds:g} s waiting for {what}")


def _jsonpath(cluster: Cluster, path: str, *target: str) -> str:
    return cluster.kubectl("get", *target, "-o", f"jsonpath={path}", check=False).stdout


def _applied_check(cluster: Cluster, name: str) -> Callable[[], bool]:
    return lambda: _jsonpath(cluster, APPLIED, "mr", name, "-n", "default") == "True"


def _start_manager(cluster: Cluster) -> subprocess.Popen[bytes]:
    log_file = (DEMO_DIR / "manager.log").open("ab")
    command = [str(Path(sys.executable).with_name("resource-manager")), "run", "--kubeconfig", str(cluster.kubeconfig)]
    command += [
        "--sync-period",
        SYNC_PERIOD,
        "--metrics-bind-address",
        "127.0.0.1:0",
        "--health-bind-address",
        "127.0.0.1:0",
    ]
    return subprocess.Popen([*command, "--log-format", "text"], stdout=log_file, stderr=subprocess.STDOUT)


def _stop_manager(manager: subprocess.Popen[bytes]) -> None:
    """SIGTERM (a clean stop), SIGKILL if it has not ended after 30 s: the control plane stops after it."""
    manager.terminate()
    try:
        manager.wait(timeout=30)
    except subprocess.TimeoutExpired:
        manager.kill()
        manager.wait()


def _show(cluster: Cluster, title: str, *args: str) -> None:
    _say(f"\n$ kubectl {' '.join(args)}    # {title}")
    _say(cluster.kubectl(*args, check=False).stdout, end="")


def _walk_through(cluster: Cluster) -> None:
    _say(cluster.kubectl("apply", "-f", str(EXAMPLES / "configmaps"), "-f", str(EXAMPLES / "nginx")).stdout, end="")
    for name in ("example-configmaps", "example-nginx"):
        _eventually(f"ManagedResource {name} applied", _applied_check(cluster, name))
    _show(cluster, "the ManagedResources", "get", "mr", "-n", "default")
    running = ("pods", "-n", "default", "-l", "foo=bar", "--field-selector", "status.phase=Running")
    _eventually(
        "two nginx Pods labelled foo=bar running",
        lambda: len(_jsonpath(cluster, "{.items[*].metadata.name}", *running).split()) == 2,
    )
    _show(
        cluster,
        "injectLabels foo=bar on what the cluster made",
        "get",
        "deploy,rs,pods",
        "-n",
        "default",
        "-l",
        "foo=bar",
        "-L",
        "foo",
    )
    _show(
        cluster,
        "the managed ConfigMaps",
        "get",
        "configmaps",
        "test-1234",
        "test-5678",
        "-n",
        "default",
        "-o",
        "custom-columns=NAME:.metadata.name,DATA:.data,ORIGIN:.metadata.annotations.resources\\.gardener\\.cloud/origin",
    )
    _say('\n$ kubectl patch configmap test-1234 -n default -p \'{"data":{"foo":"edited-by-hand"}}\'')
    edit = (
        "patch",
        "configmap",
        "test-1234",
        "-n",
        "default",
        "--type=merge",
        "-p",
        '{"data":{"foo":"edited-by-hand"}}',
    )
    edited = cluster.kubectl(*edit, "-o", "jsonpath={.data}").stdout
    _say(f"  data right after the edit: {edited}")
    took = _eventually(
        "the manual edit to be reverted",
        lambda: _jsonpath(cluster, "{.data.foo}", "configmap", "test-1234", "-n", "default") == "bar",
    )
    _say(
        f"  reverted by the controller after {took:.1f} s (it watches what it manages; "
        f"the resync comes only every {SYNC_PERIOD} s): "
        f"{_jsonpath(cluster, '{.data}', 'configmap', 'test-1234', '-n', 'default')}"
    )


def run_demo() -> int:
    """Run the demo until Ctrl-C; stop the controller and the control plane on the way out."""
    cluster = Cluster(DEMO_DIR)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    manager: subprocess.Popen[bytes] | None = None
    try:
        _say("starting the local control plane (the first run builds it: several minutes)...")
        cluster.start()
        version = cluster.version()
        _say(f"Kubernetes {version.get('gitVersion')} ({version.get('platform')}) at {cluster.server}")
        _say(cluster.kubectl("get", "nodes").stdout, end="")
        install = [str(Path(sys.executable).with_name("resource-manager")), "install-crds"]
        _say(
            subprocess.run(
                [*install, "--kubeconfig", str(cluster.kubeconfig)], capture_output=True, text=True, check=True
            ).stdout,
            end="",
        )
        manager = _start_manager(cluster)
        _say(f"controller running (pid {manager.pid}, log: {DEMO_DIR / 'manager.log'})")
        _walk_through(cluster)
        _say(f"\nkubeconfig: {cluster.kubeconfig}\n  export KUBECONFIG={cluster.kubeconfig.resolve()}")
        _say("Try: kubectl get mr -A; edit a ConfigMap and watch it come back.\nPress Ctrl-C to stop.")
        stop.wait()
        return 0
    except (BuildError, ClusterError, DemoError, subprocess.CalledProcessError) as exc:
        _say(f"error: {exc}")
        return 3
    finally:
        _say("stopping...")
        if manager is not None:
            _stop_manager(manager)
        cluster.stop()
        _say("stopped.")
