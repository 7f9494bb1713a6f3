"""Fixtures for kubecore tests: an admin `Client` of the session's real control plane."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from devcluster import Cluster
from kubecore import Client, load_kubeconfig


@pytest.fixture
async def client(cluster: Cluster) -> AsyncIterator[Client]:
    """Admin client (client-certificate auth) from the fixture's kubeconfig."""
    async with Client(load_kubeconfig([cluster.kubeconfig]), name="test") as c:
        yield c
