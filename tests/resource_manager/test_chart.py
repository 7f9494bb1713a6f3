"""The Helm chart: lint, template, deploy/ up to date, and an install into the dev cluster whose
ServiceAccount runs the manager (locally, with a TokenRequest token) within the RBAC the chart grants."""

from __future__ import annotations

import asyncio
import base64
import re
import subprocess
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from devcluster import Cluster
from devcluster.helm import ensure_helm
from resource_manager.manager.configuration import Endpoint, build
from tests.resource_manager.manager_process import eventually, running_manager

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "resource-manager"
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def helm() -> Path:
    return ensure_helm(progress=False)


def run_helm(helm: Path, *args: str, kubeconfig: Path | None = None) -> str:
    command = [str(helm), *args] + (["--kubeconfig", str(kubeconfig)] if kubeconfig else [])
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def template(helm: Path, *values: str, namespace: str = "rm") -> list[dict[str, Any]]:
    sets = [arg for value in values for arg in ("--set-json", value)]
    rendered = run_helm(helm, "template", "rm", str(CHART), "--namespace", namespace, *sets)
    return [doc for doc in yaml.safe_load_all(rendered) if doc]


def by_kind(docs: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    kinds: dict[str, list[dict[str, Any]]] = {}
    for doc in docs:
        kinds.setdefault(doc["kind"], []).append(doc)
    return kinds


def test_chart_lints(helm: Path) -> None:
    assert "1 chart(s) linted, 0 chart(s) failed" in run_helm(helm, "lint", str(CHART), "--strict")


def test_default_rendering(helm: Path) -> None:
    kinds = by_kind(template(helm))
    assert sorted(kinds) == [
        "ClusterRole", "ClusterRoleBinding", "ConfigMap", "Deployment", "PodDisruptionBudget", "Role",
        "RoleBinding", "Service", "ServiceAccount",
    ]  # fmt: skip
    [deployment] = kinds["Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    assert deployment["spec"]["replicas"] == 2
    container = pod["containers"][0]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "probes"}
    config = yaml.safe_load(kinds["ConfigMap"][0]["data"]["config.yaml"])
    assert config["leaderElection"] == {"leaderElect": True, "resourceNamespace": "rm"}
    assert config["server"]["metrics"] == {"bindAddress": "0.0.0.0", "port": 8080}
    parsed = build(config, env={})
    assert parsed.warnings == () and parsed.health_probes == Endpoint("0.0.0.0", 8081)
    source_rules = next(r for r in kinds["ClusterRole"] if r["metadata"]["name"] == "rm-resource-manager-source")
    assert {g for rule in source_rules["rules"] for g in rule["resources"]} == {
        "managedresources", "managedresources/status", "managedresources/finalizers", "secrets", "events",
    }  # fmt: skip
    [lease_role] = kinds["Role"]
    assert lease_role["metadata"]["namespace"] == "rm"
    assert lease_role["rules"][1]["resourceNames"] == ["gardener-resource-manager"]


def test_namespaces_narrow_the_source_rbac_and_config_merges(helm: Path) -> None:
    docs = template(
        helm,
        'namespaces=["team-a","team-b"]',
        'config={"controllers":{"resourceClass":"seed","clusterID":"<cluster>"}}',
        'targetKubeconfig={"secretName":"target"}',
    )
    kinds = by_kind(docs)
    roles = {(r["metadata"]["namespace"], r["metadata"]["name"]) for r in kinds["Role"]}
    assert roles == {
        ("team-a", "rm-resource-manager-source"), ("team-b", "rm-resource-manager-source"),
        ("rm", "rm-resource-manager-leader-election"), ("kube-system", "rm-resource-manager-cluster-identity"),
    }  # fmt: skip
    assert "ClusterRole" not in kinds  # neither source (namespaced) nor target (another cluster)
    config = yaml.safe_load(kinds["ConfigMap"][0]["data"]["config.yaml"])
    assert config["controllers"] == {"resourceClass": "seed", "clusterID": "<cluster>"}
    assert config["targetClientConnection"] == {"kubeconfig": "/etc/resource-manager/target/kubeconfig"}
    assert config["sourceClientConnection"]["namespaces"] == ["team-a", "team-b"]


def test_shards_render_one_deployment_and_lease_per_shard(helm: Path) -> None:
    kinds = by_kind(template(helm, "shards=3", 'config={"leaderElection":{"resourceName":"rm-lease"}}'))
    deployments = {d["metadata"]["name"]: d for d in kinds["Deployment"]}
    assert sorted(deployments) == [f"rm-resource-manager-shard-{i}" for i in range(3)]
    for index in range(3):
        deployment = deployments[f"rm-resource-manager-shard-{index}"]
        assert deployment["spec"]["replicas"] == 2  # active and standby per shard
        args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
        assert args[-2:] == ["--shard", f"{index}/3"]
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert selector["resource-manager/shard"] == str(index)  # the Deployments do not adopt each other's Pods
        assert selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    [lease_role] = kinds["Role"]
    assert lease_role["rules"][1]["resourceNames"] == [f"rm-lease-shard-{i}-of-3" for i in range(3)]
    [pdb] = kinds["PodDisruptionBudget"]
    assert "resource-manager/shard" not in pdb["spec"]["selector"]["matchLabels"]  # a drain takes one Pod of all


def test_zero_shards_are_refused(helm: Path) -> None:
    result = subprocess.run(
        [str(helm), "template", "rm", str(CHART), "--set", "shards=0"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1 and "shards must be at least 1" in result.stderr


def test_deploy_directory_is_the_default_rendering(helm: Path) -> None:
    rendered = (ROOT / "deploy" / "resource-manager.yaml").read_text()
    expected = run_helm(helm, "template", "resource-manager", str(CHART), "--namespace", "resource-manager")
    assert rendered.endswith(expected), "deploy/ is stale: run `make deploy`"
    assert (CHART / "crds" / "managedresource.yaml").read_text() in rendered


def test_chart_crd_is_the_packaged_crd() -> None:
    packaged = ROOT / "src" / "resource_manager" / "crds" / "managedresource.yaml"
    assert (CHART / "crds" / "managedresource.yaml").read_text() == packaged.read_text()


@pytest.fixture
def release(cluster: Cluster, namespace: str, helm: Path) -> Iterator[str]:
    write = ["get", "list", "watch", "create", "update", "patch", "delete"]
    narrow_rules = [
        {"apiGroups": [""], "resources": ["configmaps"], "verbs": write},
        {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": write},
        {"apiGroups": ["apps"], "resources": ["replicasets"], "verbs": ["list", "watch"]},
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["list", "watch"]},
        {"apiGroups": ["autoscaling"], "resources": ["horizontalpodautoscalers"], "verbs": ["list"]},
    ]
    values = [
        'namespaces=["default"]',
        f"targetRBAC.rules={orjson.dumps(narrow_rules).decode()}",
    ]
    sets = [arg for value in values for arg in ("--set-json", value)]
    run_helm(helm, "install", "rm", str(CHART), "--namespace", namespace, *sets, kubeconfig=cluster.kubeconfig)
    try:
        yield "rm-resource-manager"
    finally:
        run_helm(helm, "uninstall", "rm", "--namespace", namespace, kubeconfig=cluster.kubeconfig)


def service_account_kubeconfig(cluster: Cluster, namespace: str, account: str, path: Path) -> Path:
    """A kubeconfig that authenticates as the chart's ServiceAccount (TokenRequest, 1 h)."""
    token = cluster.kubectl("create", "token", account, "-n", namespace, "--duration", "1h").stdout.strip()
    admin = yaml.safe_load(cluster.kubeconfig.read_text())
    cluster_entry = admin["clusters"][0]["cluster"]
    ca = (
        cluster_entry.get("certificate-authority-data")
        or base64.b64encode(Path(cluster_entry["certificate-authority"]).read_bytes()).decode()
    )
    kubeconfig = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "dev", "cluster": {"server": cluster.server, "certificate-authority-data": ca}}],
        "users": [{"name": account, "user": {"token": token}}],
        "contexts": [{"name": "sa", "context": {"cluster": "dev", "user": account, "namespace": namespace}}],
        "current-context": "sa",
    }
    path.write_text(yaml.safe_dump(kubeconfig))
    return path


