"""A ServiceAccount with given cluster-wide rules, and a kubeconfig that authenticates as it (a token)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from devcluster import Cluster


def cluster_role(name: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
    kind = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole"}
    return {**kind, "metadata": {"name": name}, "rules": rules}


def service_account_kubeconfig(
    cluster: Cluster, namespace: str, account: str, rules: list[dict[str, Any]], path: Path
) -> Path:
    """ServiceAccount ``account`` in ``namespace`` bound to ClusterRole ``<account>-<namespace>`` of ``rules``.

    The caller deletes the ClusterRole and its binding (same name) when done.
    """
    name = f"{account}-{namespace}"
    cluster.kubectl("create", "serviceaccount", account, "-n", namespace)
    cluster.kubectl("apply", "-f", "-", stdin=yaml.safe_dump(cluster_role(name, rules)))
    cluster.kubectl(
        "create", "clusterrolebinding", name, f"--clusterrole={name}", f"--serviceaccount={namespace}:{account}"
    )
    token = cluster.kubectl("create", "token", account, "-n", namespace, "--duration=1h").stdout.strip()
    server = {"server": cluster.server, "certificate-authority": str(cluster.ca_file)}
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": account,
        "clusters": [{"name": "c", "cluster": server}],
        "users": [{"name": account, "user": {"token": token}}],
        "contexts": [{"name": account, "context": {"cluster": "c", "user": account}}],
    }
    path.write_text(yaml.safe_dump(document))
    return path
