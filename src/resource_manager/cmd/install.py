"""`resource-manager install-crds`: server-side apply the shipped ManagedResource CRD (network).

Why SSA with our field manager and force: re-running the command upgrades the CRD in place, also when
it was installed by GRM's own manifests before (wire compatibility: same name, same schema).
"""

from __future__ import annotations

from kubecore import Client
from resource_manager.api.crd import CRD_NAME, load_crd
from resource_manager.ssa.established import wait_established
from resource_manager.ssa.fields import FIELD_MANAGER


async def install_crds(client: Client, *, within: float = 30.0) -> list[str]:
    """Apply every CRD we ship and wait until each is Established; returns their names."""
    await client.apply(load_crd(), field_manager=FIELD_MANAGER, force=True)
    await wait_established(client, CRD_NAME, within=within)
    return [CRD_NAME]
