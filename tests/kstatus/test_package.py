"""The package surface: the public names, and that importing it stays cheap."""

from __future__ import annotations

import subprocess
import sys

import pytest

import kstatus


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
        "print(sorted(m for m in ('rich', 'celpy', 'yaml', 'orjson', 'kstatus.pipeline') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
