"""How `kstatus wait` shows progress (terminal output): a live rich table on a TTY, one line per
change when stdout is a pipe or file (`-o table`, `-o wide`), or, for `-o json|yaml|name`, the
final statuses in that format once the wait is over.

Each view gets every event with the tracker (`on_event`) and the result (`finish`); the table
views print the one-line summary last.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol, TextIO

from kstatus import Options, Status
from kstatus.live.events import Event, Update
from kstatus.live.ids import ObjectId
from kstatus.live.table import HEADERS, explain, rows, status_record, summary, update_line
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


class DocumentView(_Clock):
    """`-o json|yaml|name`: nothing while waiting, then every status in that format; JSON and YAML
    carry the outcome under `wait`, `name` lists the objects that reached the desired status."""

    def __init__(self, stream: TextIO, desired: Status, output: str, options: Options) -> None:
        super().__init__()
        self.stream, self.desired, self.output, self.options = stream, desired, output, options

    def on_event(self, event: Event, tracker: Tracker) -> None:
        pass

    def finish(self, result: WaitResult) -> None:
        from kstatus.render import render

        line = summary(result.outcome, result.statuses, self.desired, self.elapsed(), result.error)
        statuses = result.statuses
        if self.output == "name":
            statuses = [s for s in statuses if s.status == self.desired]
        outcome = {
            "for": str(self.desired),
            "outcome": str(result.outcome),
            "aggregate": str(result.aggregate),
            "elapsed": round(self.elapsed(), 3),
            "summary": line,
        }
        render([status_record(s, self.options) for s in statuses], self.output, self.stream, wait=outcome)


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
def progress_view(output: str, desired: Status, options: Options) -> Iterator[View]:
    """The view for `-o` and the kind of stdout; the summary is printed when the block ends."""
    if output not in ("table", "wide"):
        yield DocumentView(sys.stdout, desired, output, options)
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
