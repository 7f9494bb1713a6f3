"""The Go side of the compute benchmark: `go_kstatus/` (cli-utils `status.Compute`), built once.

Built the way the control plane is: with the pinned Go toolchain (`GOTOOLCHAIN`), modules read-only,
into a cache directory named after the cli-utils version, the toolchain and a digest of the module's
sources, so a warm machine skips the build and any change to the program builds afresh.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from devcluster.build import cache_root
from devcluster.versions import GO_TOOLCHAIN

SOURCE = Path(__file__).resolve().parent / "go_kstatus"
BINARY = "go_kstatus"


class GoBuildError(Exception):
    """The Go program could not be built; the message says why and where the log is."""


def cli_utils_version() -> str:
    """The cli-utils version `go_kstatus/go.mod` pins."""
    match = re.search(r"sigs\.k8s\.io/cli-utils (v\S+)", (SOURCE / "go.mod").read_text())
    if match is None:
        raise GoBuildError(f"{SOURCE / 'go.mod'} does not require sigs.k8s.io/cli-utils")
    return match.group(1)


def cache_key() -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in SOURCE.iterdir() if p.suffix in {".go", ".mod", ".sum"}):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"cli-utils-{cli_utils_version()}_{GO_TOOLCHAIN}_{digest.hexdigest()[:12]}"


def ensure_go_kstatus() -> Path:
    """The path of the built program, building it first when the cache lacks it."""
    target = cache_root().parent / "go_kstatus" / cache_key()
    binary = target / BINARY
    if binary.is_file():
        return binary
    if shutil.which("go") is None:
        raise GoBuildError("the Go toolchain is not installed: install Go to run the Go side of the benchmark")
    target.parent.mkdir(parents=True, exist_ok=True)
    with (target.parent / ".build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a concurrent builder finishes first; then its result is reused
        if binary.is_file():
            return binary
        staging = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
        log = target.parent / f"{target.name}.build.log"
        env = {**os.environ, "CGO_ENABLED": "0", "GOTOOLCHAIN": GO_TOOLCHAIN, "GOFLAGS": "-mod=readonly"}
        cmd = ["go", "build", "-trimpath", "-o", str(staging / BINARY), "."]
        try:
            with log.open("wb") as sink:
                done = subprocess.run(cmd, cwd=SOURCE, env=env, stdout=sink, stderr=subprocess.STDOUT)
            if done.returncode != 0:
                raise GoBuildError(f"go build in {SOURCE} failed (exit {done.returncode}); see {log}")
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return binary
