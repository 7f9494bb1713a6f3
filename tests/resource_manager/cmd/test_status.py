"""`resource-manager status` against the real cluster: MRs with their conditions, objects with kstatus."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from devcluster import Cluster
from tests.resource_manager.controller_harness import configmap, create_mr, running_controller

pytestmark = pytest.mark.cluster

CLI = str(Path(sys.executable).parent / "resource-manager")


async def status(cluster: Cluster, *args: str) -> subprocess.CompletedProcess[str]:
    command = [CLI, "status", "--kubeconfig", str(cluster.kubeconfig), *args]
    return await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=60)


async def test_status_shows_conditions_and_each_objects_kstatus(cluster: Cluster, namespace: str) -> None:
    async with running_controller(cluster.kubeconfig, [namespace]) as ctl:
        await create_mr(ctl.client, "app", namespace, configmap("one", namespace), configmap("two", namespace))
        await ctl.wait_condition(namespace, "app", "True", "ResourcesHealthy", "ResourcesHealthy")
        await ctl.client.delete("v1", "ConfigMap", "two", namespace=namespace)  # gone until the repair
        await ctl.stop()  # no repair: the status shows the missing object

        table = await status(cluster, "-n", namespace)
        assert table.returncode == 0, table.stderr
        header, row = table.stdout.splitlines()
        assert header.split() == ["NAMESPACE", "NAME", "CLASS", "APPLIED", "HEALTHY", "PROGRESSING", "AGE"]
        assert row.split()[:6] == [namespace, "app", "-", "True", "True", "False"]

        detail = await status(cluster, "-n", namespace, "app", "-o", "json")
        assert detail.returncode == 0, detail.stderr
        [mr] = orjson.loads(detail.stdout)
        assert [(o["kind"], o["name"], o["status"]) for o in mr["objects"]] == [
            ("ConfigMap", "one", "Current"),
            ("ConfigMap", "two", "NotFound"),
        ]
        assert {c["type"]: c["status"] for c in mr["conditions"]} == {
            "ResourcesApplied": "True", "ResourcesHealthy": "True", "ResourcesProgressing": "False",
        }  # fmt: skip

        wide = await status(cluster, "-n", namespace, "-o", "wide")
        assert f"ConfigMap   {namespace}   two    NotFound" in wide.stdout

        missing = await status(cluster, "-n", namespace, "nope")
        assert missing.returncode == 3 and missing.stderr.count("\n") == 1 and "nope" in missing.stderr
