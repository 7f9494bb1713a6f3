"""What a watch event means (drift, our own write, a health change) and which MR it is for; the events
themselves arrive from the dev cluster in test_controller_drift_health.py."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st

from resource_manager.controller.drift_events import Meaning, Since, meaning, owner_of, since
from resource_manager.controller.last_applied import Record
from resource_manager.ssa.fields import FieldsSummary

Obj = dict[str, Any]
MR = ("ns", "mr")
BODY: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "s", "namespace": "ns"},
    "spec": {"port": 80},
}
TAKEOVER = FieldsSummary(True, None)


def live(rv: str, port: int = 80, **status: Any) -> Obj:
    return {**BODY, "metadata": {**BODY["metadata"], "resourceVersion": rv}, "spec": {"port": port}, "status": status}


def record(rv: str, *, full: bool = True) -> Record:
    return Record(b"intent", orjson.dumps(BODY) if full else None, rv, MR)


def test_our_write_and_older_events_are_our_own() -> None:
    assert since(record("5"), False, live("5"), None) is Since.OWN_WRITE  # the echo
    assert since(record("5"), False, live("4"), None) is Since.OWN_WRITE  # an event older than the write
    assert since(None, True, live("9"), None) is Since.OWN_WRITE  # the write has not returned yet


def test_someone_elses_change_is_drift_only_when_a_value_we_applied_is_gone() -> None:
    assert since(record("5"), False, live("6", port=80, ready=True), None) is Since.KEPT
    assert since(record("5"), False, live("6", port=81), None) is Since.LOST
    assert since(record("5"), False, live("6"), TAKEOVER) is Since.LOST  # a hand edit's fields: take over
    assert since(record("5", full=False), False, live("6"), None) is Since.LOST  # metadata-only: cannot tell
    assert since(None, False, live("6"), None) is Since.UNRECORDED


def test_meaning_of_each_state() -> None:
    old, new = live("5"), live("6")
    assert meaning(Since.OWN_WRITE, None, new, False) is Meaning.OWN_WRITE
    assert meaning(Since.LOST, old, new, False) is Meaning.DRIFT
    assert meaning(Since.UNRECORDED, None, new, False) is Meaning.HEALTH  # a new generated object
    assert meaning(Since.KEPT, old, new, False) is Meaning.IGNORED  # same health
    assert meaning(Since.UNRECORDED, old, new, True) is Meaning.IGNORED  # metadata-only: presence only


def pod(phase: str, rv: str = "1") -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "resourceVersion": rv},
        "status": {"phase": phase},
    }


def test_a_health_change_of_a_kept_or_unrecorded_object_means_health() -> None:
    assert meaning(Since.UNRECORDED, pod("Pending"), pod("Running", "2"), False) is Meaning.HEALTH
    assert meaning(Since.KEPT, pod("Pending"), pod("Running", "2"), False) is Meaning.HEALTH
    assert meaning(Since.KEPT, pod("Running"), pod("Running", "2"), False) is Meaning.IGNORED


@given(st.sampled_from(list(Since)), st.booleans())
def test_drift_exactly_when_a_value_was_lost_and_never_for_our_own_writes(state: Since, metadata_only: bool) -> None:
    what = meaning(state, pod("Pending"), pod("Running", "2"), metadata_only)
    assert (what is Meaning.DRIFT) == (state is Since.LOST)
    assert (what is Meaning.OWN_WRITE) == (state is Since.OWN_WRITE)


def with_origin(origin: str | None, owners: list[Obj] | None = None, namespace: str = "ns") -> Obj:
    metadata: Obj = {"name": "x", "namespace": namespace, "ownerReferences": owners or []}
    if origin is not None:
        metadata["annotations"] = {"resources.gardener.cloud/origin": origin}
    return {"metadata": metadata}


def no_parent(_reference: Any, _namespace: str) -> Obj | None:
    return None


def test_the_origin_names_the_mr_of_our_cluster_only() -> None:
    assert owner_of(with_origin("ns/mr"), "", no_parent) == ("ns", "mr")
    assert owner_of(with_origin("seed:ns/mr"), "seed", no_parent) == ("ns", "mr")
    assert owner_of(with_origin("other:ns/mr"), "seed", no_parent) is None
    assert owner_of(with_origin("not an origin"), "", no_parent) is None
    assert owner_of(with_origin(None), "", no_parent) is None


def test_generated_objects_belong_to_the_mr_of_their_controller_owner() -> None:
    deployment = with_origin("ns/mr")
    replica_set = with_origin(None, [{"kind": "Deployment", "apiVersion": "apps/v1", "name": "d", "controller": True}])
    pod_ = with_origin(None, [{"kind": "ReplicaSet", "apiVersion": "apps/v1", "name": "r", "controller": True}])
    objects = {("Deployment", "ns/d"): deployment, ("ReplicaSet", "ns/r"): replica_set, ("Pod", "ns/p"): pod_}

    def parent(reference: Any, namespace: str) -> Obj | None:
        return objects.get((reference["kind"], f"{namespace}/{reference['name']}"))

    assert owner_of(pod_, "", parent) == ("ns", "mr")
    assert owner_of(with_origin(None, [{"kind": "Deployment", "name": "d"}]), "", parent) is None  # not controller
    loop = with_origin(None, [{"kind": "Pod", "apiVersion": "v1", "name": "p", "controller": True}])
    objects[("Pod", "ns/p")] = loop
    assert owner_of(loop, "", parent) is None  # a cycle ends at the depth limit
