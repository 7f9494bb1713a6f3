"""GRM's garbage collector for Secrets and ConfigMaps nobody references any more (network: target cluster).

Why: clients that follow Gardener's convention create MR Secrets (and Pod ConfigMaps/Secrets) immutable,
under a name with a content checksum, labelled ``resources.gardener.cloud/garbage-collectable-reference=true``;
every change produces a new object and the old one is left behind. The referrers say what they use in
annotations ``reference.resources.gardener.cloud/<secret|configmap>-<hash>: <name>``. Every ``period`` this
collector lists the labelled objects and the referrers (metadata only) and deletes the labelled objects
that no referrer in their namespace names — as GRM does, including its rule that objects younger than
ten minutes are left alone (their referrer may not be written yet). Opt-in
(``controllers.garbageCollector.enabled``); it runs only while this replica leads.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import aiohttp
import structlog

from kubecore import Client, KubeError, ListOptions, NoMatchError, NotFound
from resource_manager.api.references import LABEL, Ref, references

log = structlog.get_logger("resource_manager.controller.garbage_collector")

MINIMUM_AGE = 600.0
"""GRM's ``MinimumObjectLifetime``."""
CANDIDATES = (("v1", "Secret", "secret"), ("v1", "ConfigMap", "configmap"))
REFERRERS = (
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
    ("v1", "Pod"),
    ("resources.gardener.cloud/v1alpha1", "ManagedResource"),
    ("monitoring.coreos.com/v1", "Prometheus"),
)


def _age(meta: Mapping[str, Any], now: datetime) -> float:
    stamp = meta.get("creationTimestamp")
    if not stamp:
        return 0.0
    return (now - datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))).total_seconds()


def collectable(
    candidates: Iterable[tuple[str, Mapping[str, Any]]], in_use: set[Ref], now: datetime, minimum_age: float
) -> list[Ref]:
    """The labelled objects (``(kind, object)``) old enough and not in use, as refs (pure)."""
    result: list[Ref] = []
    for kind, obj in candidates:
        meta = obj.get("metadata") or {}
        ref = (kind, meta.get("namespace") or "", meta.get("name") or "")
        if ref not in in_use and _age(meta, now) >= minimum_age:
            result.append(ref)
    return sorted(result)


class GarbageCollector:
    """``await GarbageCollector(target, period).run()`` until cancelled; ``collect()`` is one pass."""

    def __init__(self, client: Client, period: float, *, minimum_age: float = MINIMUM_AGE) -> None:
        self.client = client
        self.period = period
        self.minimum_age = minimum_age

    async def run(self) -> None:
        while True:
            try:
                deleted = await self.collect()
                if deleted:
                    log.info("garbage collected", deleted=[f"{kind}/{ns}/{name}" for kind, ns, name in deleted])
            except (KubeError, aiohttp.ClientError, TimeoutError) as exc:
                log.warning("garbage collection failed", error=str(exc))
            await asyncio.sleep(self.period)

    async def collect(self) -> list[Ref]:
        """One pass; returns what it deleted."""
        candidates: list[tuple[str, Mapping[str, Any]]] = []
        for api_version, kind, short in CANDIDATES:
            listed = await self.client.list(
                api_version, kind, options=ListOptions(label_selector=f"{LABEL}=true", metadata_only=True)
            )
            candidates += [(short, item) for item in listed["items"]]
        if not candidates:
            return []
        in_use: set[Ref] = set()
        for api_version, kind in REFERRERS:
            try:
                listed = await self.client.list(api_version, kind, options=ListOptions(metadata_only=True))
            except (NoMatchError, NotFound):  # the cluster does not serve this kind
                continue
            for item in listed["items"]:
                in_use |= references(item)
        garbage = collectable(candidates, in_use, datetime.now(UTC), self.minimum_age)
        await asyncio.gather(*(self._delete(ref) for ref in garbage))
        return garbage

    async def _delete(self, ref: Ref) -> None:
        kind, namespace, name = ref
        with contextlib.suppress(NotFound):
            await self.client.delete("v1", "Secret" if kind == "secret" else "ConfigMap", name, namespace=namespace)
