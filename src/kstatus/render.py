"""Status records to text: `-o table|wide|json|yaml|name`, the same for offline and live.

JSON and YAML print one document, `{"apiVersion": "kstatus.resource-manager.dev/v1", "kind":
"StatusList", "items": [record, ...]}` (plus `wait` for `kstatus wait`), so a script reads
`.items[]` whichever command wrote it; the apiVersion changes only with an incompatible shape.

The plain table is written by hand because it must stay fast for files of thousands of objects
(a rich Table takes seconds for 10,000 rows); on a terminal, and for a screenful of rows, rich
draws it with colours instead.
"""

from __future__ import annotations

from typing import Any, TextIO

import orjson
import yaml

from kstatus.offline import Record
from kubecore.gvk import group_of

OUTPUT_API_VERSION = "kstatus.resource-manager.dev/v1"
OUTPUT_KIND = "StatusList"
FORMATS = ("table", "wide", "json", "yaml", "name")
COLUMNS = (("NAMESPACE", "namespace"), ("KIND", "kind"), ("NAME", "name"), ("STATUS", "status"), ("MESSAGE", "message"))
WIDE_COLUMNS = (*COLUMNS[:4], ("REASON", "reason"), ("MESSAGE", "message"))
RICH_ROW_LIMIT = 500
STATUS_STYLES = {
    "Current": "green",
    "Failed": "bold red",
    "InProgress": "yellow",
    "Unknown": "magenta",
    "Terminating": "cyan",
    "NotFound": "dim",
}


def document(records: list[Record], **extra: Any) -> dict[str, Any]:
    """The versioned JSON/YAML shape of every command's output."""
    return {"apiVersion": OUTPUT_API_VERSION, "kind": OUTPUT_KIND, "items": records, **extra}


def render(records: list[Record], output: str, stream: TextIO, **extra: Any) -> None:
    """Write the records to `stream` in the chosen format (`extra` goes into the JSON/YAML document)."""
    if output == "json":
        stream.write(orjson.dumps(document(records, **extra), option=orjson.OPT_INDENT_2).decode() + "\n")
    elif output == "yaml":
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        stream.write(yaml.dump(document(records, **extra), Dumper=dumper, sort_keys=False))
    elif output == "name":
        stream.writelines(resource_name(record) + "\n" for record in records)
    elif output == "wide":
        stream.write(plain_table([_wide(record) for record in records], WIDE_COLUMNS))
    elif stream.isatty() and len(records) <= RICH_ROW_LIMIT:
        _rich_table(records, stream)
    else:
        stream.write(plain_table(records))


def resource_name(record: Record) -> str:
    """kubectl's `-o name`: `deployment.apps/web`, `configmap/settings`."""
    group = group_of(record["apiVersion"])
    kind = record["kind"].lower()
    return f"{kind}.{group}/{record['name']}" if group else f"{kind}/{record['name']}"


def _wide(record: Record) -> Record:
    """The wide row: the kind qualified with its group, and the reason of the condition kstatus set."""
    group = group_of(record["apiVersion"])
    kind = f"{record['kind']}.{group}" if group else record["kind"]
    reason = next((c["reason"] for c in record.get("conditions") or [] if c.get("reason")), "")
    return {**record, "kind": kind, "reason": reason}


def plain_table(records: list[Record], columns: tuple[tuple[str, str], ...] = COLUMNS) -> str:
    """Columns padded to their widest cell, three spaces apart; the message column is last."""
    rows = [[header for header, _ in columns]]
    rows.extend([_cell(record[key]) for _, key in columns] for record in records)
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns) - 1)]
    lines = [
        "   ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "   " + row[-1]
        for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _cell(value: Any) -> str:
    """Table cells are one line."""
    return str(value).replace("\n", " ")


def _rich_table(records: list[Record], stream: TextIO) -> None:
    """The same columns drawn by rich, with the status coloured."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, header_style="bold")
    for header, _ in COLUMNS:
        table.add_column(header, overflow="fold")
    for record in records:
        cells = [Text(_cell(record[key])) for _, key in COLUMNS]
        cells[3].stylize(STATUS_STYLES.get(record["status"], ""))
        table.add_row(*cells)
    Console(file=stream).print(table)
