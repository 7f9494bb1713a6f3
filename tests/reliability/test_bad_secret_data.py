"""Bad Secret data against a running `resource-manager run`: clear conditions, bounded memory, nothing deleted,
other ManagedResources still served.

Every bad MR first applies one good ConfigMap (``keep``); then its Secret is replaced by the bad data. The
ConfigMap must survive (a broken document blocks pruning), the condition must name the secret, key and
document index (or the object, for what only the API server rejects), and a healthy MR must keep
converging within seconds while the manager chews on bombs. The manager's peak resident memory (VmHWM)
is bounded: before the decoding limits, the Brotli bomb alone took it to 1.9 GB.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from devcluster import Cluster
from kubecore import Client, NotFound, load_kubeconfig
from resource_manager.cmd.install import install_crds
from tests.reliability.manager_process import manager_running, wait_applied
from tests.resource_manager.bad_data import (
    BOMBS,
    MiB,
    alias_bomb,
    brotli_stream,
    gzip_stream,
    huge_configmap,
)
from tests.resource_manager.controller_harness import configmap, create_mr, manifests, secret, set_manifests

pytestmark = pytest.mark.cluster

PEAK_MEMORY_LIMIT_MIB = 400
"""The manager's VmHWM with every case below at once (measured: see docs/reliability.md)."""
HEALTHY_LATENCY_LIMIT = 15.0
"""Seconds a healthy MR may take to apply a Secret change while the bad ones are retried (quiet: ~0.5 s)."""


@dataclass(frozen=True)
class Case:
    key: str
    data: Callable[[str], bytes]
    """The bad Secret value, given the test's namespace."""
    reason: str
    expected: tuple[str, ...]
    """Substrings of the ResourcesApplied message."""


def _keep(namespace: str, name: str) -> bytes:
    return manifests(configmap(f"keep-{name}", namespace)).encode()


def _decode_failed(key: str, index: int, *detail: str) -> tuple[str, ...]:
    return (f"Could not decode resource at index {index} in '{key}'", *detail)