def _applied(cluster: Cluster, name: str) -> tuple[str, str]:
    path = 'jsonpath={.status.conditions[?(@.type=="ResourcesApplied")]}'
    raw = cluster.kubectl("get", "mr", name, "-n", "default", "-o", path, check=False).stdout
    condition = yaml.safe_load(raw) if raw else {}
    return str(condition.get("reason", "")), str(condition.get("message", ""))


def _reader(cluster: Cluster, name: str) -> Callable[[], Awaitable[tuple[str, str]]]:
    return lambda: asyncio.to_thread(_applied, cluster, name)


@pytest.mark.cluster
async def test_install_then_run_as_its_service_account(
    cluster: Cluster, namespace: str, release: str, tmp_path: Path
) -> None:
    for kind in ("serviceaccount", "configmap", "deployment", "service", "poddisruptionbudget", "role", "rolebinding"):
        assert cluster.kubectl("get", kind, "-n", namespace, "-o", "name").stdout.strip(), kind
    cluster.kubectl("get", "role,rolebinding", "-n", "default", f"{release}-source", "-o", "name")
    cluster.kubectl("get", "clusterrole", f"{release}-target")
    await asyncio.to_thread(
        cluster.kubectl, "rollout", "status", f"deploy/{release}", "-n", namespace, "--timeout=90s"
    )  # kwok runs the Pods

    config_yaml = cluster.kubectl(
        "get", "configmap", release, "-n", namespace, "-o", "jsonpath={.data.config\\.yaml}"
    ).stdout
    config = tmp_path / "config.yaml"
    config.write_text(config_yaml)
    kubeconfig = service_account_kubeconfig(cluster, namespace, release, tmp_path / "sa.kubeconfig")
    flags = [
        "--kubeconfig",
        str(kubeconfig),
        "--metrics-bind-address",
        "127.0.0.1:0",
        "--health-bind-address",
        "127.0.0.1:0",
    ]
    async with running_manager(config, *flags) as manager:
        await manager.wait_logged("acquired lease", seconds=60)  # the Lease Role works
        for example in ("configmaps", "nginx"):
            cluster.kubectl("apply", "-f", str(EXAMPLES / example / "managedresource.yaml"))
        for name in ("example-configmaps", "example-nginx"):
            await eventually(f"{name} applied", _reader(cluster, name), lambda c: c[0] == "ApplySucceeded", 90)
        forbidden = (
            "apiVersion: v1\nkind: Secret\nmetadata: {name: forbidden-objects, namespace: default}\nstringData:\n"
            "  sa.yaml: |\n    apiVersion: v1\n    kind: ServiceAccount\n"
            "    metadata: {name: not-allowed, namespace: default}\n"
            "---\napiVersion: resources.gardener.cloud/v1alpha1\nkind: ManagedResource\n"
            "metadata: {name: forbidden, namespace: default}\nspec: {secretRefs: [{name: forbidden-objects}]}\n"
        )
        cluster.kubectl("apply", "-f", "-", stdin=forbidden)
        _, message = await eventually(
            "forbidden kind reported",
            _reader(cluster, "forbidden"),
            lambda c: c[0] == "ApplyFailed",
            60,
        )
        account = f"system:serviceaccount:{namespace}:{release}"
        assert re.search(f'User "{account}" cannot (get|patch) resource "serviceaccounts" in API group ""', message)
        # it may not delete the ServiceAccount either (it was recorded in the inventory before the apply)
        cluster.kubectl(
            "patch", "mr", "forbidden", "-n", "default", "--type=merge", "-p", '{"spec":{"keepObjects":true}}'
        )
        await asyncio.to_thread(cluster.kubectl, "delete", "-f", "-", "--timeout=90s", stdin=forbidden)
        for example in ("configmaps", "nginx"):
            path = str(EXAMPLES / example / "managedresource.yaml")
            await asyncio.to_thread(cluster.kubectl, "delete", "-f", path, "--timeout=90s")
    assert manager.process.returncode == 0
