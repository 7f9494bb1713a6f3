"""Install it like any Python tool: the distributions `scripts/dists.py` builds, installed into a
fresh virtualenv outside the checkout, run against the real control plane.

The fresh virtualenv gets the same dependency versions as the one running this test (its `pip
freeze` is the constraints file), so `make test` checks the install with the current dependencies
on the oldest Python and with the newest dependencies on the newest Python.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from devcluster import Cluster
from devcluster.build import cache_key, source_dir
from kubecore.version import VERSION

pytestmark = [pytest.mark.cluster, pytest.mark.smoke]

ROOT = Path(__file__).resolve().parents[1]
APPLIED = '{.status.conditions[?(@.type=="ResourcesApplied")].status}=True'
PACKAGE_DATA = {
    "kstatus": ["kstatus/py.typed", "kubecore/py.typed", "kubecore/version.py"],
    "resource_manager": ["resource_manager/crds/managedresource.yaml", "resource_manager/py.typed"],
    "resource_manager_dev": [
        "devcluster/kwok-stages.yaml",
        "devcluster/controlplane/kube/go.mod",
        "devcluster/controlplane/kube/cmd/kube-apiserver/main.go",
        "devcluster/controlplane/kwok/go.sum",
        "devcluster/examples/configmaps/managedresource.yaml",
        "devcluster/examples/nginx/managedresource.yaml",
    ],
}


def run(*command: str | Path, cwd: Path, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """A command of the fresh install: outside the checkout, without this virtualenv's settings."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    if check and done.returncode != 0:
        raise AssertionError(f"{command} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return done


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The wheels and sdists, by file name."""
    out = tmp_path_factory.mktemp("dists")
    run(sys.executable, ROOT / "scripts" / "dists.py", "build", out, cwd=out)
    return {path.name: path for path in out.iterdir()}


def test_every_distribution_has_a_wheel_an_sdist_valid_metadata_and_its_package_data(dists: dict[str, Path]) -> None:
    for name, members in PACKAGE_DATA.items():
        wheel, sdist = dists[f"{name}-{VERSION}-py3-none-any.whl"], dists[f"{name}-{VERSION}.tar.gz"]
        in_wheel = set(zipfile.ZipFile(wheel).namelist())
        with tarfile.open(sdist) as archive:
            in_sdist = {member.split("/", 2)[-1] for member in archive.getnames()}
        for member in members:
            assert member in in_wheel, f"{member} missing from {wheel.name}"
            assert f"{member}" in in_sdist, f"src/{member} missing from {sdist.name}"
    product = zipfile.ZipFile(dists[f"resource_manager-{VERSION}-py3-none-any.whl"]).namelist()
    assert not [m for m in product if m.startswith("devcluster/") or m.endswith("demo.py")], "dev tools in the product"
    run(sys.executable, "-m", "twine", "check", "--strict", *dists.values(), cwd=ROOT)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, dists: dict[str, Path]) -> Iterator[Path]:
    """A fresh virtualenv with the product (kstatus, resource-manager) and nothing else of ours."""
    where = tmp_path_factory.mktemp("fresh")
    freeze = run(sys.executable, "-m", "pip", "freeze", "--exclude-editable", cwd=where).stdout
    constraints = where / "constraints.txt"
    constraints.write_text(freeze)
    run(sys.executable, "-m", "venv", where / "venv", cwd=where)
    wheels = [dists[f"{name}-{VERSION}-py3-none-any.whl"] for name in ("kstatus", "resource_manager")]
    run(where / "venv" / "bin" / "pip", "install", "--quiet", "-c", constraints, *wheels, cwd=where)
    yield where / "venv"


def test_the_installed_product_runs_the_seed_examples_on_the_dev_cluster(
    venv: Path, dists: dict[str, Path], cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    bin_dir = venv / "bin"
    found = run(
        bin_dir / "python", "-c", "import kstatus, resource_manager; print(resource_manager.__file__)", cwd=tmp_path
    )
    assert found.stdout.startswith(str(venv)), "imported from the checkout, not the install"
    assert run(bin_dir / "python", "-c", "import devcluster", cwd=tmp_path, check=False).returncode == 1
    for tool in ("kstatus", "resource-manager"):
        assert run(bin_dir / tool, "--version", cwd=tmp_path).stdout == f"{tool} {VERSION}\n"
    assert run(bin_dir / "resource-manager", "demo", cwd=tmp_path, check=False).returncode == 2  # no dev commands

    examples = tmp_path / "examples.yaml"  # the seed examples, moved into this test's namespace
    texts = [(ROOT / "examples" / name / "managedresource.yaml").read_text() for name in ("configmaps", "nginx")]
    examples.write_text("---\n".join(texts).replace("namespace: default", f"namespace: {namespace}"))
    offline = run(bin_dir / "kstatus", "status", "-f", examples, cwd=tmp_path)
    assert offline.stdout.count("Current") == 4  # two Secrets, two ManagedResources

    kubeconfig = str(cluster.kubeconfig)
    installed = run(bin_dir / "resource-manager", "install-crds", "--kubeconfig", kubeconfig, cwd=tmp_path)
    assert "established" in installed.stdout
    command = [bin_dir / "resource-manager", "run", "--kubeconfig", kubeconfig, "--namespace", namespace]
    command += ["--no-leader-elect", "--metrics-bind-address", "127.0.0.1:0", "--health-bind-address", "127.0.0.1:0"]
    controller = subprocess.Popen(
        [str(c) for c in command], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        cluster.kubectl("apply", "-f", str(examples))
        mrs = ("mr/example-configmaps", "mr/example-nginx")
        cluster.kubectl("wait", "-n", namespace, *mrs, f"--for=jsonpath={APPLIED}", "--timeout=120s")
        waited = run(
            bin_dir / "kstatus", "wait", "cm/test-1234", "cm/test-5678", "deployment", "-l", "foo=bar",
            "-n", namespace, "--kubeconfig", kubeconfig, "--timeout", "2m", "-o", "name", cwd=tmp_path,
        )  # fmt: skip
        assert waited.stdout.splitlines() == [
            "configmap/test-1234",
            "configmap/test-5678",
            "deployment.apps/nginx-deployment",
        ]
        cluster.kubectl("delete", "-n", namespace, *mrs, "--timeout=120s")  # the controller removes its finalizer
    finally:
        controller.send_signal(signal.SIGTERM)
        output, _ = controller.communicate(timeout=60)
    assert controller.returncode == 0, output
    assert "Traceback" not in output


def test_the_dev_distribution_adds_rm_dev_with_the_control_plane_sources(
    venv: Path, dists: dict[str, Path], tmp_path: Path
) -> None:
    wheel = dists[f"resource_manager_dev-{VERSION}-py3-none-any.whl"]
    run(venv / "bin" / "pip", "install", "--quiet", wheel, cwd=tmp_path)  # resource-manager is there already
    assert run(venv / "bin" / "rm-dev", "--version", cwd=tmp_path).stdout == f"rm-dev {VERSION}\n"
    assert "dev-cluster" in run(venv / "bin" / "rm-dev", "-h", cwd=tmp_path).stdout
    key = "from devcluster.build import cache_key, source_dir; print(cache_key(source_dir()))"
    # the same key as this checkout's: the shipped Go sources are complete, and the cached binaries serve both
    assert run(venv / "bin" / "python", "-c", key, cwd=tmp_path).stdout.strip() == cache_key(source_dir())
