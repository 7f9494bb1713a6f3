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

_HOMES = {
    "Error": "events",
    "Event": "events",
    "ResourceStatus": "events",
    "Sync": "events",
    "Update": "events",
    "fetch_and_resolve": "fetch",
    "ObjectId": "ids",
    "id_of": "ids",
}

__all__ = [
    "Error",
    "Event",
    "ObjectId",
    "ResourceStatus",
    "Sync",
    "Update",
    "fetch_and_resolve",
    "id_of",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"kstatus.live.{home}"), name)
