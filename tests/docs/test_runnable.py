"""Every block of the user guide marked runnable runs against the real control plane and prints what
the page says it prints (the convention: tests/docs/runnable.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from devcluster import Cluster
from tests.docs.runnable import Block, blocks, missing_lines

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = sorted(page for page in DOCS.glob("*.md") if blocks(page))
TEST_PORTS = ("--metrics-bind-address", "127.0.0.1:0", "--health-bind-address", "127.0.0.1:0")
"""Added to a background controller so that it does not collide with other tests' servers."""


def _environment(cluster: Cluster) -> dict[str, str]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, "PATH": path, "KUBECONFIG": str(cluster.kubeconfig), "COLUMNS": "200"}


def _run(block: Block, cwd: Path, env: dict[str, str]) -> None:
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block.script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    printed = done.stdout + done.stderr
    assert done.returncode == 0, f"{block.page}: block exited {done.returncode}:\n{block.script}\n{printed}"
    missing = missing_lines(block.expected, printed)
    assert missing == [], f"{block.page}: not printed: {missing}\nblock:\n{block.script}\nprinted:\n{printed}"


def _start(block: Block, cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    command = block.script.strip()
    return subprocess.Popen(
        ["bash", "-c", f"exec {command} {' '.join(TEST_PORTS)}"],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.cluster
@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_the_runnable_blocks_of_the_page_run_and_print_what_it_shows(
    page: Path, cluster: Cluster, tmp_path: Path
) -> None:
    env = _environment(cluster)
    page_blocks = blocks(page)
    background = [_start(block, tmp_path, env) for block in page_blocks if block.background]
    try:
        for block in page_blocks:
            if not block.background:
                _run(block, tmp_path, env)
    finally:
        # while the controller still runs, so that it removes the finalizers of MRs a failed page left
        cluster.kubectl("delete", "namespace", "getting-started", "--ignore-not-found", "--timeout=60s")
        for process in background:
            process.send_signal(signal.SIGTERM)
            _, errors = process.communicate(timeout=60)
            assert process.returncode == 0, errors


def test_the_guide_has_runnable_blocks_with_outputs() -> None:
    """The parser finds the blocks (a typo in a marker would silently make a page untested)."""
    guide = {page.name: blocks(page) for page in PAGES}
    assert {"install.md", "getting-started.md", "troubleshooting.md"} <= guide.keys()
    assert any(block.background for block in guide["getting-started.md"])
    assert all(block.expected for block in guide["getting-started.md"] if not block.background)
    for page in DOCS.glob("*.md"):
        lines = page.read_text().splitlines()
        markers = sum(line in ("<!-- runnable -->", "<!-- background -->") for line in lines)
        assert markers == len(blocks(page)), f"{page.name}: a marker not followed by a sh block"


def test_an_expected_line_that_was_not_printed_is_reported() -> None:
    printed = "configmap/settings condition met\nexit code 2\n"
    assert missing_lines(("condition met", "exit code 2"), printed) == []
    assert missing_lines(("exit code 3",), printed) == ["exit code 3"]
