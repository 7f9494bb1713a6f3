"""The optional mypyc build of the pure core (`scripts/kstatus_native.py`): the kstatus tests pass
against the compiled modules as they do against the interpreted ones, and `KSTATUS_PURE=1` selects
the interpreted modules even where compiled ones sit beside them."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "kstatus_native.py"
COMPILED = ("fields", "result", "rules_core", "rules_extended", "pipeline", "related", "selectors")
EXPECT = "KSTATUS_EXPECT"  # the outer run tells the inner one which implementation it must see
SHOW = "import importlib, sys; print(*(importlib.import_module(f'kstatus.{m}').__file__ for m in sys.argv[1:]))"


def implementation(path: str) -> str:
    return "interpreted" if path.endswith(".py") else "compiled"


@pytest.fixture(scope="module")
def compiled_tree(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the kstatus package with the compiled extensions (built once per machine, cached)."""
    tree = tmp_path_factory.mktemp("compiled")
    subprocess.run([sys.executable, SCRIPT, "tree", tree], check=True, capture_output=True)
    yield tree


def test_one_implementation_is_loaded_never_a_mix() -> None:
    kinds = {implementation(importlib.import_module(f"kstatus.{m}").__file__ or "") for m in COMPILED}
    assert len(kinds) == 1
    expected = os.environ.get(EXPECT)
    if expected is not None:
        assert kinds == {expected}


def test_pure_switch_loads_the_source_modules(compiled_tree: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(compiled_tree)}
    env.pop("KSTATUS_PURE", None)
    files = subprocess.run([sys.executable, "-c", SHOW, *COMPILED], env=env, capture_output=True, text=True)
    assert {implementation(f) for f in files.stdout.split()} == {"compiled"}
    files = subprocess.run(
        [sys.executable, "-c", SHOW, *COMPILED], env={**env, "KSTATUS_PURE": "1"}, capture_output=True, text=True
    )
    assert {implementation(f) for f in files.stdout.split()} == {"interpreted"}


def test_compiled_core_passes_the_kstatus_tests(compiled_tree: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(compiled_tree), EXPECT: "compiled"}
    env.pop("KSTATUS_PURE", None)
    this = f"{Path(__file__).relative_to(ROOT)}::test_compiled_core_passes_the_kstatus_tests"
    cmd = [sys.executable, "-m", "pytest", "tests/kstatus", "-m", "not cluster"]
    done = subprocess.run(
        [*cmd, "-q", "-p", "no:cacheprovider", "--deselect", this], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[-4000:]
    assert " passed" in done.stdout.splitlines()[-1]


def test_installed_extensions_match_the_sources() -> None:
    """Extensions in the checkout shadow the `.py` files: after a source change they must be rebuilt."""
    done = subprocess.run([sys.executable, SCRIPT, "check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
