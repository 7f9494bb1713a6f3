"""The control plane is real: workloads roll out through kwok, SSA conflicts, CRDs, watches."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from typing import IO, Any

import pytest

from devcluster import Cluster
from devcluster.cluster import kubectl_binary

pytestmark = pytest.mark.cluster


def wait_for(what: str, check: Callable[[], bool], timeout: float = 60.0) -> None:
    """Poll `check` until it holds; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def get_json(cluster: Cluster, *args: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(cluster.kubectl("get", *args, "-o", "json").stdout)
    return document


DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: nginx:1.7.9}]
"""


def test_version_is_the_pinned_release(cluster: Cluster) -> None:
    from devcluster.versions import KUBERNETES_VERSION

    assert cluster.version()["gitVersion"] == KUBERNETES_VERSION


def test_deployment_becomes_available_with_pods_running_on_the_fake_node(cluster: Cluster, namespace: str) -> None:
    cluster.kubectl("apply", "-n", namespace, "-f", "-", stdin=DEPLOYMENT)

    def available() -> bool:
        status = get_json(cluster, "deployment", "web", "-n", namespace).get("status", {})
        conditions = {c["type"]: c["status"] for c in status.get("conditions", [])}
        return status.get("availableReplicas") == 2 and conditions.get("Available") == "True"

    wait_for("Deployment web to be Available with 2 replicas", available)
    pods = get_json(cluster, "pods", "-n", namespace, "-l", "app=web")["items"]
    assert len(pods) == 2
    for pod in pods:
        assert pod["status"]["phase"] == "Running"
        assert pod["spec"]["nodeName"] == "fake-node-0"
        ready = {c["type"]: c["status"] for c in pod["status"]["conditions"]}
        assert ready["Ready"] == "True"


def test_server_side_apply_conflict_then_forced_takeover(cluster: Cluster, namespace: str) -> None:
    def apply(manager: str, value: str, *extra: str) -> subprocess.CompletedProcess[str]:
        manifest = json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                               "metadata": {"name": "shared", "namespace": namespace}, "data": {"key": value}})
        return cluster.kubectl("apply", "--server-side", f"--field-manager={manager}", *extra, "-f", "-",
                               stdin=manifest, check=False)

    assert apply("alice", "from-alice").returncode == 0
    conflict = apply("bob", "from-bob")
    assert conflict.returncode != 0
    assert "conflict" in conflict.stderr.lower() and "alice" in conflict.stderr
    assert get_json(cluster, "configmap", "shared", "-n", namespace)["data"]["key"] == "from-alice"

    assert apply("bob", "from-bob", "--force-conflicts").returncode == 0
    live = get_json(cluster, "configmap", "shared", "-n", namespace, "--show-managed-fields")
    assert live["data"]["key"] == "from-bob"
    owners = {entry["manager"] for entry in live["metadata"]["managedFields"]
              if "f:key" in json.dumps(entry.get("fieldsV1", {}))}
    assert owners == {"bob"}


CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.test.resource-manager.dev}
spec:
  group: test.resource-manager.dev
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties: {size: {type: integer, minimum: 1}}
"""


def test_crd_becomes_established_and_serves_custom_resources(cluster: Cluster, namespace: str) -> None:
    cluster.kubectl("apply", "-f", "-", stdin=CRD)

    def established() -> bool:
        crd = get_json(cluster, "crd", "widgets.test.resource-manager.dev")
        return any(c["type"] == "Established" and c["status"] == "True"
                   for c in crd.get("status", {}).get("conditions", []))

    wait_for("the Widget CRD to be Established", established)
    widget = {"apiVersion": "test.resource-manager.dev/v1", "kind": "Widget",
              "metadata": {"name": "w1", "namespace": namespace}, "spec": {"size": 3}}
    cluster.kubectl("apply", "-f", "-", stdin=json.dumps(widget))
    assert get_json(cluster, "widget", "w1", "-n", namespace)["spec"]["size"] == 3
    invalid = dict(widget, metadata={"name": "w2", "namespace": namespace}, spec={"size": 0})
    rejected = cluster.kubectl("apply", "-f", "-", stdin=json.dumps(invalid), check=False)
    assert rejected.returncode != 0 and "spec.size" in rejected.stderr


def test_watch_sees_added_modified_and_deleted(cluster: Cluster, namespace: str) -> None:
    """kubectl lists before it watches, so once the sentinel's ADDED arrives every later change is seen."""
    cluster.kubectl("create", "configmap", "sentinel", "-n", namespace)
    cluster.kubectl("label", "configmap", "sentinel", "-n", namespace, "test=watch")
    watcher = subprocess.Popen(
        [str(kubectl_binary()), "--kubeconfig", str(cluster.kubeconfig), "get", "configmaps", "-n", namespace,
         "-l", "test=watch", "--watch", "--output-watch-events", "-o", "json"],
        stdout=subprocess.PIPE, text=True,
    )
    assert watcher.stdout is not None
    try:
        first = _read_event(watcher.stdout)
        assert (first["type"], first["object"]["metadata"]["name"]) == ("ADDED", "sentinel")
        cluster.kubectl("apply", "-n", namespace, "-f", "-", stdin=json.dumps(
            {"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "1"},
             "metadata": {"name": "watched", "labels": {"test": "watch"}}}))
        cluster.kubectl("patch", "configmap", "watched", "-n", namespace, "-p", '{"data":{"a":"2"}}')
        cluster.kubectl("delete", "configmap", "watched", "-n", namespace)
        events = [_read_event(watcher.stdout) for _ in range(3)]
    finally:
        watcher.terminate()
        watcher.wait()
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "DELETED"]
    assert [e["object"]["data"]["a"] for e in events] == ["1", "2", "2"]


def _read_event(stream: IO[str]) -> dict[str, Any]:
    """kubectl prints each watch event as one pretty-printed JSON document; read one whole document."""
    buffer = ""
    while True:
        line = stream.readline()
        if not line:
            raise AssertionError(f"watch ended early; partial output: {buffer!r}")
        buffer += line
        try:
            event: dict[str, Any] = json.loads(buffer)
        except ValueError:
            continue
        return event
