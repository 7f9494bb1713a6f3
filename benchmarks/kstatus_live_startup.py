"""`kstatus wait` on N resources: how soon it is watching, from process start.

Writes a manifest of N objects of four kinds (ConfigMaps, Secrets, Services and Widgets, a custom
resource), creates them, and runs `kstatus wait -f FILE` into a pipe as a user's script would (one
line per status change, then the summary), timing from the process spawn to its first line (the
first status: it is watching), to the last status line (every informer has listed) and to its exit
(all Current, summary printed, connections closed).
Run: `.venv/bin/python benchmarks/kstatus_live_startup.py [--objects 1000] [--runs 3] [--kubeconfig FILE]`.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median
from typing import Any

import yaml

from kstatus_live_common import arguments, bounded, cluster_kubeconfig, established, widget, widget_crd
from kubecore import Client, load_kubeconfig

KSTATUS = str(Path(sys.executable).with_name("kstatus"))
Obj = dict[str, Any]


def manifest(i: int) -> Obj:
    """Four kinds in turn: ConfigMap, Secret, Service, Widget."""
    meta = {"name": f"obj-{i:05d}", "labels": {"app": "bench"}}
    kind = i % 4
    if kind == 0:
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"k": "v"}}
    if kind == 1:
        return {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "stringData": {"k": "v"}}
    if kind == 2:
        return {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": meta,
            "spec": {"clusterIP": "None", "ports": [{"port": 80}]},
        }
    return {**widget(i), "metadata": meta}


async def create(kubeconfig: Path, namespace: str, objects: list[Obj]) -> None:
    async with Client(load_kubeconfig([kubeconfig]), name="bench-writer", qps=0) as client:
        await client.apply(widget_crd(), field_manager="bench", force=True)
        await established(client)
        await client.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
        await bounded(len(objects), lambda i: client.create(objects[i], namespace=namespace))


def one_run(kubeconfig: Path, path: Path, namespace: str) -> tuple[float, float, float]:
    """Seconds from spawn to the first status, to the last object's first status, and to exit."""
    args = [KSTATUS, "wait", "-f", str(path), "-n", namespace, "--kubeconfig", str(kubeconfig)]
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    first = last = 0.0
    for line in process.stdout:
        now = time.perf_counter() - started
        first = first or now
        if not line.startswith("all "):  # every line but the summary is a status
            last = now
    code = process.wait()
    if code != 0:
        raise SystemExit(f"kstatus wait exited with {code}")
    return first, last, time.perf_counter() - started


def main() -> None:
    args = arguments(__doc__ or "", objects=1000, runs=3)
    objects = [manifest(i) for i in range(args.objects)]
    namespace = f"bench-{int(time.time())}"
    kubectl = str(Path(sys.executable).with_name("kubectl"))
    with cluster_kubeconfig(args.kubeconfig) as kubeconfig, tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "manifests.yaml"
        path.write_text(yaml.safe_dump_all(objects))
        try:
            asyncio.run(create(kubeconfig, namespace, objects))
            runs = [one_run(kubeconfig, path, namespace) for _ in range(args.runs)]
        finally:
            delete = [kubectl, "--kubeconfig", str(kubeconfig), "delete", "namespace", namespace, "--wait=false"]
            subprocess.run(delete, capture_output=True)
    for first, last, done in runs:
        print(
            f"kstatus wait on {args.objects} resources: first status {first:.2f} s, "
            f"all {args.objects} statuses {last:.2f} s, exit {done:.2f} s"
        )
    print(
        f"median of {len(runs)}: first status {median(r[0] for r in runs):.2f} s, "
        f"all statuses {median(r[1] for r in runs):.2f} s, exit {median(r[2] for r in runs):.2f} s"
    )


if __name__ == "__main__":
    main()
