"""Compile kstatus's pure core with mypyc. Optional: the interpreted modules stay the fallback.

    python scripts/kstatus_native.py install    # build (or reuse) and put the extensions beside src/kstatus/*.py
    python scripts/kstatus_native.py clean      # remove them: kstatus runs interpreted again
    python scripts/kstatus_native.py tree DIR   # DIR/kstatus (with the extensions) and DIR/kubecore, for tests
    python scripts/kstatus_native.py check      # exit 1 if installed extensions are stale (sources changed)

The modules in `MODULES` are compiled unchanged (the same source is the interpreted fallback), with
the mypyc that ships with the pinned mypy of the dev extra, a C compiler and the Python headers.
Built extensions are cached in `~/.cache/resource-manager/kstatus-native/<key>/` (`RM_CACHE_DIR`
moves it), the key being the Python ABI, the mypy version and a digest of the sources involved, so
a warm machine copies instead of compiling.  Python prefers an extension module over the `.py` file
beside it; `KSTATUS_PURE=1` makes kstatus load the `.py` files anyway.
"""

from __future__ import annotations

import argparse
import contextlib
import filecmp
import hashlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "kstatus"
MODULES = ("fields", "result", "rules_core", "rules_extended", "pipeline", "related", "selectors")
TYPED_AGAINST = ("__init__", "options", "user_rules")  # what the compiled modules import (types only)
SHARED = SRC / "kubecore"  # the pure core reads apiVersions with kubecore.gvk (stdlib only, interpreted)
SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")
_IGNORED = shutil.ignore_patterns("__pycache__", f"*{SUFFIX}")


def cache_dir() -> Path:
    base = os.environ.get("RM_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "resource-manager"
    )
    digest = hashlib.sha256()
    for name in sorted({*MODULES, *TYPED_AGAINST}):
        digest.update(name.encode() + b"\0" + (PACKAGE / f"{name}.py").read_bytes())
    digest.update(b"kubecore.gvk\0" + (SHARED / "gvk.py").read_bytes())
    abi = sysconfig.get_config_var("SOABI")
    return Path(base) / "kstatus-native" / f"{abi}_mypy-{importlib.metadata.version('mypy')}_{digest.hexdigest()[:12]}"


def extensions() -> Path:
    """The cache directory holding `kstatus/<module>.so` and mypyc's shared library, built if missing."""
    target = cache_dir()
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".building-", dir=target.parent) as tmp:
        work = Path(tmp) / "work"
        (work / "kstatus").mkdir(parents=True)
        for path in PACKAGE.glob("*.py"):
            shutil.copy2(path, work / "kstatus" / path.name)
        shutil.copytree(SHARED, work / "kubecore", ignore=_IGNORED)
        log = target.parent / f"{target.name}.build.log"
        cmd = [sys.executable, "-m", "mypyc", *(f"kstatus/{name}.py" for name in MODULES)]
        with log.open("wb") as sink:
            done = subprocess.run(cmd, cwd=work, stdout=sink, stderr=subprocess.STDOUT)
        if done.returncode != 0:
            sys.exit(f"error: mypyc failed (exit {done.returncode}); see {log}")
        staging = Path(tmp) / "out"
        (staging / "kstatus").mkdir(parents=True)
        for built in [*work.glob(f"*{SUFFIX}"), *(work / "kstatus").glob(f"*{SUFFIX}")]:
            shutil.copy2(built, staging / built.relative_to(work))
        with contextlib.suppress(OSError):  # a concurrent build finished first: use its result
            staging.rename(target)
    return target


def place(root: Path) -> list[Path]:
    """Copy the extensions into `root` (a directory holding the `kstatus` package)."""
    built = extensions()
    placed = []
    for path in sorted(built.rglob(f"*{SUFFIX}")):
        dest = root / path.relative_to(built)
        shutil.copy2(path, dest)
        placed.append(dest)
    return placed


def clean() -> list[Path]:
    """Remove installed extensions from the checkout."""
    removed = [*PACKAGE.glob(f"*{SUFFIX}"), *SRC.glob(f"*__mypyc{SUFFIX}")]
    for path in removed:
        path.unlink()
    return removed


def stale() -> list[Path]:
    """Installed extensions that were not built from the current sources (they would shadow them)."""
    installed = [*PACKAGE.glob(f"*{SUFFIX}"), *SRC.glob(f"*__mypyc{SUFFIX}")]
    built = cache_dir()
    return [
        path
        for path in installed
        if not (built / path.relative_to(SRC)).is_file() or not filecmp.cmp(path, built / path.relative_to(SRC), False)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("install", help="compile (or reuse) and place the extensions in src/")
    sub.add_parser("clean", help="remove the extensions from src/")
    tree = sub.add_parser("tree", help="write DIR/kstatus (the package with the extensions) and DIR/kubecore")
    tree.add_argument("dir", type=Path)
    sub.add_parser("check", help="exit 1 when installed extensions were built from other sources")
    args = parser.parse_args()
    if args.command == "check":
        outdated = stale()
        if outdated:
            sys.exit(f"error: stale compiled modules ({', '.join(p.name for p in outdated)}): run {__file__} install")
        return
    if args.command == "install":
        placed = place(SRC)
    elif args.command == "clean":
        placed = clean()
    else:
        shutil.copytree(PACKAGE, args.dir / "kstatus", ignore=_IGNORED)
        shutil.copytree(SHARED, args.dir / "kubecore", ignore=_IGNORED)
        placed = place(args.dir)
    for path in placed:
        print(path)


if __name__ == "__main__":
    main()
