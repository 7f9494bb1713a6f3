"""Field ownership: the managedFields summary, "every path we own is still desired", and the takeover patch."""

from __future__ import annotations

import copy
from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st

from resource_manager.ssa.fields import (
    DEFAULT_TAKEOVER_MANAGERS,
    FIELD_MANAGER,
    NOTHING,
    covers,
    summarise,
    takeover_patch,
    union,
)

Obj = dict[str, Any]
LABELS_ONLY: Obj = {"f:metadata": {"f:labels": {"f:team": {}}}}
ADDED_KEY = {"f:data": {"f:added": {}}, "f:metadata": {"f:annotations": {"f:note": {}}}}
OURS = {"f:data": {".": {}, "f:k": {}}, "f:metadata": {"f:labels": {"f:resources.gardener.cloud/managed-by": {}}}}


def entry(manager: str, fields: Obj, operation: str = "Update", api_version: str = "v1", **extra: Any) -> Obj:
    return {
        "manager": manager,
        "operation": operation,
        "apiVersion": api_version,
        "time": "2026-01-01T00:00:00Z",
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
        **extra,
    }


def configmap(*entries: Obj) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cm", "namespace": "ns", "resourceVersion": "42", "managedFields": list(entries)},
        "data": {"k": "v", "added": "x"},
    }


# --- summarise ------------------------------------------------------------------------------------------------
def test_summary_of_our_entry_only() -> None:
    summary = summarise([entry(FIELD_MANAGER, OURS, "Apply")], "v1", DEFAULT_TAKEOVER_MANAGERS)
    assert not summary.takeover
    assert summary.ours is not None and orjson.loads(summary.ours) == OURS


def test_interactive_fields_outside_metadata_need_a_takeover() -> None:
    for manager in ("kubectl-patch", "kubectl-edit", "gardener-resource-manager", "before-first-apply"):
        assert summarise([entry(manager, ADDED_KEY)], "v1", DEFAULT_TAKEOVER_MANAGERS).takeover


def test_labels_annotations_status_and_other_managers_need_no_takeover() -> None:
    entries = [
        entry("kubectl-label", LABELS_ONLY),
        entry("kubectl-edit", {"f:status": {"f:phase": {}}}, subresource="status"),
        entry("hpa-like-controller", {"f:spec": {"f:replicas": {}}}),
        entry("kubectl-patch", ADDED_KEY, api_version="v1beta1"),  # another version's field set: not ours to merge
    ]
    assert summarise(entries, "v1", DEFAULT_TAKEOVER_MANAGERS) == NOTHING


def test_the_set_of_interactive_managers_is_configurable() -> None:
    entries = [entry("kubectl-patch", ADDED_KEY)]
    assert not summarise(entries, "v1", frozenset({"my-tool"})).takeover
    assert summarise([entry("my-tool", ADDED_KEY)], "v1", frozenset({"my-tool"})).takeover


def test_our_entry_of_another_version_or_operation_is_not_ours() -> None:
    entries = [entry(FIELD_MANAGER, OURS, "Apply", api_version="v1beta1"), entry(FIELD_MANAGER, OURS, "Update")]
    assert summarise(entries, "v1", DEFAULT_TAKEOVER_MANAGERS).ours is None
    assert summarise("garbage", "v1", DEFAULT_TAKEOVER_MANAGERS) == NOTHING


def test_summaries_of_equal_entries_share_the_string() -> None:
    one = summarise([entry(FIELD_MANAGER, copy.deepcopy(OURS), "Apply")], "v1", DEFAULT_TAKEOVER_MANAGERS)
    two = summarise([entry(FIELD_MANAGER, copy.deepcopy(OURS), "Apply")], "v1", DEFAULT_TAKEOVER_MANAGERS)
    assert one.ours is two.ours


# --- covers ---------------------------------------------------------------------------------------------------
DEPLOYMENT_BODY: Obj = {
    "metadata": {"finalizers": ["a/b"]},
    "spec": {
        "template": {
            "spec": {
                "containers": [{"name": "c", "ports": [{"containerPort": 80}], "args": ["x", "y"]}],
            }
        }
    },
}


