"""Throughput of `kstatus.compute` over a generated corpus (100,000 objects, every kind and branch).

Prints objects/s for each of 5 runs and the median, twice: by wall-clock time, and by the CPU time
the process got.  On a machine shared with other work the two differ; the CPU figure is what one
core does for this code.  Run it pinned to one core, e.g.
`taskset -c 1 .venv/bin/python benchmarks/kstatus_compute.py`.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from kstatus import compute
from kstatus_corpus import corpus


def one_run(objects: list[dict[str, object]]) -> tuple[float, float]:
    """Objects per second of wall-clock time and of CPU time, for one pass over the corpus."""
    wall, cpu = time.perf_counter(), time.process_time()
    for obj in objects:
        compute(obj)
    return len(objects) / (time.perf_counter() - wall), len(objects) / (time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    objects = corpus(args.size)
    statuses = Counter(compute(obj).status.value for obj in objects)
    print(f"corpus: {len(objects)} objects, statuses {dict(sorted(statuses.items()))}")
    gc.freeze()  # the corpus is long-lived; keep the collector from walking it during the runs
    walls, cpus = [], []
    for run in range(1, args.runs + 1):
        wall, cpu = one_run(objects)
        walls.append(wall)
        cpus.append(cpu)
        print(f"run {run}: {wall:,.0f} objects/s wall-clock, {cpu:,.0f} objects/s CPU time")
    print(
        f"median of {args.runs}: {statistics.median(walls):,.0f} objects/s wall-clock, "
        f"{statistics.median(cpus):,.0f} objects/s CPU time"
    )


if __name__ == "__main__":
    main()
