"""Authorization: a manager whose ServiceAccount may not touch a kind, and MRs outside its namespaces.

The manager runs with a ServiceAccount token that may manage ConfigMaps but has no right at all on
ServiceAccounts. An MR holding a ServiceAccount must fail with a condition naming the verb, the resource and
the user, must be retried with back-off (no hot loop), and must not disturb a healthy MR. An MR in a
namespace the manager was not told to watch is left alone entirely.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from devcluster import Cluster
from kubecore import Client, load_kubeconfig
from resource_manager.cmd.install import install_crds
from tests.kubecore.waiting import until
from tests.reliability.accounts import cluster_role, service_account_kubeconfig
from tests.reliability.manager_process import manager_running, wait_applied
from tests.resource_manager.controller_harness import MR, configmap, create_mr, set_manifests

pytestmark = pytest.mark.cluster

WINDOW = 20.0
MAX_RETRIES_IN_WINDOW = 15
"""Reconciles of the forbidden MR in WINDOW seconds: exponential back-off makes about a dozen (5 ms
doubling), a hot loop thousands."""


def _rules() -> list[dict[str, Any]]:
    return [
        {"apiGroups": ["resources.gardener.cloud"], "resources": ["managedresources"], "verbs": ["*"]},
        {"apiGroups": ["resources.gardener.cloud"], "resources": ["managedresources/status"], "verbs": ["*"]},
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": [""], "resources": ["configmaps", "events"], "verbs": ["*"]},
    ]


async def test_a_forbidden_kind_gives_a_clear_condition_without_a_hot_loop(
    cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    other = f"{namespace}-unwatched"
    cluster.kubectl("create", "namespace", other)
    try:
        async with Client(load_kubeconfig([cluster.kubeconfig]), name="reliability-test") as client:
            await install_crds(client)
            kubeconfig = service_account_kubeconfig(
                cluster, namespace, "limited", _rules(), tmp_path / "limited.kubeconfig"
            )
            async with manager_running(kubeconfig, client, [namespace], tmp_path / "manager.log") as manager:
                await create_mr(client, "outside", other, configmap("outside", other))
                await create_mr(client, "healthy", namespace, configmap("h0", namespace))
                service_account = {
                    "apiVersion": "v1",
                    "kind": "ServiceAccount",
                    "metadata": {"name": "sa", "namespace": namespace},
                }
                await create_mr(client, "denied", namespace, configmap("d0", namespace), service_account)
                mr = await wait_applied(client, namespace, "denied", "ApplyFailed")
                message = next(c["message"] for c in mr["status"]["conditions"] if c["type"] == "ResourcesApplied")
                user = f"system:serviceaccount:{namespace}:limited"
                assert f'User "{user}" cannot' in message, message
                assert '"serviceaccounts"' in message, message
                assert re.search(r"cannot (get|patch|create|list|watch)", message), message

                start = len(manager.output())
                await wait_applied(client, namespace, "healthy", "ApplySucceeded")
                await set_manifests(
                    client, "healthy", namespace, configmap("h0", namespace), configmap("h1", namespace)
                )
                await until("the healthy MR's change", lambda: _exists(client, namespace, "h1"), 20)
                await asyncio.sleep(WINDOW)  # the observation window of the retry rate
                retries = _reconciles(manager.output()[start:], f"{namespace}/denied")
                outside = await client.get(*MR, "outside", namespace=other)
                print(f"\nauthorization: {retries} reconciles of the forbidden MR in {WINDOW:.0f} s")
                assert retries <= MAX_RETRIES_IN_WINDOW
                assert not outside["metadata"].get("finalizers")
                assert not outside.get("status")
                assert not await _exists(client, other, "outside")
                assert manager.alive()
                # granted now, so that deleting the MR can delete (or confirm the absence of) its ServiceAccount
                rules = [*_rules(), {"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["*"]}]
                cluster.kubectl("apply", "-f", "-", stdin=yaml.safe_dump(cluster_role(f"limited-{namespace}", rules)))
    finally:
        cluster.kubectl("delete", "namespace", other, "--wait=false")
        cluster.kubectl("delete", "clusterrolebinding,clusterrole", f"limited-{namespace}", "--ignore-not-found")


def _reconciles(log: str, mr: str) -> int:
    """The rounds of ``mr`` in the manager's JSON log (one ``reconcile`` line each; a line still being
    written at the end is not one yet)."""
    rounds = 0
    for line in log.splitlines():
        with contextlib.suppress(orjson.JSONDecodeError):
            entry = orjson.loads(line)
            rounds += entry.get("event") == "reconcile" and entry.get("mr") == mr
    return rounds


async def _exists(client: Client, namespace: str, name: str) -> bool:
    items = (await client.list("v1", "ConfigMap", namespace=namespace))["items"]
    return any(c["metadata"]["name"] == name for c in items)
