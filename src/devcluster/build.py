"""Build kube-apiserver, kube-controller-manager, kube-scheduler and kwok from Go modules, once.

No registry ships the Kubernetes server binaries, so we compile them from the `k8s.io/kubernetes` module
(see `controlplane/kube`) and kwok from `sigs.k8s.io/kwok` (a separate module: its k8s.io dependency
versions differ). A cold build takes several minutes, so the binaries are cached in a directory whose name
is keyed by the pinned versions and a digest of the Go sources: a warm machine skips the build, and any
change to the recipe builds into a fresh directory instead of reusing stale binaries.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from devcluster.versions import GO_TOOLCHAIN, KUBERNETES_VERSION, KWOK_VERSION

BINARIES = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")


class BuildError(Exception):
    """The control plane could not be built; the message says which step failed and where its log is."""


def source_dir() -> Path:
    """The `controlplane/` Go sources of this checkout (the package is installed editable from it)."""
    here = Path(__file__).resolve().parents[2] / "controlplane"
    if not (here / "kube" / "go.mod").is_file():
        raise BuildError(f"Go sources of the control plane not found at {here}: run from a repository checkout")
    return here


def cache_root() -> Path:
    """Where built binaries live; `RM_CACHE_DIR` moves it (CI may point it at a persistent disk)."""
    base = os.environ.get("RM_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "resource-manager"
    )
    return Path(base) / "controlplane"


def _ldflags() -> str:
    major, minor = KUBERNETES_VERSION.lstrip("v").split(".")[:2]
    stamp = "-X k8s.io/component-base/version"
    return (
        f"-s -w {stamp}.gitVersion={KUBERNETES_VERSION} {stamp}.gitMajor={major} {stamp}.gitMinor={minor}"
        f" {stamp}.gitTreeState=clean"
    )


def cache_key(src: Path) -> str:
    """Versions plus a digest of every Go source and the link flags that shape the binaries."""
    digest = hashlib.sha256(_ldflags().encode())
    for path in sorted(p for p in src.rglob("*") if p.is_file() and p.suffix in {".go", ".mod", ".sum"}):
        digest.update(str(path.relative_to(src)).encode() + b"\0" + path.read_bytes())
    return f"k8s-{KUBERNETES_VERSION}_kwok-{KWOK_VERSION}_{GO_TOOLCHAIN}_{digest.hexdigest()[:12]}"


def _go_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(CGO_ENABLED="0", GOTOOLCHAIN=GO_TOOLCHAIN, GOFLAGS="-mod=readonly")
    return env


def _go_build(module: Path, out_dir: Path, packages: list[str], log: Path) -> None:
    cmd = ["go", "build", "-trimpath", "-ldflags", _ldflags(), "-o", str(out_dir) + "/", *packages]
    with log.open("ab") as sink:
        sink.write(f"$ (cd {module} && {' '.join(cmd)})\n".encode())
        sink.flush()
        result = subprocess.run(cmd, cwd=module, env=_go_env(), stdout=sink, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        raise BuildError(f"go build in {module} failed (exit {result.returncode}); see {log}")


def ensure_binaries(progress: bool = True) -> Path:
    """Return the directory holding all four binaries, building them first if the cache lacks them."""
    if shutil.which("go") is None:
        raise BuildError("the Go toolchain is not installed: install Go to build the control plane")
    src = source_dir()
    target = cache_root() / cache_key(src)
    if all((target / name).is_file() for name in BINARIES):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with (target.parent / ".build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a concurrent builder finishes first; then we reuse its result
        if all((target / name).is_file() for name in BINARIES):
            return target
        staging = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
        log = target.parent / f"{target.name}.build.log"
        log.unlink(missing_ok=True)
        if progress:
            print(f"building the control plane ({KUBERNETES_VERSION}, kwok {KWOK_VERSION}); log: {log}",
                  file=sys.stderr, flush=True)
        try:
            _go_build(src / "kube", staging, ["./cmd/..."], log)
            _go_build(src / "kwok", staging, ["sigs.k8s.io/kwok/cmd/kwok"], log)
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target

