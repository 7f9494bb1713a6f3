"""The helm build recipe: the Go module pins the version we name, and the cache key follows the recipe."""

from __future__ import annotations

import shutil
from pathlib import Path

from devcluster import helm
from devcluster.versions import GO_TOOLCHAIN, HELM_VERSION


def test_module_pins_helm_version() -> None:
    go_mod = (helm.module_dir() / "go.mod").read_text()
    assert f"helm.sh/helm/v4 {HELM_VERSION}" in go_mod
    assert "controlplane" not in str(helm.module_dir())  # its digest must not key the control plane's cache


def test_cache_key_changes_with_the_module(tmp_path: Path) -> None:
    module = tmp_path / "helm"
    shutil.copytree(helm.module_dir(), module)
    key = helm.cache_key(module)
    assert HELM_VERSION in key and GO_TOOLCHAIN in key
    (module / "go.mod").write_text((module / "go.mod").read_text() + "\n// changed\n")
    assert helm.cache_key(module) != key
