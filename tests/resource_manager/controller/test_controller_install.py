"""`resource-manager install-crds` against the real control plane."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from devcluster import Cluster
from resource_manager.api.crd import CRD_NAME

pytestmark = pytest.mark.cluster

CLI = str(Path(sys.executable).with_name("resource-manager"))


def test_install_crds_applies_the_shipped_crd_and_waits_for_established(cluster: Cluster) -> None:
    command = [CLI, "install-crds", "--kubeconfig", str(cluster.kubeconfig)]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f"customresourcedefinition {CRD_NAME} established" in done.stdout
    crd = json.loads(cluster.kubectl("get", "crd", CRD_NAME, "-o", "json", "--show-managed-fields").stdout)
    established = [c for c in crd["status"]["conditions"] if c["type"] == "Established"]
    assert established and established[0]["status"] == "True"
    managers = {(m["manager"], m["operation"]) for m in crd["metadata"]["managedFields"]}
    assert ("resource-manager", "Apply") in managers
    assert "mr" in crd["spec"]["names"]["shortNames"]
    # the kind is served: the short name resolves
    assert cluster.kubectl("get", "mr", "-A").returncode == 0


def test_install_crds_with_a_bad_kubeconfig_exits_3_with_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nope.kubeconfig"
    done = subprocess.run([CLI, "install-crds", "--kubeconfig", str(missing)], capture_output=True, text=True)
    assert done.returncode == 3
    assert done.stderr.strip().count("\n") == 0
    assert str(missing) in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("leader_elect", [False, True], ids=["plain", "leader-elect"])
def test_run_command_reconciles_and_stops_cleanly_on_sigterm(
    cluster: Cluster, namespace: str, leader_elect: bool
) -> None:
    subprocess.run([CLI, "install-crds", "--kubeconfig", str(cluster.kubeconfig)], check=True, capture_output=True)
    command = [CLI, "run", "--kubeconfig", str(cluster.kubeconfig), "--namespace", namespace, "--sync-period", "5s"]
    command += ["--metrics-bind-address", "127.0.0.1:0", "--health-bind-address", "127.0.0.1:0"]
    command += ["--leader-election-namespace", namespace] if leader_elect else ["--no-leader-elect"]
    controller = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        manifest = (
            "apiVersion: v1\nkind: Secret\nmetadata: {name: objs}\nstringData:\n  cm.yaml: |\n"
            "    apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: from-cli}\n    data: {k: v}\n---\n"
            "apiVersion: resources.gardener.cloud/v1alpha1\nkind: ManagedResource\nmetadata: {name: mr}\n"
            "spec: {secretRefs: [{name: objs}]}\n"
        )
        cluster.kubectl("apply", "-n", namespace, "-f", "-", stdin=manifest)
        applied = '{.status.conditions[?(@.type=="ResourcesApplied")].status}=True'
        cluster.kubectl("wait", "-n", namespace, "mr/mr", f"--for=jsonpath={applied}", "--timeout=60s")
        # without a namespace in the manifest the ConfigMap goes to "default" (GRM's namespace defaulting)
        assert cluster.kubectl("get", "configmap", "from-cli", "-n", "default", "-o", "name").stdout.strip()
        cluster.kubectl("delete", "-n", namespace, "mr/mr", "--timeout=60s")
        assert not cluster.kubectl("get", "configmap", "from-cli", "-n", "default", "--ignore-not-found").stdout
        if leader_elect:
            assert _lease_holder(cluster, namespace)  # it reconciled while holding the Lease
    finally:
        controller.send_signal(signal.SIGTERM)
        output, _ = controller.communicate(timeout=30)
    assert controller.returncode == 0, output
    assert "Traceback" not in output
    if leader_elect:
        assert not _lease_holder(cluster, namespace)  # released on the way out, a standby takes over at once


def _lease_holder(cluster: Cluster, namespace: str) -> str:
    path = "jsonpath={.spec.holderIdentity}"
    return cluster.kubectl("get", "lease", "gardener-resource-manager", "-n", namespace, "-o", path).stdout
