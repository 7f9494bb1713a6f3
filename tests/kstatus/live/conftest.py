"""Fixtures for the live tests: an admin client of the session's real control plane."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from devcluster import Cluster
from kubecore import Client, load_kubeconfig


@pytest.fixture
async def client(cluster: Cluster) -> AsyncIterator[Client]:
    async with Client(load_kubeconfig([cluster.kubeconfig]), name="kstatus-live-test") as c:
        yield c
