"""pytest fixtures: one real control plane per test session, one fresh namespace per test.

Used as a plugin (`pytest_plugins = ["devcluster.testing"]`). `RM_TEST_CLUSTER_DIR` points the session at
a long-lived cluster directory (started if needed, left running afterwards) to skip start-up while iterating
on one test; by default every session gets a fresh cluster in a temporary directory and removes it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from devcluster.cluster import Cluster, given_or_temporary_cluster


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    """The session's control plane (etcd, apiserver, controller-manager, scheduler, kwok)."""
    reuse = os.environ.get("RM_TEST_CLUSTER_DIR")
    with given_or_temporary_cluster(Path(reuse) if reuse else None) as session_cluster:
        yield session_cluster


@pytest.fixture
def namespace(cluster: Cluster) -> Iterator[str]:
    """A new namespace for one test, deleted (without waiting) when the test ends."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    cluster.kubectl("create", "namespace", name)
    yield name
    cluster.kubectl("delete", "namespace", name, "--wait=false", "--ignore-not-found")
