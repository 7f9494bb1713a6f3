"""The Go side of the compute benchmark: `go_kstatus/` (cli-utils `status.Compute`), built once.

Built the way the control plane is: with the pinned Go toolchain (`GOTOOLCHAIN`), modules read-only,
into a cache directory named after the cli-utils version, the toolchain and a digest of the module's
sources, so a warm machine skips the build and any change to the program builds afresh.
"""

from __future__ import annotations

import re
from pathlib import Path

from devcluster.build import BuildError, build_once, cache_root, go_build, source_digest
from devcluster.versions import GO_TOOLCHAIN

SOURCE = Path(__file__).resolve().parent / "go_kstatus"
BINARY = "go_kstatus"


def cli_utils_version() -> str:
    """The cli-utils version `go_kstatus/go.mod` pins."""
    match = re.search(r"sigs\.k8s\.io/cli-utils (v\S+)", (SOURCE / "go.mod").read_text())
    if match is None:
        raise BuildError(f"{SOURCE / 'go.mod'} does not require sigs.k8s.io/cli-utils")
    return match.group(1)


def cache_key() -> str:
    return f"cli-utils-{cli_utils_version()}_{GO_TOOLCHAIN}_{source_digest(SOURCE)}"


def ensure_go_kstatus() -> Path:
    """The path of the built program, building it first when the cache lacks it."""

    def build(staging: Path, log: Path) -> None:
        go_build(SOURCE, ["-o", str(staging / BINARY), "."], log)

    target = cache_root().parent / "go_kstatus" / cache_key()
    return build_once(target, [BINARY], build, what="the Go side of the benchmark") / BINARY
