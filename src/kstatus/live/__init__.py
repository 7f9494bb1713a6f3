"""kstatus against a live cluster: one-shot statuses, a watch engine, and `wait`.

Importing this package is cheap: the names below load their modules (and aiohttp, kubecore) on
first use, so `kstatus --help` never pays for the network stack.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kstatus.live.events import Error, Event, ResourceStatus, Sync, Update
    from kstatus.live.fetch import fetch_and_resolve
    from kstatus.live.ids import ObjectId, id_of
    from kstatus.live.tracker import Outcome, Tracker
    from kstatus.live.wait import WaitResult, wait
    from kstatus.live.watch import StatusWatcher, watch_status

_HOMES = {
    "Error": "events",
    "Event": "events",
    "ResourceStatus": "events",
    "Sync": "events",
    "Update": "events",
    "fetch_and_resolve": "fetch",
    "ObjectId": "ids",
    "id_of": "ids",
    "Outcome": "tracker",
    "Tracker": "tracker",
    "WaitResult": "wait",
    "wait": "wait",
    "StatusWatcher": "watch",
    "watch_status": "watch",
}

__all__ = [
    "Error",
    "Event",
    "ObjectId",
    "Outcome",
    "ResourceStatus",
    "StatusWatcher",
    "Sync",
    "Tracker",
    "Update",
    "WaitResult",
    "fetch_and_resolve",
    "id_of",
    "wait",
    "watch_status",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"kstatus.live.{home}"), name)
