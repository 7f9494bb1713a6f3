"""The ManagedResource CRD that ships inside the package.

Why a loader: `resource-manager install-crds` and the tests must apply exactly the manifest we ship
(wire-compatible with GRM's CRD), not a copy that drifts. The file is read on demand so that
`import resource_manager` stays cheap.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

CRD_NAME = "managedresources.resources.gardener.cloud"
MR_API_VERSION = "resources.gardener.cloud/v1alpha1"
MR_KIND = "ManagedResource"


def load_crd() -> dict[str, Any]:
    """Return a fresh dict of the ManagedResource CRD (callers may mutate it freely)."""
    text = resources.files("resource_manager").joinpath("crds/managedresource.yaml").read_bytes()
    crd: dict[str, Any] = yaml.load(text, Loader=yaml.CSafeLoader)
    return crd
