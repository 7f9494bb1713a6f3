"""List then watch, forever: the loop that keeps a cache equal to the API server's state.

client-go's reflector semantics, because they are what makes a cache trustworthy:
* watch from the list's resourceVersion, with bookmarks so the resourceVersion stays fresh when
  nothing of ours changes;
* a broken or ended stream resumes from the last resourceVersion seen (no re-list, no missed event);
* 410 Gone means the history we would resume from was compacted away: re-list, and let the sink's
  `replace` work out what changed in the gap, including deletions;
* every other failure backs off (0.8 s → 30 s) and retries; `on_error` may stop the loop;
* `transform` (client-go's SetTransform) trims every object before the sink sees it: list items as
  their page arrives, so the untrimmed objects of a large list are never all held at once.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import aiohttp
import orjson
import structlog

from kubecore.client import collect_pages
from kubecore.errors import Gone, KubeError
from kubecore.paths import EVERYTHING, ListOptions
from kubecore.ratelimit import Backoff

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from kubecore.client import Client

Obj = dict[str, Any]
Transform = Callable[[Obj], Obj]
log = structlog.get_logger("kubecore.reflector")

MIN_WATCH_TIMEOUT = 300
# Failures of the connection or the stream: resume from the last resourceVersion.
STREAM_ERRORS: tuple[type[BaseException], ...] = (
    aiohttp.ClientPayloadError,
    aiohttp.ClientConnectionError,
    asyncio.IncompleteReadError,
    TimeoutError,
    ConnectionError,
    orjson.JSONDecodeError,  # a line cut short when the stream broke
)


class ReflectorSink(Protocol):
    """What a reflector feeds: full lists and single watch events."""

    def replace(self, items: list[Obj], resource_version: str) -> None: ...

    def apply_event(self, event_type: str, obj: Obj) -> None: ...


def _log_error(exc: Exception) -> None:
    log.warning("list/watch failed, retrying", error=str(exc), error_type=type(exc).__name__)


class Reflector:
    """Keeps `sink` in step with one kind (optionally one namespace / selector) of one cluster."""

    def __init__(
        self,
        client: Client,
        api_version: str,
        kind: str,
        sink: ReflectorSink,
        *,
        namespace: str | None = None,
        options: ListOptions = EVERYTHING,
        page_size: int = 500,
        on_error: Callable[[Exception], None] | None = None,
        transform: Transform | None = None,
    ) -> None:
        self.client = client
        self.api_version = api_version
        self.kind = kind
        self.sink = sink
        self.namespace = namespace
        self.options = options
        self.page_size = page_size
        self.on_error = on_error or _log_error
        self.transform = transform
        self.last_resource_version = ""
        self.lists = 0  # how many full lists ran (the first one plus re-lists after 410)
        self._backoff = Backoff()

    async def run(self) -> None:
        """Until cancelled. A reflector run again after a stop resumes its watch instead of re-listing."""
        need_list = not self.last_resource_version
        while True:
            try:
                if need_list:
                    await self._list()
                    need_list = False
                quick = await self._watch()
            except Gone:
                log.info("resourceVersion expired, re-listing", kind=self.kind, rv=self.last_resource_version)
                need_list = True
                continue
            except STREAM_ERRORS as exc:
                log.debug("watch stream broke, resuming", kind=self.kind, error=repr(exc))
                quick = True
            except KubeError as exc:
                self.on_error(exc)
                quick = True
            if quick:
                await asyncio.sleep(self._backoff.next(asyncio.get_running_loop().time()))

    async def _list(self) -> None:
        listed = await collect_pages(self._pages, self.page_size, self.transform)
        self.last_resource_version = listed["metadata"]["resourceVersion"]
        self.lists += 1
        self.sink.replace(listed["items"], self.last_resource_version)

    def _pages(self, limit: int) -> AsyncIterator[Obj]:
        return self.client.list_pages(
            self.api_version, self.kind, namespace=self.namespace, options=self.options, limit=limit
        )

    async def _watch(self) -> bool:
        """One watch stream; returns True when it ended too soon to reconnect without a pause."""
        timeout = int(MIN_WATCH_TIMEOUT * (1 + random.random()))
        loop = asyncio.get_running_loop()
        started, events = loop.time(), 0
        async with asyncio.timeout(timeout + 60):  # a silently dead connection must not hang us
            async for event in self.client.watch(
                self.api_version,
                self.kind,
                namespace=self.namespace,
                options=self.options,
                resource_version=self.last_resource_version,
                timeout_seconds=timeout,
            ):
                events += 1
                self._handle(event)
        return events == 0 and loop.time() - started < 1.0

    def _handle(self, event: Obj) -> None:
        obj = event.get("object") or {}
        rv = (obj.get("metadata") or {}).get("resourceVersion")
        event_type = event.get("type", "")
        if event_type != "BOOKMARK":
            self.sink.apply_event(event_type, obj if self.transform is None else self.transform(obj))
        if rv:
            self.last_resource_version = rv
