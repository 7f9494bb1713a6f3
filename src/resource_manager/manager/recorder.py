"""Kubernetes Events on ManagedResources (network: source cluster), sent in the background.

Why: ``kubectl describe mr`` is where users look first; apply failures, prunes and drift repairs show up
there with the reason and the objects concerned. Sending never blocks a reconcile and never fails one:
an Event that cannot be written is only logged. Messages come from conditions and object names, never
from Secret data.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import aiohttp
import structlog

from kubecore import Client, KubeError
from resource_manager.api.crd import MR_API_VERSION, MR_KIND

log = structlog.get_logger("resource_manager.events")

COMPONENT = "resource-manager"
MESSAGE_LIMIT = 1024  # the API server's limit on Event.message


def event_for(mr: Mapping[str, Any], event_type: str, reason: str, message: str, now: datetime) -> dict[str, Any]:
    """A core/v1 Event about ``mr`` (pure), named like client-go's: ``<object>.<hex nanoseconds>``."""
    meta = mr.get("metadata") or {}
    stamp = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    nanos = int(now.timestamp() * 1e9)
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{meta.get('name', '')}.{nanos:x}", "namespace": meta.get("namespace", "")},
        "involvedObject": {
            "apiVersion": MR_API_VERSION,
            "kind": MR_KIND,
            "namespace": meta.get("namespace", ""),
            "name": meta.get("name", ""),
            "uid": meta.get("uid", ""),
            "resourceVersion": meta.get("resourceVersion", ""),
        },
        "type": event_type,
        "reason": reason,
        "message": message if len(message) <= MESSAGE_LIMIT else message[: MESSAGE_LIMIT - 3] + "...",
        "source": {"component": COMPONENT},
        "reportingComponent": COMPONENT,
        "reportingInstance": f"{os.uname().nodename}",
        "firstTimestamp": stamp,
        "lastTimestamp": stamp,
        "count": 1,
    }


class Recorder:
    """``recorder.record(mr, "Warning", "ApplyFailed", message)``; ``await recorder.flush()`` on shutdown."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self._pending: set[asyncio.Task[None]] = set()

    def record(self, mr: Mapping[str, Any], event_type: str, reason: str, message: str) -> None:
        event = event_for(mr, event_type, reason, message, datetime.now(UTC))
        task = asyncio.create_task(self._send(event))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _send(self, event: dict[str, Any]) -> None:
        try:
            await self.client.create(event, namespace=event["metadata"]["namespace"])
        except (KubeError, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("could not record event", reason=event["reason"], error=str(exc))

    async def flush(self) -> None:
        """Wait for the events in flight (shutdown: they are part of what the last reconciles did)."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
