"""Informer: a reflector feeding a `Store`, and event handlers told about every change.

The informer is the reflector's sink. A full (re-)list is diffed against the cache, so handlers see
exactly the adds, updates and deletions that happened, also across a 410 gap where the watch history
was lost. Handlers are plain functions that should only enqueue work; a failing handler is logged and
does not stop the cache.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import structlog

from kubecore.client import Client
from kubecore.paths import EVERYTHING, ListOptions
from kubecore.reflector import Reflector, Transform
from kubecore.store import IndexFunc, Store, object_key

Obj = dict[str, Any]
log = structlog.get_logger("kubecore.informer")


@dataclass(frozen=True)
class _Handler:
    on_add: Callable[[Obj], None] | None
    on_update: Callable[[Obj, Obj], None] | None
    on_delete: Callable[[Obj], None] | None


def drop_managed_fields(obj: Obj) -> Obj:
    """Transform that drops ``metadata.managedFields`` before the cache keeps an object: they are up to
    half of a typical object's memory and only field-ownership logic reads them. It runs on dicts fresh
    from the decoder (each list page as it arrives, each watch event), so trimming in place touches
    nobody else's data."""
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        meta.pop("managedFields", None)
    return obj


def _rv(obj: Obj) -> str | None:
    rv: str | None = (obj.get("metadata") or {}).get("resourceVersion")
    return rv


class Informer:
    """Cache + handlers for one kind; `async with Informer(...) as inf: await inf.wait_synced()`."""

    def __init__(
        self,
        client: Client,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        options: ListOptions = EVERYTHING,
        indexers: Mapping[str, IndexFunc] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        transform: Transform | None = None,
    ) -> None:
        self.store = Store(indexers)
        self.reflector = Reflector(
            client,
            api_version,
            kind,
            self,
            namespace=namespace,
            options=options,
            on_error=on_error,
            transform=transform,
        )
        self._handlers: list[_Handler] = []
        self._synced = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Informer:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def has_synced(self) -> bool:
        return self._synced.is_set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.reflector.run(), name=f"reflector {self.reflector.kind}")

    async def stop(self) -> None:
        """Stop the reflector. Never raises: an error that stopped it went to `on_error` already."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def wait_synced(self) -> None:
        """Wait for the first list; raises the reflector's error if it stopped before that."""
        if self._task is None:
            raise RuntimeError("informer not started")
        synced = asyncio.ensure_future(self._synced.wait())
        try:
            await asyncio.wait({synced, self._task}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            synced.cancel()
        if not self.has_synced:
            self._task.result()  # raises the error that stopped the reflector
            raise RuntimeError("reflector stopped before the first list")

    def add_handler(
        self,
        *,
        on_add: Callable[[Obj], None] | None = None,
        on_update: Callable[[Obj, Obj], None] | None = None,
        on_delete: Callable[[Obj], None] | None = None,
    ) -> None:
        """Register handlers; a late handler is told about every object cached so far as an add."""
        handler = _Handler(on_add, on_update, on_delete)
        self._handlers.append(handler)
        if on_add is not None:
            for obj in self.store.list():
                self._call(on_add, obj)

    # --- ReflectorSink --------------------------------------------------------------------------------
    def replace(self, items: list[Obj], resource_version: str) -> None:
        """A full list: emit what differs from the cache, deletions for what is gone."""
        seen: set[str] = set()
        for obj in items:
            seen.add(object_key(obj))
            self._upsert(obj)
        for key in sorted(set(self.store.keys()) - seen):
            gone = self.store.remove(key)
            if gone is not None:
                self._notify_delete(gone)
        self._synced.set()

    def apply_event(self, event_type: str, obj: Obj) -> None:
        if event_type == "DELETED":
            self.store.remove(object_key(obj))
            self._notify_delete(obj)  # the event carries the object's final state
        elif event_type in ("ADDED", "MODIFIED"):
            self._upsert(obj)

    def _upsert(self, obj: Obj) -> None:
        """Same resourceVersion = same object: keep the cached dict, tell nobody (re-list of unchanged)."""
        cached = self.store.get(object_key(obj))
        if cached is not None and _rv(cached) == _rv(obj):
            return
        old = self.store.upsert(obj)
        if old is None:
            for h in self._handlers:
                if h.on_add is not None:
                    self._call(h.on_add, obj)
        else:
            for h in self._handlers:
                if h.on_update is not None:
                    self._call(h.on_update, old, obj)

    def _notify_delete(self, obj: Obj) -> None:
        for h in self._handlers:
            if h.on_delete is not None:
                self._call(h.on_delete, obj)

    def _call(self, func: Callable[..., None], *args: Obj) -> None:
        try:
            func(*args)
        except Exception:
            log.exception("informer event handler failed", kind=self.reflector.kind)
