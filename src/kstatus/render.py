"""Status records to text: a table (kubectl-style columns), JSON or YAML.

The plain table is written by hand because it must stay fast for files of thousands of objects
(a rich Table takes seconds for 10,000 rows); on a terminal, and for a screenful of rows, rich
draws it with colours instead.
"""

from __future__ import annotations

from typing import Any, TextIO

import orjson
import yaml

from kstatus.offline import Record

COLUMNS = (("NAMESPACE", "namespace"), ("KIND", "kind"), ("NAME", "name"), ("STATUS", "status"), ("MESSAGE", "message"))
RICH_ROW_LIMIT = 500
STATUS_STYLES = {
    "Current": "green",
    "Failed": "bold red",
    "InProgress": "yellow",
    "Unknown": "magenta",
    "Terminating": "cyan",
    "NotFound": "dim",
}


def render(records: list[Record], output: str, stream: TextIO) -> None:
    """Write the records to `stream` in the chosen format."""
    if output == "json":
        stream.write(orjson.dumps(records, option=orjson.OPT_INDENT_2).decode() + "\n")
    elif output == "yaml":
        stream.write(yaml.dump(records, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False))
    elif stream.isatty() and len(records) <= RICH_ROW_LIMIT:
        _rich_table(records, stream)
    else:
        stream.write(plain_table(records))


def plain_table(records: list[Record]) -> str:
    """Columns padded to their widest cell, three spaces apart; the message column is last."""
    rows = [[header for header, _ in COLUMNS]]
    rows.extend([_cell(record[key]) for _, key in COLUMNS] for record in records)
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS) - 1)]
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
