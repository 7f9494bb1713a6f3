"""How `kstatus wait` shows progress (terminal output): a live rich table on a TTY, one line per
change when stdout is a pipe or file, or one JSON object per event with `-o json`.

Each view gets every event with the tracker (`on_event`) and the result (`finish`), and prints
the one-line summary last.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from kstatus import Status
from kstatus.live.events import Error, Event, Sync, Update
from kstatus.live.ids import ObjectId
from kstatus.live.table import HEADERS, explain, json_line, rows, status_record, summary, update_line
from kstatus.live.tracker import Tracker
from kstatus.live.wait import WaitResult

if TYPE_CHECKING:
    from rich.console import RenderableType

LIVE_REFRESH_PER_SECOND = 4


class View(Protocol):
    def on_event(self, event: Event, tracker: Tracker) -> None: ...

    def finish(self, result: WaitResult) -> None: ...


class _Clock:
    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.started = self._loop.time()

    def elapsed(self) -> float:
        return self._loop.time() - self.started


class JsonView(_Clock):
    """One JSON object per line: Update, Sync, Error, and a final Result with every status."""

    def __init__(self, stream: TextIO, desired: Status) -> None:
        super().__init__()
        self.stream, self.desired = stream, desired

    def _emit(self, kind: str, **fields: Any) -> None:
        self.stream.write(json_line(kind, elapsed=round(self.elapsed(), 3), **fields) + "\n")
        self.stream.flush()

    def on_event(self, event: Event, tracker: Tracker) -> None:
        if isinstance(event, Update):
            s = event.resource
            self._emit("Update", resource=str(s.id), status=str(s.status), message=explain(s))
        elif isinstance(event, Sync):
            self._emit("Sync")
        elif isinstance(event, Error):
            self._emit("Error", message=event.message)

    def finish(self, result: WaitResult) -> None:
        line = summary(result.outcome, result.statuses, self.desired, self.elapsed(), result.error)
        statuses = [status_record(s) for s in result.statuses]
        self._emit(
            "Result", outcome=str(result.outcome), aggregate=str(result.aggregate), summary=line, statuses=statuses
        )


class LinesView(_Clock):
    """A log for pipes and files: a line per visible change (status or message), then the summary."""

    def __init__(self, stream: TextIO, desired: Status) -> None:
        super().__init__()
        self.stream, self.desired = stream, desired
        self.shown: dict[ObjectId, str] = {}

    def on_event(self, event: Event, tracker: Tracker) -> None:
        if isinstance(event, Update):
            status = event.resource
            text = f"{status.status} {explain(status)}"
            if self.shown.get(status.id) != text:
                self.shown[status.id] = text
                self.stream.write(update_line(status, self.elapsed()) + "\n")
                self.stream.flush()

    def finish(self, result: WaitResult) -> None:
        self.stream.write(summary(result.outcome, result.statuses, self.desired, self.elapsed(), result.error) + "\n")


class TableView(_Clock):
    """The rich table `rich.Live` redraws; only as many rows as the terminal shows, stragglers first."""

    def __init__(self, desired: Status, height: int) -> None:
        super().__init__()
        self.desired, self.height = desired, height
        self.tracker: Tracker | None = None
        self.result: WaitResult | None = None

    def on_event(self, event: Event, tracker: Tracker) -> None:
        self.tracker = tracker

    def finish(self, result: WaitResult) -> None:
        self.result = result

    def render(self) -> RenderableType:
        from rich.table import Table
        from rich.text import Text

        from kstatus.render import STATUS_STYLES

        table = Table(*HEADERS, box=None, pad_edge=False, header_style="bold")
        if self.tracker is None:
            return table
        all_rows = rows(self.tracker, self._now())
        room = max(self.height - 3, 1)
        shown = [r for r in all_rows if r[1] != self.desired] + [r for r in all_rows if r[1] == self.desired]
        for resource, status, message, since in shown[:room]:
            table.add_row(resource, Text(status, style=STATUS_STYLES.get(status, "")), message, since)
        if len(shown) > room:
            table.caption = f"... and {len(shown) - room} more"
        return table

    def _now(self) -> float:
        """The loop's clock (rich redraws from its own thread, where there is no running loop)."""
        return self.started + self.elapsed()

    def summary(self) -> str:
        assert self.result is not None
        result = self.result
        return summary(result.outcome, result.statuses, self.desired, self.elapsed(), result.error)


@contextmanager
def progress_view(output: str, desired: Status) -> Iterator[View]:
    """The view for `-o` and the kind of stdout; the summary is printed when the block ends."""
    if output == "json":
        yield JsonView(sys.stdout, desired)
    elif not sys.stdout.isatty():
        yield LinesView(sys.stdout, desired)
    else:
        from rich.console import Console
        from rich.live import Live

        console = Console()
        view = TableView(desired, console.size.height)
        with Live(get_renderable=view.render, console=console, refresh_per_second=LIVE_REFRESH_PER_SECOND):
            yield view
        if view.result is not None:
            console.print(view.summary(), highlight=False)