def _many_values(namespace: str, mib: int) -> bytes:
    """A ``mib`` MiB document holding a flow list of millions of values."""
    head = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: many\n  namespace: {namespace}\ndata:\n"
    return f"{head}  v: [".encode() + b"a," * (mib * MiB // 2) + b"a]\n"


def _nested(namespace: str, depth: int) -> bytes:
    head = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nested\n  namespace: {namespace}\ndata:\n"
    return f"{head}  v: {'[' * depth}{']' * depth}\n".encode()


CASES: dict[str, Case] = {
    "random-bytes": Case(
        "objects.yaml", lambda ns: bytes(range(256)) * 8, "DecodingFailed", _decode_failed("objects.yaml", 0)
    ),
    "invalid-utf8": Case(
        "objects.yaml",
        lambda ns: (
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: u\n  namespace: {ns}\ndata:\n  k: ".encode()
            + b"\xff\xfe\xc3\x28\n"
        ),
        "DecodingFailed",
        _decode_failed("objects.yaml", 0, "invalid"),
    ),
    "alias-bomb": Case(
        "objects.yaml",
        lambda ns: alias_bomb(),
        "DecodingFailed",
        _decode_failed("objects.yaml", 0, "excessive aliasing"),
    ),
    "nesting-100": Case("objects.yaml", lambda ns: _nested(ns, 100), "ApplyFailed", ("nested",)),
    "value-10mib": Case(
        "objects.yaml.br", lambda ns: brotli_stream(huge_configmap(10, "big", ns)), "ApplyFailed", ("big",)
    ),
    "document-10mib": Case(
        "objects.yaml.gz",
        lambda ns: gzip_stream(iter([_many_values(ns, 10)])),
        "DecodingFailed",
        _decode_failed("objects.yaml.gz", 0, "more than 250000 values"),
    ),
    **{
        f"bomb-{key.rpartition('.')[2]}": Case(
            key,
            lambda ns, compress=compress: compress(huge_configmap(256, "bomb", ns)),  # type: ignore[misc]
            "DecodingFailed",
            _decode_failed(key, 0, "decompressed data exceeds 32 MiB"),
        )
        for key, compress in BOMBS.items()
    },
    "metadata-types": Case(
        "objects.yaml",
        lambda ns: b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [a, b]\n  labels: 7\n",
        "DecodingFailed",
        _decode_failed("objects.yaml", 0),
    ),
    "duplicate-keys": Case(
        "objects.yaml",
        lambda ns: _keep(ns, "duplicate-keys").replace(b"  k: v\n", b"  k: first\n  k: second\n"),
        "ApplySucceeded",
        (),
    ),
    "unknown-kind": Case(
        "objects.yaml",
        lambda ns: f"apiVersion: example.com/v1\nkind: Nope\nmetadata:\n  name: x\n  namespace: {ns}\n".encode(),
        "ApplyFailed",
        ("Nope",),
    ),
}


async def _healthy_latency(client: Client, namespace: str, round_: int) -> float:
    """Seconds until the healthy MR has applied a Secret change (a new ConfigMap)."""
    docs = [configmap(f"h{i}", namespace) for i in range(round_ + 2)]
    started = time.monotonic()
    await set_manifests(client, "healthy", namespace, *docs)
    while True:
        try:
            await client.get("v1", "ConfigMap", f"h{round_ + 1}", namespace=namespace)
            return time.monotonic() - started
        except NotFound:
            assert time.monotonic() - started < 60, "the healthy MR stopped converging"
            await asyncio.sleep(0.05)


async def test_bad_secret_data_gives_clear_conditions_in_bounded_memory_and_deletes_nothing(
    cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    async with Client(load_kubeconfig([cluster.kubeconfig]), name="reliability-test") as client:
        await install_crds(client)
        async with manager_running(cluster.kubeconfig, client, [namespace], tmp_path / "manager.log") as manager:
            await create_mr(client, "healthy", namespace, configmap("h0", namespace))
            for name in CASES:
                await client.create(secret(name, namespace, {"keep.yaml": _keep(namespace, name)}))
                await client.create(
                    {
                        "apiVersion": "resources.gardener.cloud/v1alpha1",
                        "kind": "ManagedResource",
                        "metadata": {"name": name, "namespace": namespace},
                        "spec": {"secretRefs": [{"name": name}]},
                    }
                )
            for name in ["healthy", *CASES]:
                await wait_applied(client, namespace, name, "ApplySucceeded")
            baseline_kib = manager.status_kib("VmHWM")

            for name, case in CASES.items():  # keep.yaml goes: only a clean decode may prune it
                await client.apply(
                    secret(name, namespace, {case.key: case.data(namespace)}), field_manager="test", force=True
                )
            latencies = [await _healthy_latency(client, namespace, i) for i in range(3)]
            for name, case in CASES.items():
                mr = await wait_applied(client, namespace, name, case.reason, 120)
                message = mr["status"]["conditions"]
                text = next(c["message"] for c in message if c["type"] == "ResourcesApplied")
                for expected in case.expected:
                    assert expected in text, (name, text)
                if case.reason == "DecodingFailed":
                    assert f"in secret '{namespace}/{name}'" in text, text
                keep = await client.get("v1", "ConfigMap", f"keep-{name}", namespace=namespace)
                assert keep["data"] == ({"k": "second"} if name == "duplicate-keys" else {"k": "v"})
                listed = [r["name"] for r in mr["status"]["resources"]]
                assert f"keep-{name}" in listed, (name, listed)
            latencies.append(await _healthy_latency(client, namespace, 3))

            peak_mib = manager.status_kib("VmHWM") / 1024
            print(
                f"\nbad input: baseline VmHWM {baseline_kib / 1024:.0f} MiB, peak {peak_mib:.0f} MiB; "
                f"healthy MR latency {', '.join(f'{x:.2f}' for x in latencies)} s"
            )
            assert manager.alive()
            assert peak_mib < PEAK_MEMORY_LIMIT_MIB
            assert max(latencies) < HEALTHY_LATENCY_LIMIT
            assert "Traceback" not in manager.output()