def _containers(ports_key: str, extra: Obj | None = None) -> Obj:
    container: Obj = {".": {}, "f:name": {}, "f:args": {}, "f:ports": {ports_key: {".": {}, "f:containerPort": {}}}}
    return {
        "f:metadata": {"f:finalizers": {".": {}, 'v:"a/b"': {}}},
        "f:spec": {"f:template": {"f:spec": {"f:containers": {'k:{"name":"c"}': {**container, **(extra or {})}}}}},
    }


def test_covers_fields_keys_set_values_and_defaulted_protocol() -> None:
    assert covers(DEPLOYMENT_BODY, _containers('k:{"containerPort":80,"protocol":"TCP"}'))
    assert not covers(DEPLOYMENT_BODY, _containers('k:{"containerPort":80,"protocol":"UDP"}'))
    assert not covers(DEPLOYMENT_BODY, _containers('k:{"containerPort":81,"protocol":"TCP"}'))
    assert not covers(DEPLOYMENT_BODY, _containers('k:{"containerPort":80}', {"f:image": {}}))
    assert not covers(DEPLOYMENT_BODY, {"f:metadata": {"f:finalizers": {'v:"gone"': {}}}})
    assert covers({"spec": {"args": ["x"]}}, {"f:spec": {"f:args": {"i:0": {}}}})
    assert not covers({"spec": {"args": ["x"]}}, {"f:spec": {"f:args": {"i:1": {}}}})
    assert not covers({"spec": {}}, {"f:spec": {"z:unknown": {}}})


# fieldsV1 of a body, built the way the API server records an apply: maps by field, lists of maps with a
# "name" by key, lists of scalars as sets, other lists atomic.
def fieldset_of(value: Any) -> Obj:
    if isinstance(value, dict):
        return {f"f:{k}": fieldset_of(v) for k, v in value.items()}
    if isinstance(value, list) and value and all(isinstance(v, dict) and "name" in v for v in value):
        return {f"k:{orjson.dumps({'name': v['name']}).decode()}": {".": {}, **fieldset_of(v)} for v in value}
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return {f"v:{orjson.dumps(v).decode()}": {} for v in value}
    return {}


_SCALAR = st.integers(0, 3) | st.sampled_from(["a", "b"])
_VALUE = st.recursive(
    _SCALAR,
    lambda inner: (
        st.dictionaries(st.sampled_from(["x", "y", "z"]), inner, max_size=3)
        | st.lists(st.sampled_from(["p", "q", "r"]), unique=True, max_size=3)
        | st.lists(
            st.fixed_dictionaries({"name": st.sampled_from(["n1", "n2", "n3"])}, optional={"x": inner}),
            unique_by=lambda d: d["name"],
            max_size=3,
        )
    ),
    max_leaves=10,
)
_BODY = st.dictionaries(st.sampled_from(["spec", "data", "metadata"]), _VALUE, max_size=3)


