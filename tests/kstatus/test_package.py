"""The package surface: the public names, and that importing it stays cheap."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import kstatus

SRC = Path(kstatus.__file__).resolve().parents[1]


def test_public_names_resolve_to_the_functions_and_types() -> None:
    import kstatus.aggregation
    import kstatus.augmentation
    import kstatus.pipeline  # submodules must not shadow the functions

    assert callable(kstatus.compute) and kstatus.compute.__name__ == "compute"
    assert kstatus.augment.__name__ == "augment" and kstatus.aggregate.__name__ == "aggregate"
    assert set(kstatus.__all__) == set(kstatus._EXPORTS)
    for name in kstatus.__all__:
        assert getattr(kstatus, name) is not None


def test_unknown_attribute() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = kstatus.nope


def test_import_does_not_load_the_cli_or_cel_stacks() -> None:
    code = (
        "import sys, kstatus; kstatus.compute({'kind': 'Pod'}); "
        "print(sorted(m for m in ('typer', 'rich', 'celpy', 'yaml', 'orjson') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_help_does_not_load_the_status_machinery() -> None:
    code = (
        "import sys\nfrom kstatus.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = ('rich', 'celpy', 'yaml', 'orjson', 'kstatus.pipeline', 'asyncio', 'uvloop')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


PURE_CORE = (
    "kstatus.aggregation",
    "kstatus.augmentation",
    "kstatus.conditions",
    "kstatus.fields",
    "kstatus.options",
    "kstatus.pipeline",
    "kstatus.related",
    "kstatus.result",
    "kstatus.rules_core",
    "kstatus.rules_extended",
    "kstatus.selectors",
)
BARE_CHECK = """
import importlib, sys
import kstatus
for name in sys.argv[1:]:
    importlib.import_module(name)
pod = {"apiVersion": "v1", "kind": "Pod", "status": {"phase": "Running"}}
assert kstatus.compute(pod, options=kstatus.Options(extended=True, pdb="observed")).status == "InProgress"
assert kstatus.augment(pod)["status"]["conditions"][0]["type"] == "Reconciling"
assert kstatus.aggregate([kstatus.Status.CURRENT], kstatus.Status.CURRENT) == "Current"
outside = sorted(
    m for m in sys.modules
    if m.partition(".")[0] not in sys.stdlib_module_names and m.partition(".")[0] not in ("kstatus", "__main__")
    and not m.endswith("__mypyc")  # the library of the compiled core (scripts/kstatus_native.py), if built
    and m not in ("kubecore", "kubecore.lazy", "kubecore.gvk")  # stdlib-only, in kstatus's distribution
)
print(outside)
"""


def test_pure_core_needs_only_the_standard_library(tmp_path: Path) -> None:
    """In a venv with nothing installed (not even pip) and only `src` on the path, the pure core
    imports and computes, and no module outside the standard library gets loaded."""
    venv = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    bare = {"PATH": os.environ.get("PATH", ""), "PYTHONNOUSERSITE": "1"}
    site = subprocess.run([python, "-c", "import sys; print(sys.path)"], capture_output=True, text=True, env=bare)
    assert str(SRC) not in site.stdout  # the venv itself does not see the checkout
    env = {**bare, "PYTHONPATH": str(SRC)}
    done = subprocess.run([python, "-c", BARE_CHECK, *PURE_CORE], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
