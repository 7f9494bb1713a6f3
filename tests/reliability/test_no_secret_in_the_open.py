"""A canary value in Secret data never reaches logs, Events, conditions or CLI output.

Placements: in a managed Secret that applies fine (plain and base64), in a document that cannot be
decoded, and in objects the API server rejects (its error messages quote the offending value). The
manager runs as users run it (every log level reaches its output); everything it and the CLIs printed,
the MRs (conditions included) and the namespace's Events are scanned.
"""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from devcluster import Cluster
from kubecore import Client, load_kubeconfig
from resource_manager.cmd.install import install_crds
from tests.reliability.manager_process import manager_running, wait_applied
from tests.resource_manager.controller_harness import managed_resource, secret

pytestmark = pytest.mark.cluster

CANARY = "canary-5d1e7b2f-in-plain-sight"
BIN = Path(sys.executable).parent


def _documents(namespace: str) -> dict[str, str]:
    """MR name → its Secret's ``objects.yaml`` holding the canary."""
    encoded = base64.b64encode(CANARY.encode()).decode()
    meta = f"metadata:\n  name: s\n  namespace: {namespace}\n"
    return {
        "applies": f"apiVersion: v1\nkind: Secret\n{meta}data:\n  pw: {encoded}\nstringData:\n  token: {CANARY}\n",
        "undecodable": f"apiVersion: v1\nkind: Secret\n{meta}stringData:\n  token: {CANARY}\n  broken: [\n",
        "rejected": f"apiVersion: v1\nkind: ConfigMap\n{meta}data:\n  token:\n    nested: {CANARY}\n",
        "rejected-secret": f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: r\n  namespace: {namespace}\n"
        f"stringData:\n  token: [{CANARY}]\n",
    }


async def test_a_canary_in_secret_data_appears_nowhere(cluster: Cluster, namespace: str, tmp_path: Path) -> None:
    documents = _documents(namespace)
    async with Client(load_kubeconfig([cluster.kubeconfig]), name="reliability-test") as client:
        await install_crds(client)
        log = tmp_path / "manager.log"
        async with manager_running(cluster.kubeconfig, client, [namespace], log) as manager:
            for name, text in documents.items():
                await client.create(secret(name, namespace, {"objects.yaml": text}))
                await client.create(managed_resource(name, namespace, [name]))
            await wait_applied(client, namespace, "applies", "ApplySucceeded")
            await wait_applied(client, namespace, "undecodable", "DecodingFailed")
            await wait_applied(client, namespace, "rejected", "ApplyFailed")
            await wait_applied(client, namespace, "rejected-secret", "ApplyFailed")
            cli = [
                await asyncio.to_thread(
                    subprocess.run,
                    [str(BIN / "kstatus"), "status", f"managedresource/{name}", "-n", namespace],
                    capture_output=True,
                    text=True,
                    env={**os.environ, "KUBECONFIG": str(cluster.kubeconfig)},
                )
                for name in documents
            ]
            cli.append(cluster.kubectl("get", "mr", "-n", namespace, "-o", "wide", check=False))
            mrs = cluster.kubectl("get", "mr", "-n", namespace, "-o", "yaml").stdout
            events = cluster.kubectl("get", "events", "-n", namespace, "-o", "yaml").stdout
            output = manager.output()
        places = {
            "manager output": output,
            "ManagedResources (conditions)": mrs,
            "Events": events,
            **{f"CLI {' '.join(r.args[:3])}": r.stdout + r.stderr for r in cli},
        }
        needles = (CANARY, base64.b64encode(CANARY.encode()).decode())
        leaks = [
            f"{place}: ...{text[max(0, text.index(needle) - 300) : text.index(needle) + 50]}..."
            for place, text in places.items()
            for needle in needles
            if needle in text
        ]
        assert leaks == [], "\n\n".join(leaks)
