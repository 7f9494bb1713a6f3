"""End-to-end timings of the `kstatus` console script.

- `kstatus status -f FILE` on a generated 10,000-document YAML file (the compute corpus), table
  and JSON output, 5 runs each;
- `kstatus --help`, 20 runs, next to the floor set by the interpreter and by importing typer.

Each figure is the wall time of a fresh process (like hyperfine), median and minimum.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))

from kstatus_corpus import corpus

KSTATUS = str(Path(sys.executable).parent / "kstatus")


def wall_times(command: list[str], runs: int, ok_codes: tuple[int, ...] = (0,)) -> list[float]:
    """Wall time of `runs` fresh runs of `command`, output discarded."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode not in ok_codes:
            raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode()}")
    return times


def report(label: str, times: list[float]) -> None:
    print(
        f"{label}: median {statistics.median(times) * 1000:,.0f} ms, min {min(times) * 1000:,.0f} ms "
        f"({len(times)} runs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--help-runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "manifests.yaml"
        path.write_text(yaml.dump_all(corpus(args.documents), Dumper=yaml.CSafeDumper))
        size = path.stat().st_size / 1e6
        print(f"input: {args.documents} documents, {size:.1f} MB of YAML")
        # the corpus has Failed objects, so the expected exit code is 1
        report("kstatus status -f (table)", wall_times([KSTATUS, "status", "-f", str(path)], args.runs, (1,)))
        report(
            "kstatus status -f -o json", wall_times([KSTATUS, "status", "-f", str(path), "-o", "json"], args.runs, (1,))
        )
    report("kstatus --help", wall_times([KSTATUS, "--help"], args.help_runs))
    report("floor: python -c pass", wall_times([sys.executable, "-c", "pass"], args.help_runs))
    report("floor: python -c 'import typer'", wall_times([sys.executable, "-c", "import typer"], args.help_runs))


if __name__ == "__main__":
    main()
