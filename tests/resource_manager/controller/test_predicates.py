"""Which MR updates queue a reconcile (GRM's predicates, except our own finalizer being added)."""

from __future__ import annotations

from typing import Any

from resource_manager.controller.controller import mr_changed

OURS = "resources.gardener.cloud/gardener-resource-manager"


def _mr(*finalizers: str, **metadata: Any) -> dict[str, Any]:
    return {"metadata": {"generation": 1, "finalizers": list(finalizers), **metadata}}


def test_our_finalizer_being_added_queues_nothing_the_round_that_added_it_applies() -> None:
    assert not mr_changed(_mr(), _mr(OURS), OURS)
    assert not mr_changed(_mr("x.example.com/hold"), _mr("x.example.com/hold", OURS), OURS)


def test_every_other_finalizer_change_queues_a_reconcile() -> None:
    other = "resources.gardener.cloud/gardener-resource-manager-seed"
    assert mr_changed(_mr(), _mr(other), OURS)  # another class took it: the hand-over waits on this
    assert mr_changed(_mr(other, OURS), _mr(OURS), OURS)  # the other class let go
    assert mr_changed(_mr(OURS), _mr(), OURS)  # ours removed by hand
    assert mr_changed(_mr(), _mr(OURS))  # no finalizer of ours named: GRM's predicate


def test_status_only_changes_queue_nothing_and_generation_does() -> None:
    assert not mr_changed(_mr(OURS), {**_mr(OURS), "status": {"resources": []}}, OURS)
    assert mr_changed(_mr(), _mr(OURS, generation=2), OURS)
