"""kstatus: the status of Kubernetes objects, computed exactly as the Go kstatus does.

`compute`, `augment` and `aggregate` are pure functions over plain dicts.  The names below are
loaded on first use (PEP 562), so that `kstatus --help`, which imports this package, stays fast;
typer, rich and the CEL engine are only imported where they are used.

The pure core may be compiled with mypyc (`scripts/kstatus_native.py`); the extension modules then
sit beside the `.py` files and Python prefers them.  `KSTATUS_PURE=1` in the environment makes this
package load its `.py` modules anyway (to test or debug the interpreted code).
"""

from __future__ import annotations

import os
import sys
from importlib import import_module
from importlib.machinery import SOURCE_SUFFIXES, FileFinder, SourceFileLoader
from typing import TYPE_CHECKING, Any

if os.environ.get("KSTATUS_PURE"):
    for _directory in __path__:  # this package's own directory: find only source modules in it
        sys.path_importer_cache[_directory] = FileFinder(_directory, (SourceFileLoader, SOURCE_SUFFIXES))

if TYPE_CHECKING:
    from kstatus.aggregation import aggregate as aggregate
    from kstatus.augmentation import augment as augment
    from kstatus.conditions import crd_conditions as crd_conditions
    from kstatus.conditions import legacy_conditions_fn as legacy_conditions_fn
    from kstatus.conditions import object_conditions as object_conditions
    from kstatus.options import Options as Options
    from kstatus.pipeline import compute as compute
    from kstatus.result import ComputeError as ComputeError
    from kstatus.result import Condition as Condition
    from kstatus.result import Result as Result
    from kstatus.result import Status as Status

_EXPORTS = {
    "ComputeError": "kstatus.result",
    "Condition": "kstatus.result",
    "Options": "kstatus.options",
    "Result": "kstatus.result",
    "Status": "kstatus.result",
    "aggregate": "kstatus.aggregation",
    "augment": "kstatus.augmentation",
    "compute": "kstatus.pipeline",
    "crd_conditions": "kstatus.conditions",
    "legacy_conditions_fn": "kstatus.conditions",
    "object_conditions": "kstatus.conditions",
}
__all__ = [
    "ComputeError",
    "Condition",
    "Options",
    "Result",
    "Status",
    "aggregate",
    "augment",
    "compute",
    "crd_conditions",
    "legacy_conditions_fn",
    "object_conditions",
]


def __getattr__(name: str) -> Any:
    # kubecore.lazy does the same for kubecore; the pure core imports nothing outside the standard library
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kstatus' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
