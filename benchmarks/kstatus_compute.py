"""Throughput of `kstatus.compute` next to the Go original (cli-utils `status.Compute`), same objects.

The corpus (100,000 objects, every kind and branch, `kstatus_corpus.py`) is written once as JSON
lines; both sides decode that file up front (Python with orjson, Go into `unstructured` objects) and
time only the status computation.  Passes alternate (Python, Go, Python, Go, ...) so both sides see
the same machine load.  Per side: objects/s of each pass and the median, by wall-clock time and by
the CPU time the process used; then the ratio Python / Go and the machine's load average around the
passes.  The two implementations are also compared object by object, so a
difference in behaviour cannot hide behind a speed-up.  Run it pinned to one core, e.g.
`taskset -c 1 .venv/bin/python benchmarks/kstatus_compute.py` (the Go program inherits the pin).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).parent))

import kstatus.pipeline
from kstatus import ComputeError, compute
from kstatus_corpus import corpus
from kstatus_go import cli_utils_version, ensure_go_kstatus

Obj = dict[str, Any]


def one_run(objects: list[Obj]) -> tuple[float, float]:
    """Objects per second of wall-clock time and of CPU time, for one pass over the corpus."""
    wall, cpu = time.perf_counter(), time.process_time()
    for obj in objects:
        compute(obj)
    return len(objects) / (time.perf_counter() - wall), len(objects) / (time.process_time() - cpu)


class GoSide:
    """The Go program, corpus decoded, timing one pass per request."""

    def __init__(self, binary: Path, path: Path) -> None:
        self.proc = subprocess.Popen([binary, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin, self.stdout = self.proc.stdin, self.proc.stdout
        if self.stdout.readline().strip() != "ready":
            raise SystemExit("error: the Go program did not start")

    def one_run(self) -> tuple[float, float]:
        self.stdin.write("run\n")
        self.stdin.flush()
        report = orjson.loads(self.stdout.readline())
        return report["wall"], report["cpu"]

    def close(self) -> None:
        self.stdin.close()
        self.proc.wait()


def alternating_runs(objects: list[Obj], go: GoSide, runs: int) -> tuple[list[tuple[float, float]], ...]:
    """`runs` passes per side, alternating: (Python's (wall, cpu) per pass, Go's)."""
    ours, theirs = [], []
    gc.freeze()  # the corpus is long-lived; keep the collector from walking it during the runs
    for _ in range(runs):
        ours.append(one_run(objects))
        theirs.append(go.one_run())
    gc.unfreeze()
    return ours, theirs


def python_line(obj: Obj) -> str:
    try:
        result = compute(obj)
    except ComputeError as exc:
        return f"error\t{exc}"
    return f"{result.status.value}\t{result.message}"


def differences(binary: Path, path: Path, objects: list[Obj]) -> Counter[tuple[str, str]]:
    """(Go's line, ours) for every object where the status or message differs."""
    done = subprocess.run([binary, "-statuses", path], capture_output=True, check=True, text=True)
    theirs = done.stdout.splitlines()
    assert len(theirs) == len(objects), "the Go program skipped objects"
    return Counter((go, py) for go, obj in zip(theirs, objects, strict=True) if go != (py := python_line(obj)))


def implementation() -> str:
    compiled = not kstatus.pipeline.__file__.endswith(".py")
    return "compiled (mypyc)" if compiled else "pure Python"


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def rates(label: str, runs: list[tuple[float, float]]) -> tuple[float, float]:
    for run, (wall, cpu) in enumerate(runs, 1):
        print(f"  {label} run {run}: {wall:,.0f} objects/s wall-clock, {cpu:,.0f} objects/s CPU time")
    wall, cpu = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
    print(f"  {label} median of {len(runs)}: {wall:,.0f} objects/s wall-clock, {cpu:,.0f} objects/s CPU time")
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5, help="timed passes per side and round")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of alternating passes, each with its ratio")
    args = parser.parse_args()
    binary = ensure_go_kstatus()
    with tempfile.TemporaryDirectory(prefix="kstatus-corpus-") as tmp:
        path = Path(tmp) / "corpus.jsonl"
        path.write_bytes(b"".join(orjson.dumps(obj) + b"\n" for obj in corpus(args.size)))
        objects = [orjson.loads(line) for line in path.read_bytes().splitlines()]
        statuses = Counter(compute(obj).status.value for obj in objects)
        print(f"corpus: {len(objects)} objects, statuses {dict(sorted(statuses.items()))}")
        print(f"Python: kstatus {implementation()}; Go: sigs.k8s.io/cli-utils {cli_utils_version()} ({binary})")
        diff = differences(binary, path, objects)
        print(f"agreement: {len(objects) - diff.total()} of {len(objects)} objects have the same status and message")
        for (go, py), count in diff.most_common():
            print(f"  {count} differ: Go {go!r}, kstatus {py!r}")
        go_side = GoSide(binary, path)
        for round_ in range(1, args.rounds + 1):
            before = load()
            ours, theirs = alternating_runs(objects, go_side, args.runs)
            py_wall, py_cpu = rates("Python", ours)
            go_wall, go_cpu = rates("Go", theirs)
            print(
                f"round {round_}: Python/Go = {py_wall / go_wall:.2f}x wall-clock, {py_cpu / go_cpu:.2f}x CPU time"
                f" (load average {before} before, {load()} after)"
            )
        go_side.close()


if __name__ == "__main__":
    main()