def _paths(fields: Obj, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every step sequence of a fieldsV1 tree (``.`` excluded)."""
    found = []
    for step, children in fields.items():
        if step != ".":
            found.append((*prefix, step))
            found.extend(_paths(children, (*prefix, step)))
    return found


def _drop(value: Any, path: tuple[str, ...]) -> Any:
    """``value`` without the element the fieldsV1 ``path`` names."""
    step, rest = path[0], path[1:]
    prefix, _, name = step.partition(":")
    if prefix == "f":
        return {k: v for k, v in value.items() if k != name} if not rest else {**value, name: _drop(value[name], rest)}
    wanted = orjson.loads(name)
    if prefix == "v":
        return [v for v in value if v != wanted]
    index = next(i for i, v in enumerate(value) if v["name"] == wanted["name"])
    if not rest:
        return value[:index] + value[index + 1 :]
    return [*value[:index], _drop(value[index], rest), *value[index + 1 :]]


@given(_BODY)
def test_a_body_covers_its_own_field_set(body: Obj) -> None:
    assert covers(body, fieldset_of(body))


@given(_BODY, st.data())
def test_a_field_dropped_from_the_body_is_noticed(body: Obj, data: st.DataObject) -> None:
    fields = fieldset_of(body)
    paths = _paths(fields)
    if not paths:
        return
    path = data.draw(st.sampled_from(paths))
    assert not covers(_drop(body, path), fields)


@given(_BODY, _BODY, _BODY)
def test_the_union_owns_the_paths_of_both(one: Obj, two: Obj, body: Obj) -> None:
    both = union(fieldset_of(one), fieldset_of(two))
    assert covers(body, both) == (covers(body, fieldset_of(one)) and covers(body, fieldset_of(two)))


# --- takeover -------------------------------------------------------------------------------------------------
def test_takeover_moves_interactive_fields_to_our_entry_keeping_labels_and_other_managers() -> None:
    hpa = entry("hpa-like-controller", {"f:spec": {"f:replicas": {}}})
    live = configmap(entry(FIELD_MANAGER, OURS, "Apply"), entry("kubectl-patch", ADDED_KEY), hpa)
    patch = takeover_patch(live, "v1", DEFAULT_TAKEOVER_MANAGERS)
    assert patch is not None
    assert patch[0] == {"op": "replace", "path": "/metadata/resourceVersion", "value": "42"}
    assert patch[1]["path"] == "/metadata/managedFields"
    ours, kubectl, other = patch[1]["value"]
    assert ours["manager"] == FIELD_MANAGER and ours["operation"] == "Apply"
    assert ours["fieldsV1"] == union(OURS, {"f:data": {"f:added": {}}})
    assert kubectl == entry("kubectl-patch", {"f:metadata": {"f:annotations": {"f:note": {}}}})
    assert other == hpa


def test_takeover_of_a_grm_object_creates_our_entry() -> None:
    grm = entry("gardener-resource-manager", {"f:data": {".": {}, "f:k": {}}, "f:metadata": {"f:labels": {}}})
    patch = takeover_patch(configmap(grm), "v1", DEFAULT_TAKEOVER_MANAGERS)
    assert patch is not None
    kept, ours = patch[1]["value"]
    assert kept["fieldsV1"] == {"f:metadata": {"f:labels": {}}}
    assert (ours["manager"], ours["operation"], ours["apiVersion"]) == (FIELD_MANAGER, "Apply", "v1")
    assert ours["fieldsV1"] == {"f:data": {".": {}, "f:k": {}}}


def test_nothing_to_take_over() -> None:
    live = configmap(entry(FIELD_MANAGER, OURS, "Apply"), entry("kubectl-label", LABELS_ONLY))
    assert takeover_patch(live, "v1", DEFAULT_TAKEOVER_MANAGERS) is None


_MANAGERS = st.sampled_from(["kubectl-patch", "kubectl-edit", "kubectl-label", "hpa-like-controller", FIELD_MANAGER])
_FIELD_SETS = _BODY.map(fieldset_of)


@given(st.lists(st.tuples(_MANAGERS, _FIELD_SETS), max_size=4, unique_by=lambda e: e[0]))
def test_after_a_takeover_nothing_is_left_to_take_and_nothing_is_lost(owners: list[tuple[str, Obj]]) -> None:
    entries = [entry(m, f, "Apply" if m == FIELD_MANAGER else "Update") for m, f in owners]
    live = configmap(*entries)
    patch = takeover_patch(live, "v1", DEFAULT_TAKEOVER_MANAGERS)
    if patch is None:
        assert not summarise(entries, "v1", DEFAULT_TAKEOVER_MANAGERS).takeover
        return
    after = patch[1]["value"]
    summary = summarise(after, "v1", DEFAULT_TAKEOVER_MANAGERS)
    assert not summary.takeover and summary.ours is not None
    ours = orjson.loads(summary.ours)
    for manager, fields in owners:
        kept = {k: v for k, v in fields.items() if k in ("f:metadata", "f:status")}
        if manager in DEFAULT_TAKEOVER_MANAGERS:  # everything outside metadata/status is ours now
            assert union(ours, {k: v for k, v in fields.items() if k not in kept}) == ours
            assert [e["fieldsV1"] for e in after if e["manager"] == manager] == ([kept] if kept else [])
        elif manager == FIELD_MANAGER:  # ours only grows
            assert union(ours, fields) == ours
        else:  # others keep their entries untouched
            assert [e["fieldsV1"] for e in after if e["manager"] == manager] == [fields]
