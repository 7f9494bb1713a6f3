#!/usr/bin/env python3
"""Build the distributions users install, from the one `pyproject.toml` of the repository.

    python scripts/dists.py build OUTDIR     # sdist and wheel of kstatus, resource-manager, resource-manager-dev
    python scripts/dists.py lower-bounds     # pip constraints pinning every requirement to its lower bound

The repository is one source tree (`src/`) and one editable development install; users get three
distributions (README, "Install"). Each is staged in a directory of its own — its packages, the
README and a `pyproject.toml` composed from the root one's `[tool.dists.NAME]` — and built there
with `python -m build` (the sdist first, the wheel from the sdist, so a file missing from the sdist
fails the build). Symbolic links in `src/` (devcluster's `controlplane/` and `examples/`) are
copied as files. The build uses this interpreter's setuptools (pinned by the `dev` extra), so it
needs no network.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
_NAME = re.compile(r"^[A-Za-z0-9._-]+")
_LOWER_BOUND = re.compile(r">=\s*([^,;\s]+)")


def project() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)


def version() -> str:
    """The single-sourced version: `kubecore/version.py`."""
    text = (ROOT / "src" / "kubecore" / "version.py").read_text()
    match = re.search(r'^VERSION = "([^"]+)"$', text, re.M)
    if match is None:
        raise SystemExit("error: no VERSION in src/kubecore/version.py")
    return match.group(1)


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(config: dict[str, Any]) -> dict[str, str]:
    """Every requirement of the root project (dependencies and extras), by normalised name."""
    declared = config["project"]
    every = list(declared["dependencies"])
    for extra in declared["optional-dependencies"].values():
        every.extend(extra)
    out = {}
    for requirement in every:
        match = _NAME.match(requirement)
        if match is not None:
            out[_key(match.group())] = requirement
    return out


def dist_requirements(names: list[str], config: dict[str, Any], pinned: str) -> list[str]:
    """The requirement strings for `names`; a sibling distribution is pinned to this version."""
    known = requirements(config)
    siblings = {_key(name) for name in config["tool"]["dists"]}
    out = []
    for name in names:
        if _key(name) in siblings:
            out.append(f"{name}=={pinned}")
        elif _key(name) in known:
            out.append(known[_key(name)])
        else:
            raise SystemExit(f"error: [tool.dists] names {name!r}, which [project] does not require")
    return out


def _toml(value: Any) -> str:
    """TOML for strings and lists of strings (JSON's string syntax is TOML's basic string)."""
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return json.dumps(value)


def pyproject(name: str, config: dict[str, Any], pinned: str) -> str:
    """The `pyproject.toml` of one distribution."""
    spec, root = config["tool"]["dists"][name], config["project"]
    extras = {extra: root["optional-dependencies"][extra] for extra in spec["extras"]}
    scripts = {script: root["scripts"][script] for script in spec["scripts"]}
    data = config["tool"]["setuptools"]["package-data"]
    lines = [
        "[build-system]",
        f"requires = {_toml(config['build-system']['requires'])}",
        f"build-backend = {_toml(config['build-system']['build-backend'])}",
        "",
        "[project]",
        f"name = {_toml(name)}",
        f"version = {_toml(pinned)}",
        f"description = {_toml(spec['description'])}",
        'readme = "README.md"',
        f"requires-python = {_toml(root['requires-python'])}",
        f"classifiers = {_toml(root['classifiers'])}",
        f"dependencies = {_toml(dist_requirements(spec['requires'], config, pinned))}",
        "",
        "[project.optional-dependencies]",
        *(f"{extra} = {_toml(reqs)}" for extra, reqs in extras.items()),
        "",
        "[project.scripts]",
        *(f"{script} = {_toml(target)}" for script, target in scripts.items()),
        "",
        "[tool.setuptools.packages.find]",
        'where = ["src"]',
        f"include = {_toml([pattern for package in spec['packages'] for pattern in (package, package + '.*')])}",
        "",
        "[tool.setuptools.package-data]",
        *(f"{package} = {_toml(data[package])}" for package in spec["packages"] if package in data),
    ]
    return "\n".join(lines) + "\n"


def stage(name: str, config: dict[str, Any], pinned: str, where: Path) -> Path:
    """A directory holding exactly one distribution's sources."""
    directory = where / name
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for package in config["tool"]["dists"][name]["packages"]:
        shutil.copytree(ROOT / "src" / package, directory / "src" / package, symlinks=False, ignore=ignore)
    shutil.copy(ROOT / "README.md", directory / "README.md")
    (directory / "pyproject.toml").write_text(pyproject(name, config, pinned))
    return directory


def build(outdir: Path) -> list[Path]:
    """Build every distribution's sdist and wheel into `outdir`; return the files."""
    config, pinned = project(), version()
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dists-") as tmp:
        for name in config["tool"]["dists"]:
            source = stage(name, config, pinned, Path(tmp))
            command = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(outdir), str(source)]
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"error: building {name} failed:\n{done.stdout}{done.stderr}")
    return sorted(outdir.iterdir())


def lower_bounds() -> list[str]:
    """`name==X` for every requirement `name>=X` (an install with these runs the pure tests)."""
    out = []
    for key, requirement in sorted(requirements(project()).items()):
        match = _LOWER_BOUND.search(requirement)
        if match is not None:
            out.append(f"{key}=={match.group(1)}")
    return out


def main(argv: list[str]) -> int:
    if argv[:1] == ["build"] and len(argv) == 2:
        for path in build(Path(argv[1])):
            print(path)
        return 0
    if argv == ["lower-bounds"]:
        print("\n".join(lower_bounds()))
        return 0
    print("usage: dists.py build OUTDIR | lower-bounds", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
