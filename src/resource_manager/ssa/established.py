"""Wait until a CustomResourceDefinition is Established (network: one watch on the CRD).

Why: custom resources of a CRD applied a moment ago are rejected (404 / no match) until the API server
serves the new kind. Both `install-crds` and the apply loop wait here instead of failing or sleeping.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from kubecore import Client, ListOptions

CRD_API_VERSION = "apiextensions.k8s.io/v1"
CRD_KIND = "CustomResourceDefinition"


class NotEstablished(Exception):
    """The CRD did not become Established in time; the message names it and its last conditions."""


def is_established(crd: Mapping[str, Any]) -> bool:
    """`Established=True` in the CRD's status conditions."""
    conditions = (crd.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Established" and c.get("status") == "True" for c in conditions)


async def wait_established(client: Client, name: str, *, within: float = 30.0) -> None:
    """Return once CRD `name` is Established; raise `NotEstablished` after `within` seconds."""
    last: Mapping[str, Any] = {}
    try:
        async with asyncio.timeout(within):
            while True:  # GET, then watch from its resourceVersion; a watch the server ends is restarted
                last = await client.get(CRD_API_VERSION, CRD_KIND, name)
                if is_established(last):
                    return
                stream = client.watch(
                    CRD_API_VERSION,
                    CRD_KIND,
                    options=ListOptions(field_selector=f"metadata.name={name}"),
                    resource_version=last["metadata"]["resourceVersion"],
                    timeout_seconds=int(within) + 1,
                )
                async for event in stream:
                    last = event.get("object") or {}
                    if event.get("type") in ("ADDED", "MODIFIED") and is_established(last):
                        return
    except TimeoutError:
        conditions = [(c.get("type"), c.get("status")) for c in (last.get("status") or {}).get("conditions") or []]
        raise NotEstablished(
            f"CustomResourceDefinition {name!r} is not Established after {within:g} s (conditions: {conditions})"
        ) from None
