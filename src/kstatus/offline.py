"""Objects in, status records out: the pure core of `kstatus status -f` (no cluster, no I/O).

A record is a plain dict (identity, status, message, conditions, generated resources) so that
every output format, offline and live, shares one shape (`generated` is empty offline).  A
`ComputeError` becomes status Unknown with the error as its message, as the upstream readers do.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from kstatus.aggregation import aggregate
from kstatus.options import Options
from kstatus.pipeline import compute
from kstatus.result import ComputeError, Status

Record = dict[str, Any]


def identity(obj: dict[str, Any]) -> dict[str, str]:
    """apiVersion, kind, namespace and name of an object, as text ("" where missing)."""
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    return {
        "apiVersion": _text(obj.get("apiVersion")),
        "kind": _text(obj.get("kind")),
        "namespace": _text(meta.get("namespace")),
        "name": _text(meta.get("name")),
    }


def _text(value: object) -> str:
    return "" if value is None else str(value)


def status_records(objects: Iterable[dict[str, Any]], options: Options, now: datetime | None = None) -> list[Record]:
    """One record per object, in input order."""
    records = []
    for obj in objects:
        record: Record = identity(obj)
        try:
            result = compute(obj, options=options, now=now)
        except ComputeError as err:
            record.update(status=Status.UNKNOWN.value, message=str(err), conditions=[], generated=[])
        else:
            record.update(
                status=result.status.value,
                message=result.message,
                conditions=[condition._asdict() for condition in result.conditions],
                generated=[],
            )
        records.append(record)
    return records


def exit_code(records: Iterable[Record]) -> int:
    """0 when every object is Current, 1 otherwise (the CLI convention: the goal was not reached)."""
    overall = aggregate((record["status"] for record in records), Status.CURRENT)
    return 0 if overall == Status.CURRENT else 1
