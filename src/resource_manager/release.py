"""Releasing objects an MR stops managing without deleting them (``mode: Ignore``), network: target.

Why apart from prune: a released object stays in the cluster; only our ``origin`` and ``description``
annotations leave it, and only while it still names this MR (GRM's rule), so another MR or a user may
take it over. Runs after the inventory is widened and before the apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import structlog

from kubecore import Client, KubeError, NoMatchError, NotFound
from resource_manager.api.identity import display_name
from resource_manager.api.origin import release_patch
from resource_manager.ssa.errors import Failure, error_text
from resource_manager.ssa.live import get_live

log = structlog.get_logger("resource_manager.release")


async def release_orphans(client: Client, references: Iterable[Mapping[str, Any]], origin: str) -> list[Failure]:
    """Remove origin/description from previously managed objects now in ``mode: Ignore`` (if still ours)."""
    failures: list[Failure] = []
    for ref in references:
        name = display_name(ref)
        try:
            live = await get_live(client, ref["apiVersion"], ref["kind"], ref["name"], ref.get("namespace"))
        except KubeError as exc:
            failures.append(Failure(name, f'error getting object "{name}": {error_text(exc)}'))
            continue
        patch = release_patch(live, origin)
        if patch is None:
            continue
        try:
            await client.patch(ref["apiVersion"], ref["kind"], ref["name"], patch, namespace=ref.get("namespace"))
        except (NotFound, NoMatchError):
            continue
        except KubeError as exc:
            failures.append(Failure(name, f'error patching object "{name}": {error_text(exc)}'))
        log.info("released orphaned object", object=name, origin=origin)
    return failures
