"""Build the `helm` command from its Go module, once, for the chart tests.

Why from source: like the control plane, no registry we may use ships the binary, while the Go module proxy
serves `helm.sh/helm/v4`. The pinned module lives in `tools/helm` (outside `controlplane/`, whose digest keys
the control plane's cache), and the binary is cached in a directory keyed by the helm version, the Go
toolchain and a digest of `tools/helm`, so a warm machine skips the build and a changed pin builds afresh.

`python -m devcluster.helm` builds it (what `make test` runs) and prints the binary's path.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from devcluster.build import BuildError, cache_base, go_env
from devcluster.versions import GO_TOOLCHAIN, HELM_VERSION

PACKAGE = "helm.sh/helm/v4/cmd/helm"


def module_dir() -> Path:
    here = Path(__file__).resolve().parents[2] / "tools" / "helm"
    if not (here / "go.mod").is_file():
        raise BuildError(f"the Go module of helm was not found at {here}: run from a repository checkout")
    return here


def cache_key(module: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in module.iterdir() if p.suffix in {".go", ".mod", ".sum"}):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"helm-{HELM_VERSION}_{GO_TOOLCHAIN}_{digest.hexdigest()[:12]}"


def ensure_helm(progress: bool = True) -> Path:
    """The path of the cached `helm` binary, building it first if the cache lacks it."""
    if shutil.which("go") is None:
        raise BuildError("the Go toolchain is not installed: install Go to build helm")
    module = module_dir()
    target = cache_base() / "helm" / cache_key(module)
    binary = target / "helm"
    if binary.is_file():
        return binary
    target.parent.mkdir(parents=True, exist_ok=True)
    with (target.parent / ".build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a concurrent builder finishes first; then we reuse its result
        if binary.is_file():
            return binary
        staging = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
        log = target.parent / f"{target.name}.build.log"
        if progress:
            print(f"building helm {HELM_VERSION} from its Go module; log: {log}", file=sys.stderr, flush=True)
        version_flag = f"-X helm.sh/helm/v4/internal/version.version={HELM_VERSION}"
        cmd = ["go", "build", "-trimpath", "-ldflags", f"-s -w {version_flag}", "-o", str(staging / "helm"), PACKAGE]
        try:
            with log.open("wb") as sink:
                result = subprocess.run(cmd, cwd=module, env=go_env(), stdout=sink, stderr=subprocess.STDOUT)
            if result.returncode != 0:
                raise BuildError(f"go build of helm failed (exit {result.returncode}); see {log}")
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return binary


if __name__ == "__main__":
    try:
        print(ensure_helm())
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
