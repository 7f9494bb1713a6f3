"""The three progress views of `kstatus wait`: JSON lines, a line log, and the rich table."""

from __future__ import annotations

import io

import orjson
from rich.console import Console

from kstatus import Options, Status
from kstatus.live.events import ResourceStatus, Sync, Update
from kstatus.live.ids import ObjectId
from kstatus.live.progress import DocumentView, LinesView, TableView
from kstatus.live.tracker import Outcome, Tracker
from kstatus.live.wait import WaitResult

WEB = ObjectId("apps", "Deployment", "shop", "web")
CFG = ObjectId("", "ConfigMap", "shop", "cfg")
IN_PROGRESS = ResourceStatus(WEB, Status.IN_PROGRESS, "Available: 0/1")
AGAIN = ResourceStatus(WEB, Status.IN_PROGRESS, "Available: 0/1", generated=(ResourceStatus(CFG, Status.CURRENT),))
CURRENT = ResourceStatus(CFG, Status.CURRENT, "Resource is always ready")


def feed(view: DocumentView | LinesView | TableView) -> Tracker:
    tracker = Tracker([WEB, CFG], Status.CURRENT)
    for status in (IN_PROGRESS, AGAIN, CURRENT):
        tracker.observe(status, 0.0)
        view.on_event(Update(status), tracker)
    view.on_event(Sync(), tracker)
    view.finish(WaitResult(Outcome.TIMED_OUT, Status.IN_PROGRESS, list(tracker.statuses.values())))
    return tracker


async def test_document_view_prints_the_status_list_with_the_outcome_at_the_end() -> None:
    out = io.StringIO()
    feed(DocumentView(out, Status.CURRENT, "json", Options()))
    document = orjson.loads(out.getvalue())  # nothing but the one document
    assert (document["apiVersion"], document["kind"]) == ("kstatus.resource-manager.dev/v1", "StatusList")
    assert [(i["name"], i["status"]) for i in document["items"]] == [("web", "InProgress"), ("cfg", "Current")]
    assert document["items"][0]["generated"][0]["name"] == "cfg"
    wait = document["wait"]
    assert (wait["for"], wait["outcome"], wait["aggregate"]) == ("Current", "timed out", "InProgress")
    assert wait["summary"].startswith("timed out after ")
    names = io.StringIO()
    feed(DocumentView(names, Status.CURRENT, "name", Options()))
    assert names.getvalue() == "configmap/cfg\n"  # only what reached the desired status


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
