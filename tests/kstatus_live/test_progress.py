"""The three progress views of `kstatus wait`: JSON lines, a line log, and the rich table."""

from __future__ import annotations

import io

import orjson
from rich.console import Console

from kstatus import Status
from kstatus.live.events import ResourceStatus, Sync, Update
from kstatus.live.ids import ObjectId
from kstatus.live.progress import JsonView, LinesView, TableView
from kstatus.live.tracker import Outcome, Tracker
from kstatus.live.wait import WaitResult

WEB = ObjectId("apps", "Deployment", "shop", "web")
CFG = ObjectId("", "ConfigMap", "shop", "cfg")
IN_PROGRESS = ResourceStatus(WEB, Status.IN_PROGRESS, "Available: 0/1")
AGAIN = ResourceStatus(WEB, Status.IN_PROGRESS, "Available: 0/1", generated=(ResourceStatus(CFG, Status.CURRENT),))
CURRENT = ResourceStatus(CFG, Status.CURRENT, "Resource is always ready")


def feed(view: JsonView | LinesView | TableView) -> Tracker:
    tracker = Tracker([WEB, CFG], Status.CURRENT)
    for status in (IN_PROGRESS, AGAIN, CURRENT):
        tracker.observe(status, 0.0)
        view.on_event(Update(status), tracker)
    view.on_event(Sync(), tracker)
    view.finish(WaitResult(Outcome.TIMED_OUT, Status.IN_PROGRESS, list(tracker.statuses.values())))
    return tracker


async def test_json_view_streams_every_event_and_a_result() -> None:
    out = io.StringIO()
    feed(JsonView(out, Status.CURRENT))
    events = [orjson.loads(line) for line in out.getvalue().splitlines()]
    assert [e["type"] for e in events] == ["Update", "Update", "Update", "Sync", "Result"]
    assert events[0] | {"elapsed": 0} == {
        "type": "Update",
        "elapsed": 0,
        "resource": "Deployment/shop/web",
        "status": "InProgress",
        "message": "Available: 0/1",
    }
    assert events[-1]["outcome"] == "timed out"
    assert [s["name"] for s in events[-1]["statuses"]] == ["web", "cfg"]


async def test_lines_view_writes_only_visible_changes_then_the_summary() -> None:
    out = io.StringIO()
    feed(LinesView(out, Status.CURRENT))
    lines = out.getvalue().splitlines()
    assert [line.split("s  ", 1)[1] for line in lines[:2]] == [
        "Deployment/shop/web  InProgress  Available: 0/1",
        "ConfigMap/shop/cfg  Current  Resource is always ready",
    ]
    assert lines[2].startswith("timed out after ")
    assert len(lines) == 3


async def test_table_view_puts_stragglers_first_and_cuts_to_the_terminal() -> None:
    view = TableView(Status.CURRENT, height=4)  # room for one row
    feed(view)
    console = Console(file=io.StringIO(), width=120)
    console.print(view.render())
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "RESOURCE" in text and "FOR" in text
    assert "Deployment/shop/web" in text and "ConfigMap/shop/cfg" not in text
    assert "... and 1 more" in text
    assert view.summary().startswith("timed out after ")
