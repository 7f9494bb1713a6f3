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
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path

from devcluster.versions import GO_TOOLCHAIN, KUBERNETES_VERSION, KWOK_VERSION

BINARIES = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")


class BuildError(Exception):
    """The control plane could not be built; the message says which step failed and where its log is."""


def source_dir() -> Path:
    """The `controlplane/` Go sources: package data of `devcluster` (a link to the repository's
    `controlplane/` in a checkout, a copy in the built distribution)."""
    here = Path(str(resources.files("devcluster"))) / "controlplane"
    if not (here / "kube" / "go.mod").is_file():
        raise BuildError(f"Go sources of the control plane not found at {here}: reinstall resource-manager-dev")
    return here


def cache_base() -> Path:
    """Where built tools live; `RM_CACHE_DIR` moves it (CI may point it at a persistent disk)."""
    base = os.environ.get("RM_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "resource-manager"
    )
    return Path(base)


def cache_root() -> Path:
    """Where the control plane binaries live."""
    return cache_base() / "controlplane"


def _ldflags() -> str:
    major, minor = KUBERNETES_VERSION.lstrip("v").split(".")[:2]
    stamp = "-X k8s.io/component-base/version"
    return (
        f"-s -w {stamp}.gitVersion={KUBERNETES_VERSION} {stamp}.gitMajor={major} {stamp}.gitMinor={minor}"
        f" {stamp}.gitTreeState=clean"
    )


def cache_key(src: Path) -> str:
    """Versions plus a digest of every Go source and the link flags that shape the binaries."""
    digest = source_digest(src, _ldflags().encode())
    return f"k8s-{KUBERNETES_VERSION}_kwok-{KWOK_VERSION}_{GO_TOOLCHAIN}_{digest}"


def source_digest(root: Path, seed: bytes = b"") -> str:
    """12 hex digits over every Go source, module and checksum file below `root` (path and content), for
    cache keys that change with any source."""
    digest = hashlib.sha256(seed)
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in {".go", ".mod", ".sum"}):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def go_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(CGO_ENABLED="0", GOTOOLCHAIN=GO_TOOLCHAIN, GOFLAGS="-mod=readonly")
    return env


def go_build(module: Path, args: list[str], log: Path) -> None:
    """`go build -trimpath ARGS` in `module` with the pinned toolchain, its output appended to `log`."""
    cmd = ["go", "build", "-trimpath", *args]
    with log.open("ab") as sink:
        sink.write(f"$ (cd {module} && {' '.join(cmd)})\n".encode())
        sink.flush()
        result = subprocess.run(cmd, cwd=module, env=go_env(), stdout=sink, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        raise BuildError(f"go build in {module} failed (exit {result.returncode}); see {log}")


def build_once(target: Path, names: Sequence[str], build: Callable[[Path, Path], None], *, what: str) -> Path:
    """`target`, a cache directory holding the files `names`, built first by `build(staging, log)` if the
    cache lacks them. Concurrent builders wait on a lock file beside it and reuse the first one's result;
    the build goes to a staging directory renamed into place, so a failed one leaves nothing behind."""
    if all((target / name).is_file() for name in names):
        return target
    if shutil.which("go") is None:
        raise BuildError(f"the Go toolchain is not installed: install Go to build {what}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with (target.parent / ".build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if all((target / name).is_file() for name in names):
            return target
        staging = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
        log = target.parent / f"{target.name}.build.log"
        log.unlink(missing_ok=True)
        try:
            build(staging, log)
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def ensure_binaries(progress: bool = True) -> Path:
    """Return the directory holding all four binaries, building them first if the cache lacks them."""
    src = source_dir()

    def build(staging: Path, log: Path) -> None:
        if progress:
            print(
                f"building the control plane ({KUBERNETES_VERSION}, kwok {KWOK_VERSION}); log: {log}",
                file=sys.stderr,
                flush=True,
            )
        go_build(src / "kube", ["-ldflags", _ldflags(), "-o", f"{staging}/", "./cmd/..."], log)
        go_build(src / "kwok", ["-ldflags", _ldflags(), "-o", f"{staging}/", "sigs.k8s.io/kwok/cmd/kwok"], log)

    return build_once(cache_root() / cache_key(src), BINARIES, build, what="the control plane")
