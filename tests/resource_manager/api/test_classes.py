"""Resource classes: GRM's finalizer names and its class filter."""

from __future__ import annotations

from typing import Any

import pytest

from resource_manager.api import classes


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        ("resources", "resources.gardener.cloud/gardener-resource-manager"),
        ("*", "resources.gardener.cloud/gardener-resource-manager"),
        ("seed", "resources.gardener.cloud/gardener-resource-manager-seed"),
    ],
)
def test_finalizer_names(configured: str, expected: str) -> None:
    assert classes.finalizer_name(configured) == expected


@pytest.mark.parametrize(
    ("configured", "mr_class", "expected"),
    [
        ("resources", None, True),
        ("resources", "", True),
        ("resources", "resources", True),
        ("resources", "seed", False),
        ("*", "seed", True),
        ("*", None, True),
        ("seed", "seed", True),
        ("seed", None, False),
        ("seed", "resources", False),
    ],
)
def test_class_responsibility(configured: str, mr_class: str | None, expected: bool) -> None:
    mr: dict[str, Any] = {"spec": {} if mr_class is None else {"class": mr_class}}
    assert classes.responsible(configured, mr) is expected
