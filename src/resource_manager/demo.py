"""The README's main job: a real control plane on 127.0.0.1 and what runs on it, until Ctrl-C."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

from devcluster.build import BuildError
from devcluster.cluster import Cluster, ClusterError

DEMO_DIR = Path(".devcluster/demo")


def run_demo() -> int:
    """Start the cluster, print what a user needs to reach it, wait for Ctrl-C, stop everything."""
    cluster = Cluster(DEMO_DIR)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        print("starting the local control plane (the first run builds it: several minutes)...", flush=True)
        cluster.start()
        version = cluster.version()
        print(f"Kubernetes {version.get('gitVersion')} ({version.get('platform')}) at {cluster.server}")
        print(f"ready: {', '.join(name for name, up in cluster.running().items() if up)}")
        print(cluster.kubectl("get", "nodes").stdout, end="")
        print(f"\nkubeconfig: {cluster.kubeconfig}\n  export KUBECONFIG={cluster.kubeconfig.resolve()}")
        print("\nPress Ctrl-C to stop.", flush=True)
        stop.wait()
        return 0
    except (BuildError, ClusterError) as exc:
        print(f"error: {exc}")
        return 3
    finally:
        print("stopping...", flush=True)
        cluster.stop()
        print("stopped.")
