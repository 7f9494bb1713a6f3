"""`kstatus status TYPE/NAME | -f --live` and `kstatus wait` end to end: the real binary, the real cluster."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from devcluster import Cluster
from tests.kstatus.live import manifests

pytestmark = pytest.mark.cluster
KSTATUS = str(Path(sys.executable).with_name("kstatus"))


def kstatus(cluster: Cluster, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [KSTATUS, *args, "--kubeconfig", str(cluster.kubeconfig)], capture_output=True, text=True, timeout=300
    )


def write(tmp_path: Path, *objects: dict[str, Any], name: str = "manifests.yaml") -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump_all(objects))
    return str(path)


def apply(cluster: Cluster, path: str, namespace: str) -> None:
    cluster.kubectl("apply", "-n", namespace, "-f", path)


def without_namespace(obj: dict[str, Any]) -> dict[str, Any]:
    """Manifests usually leave the namespace to -n."""
    meta = {k: v for k, v in obj["metadata"].items() if k != "namespace"}
    return {**obj, "metadata": meta}


def test_wait_rollout_table_log_and_summary(cluster: Cluster, namespace: str, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        without_namespace(manifests.deployment("web", namespace)),
        without_namespace(manifests.config_map("cfg", namespace)),
    )
    apply(cluster, path, namespace)
    done = kstatus(cluster, "wait", "-f", path, "-n", namespace, "--timeout", "3m")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    # the Deployment may be available before the wait starts: then both are Current at 0.0s, in any order
    current = f"Deployment/{namespace}/web  Current  Deployment is available. Replicas: 1"
    assert any(current in line for line in lines[:-1]), lines
    assert lines[-1].startswith("all 2 resources reached Current after ")


def test_wait_fail_fast_json_document(cluster: Cluster, namespace: str, tmp_path: Path) -> None:
    crashy = manifests.deployment("crashy", namespace, crash_loop=True)
    path = write(tmp_path, crashy, manifests.config_map("never", namespace))
    cluster.kubectl("apply", "-f", write(tmp_path, crashy, name="crashy.yaml"))
    done = kstatus(cluster, "wait", "-f", path, "--fail-fast", "--timeout", "3m", "-o", "json")
    assert done.returncode == 1, done.stderr
    document = orjson.loads(done.stdout)  # one document, the shape of `status -o json`
    assert (document["apiVersion"], document["kind"]) == ("kstatus.resource-manager.dev/v1", "StatusList")
    result = document["wait"]
    assert (result["for"], result["outcome"], result["aggregate"]) == ("Current", "failed", "InProgress")
    assert [item["status"] for item in document["items"]] == ["InProgress", "NotFound"]
    assert document["items"][0]["generated"][0]["kind"] == "ReplicaSet"
    assert result["summary"].startswith("failed after ")
    assert "1 pods have failed" in result["summary"]


def test_wait_timeout_and_deletion_exit_codes(cluster: Cluster, namespace: str, tmp_path: Path) -> None:
    path = write(tmp_path, manifests.config_map("missing", namespace))
    timed_out = kstatus(cluster, "wait", "-f", path, "--timeout", "1s")
    assert timed_out.returncode == 1
    assert timed_out.stdout.splitlines()[-1] == (
        f"timed out after 1.0s: 1 of 1 resources not Current: ConfigMap/{namespace}/missing "
        "(NotFound: Resource not found)"
    )
    for spelling in ("--for=delete", "--for=deleted"):  # kubectl's word, and the old one
        deleted = kstatus(cluster, "wait", "-f", path, spelling, "--timeout", "30s")
        assert deleted.returncode == 0
        assert deleted.stdout.splitlines()[-1].startswith("all 1 resources reached NotFound after ")


def test_wait_and_status_select_by_name_label_all_and_all_namespaces(
    cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    labelled = [manifests.config_map(name, namespace) for name in ("a", "b")]
    for obj in labelled:
        obj["metadata"]["labels"] = {"app": "picked"}
    cluster.kubectl("apply", "-f", write(tmp_path, *labelled, manifests.config_map("c", namespace)))
    by_label = kstatus(cluster, "wait", "cm", "-l", "app=picked", "-n", namespace, "-o", "name")
    assert (by_label.returncode, by_label.stdout.splitlines()) == (0, ["configmap/a", "configmap/b"])
    by_name = kstatus(cluster, "wait", "configmap/c", "deploy/gone", "-n", namespace, "--for=delete", "--timeout", "1s")
    assert by_name.returncode == 1  # c exists; gone is gone
    assert "1 of 2 resources not NotFound: ConfigMap/" in by_name.stdout.splitlines()[-1]
    every = kstatus(cluster, "status", "configmaps", "--all", "-n", namespace, "-o", "json")
    assert every.returncode == 0
    assert {"a", "b", "c", "kube-root-ca.crt"} == {item["name"] for item in orjson.loads(every.stdout)["items"]}
    everywhere = kstatus(cluster, "status", "cm", "-A", "-l", "app=picked", "-o", "name")
    assert everywhere.stdout.splitlines() == ["configmap/a", "configmap/b"]
    nothing = kstatus(cluster, "wait", "cm", "-l", "app=nobody", "-n", namespace)
    assert (nothing.returncode, nothing.stderr) == (1, "error: no matching resources found\n")


def test_status_of_type_name_arguments_and_live_manifests(cluster: Cluster, namespace: str, tmp_path: Path) -> None:
    path = write(tmp_path, without_namespace(manifests.config_map("cfg", namespace)))
    apply(cluster, path, namespace)
    by_name = kstatus(cluster, "status", "cm/cfg", "configmaps/gone", "-n", namespace)
    assert by_name.returncode == 1  # not everything is Current
    assert by_name.stdout.splitlines()[1:] == [
        f"{namespace}   ConfigMap   cfg    Current    Resource is always ready",
        f"{namespace}   ConfigMap   gone   NotFound   Resource not found",
    ]
    live = kstatus(cluster, "status", "-f", path, "--live", "-n", namespace, "-o", "json")
    assert live.returncode == 0
    [record] = orjson.loads(live.stdout)["items"]
    assert (record["name"], record["status"], record["message"]) == ("cfg", "Current", "Resource is always ready")


def test_bad_input_exits_2_and_an_unreachable_cluster_3_in_one_line(cluster: Cluster, tmp_path: Path) -> None:
    missing = kstatus(cluster, "wait", "-f", str(tmp_path / "nope.yaml"))
    assert (missing.returncode, missing.stderr) == (2, f"error: {tmp_path / 'nope.yaml'}: no such file or directory\n")
    unknown_type = kstatus(cluster, "status", "gizmo/x")
    assert (unknown_type.returncode, unknown_type.stderr) == (
        2,
        "error: 'gizmo/x': the server doesn't have a resource type \"gizmo\"\n",
    )
    config = yaml.safe_load(cluster.kubeconfig.read_text())
    config["clusters"][0]["cluster"]["server"] = "https://127.0.0.1:9"  # nothing listens there
    dead = tmp_path / "dead.kubeconfig"
    dead.write_text(yaml.safe_dump(config))
    path = write(tmp_path, manifests.config_map("cfg", "default"))
    unreachable = subprocess.run(
        [KSTATUS, "wait", "-f", path, "--kubeconfig", str(dead)], capture_output=True, text=True, timeout=120
    )
    assert (unreachable.returncode, unreachable.stderr) == (
        3,
        "error: cannot reach https://127.0.0.1:9: connection refused\n",
    )


def test_status_uses_the_context_given_with_context(cluster: Cluster, namespace: str, tmp_path: Path) -> None:
    """--context picks the cluster and the namespace; the kubeconfig's current context points at a
    server where nothing listens, so reading it would fail with exit 3."""
    cluster.kubectl("apply", "-f", write(tmp_path, manifests.config_map("cfg", namespace)))
    config = yaml.safe_load(cluster.kubeconfig.read_text())
    [real] = config["clusters"]
    [context] = config["contexts"]
    config["clusters"].append({"name": "wrong", "cluster": {**real["cluster"], "server": "https://127.0.0.1:9"}})
    config["contexts"] = [
        {"name": "wrong", "context": {**context["context"], "cluster": "wrong"}},
        {"name": "right", "context": {**context["context"], "namespace": namespace}},
    ]
    config["current-context"] = "wrong"
    kubeconfig = tmp_path / "two-contexts.kubeconfig"
    kubeconfig.write_text(yaml.safe_dump(config))

    def status(*flags: str) -> subprocess.CompletedProcess[str]:
        command = [KSTATUS, "status", "cm/cfg", "--kubeconfig", str(kubeconfig), *flags]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    right = status("--context", "right")
    assert right.returncode == 0, right.stderr
    [row] = right.stdout.splitlines()[1:]
    assert row.split(maxsplit=4) == [namespace, "ConfigMap", "cfg", "Current", "Resource is always ready"]
    current = status()
    assert current.returncode == 3
    assert current.stderr == "error: cannot reach https://127.0.0.1:9: connection refused\n"


def test_endpoints_and_budgets_flags_reach_the_live_rules(cluster: Cluster, namespace: str, tmp_path: Path) -> None:
    """A Service selecting no Pod is Current upstream and InProgress with --endpoints; --budgets is accepted
    by status and wait alike (its rule is covered in test_related.py)."""
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "nobody"},
        "spec": {"selector": {"app": "nobody"}, "ports": [{"port": 80}]},
    }
    apply(cluster, write(tmp_path, service), namespace)
    upstream = kstatus(cluster, "status", "svc/nobody", "-n", namespace)
    with_endpoints = kstatus(cluster, "status", "svc/nobody", "-n", namespace, "--endpoints", "--budgets")
    assert upstream.returncode == 0, upstream.stderr
    assert with_endpoints.returncode == 1, with_endpoints.stderr
    assert "Service has no ready endpoints" in with_endpoints.stdout
    waited = kstatus(cluster, "wait", "svc/nobody", "-n", namespace, "--endpoints", "--budgets", "--timeout", "2s")
    assert waited.returncode == 1  # never reaches Current within the timeout
