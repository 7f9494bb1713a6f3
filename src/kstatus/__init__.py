"""kstatus: the status of Kubernetes objects, computed exactly as the Go kstatus does.

`compute`, `augment` and `aggregate` are pure functions over plain dicts.  Importing this package
is cheap: the CLI (typer, rich) and the CEL engine are only imported where they are used.
"""

from kstatus.aggregate import aggregate
from kstatus.augment import augment
from kstatus.compute import compute
from kstatus.conditions import crd_conditions, legacy_conditions_fn, object_conditions
from kstatus.options import Options
from kstatus.result import ComputeError, Condition, Result, Status

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
