"""Pure parts of the harness: pinned versions, the build cache key, the PKI, PID-tracked processes."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from devcluster import build
from devcluster.pki import ensure_pki
from devcluster.processes import spawn, stop_all, tracked_pid
from devcluster.versions import GO_TOOLCHAIN, KUBERNETES_VERSION, KWOK_VERSION


def test_go_modules_pin_the_same_versions_as_python() -> None:
    src = build.source_dir()
    kube = (src / "kube" / "go.mod").read_text()
    kwok = (src / "kwok" / "go.mod").read_text()
    assert f"k8s.io/kubernetes {KUBERNETES_VERSION}" in kube
    staging = re.findall(r"^\s*(k8s\.io/\S+) => \1 (\S+)$", kube, re.M)
    assert staging and {version for _, version in staging} == {"v0" + KUBERNETES_VERSION[2:]}
    assert f"sigs.k8s.io/kwok {KWOK_VERSION}" in kwok
    assert f"toolchain {GO_TOOLCHAIN}" in kube and f"toolchain {GO_TOOLCHAIN}" in kwok


def test_cache_key_names_the_versions_and_changes_with_the_sources(tmp_path: Path) -> None:
    shutil.copytree(build.source_dir(), tmp_path / "controlplane")
    copy = tmp_path / "controlplane"
    key = build.cache_key(copy)
    assert KUBERNETES_VERSION in key and KWOK_VERSION in key and GO_TOOLCHAIN in key
    assert build.cache_key(copy) == key
    main_go = copy / "kube" / "cmd" / "kube-scheduler" / "main.go"
    main_go.write_text(main_go.read_text() + "\n// changed\n")
    assert build.cache_key(copy) != key


def test_cache_root_follows_rm_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RM_CACHE_DIR", str(tmp_path))
    assert build.cache_root() == tmp_path / "controlplane"


def _openssl_text(cert: Path) -> str:
    return subprocess.run(["openssl", "x509", "-noout", "-text", "-in", str(cert)],
                          check=True, capture_output=True, text=True).stdout


def test_pki_certificates_have_key_identifiers_and_the_server_names(tmp_path: Path) -> None:
    pki = ensure_pki(tmp_path / "pki")
    server = _openssl_text(pki.crt("apiserver"))
    for name in ("DNS:kubernetes.default.svc.cluster.local", "IP Address:127.0.0.1", "IP Address:10.0.0.1"):
        assert name in server
    for stem in ("ca", "apiserver", "admin", "front-proxy-client"):
        text = _openssl_text(pki.crt(stem))
        assert "Subject Key Identifier" in text
        if stem != "ca":
            assert "Authority Key Identifier" in text
    assert "O=system:masters" in _openssl_text(pki.crt("admin")).replace(" = ", "=")
    verify = subprocess.run(["openssl", "verify", "-CAfile", str(pki.crt("ca")), str(pki.crt("admin"))],
                            capture_output=True, text=True)
    assert verify.returncode == 0, verify.stderr
    before = pki.crt("ca").read_bytes()
    ensure_pki(tmp_path / "pki")
    assert pki.crt("ca").read_bytes() == before, "an existing PKI must be reused, not regenerated"


def test_processes_are_stopped_by_pid_and_foreign_pids_are_left_alone(tmp_path: Path) -> None:
    state = tmp_path / "state"
    ours = spawn(state, "sleeper", [sys.executable, "-c", "import time, sys; time.sleep(60)", str(state)])
    assert tracked_pid(state, "sleeper") == ours
    foreign = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (state / "pids" / "impostor.pid").write_text(str(foreign.pid))
        assert tracked_pid(state, "impostor") is None, "a PID whose command line is not ours is not tracked"
        stop_all(state, ["sleeper", "impostor"], grace=5)
        assert tracked_pid(state, "sleeper") is None
        assert foreign.poll() is None, "stop_all must not signal a process it did not start"
        assert not (state / "pids" / "sleeper.pid").exists()
    finally:
        foreign.kill()
        foreign.wait()
