"""`resource-manager run --config FILE` as a real process, as it runs in a Pod, for cluster tests.

The manager logs JSON lines to stderr; a reader task keeps them, so a test can wait for a log line, find
where /metrics listens (port 0: the system picks one), and read what the process said after it ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import orjson
import yaml

from resource_manager.manager.configuration import API_VERSION, KIND
from tests.kubecore.waiting import until

T = TypeVar("T")
CLI = str(Path(sys.executable).parent / "resource-manager")
Line = dict[str, Any]


def config_file(path: Path, kubeconfig: Path, **fields: Any) -> Path:
    """A component configuration for the test cluster: free ports, JSON logs, the given fields on top."""
    doc: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "sourceClientConnection": {"kubeconfig": str(kubeconfig)},
        "server": {"healthProbes": {"port": 0}, "metrics": {"port": 0}},
        "logFormat": "json",
        "leaderElection": {"leaderElect": False},
    }
    for key, value in fields.items():
        doc[key] = {**doc[key], **value} if isinstance(value, dict) and isinstance(doc.get(key), dict) else value
    path.write_text(yaml.safe_dump(doc))
    return path


@dataclass
class ManagerProcess:
    process: asyncio.subprocess.Process
    lines: list[Line] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)

    async def _read(self) -> None:
        assert self.process.stderr is not None
        async for line in self.process.stderr:
            text = line.decode()
            self.raw.append(text)
            with contextlib.suppress(orjson.JSONDecodeError):
                self.lines.append(orjson.loads(text))

    def logged(self, event: str, **fields: Any) -> list[Line]:
        return [line for line in self.lines if line.get("event") == event and fields.items() <= line.items()]

    async def wait_logged(self, event: str, seconds: float = 30.0, **fields: Any) -> Line:
        await until(f"log line {event!r} {fields}", lambda: bool(self.logged(event, **fields)), seconds)
        return self.logged(event, **fields)[0]

    async def url(self, path: str) -> str:
        serving = await self.wait_logged("serving")
        return str(serving["metrics"]).removesuffix("/metrics") + path

    async def get(self, path: str) -> tuple[int, str]:
        async with aiohttp.ClientSession() as session, session.get(await self.url(path)) as response:
            return response.status, await response.text()

    async def metric(self, metric_name: str, /, **labels: str) -> float:
        """Sum of the samples of ``name`` whose labels include ``labels`` (0 if none)."""
        _, text = await self.get("/metrics")
        return sum_samples(text, metric_name, labels)

    async def reconciles(self) -> float:
        return await self.metric("controller_runtime_reconcile_total", controller="managedresource")

    def signal(self, sig: signal.Signals) -> None:
        if self.process.returncode is None:
            self.process.send_signal(sig)

    async def wait(self, seconds: float = 45.0) -> int:
        return await asyncio.wait_for(self.process.wait(), seconds)


def sum_samples(text: str, name: str, labels: Mapping[str, str]) -> float:
    total = 0.0
    wanted = [f'{key}="{value}"' for key, value in labels.items()]
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        series, _, value = line.rpartition(" ")
        metric = series.split("{", 1)[0]
        if metric == name and all(label in series for label in wanted):
            total += float(value)
    return total


@contextlib.asynccontextmanager
async def running_manager(
    config: Path, *args: str, env: Mapping[str, str] | None = None
) -> AsyncIterator[ManagerProcess]:
    """Start the manager; on exit SIGTERM it (if still running) and wait for it."""
    process = await asyncio.create_subprocess_exec(
        CLI,
        "run",
        "--config",
        str(config),
        *args,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env=dict(env) if env is not None else _without_kubeconfig_overrides(),
    )
    manager = ManagerProcess(process)
    reader = asyncio.create_task(manager._read())
    try:
        yield manager
    finally:
        manager.signal(signal.SIGTERM)
        try:
            await manager.wait()
        except TimeoutError:
            process.kill()
            await process.wait()
        await reader


def _without_kubeconfig_overrides() -> dict[str, str]:
    """Our environment minus ``KUBECONFIG`` / ``TARGET_KUBECONFIG``: they would override the file."""
    return {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "TARGET_KUBECONFIG")}


async def eventually(
    what: str, value: Callable[[], Awaitable[T]], predicate: Callable[[T], bool], seconds: float = 30.0
) -> T:
    """Poll the async ``value()`` every 0.2 s (an HTTP scrape or API call per poll) until ``predicate``
    holds; return the value, or fail after ``seconds`` showing the last one."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        current = await value()
        if predicate(current):
            return current
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}; last value: {current!r}")
        await asyncio.sleep(0.2)
