"""Reading one live object from the target, where "absent" is an answer and not an error."""

from __future__ import annotations

from typing import Any

from kubecore import Client, NoMatchError, NotFound


async def get_live(
    client: Client, api_version: str, kind: str, name: str, namespace: str | None
) -> dict[str, Any] | None:
    """The live object, or ``None`` when it (or its kind) does not exist in the target."""
    try:
        return await client.get(api_version, kind, name, namespace=namespace)
    except (NotFound, NoMatchError):
        return None
