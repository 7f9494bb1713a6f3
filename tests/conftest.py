"""Shared test setup: the real control plane fixtures come from `devcluster.testing`."""

pytest_plugins = ["devcluster.testing"]
