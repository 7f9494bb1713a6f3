"""Build the `helm` command from its Go module, once, for the chart tests.

Why from source: like the control plane, no registry we may use ships the binary, while the Go module proxy
serves `helm.sh/helm/v4`. The pinned module lives in `tools/helm` (outside `controlplane/`, whose digest keys
the control plane's cache), and the binary is cached in a directory keyed by the helm version, the Go
toolchain and a digest of `tools/helm`, so a warm machine skips the build and a changed pin builds afresh.

`python -m devcluster.helm` builds it (what `make test` runs) and prints the binary's path.
"""

from __future__ import annotations

import sys
from pathlib import Path

from devcluster.build import BuildError, build_once, cache_base, go_build, source_digest
from devcluster.versions import GO_TOOLCHAIN, HELM_VERSION

PACKAGE = "helm.sh/helm/v4/cmd/helm"


def module_dir() -> Path:
    here = Path(__file__).resolve().parents[2] / "tools" / "helm"
    if not (here / "go.mod").is_file():
        raise BuildError(f"the Go module of helm was not found at {here}: run from a repository checkout")
    return here


def cache_key(module: Path) -> str:
    return f"helm-{HELM_VERSION}_{GO_TOOLCHAIN}_{source_digest(module)}"


def ensure_helm(progress: bool = True) -> Path:
    """The path of the cached `helm` binary, building it first if the cache lacks it."""
    module = module_dir()

    def build(staging: Path, log: Path) -> None:
        if progress:
            print(f"building helm {HELM_VERSION} from its Go module; log: {log}", file=sys.stderr, flush=True)
        version_flag = f"-X helm.sh/helm/v4/internal/version.version={HELM_VERSION}"
        go_build(module, ["-ldflags", f"-s -w {version_flag}", "-o", str(staging / "helm"), PACKAGE], log)

    return build_once(cache_base() / "helm" / cache_key(module), ["helm"], build, what="helm") / "helm"


if __name__ == "__main__":
    try:
        print(ensure_helm())
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
