"""Property tests: compute only fails with ComputeError, results are well-formed, augment is
idempotent, aggregate matches its definition."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kstatus import ComputeError, Options, Result, Status, aggregate, augment, compute
from kstatus.rules_core import CORE_RULES
from kstatus.rules_extended import EXTENDED_RULES

NOW = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.sampled_from(["True", "False", "Unknown", "", "Running", "Pending", "OnDelete", "LoadBalancer"]),
    st.datetimes(timezones=st.just(UTC)),
    st.dates(),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=12,
)

KINDS = sorted({*CORE_RULES, *EXTENDED_RULES, ("example.com", "Widget"), ("", "Widget")})
FIELDS = [
    "replicas",
    "updatedReplicas",
    "readyReplicas",
    "availableReplicas",
    "fullyLabeledReplicas",
    "currentReplicas",
    "observedGeneration",
    "desiredNumberScheduled",
    "currentNumberScheduled",
    "updatedNumberScheduled",
    "numberAvailable",
    "numberReady",
    "phase",
    "startTime",
    "succeeded",
    "active",
    "failed",
    "currentRevision",
    "updateRevision",
    "containerStatuses",
    "loadBalancer",
    "type",
    "clusterIP",
    "paused",
    "suspend",
    "parallelism",
    "completions",
    "updateStrategy",
    "progressDeadlineSeconds",
]
CONDITION_TYPES = [
    "Ready",
    "Reconciling",
    "Stalled",
    "Available",
    "Progressing",
    "Complete",
    "Failed",
    "Suspended",
    "PodScheduled",
    "Established",
    "NamesAccepted",
    "ReplicaFailure",
    "AbleToScale",
    "ScalingActive",
]
small_ints = st.integers(min_value=-2, max_value=5)
field_values = st.one_of(small_ints, json_values)
condition = st.one_of(
    st.fixed_dictionaries(
        {"type": st.sampled_from(CONDITION_TYPES), "status": st.sampled_from(["True", "False", "Unknown"])},
        optional={
            "reason": st.text(max_size=5)
            | st.sampled_from(["Unschedulable", "ProgressDeadlineExceeded", "NewReplicaSetAvailable", "Installing"]),
            "message": st.text(max_size=5),
            "lastTransitionTime": st.just("2020-01-01T00:00:00Z"),
        },
    ),
    json_values,
)
section = st.dictionaries(st.sampled_from(FIELDS), field_values, max_size=6)
status_section = st.one_of(
    section, st.builds(lambda s, c: {**s, "conditions": c}, section, st.lists(condition, max_size=4)), json_values
)


@st.composite
def k8s_objects(draw: st.DrawFn) -> dict[str, Any]:
    group, kind = draw(st.sampled_from(KINDS))
    obj: dict[str, Any] = {"apiVersion": f"{group}/v1" if group else "v1", "kind": kind}
    meta = draw(
        st.dictionaries(
            st.sampled_from(["generation", "deletionTimestamp", "creationTimestamp"]),
            st.one_of(small_ints, json_values),
            max_size=2,
        )
    )
    obj["metadata"] = draw(st.one_of(st.just(meta), json_values)) if draw(st.booleans()) else meta
    if draw(st.booleans()):
        obj["spec"] = draw(st.one_of(section, json_values))
    if draw(st.booleans()):
        obj["status"] = draw(status_section)
    return obj


anything = st.one_of(k8s_objects(), json_values)
all_options = st.builds(
    Options, strict=st.booleans(), jobs=st.sampled_from(["default", "complete"]), extended=st.booleans()
)


def checked_compute(obj: Any, options: Options) -> Result | None:
    try:
        return compute(obj, options=options, now=NOW)
    except ComputeError:
        return None


@settings(max_examples=1500)
@given(anything, all_options)
def test_compute_only_raises_compute_error_and_results_are_well_formed(obj: Any, options: Options) -> None:
    result = checked_compute(obj, options)
    if result is None:
        return
    assert isinstance(result.status, Status)
    assert result.status in (Status.CURRENT, Status.IN_PROGRESS, Status.FAILED, Status.TERMINATING)
    assert isinstance(result.message, str)
    if result.status in (Status.CURRENT, Status.TERMINATING):
        assert result.conditions == ()
    else:
        (only,) = result.conditions
        expected_type = "Reconciling" if result.status is Status.IN_PROGRESS else "Stalled"
        assert (only.type, only.status) == (expected_type, "True")
        assert all(isinstance(part, str) for part in only)


@settings(max_examples=800)
@given(k8s_objects(), all_options)
def test_augment_is_idempotent(obj: Any, options: Options) -> None:
    try:
        once = augment(obj, options=options, now=NOW)
    except ComputeError:
        return
    assert augment(once, options=options, now=NOW) == once
    # and what augment wrote agrees with compute's result on the augmented object
    assert compute(once, options=options, now=NOW).status == compute(obj, options=options, now=NOW).status


@given(st.lists(st.sampled_from(list(Status))), st.sampled_from(list(Status)))
def test_aggregate_matches_its_definition(statuses: list[Status], desired: Status) -> None:
    if not statuses:
        expected = desired
    elif Status.FAILED in statuses:
        expected = Status.FAILED
    elif Status.UNKNOWN in statuses:
        expected = Status.UNKNOWN
    elif set(statuses) == {desired}:
        expected = desired
    else:
        expected = Status.IN_PROGRESS
    assert aggregate(statuses, desired) is expected


@given(st.lists(st.sampled_from(list(Status)), min_size=1), st.sampled_from(list(Status)))
def test_aggregate_is_order_independent(statuses: list[Status], desired: Status) -> None:
    assert aggregate(statuses, desired) is aggregate(list(reversed(statuses)), desired)


@given(st.dates())
def test_dates_where_go_has_strings_never_crash(day: date) -> None:
    obj = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "status": {"startTime": day, "conditions": [{"type": "Ready", "status": "True", "message": day}]},
    }
    assert compute(obj).status is Status.CURRENT
