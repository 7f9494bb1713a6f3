"""Install order, prune waves and the status.resources inventory (spec §1.2, §3.5, §3.6, §3.9, §10.5-7)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from resource_manager.api import annotations as a
from resource_manager.api.equivalences import build_equivalences
from resource_manager.api.identity import key_of
from resource_manager.desired import DesiredObject
from resource_manager.inventory import (
    added,
    checks_must_reset,
    diff_inventory,
    keep_on_prune,
    narrow,
    new_references,
    resources_changed,
    sort_references,
    to_delete_on_mr_deletion,
    widen,
)
from resource_manager.ssa.order import (
    INSTALL_ORDER,
    WAVE_STARTS,
    apply_wave,
    apply_waves,
    install_sort_key,
    prune_waves,
    sort_for_apply,
)

EQ = build_equivalences()


def _ref(kind: str, name: str, namespace: str = "n", api_version: str = "v1", **extra: Any) -> dict[str, Any]:
    ref: dict[str, Any] = {"apiVersion": api_version, "kind": kind, "name": name, **extra}
    if namespace:
        ref["namespace"] = namespace
    return ref


def _desired(ref: dict[str, Any], ignore_mode: bool = False) -> DesiredObject:
    return DesiredObject({}, ref, key_of(ref), ignore_mode, b"")


# --- install order ------------------------------------------------------------------------------------


def _obj(kind: str, name: str, namespace: str = "") -> dict[str, Any]:
    return {"kind": kind, "metadata": {"name": name, "namespace": namespace}}


def test_install_order_known_kinds_by_rank_then_name_unknown_last_by_kind_then_name() -> None:
    objects = [
        _obj("Deployment", "b"),
        _obj("VerticalPodAutoscaler", "a"),
        _obj("Deployment", "a"),
        _obj("ClusterRole", "z"),
        _obj("Alpha", "z"),
        _obj("Alpha", "a"),
        _obj("CustomResourceDefinition", "x"),
        _obj("ServiceAccount", "s"),
        _obj("Namespace", "ns"),
        _obj("PriorityClass", "p"),
    ]
    ordered = sort_for_apply(objects, lambda o: o)
    assert [(o["kind"], o["metadata"]["name"]) for o in ordered] == [
        ("PriorityClass", "p"),
        ("Namespace", "ns"),
        ("ServiceAccount", "s"),
        ("CustomResourceDefinition", "x"),
        ("ClusterRole", "z"),
        ("Deployment", "a"),
        ("Deployment", "b"),
        ("Alpha", "a"),
        ("Alpha", "z"),
        ("VerticalPodAutoscaler", "a"),
    ]


def test_apply_waves_cut_the_install_order_where_a_kind_needs_an_earlier_one() -> None:
    objects = [_obj("ConfigMap", "b"), _obj("Alpha", "a"), _obj("ServiceAccount", "s"), _obj("ConfigMap", "a")]
    objects += [_obj("Beta", "b"), _obj("Alpha", "z"), _obj("Role", "r"), _obj("RoleBinding", "r")]
    objects += [_obj("Deployment", "d"), _obj("Namespace", "n", ""), _obj("Secret", "s")]
    waves = apply_waves(objects, lambda o: o)
    assert [[(o["kind"], o["metadata"]["name"]) for o in wave] for wave in waves] == [
        [("Namespace", "n")],
        [("ServiceAccount", "s"), ("Secret", "s"), ("ConfigMap", "a"), ("ConfigMap", "b")],
        [("Role", "r")],
        [("RoleBinding", "r")],
        [("Deployment", "d")],
        [("Alpha", "a"), ("Alpha", "z"), ("Beta", "b")],  # custom resources: their CRDs are Established first
    ]


def test_every_wave_start_is_a_known_kind_in_install_order() -> None:
    ranks = [INSTALL_ORDER.index(kind) for kind in WAVE_STARTS]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)
    waves = [apply_wave(kind) for kind in INSTALL_ORDER]
    assert waves == sorted(waves) and waves[0] == 0 and apply_wave("Unknown") == max(waves) + 1


_KINDS = st.sampled_from(
    ["Namespace", "ConfigMap", "Secret", "Role", "RoleBinding", "Deployment", "CustomResourceDefinition", "Alpha"]
)


@given(st.lists(st.tuples(_KINDS, st.sampled_from("abc"), st.sampled_from(["", "x", "y"]))))
def test_apply_waves_are_the_install_order_cut_at_wave_starts(items: list[tuple[str, str, str]]) -> None:
    objects = [_obj(*item) for item in items]
    waves = apply_waves(objects, lambda o: o)
    assert [o for wave in waves for o in wave] == sort_for_apply(objects, lambda o: o)
    numbers = [{apply_wave(o["kind"]) for o in wave} for wave in waves]
    assert all(len(n) == 1 for n in numbers)  # one wave number per wave ...
    flat = [n.pop() for n in numbers]
    assert flat == sorted(flat) and len(flat) == len(set(flat))  # ... increasing: no kind waits for a later one
    for earlier, later in (("CustomResourceDefinition", "Alpha"), ("Role", "RoleBinding"), ("Namespace", "Secret")):
        assert apply_wave(earlier) < apply_wave(later)
    assert apply_wave("ConfigMap") == apply_wave("Secret")  # nothing between them to wait for


def test_install_order_is_deterministic_across_namespaces() -> None:
    objects = [_obj("ConfigMap", "c", "b"), _obj("ConfigMap", "c", "a")]
    assert [o["metadata"]["namespace"] for o in sort_for_apply(objects, lambda o: o)] == ["a", "b"]


def test_sort_works_on_references_too() -> None:
    assert install_sort_key(_ref("Secret", "s")) < install_sort_key(_ref("ConfigMap", "c"))


def test_prune_waves_workloads_before_what_they_mount_and_namespaces_last() -> None:
    refs = [
        _ref("Namespace", "ns", namespace=""),
        _ref("ConfigMap", "cfg"),
        _ref("Deployment", "app", api_version="apps/v1"),
        _ref("Foo", "cr", api_version="x.io/v1"),
        _ref("CustomResourceDefinition", "foos.x.io", namespace="", api_version="apiextensions.k8s.io/v1"),
        _ref("Service", "svc"),
        _ref("Secret", "s"),
        _ref("ValidatingWebhookConfiguration", "hook", namespace=""),
        _ref("PriorityClass", "prio", namespace=""),
    ]
    waves = prune_waves(refs)
    assert [[r["name"] for r in wave] for wave in waves] == [
        ["cr", "hook"],
        ["app", "svc"],
        ["foos.x.io", "cfg", "s"],
        ["ns", "prio"],
    ]


def test_prune_waves_drop_empty_waves() -> None:
    assert prune_waves([_ref("ConfigMap", "a")]) == [[_ref("ConfigMap", "a")]]
    assert prune_waves([]) == []


# --- inventory ----------------------------------------------------------------------------------------


def test_references_sorted_by_group_kind_namespace_name() -> None:
    refs = [
        _ref("Deployment", "a", api_version="apps/v1"),
        _ref("Secret", "a", namespace=""),
        _ref("ConfigMap", "b"),
        _ref("Namespace", "x", namespace=""),
        _ref("ConfigMap", "a", namespace="m"),
    ]
    assert [key_of(r) for r in sort_references(refs)] == [
        "/ConfigMap/m/a",
        "/ConfigMap/n/b",
        "/Namespace//x",
        "/Secret/default/a",
        "apps/Deployment/n/a",
    ]


def test_new_references_exclude_mode_ignore() -> None:
    kept, ignored = _ref("ConfigMap", "a"), _ref("ConfigMap", "b")
    assert new_references([_desired(ignored, ignore_mode=True), _desired(kept)]) == [kept]


def test_diff_finds_previous_entries_exactly_or_through_equivalences() -> None:
    old = [
        _ref("Deployment", "d", api_version="extensions/v1beta1", labels={"x": "1"}),
        _ref("ConfigMap", "gone"),
        _ref("ConfigMap", "c", labels={"y": "2"}),
    ]
    desired = [_desired(_ref("Deployment", "d", api_version="apps/v1")), _desired(_ref("ConfigMap", "c"))]
    diff = diff_inventory(old, desired, EQ)
    assert diff.previous == {"apps/Deployment/n/d": old[0], "/ConfigMap/n/c": old[2]}
    assert diff.to_prune == [old[1]]
    assert diff.to_release == []


def test_without_equivalences_a_group_move_prunes_the_old_entry() -> None:
    old = [_ref("Foo", "f", api_version="a.io/v1")]
    desired = [_desired(_ref("Foo", "f", api_version="b.io/v1"))]
    assert diff_inventory(old, desired, EQ).to_prune == old
    custom = build_equivalences([[{"group": "a.io", "kind": "Foo"}, {"group": "b.io", "kind": "Foo"}]])
    assert diff_inventory(old, desired, custom).to_prune == []


def test_mode_ignore_objects_are_released_not_pruned() -> None:
    old = [_ref("ConfigMap", "c")]
    desired = [_desired(_ref("ConfigMap", "c", annotations={a.MODE: "Ignore"}), ignore_mode=True)]
    diff = diff_inventory(old, desired, EQ)
    assert diff.to_prune == []
    assert diff.to_release == [desired[0].reference]
    assert diff_inventory([], desired, EQ).to_release == []


def test_nothing_is_pruned_while_a_document_fails_to_decode() -> None:
    old = [_ref("ConfigMap", "c")]
    assert diff_inventory(old, [], EQ, any_decoding_error=True).to_prune == []
    assert diff_inventory(old, [], EQ).to_prune == old


def test_widen_adds_new_objects_and_keeps_old_memory() -> None:
    old = [_ref("ConfigMap", "a", labels={"v": "old"}), _ref("Deployment", "d", api_version="extensions/v1beta1")]
    new = [
        _ref("ConfigMap", "a", labels={"v": "new"}),
        _ref("ConfigMap", "b"),
        _ref("Deployment", "d", api_version="apps/v1"),
    ]
    assert widen(old, new, EQ) == [old[0], _ref("ConfigMap", "b"), old[1]]


def test_added_are_the_new_entries_no_old_one_matches() -> None:
    old = [_ref("ConfigMap", "a"), _ref("Deployment", "d", api_version="extensions/v1beta1")]
    new = [_ref("ConfigMap", "a", labels={"v": "new"}), _ref("ConfigMap", "b"), _ref("Deployment", "d", "n", "apps/v1")]
    assert added(old, new, EQ) == [_ref("ConfigMap", "b")]  # the only one whose ownership must be checked


def test_narrow_keeps_new_entries_and_pending_deletions() -> None:
    new = [_ref("ConfigMap", "a")]
    pending = [_ref("Secret", "s"), _ref("ConfigMap", "a", labels={"stale": "x"})]
    assert narrow(new, pending) == [new[0], pending[0]]


def test_keep_on_prune_reads_the_live_object() -> None:
    live = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"annotations": {a.KEEP_OBJECT: "true"}}}
    assert keep_on_prune(live, garbage_collector_enabled=False) == "annotation resources.gardener.cloud/keep-object"
    collectable = {"apiVersion": "v1", "kind": "Secret", "metadata": {"labels": {a.GARBAGE_COLLECTABLE: "true"}}}
    assert keep_on_prune(collectable, garbage_collector_enabled=True) == "marked as garbage-collectable"
    assert keep_on_prune(collectable, garbage_collector_enabled=False) is None


def test_keep_objects_deletes_nothing_on_mr_deletion() -> None:
    refs = [_ref("ConfigMap", "a")]
    assert to_delete_on_mr_deletion({"spec": {"keepObjects": True}, "status": {"resources": refs}}) == []
    assert to_delete_on_mr_deletion({"spec": {"keepObjects": False}, "status": {"resources": refs}}) == refs
    assert to_delete_on_mr_deletion({"spec": {}}) == []


def test_resources_changed_treats_empty_and_missing_alike() -> None:
    assert not resources_changed(None, [])
    assert not resources_changed([_ref("ConfigMap", "a", annotations={})], [_ref("ConfigMap", "a")])
    assert resources_changed([_ref("ConfigMap", "a", labels={"x": "1"})], [_ref("ConfigMap", "a", labels={"x": "2"})])
    assert resources_changed([_ref("ConfigMap", "a")], [_ref("ConfigMap", "b")])


# --- properties ---------------------------------------------------------------------------------------

_REFS = st.builds(
    _ref,
    st.sampled_from(["ConfigMap", "Deployment", "Namespace", "Foo"]),
    st.sampled_from(["a", "b", "c"]),
    st.sampled_from(["", "n", "m"]),
    st.sampled_from(["v1", "apps/v1", "extensions/v1beta1", "x.io/v1"]),
)


@given(st.lists(_REFS, max_size=8, unique_by=key_of), st.lists(_REFS, max_size=8, unique_by=key_of))
def test_widen_covers_both_inventories(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> None:
    widened = widen(old, new, EQ)
    widened_keys = {key_of(r) for r in widened}
    assert {key_of(r) for r in old} <= widened_keys
    for ref in new:  # every new object is tracked, directly or through an equivalent old entry
        assert diff_inventory(widened, [_desired(ref)], EQ).previous


@given(st.lists(_REFS, max_size=8, unique_by=key_of), st.lists(_REFS, max_size=8, unique_by=key_of))
def test_widen_adds_exactly_the_added_entries(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> None:
    fresh = added(old, new, EQ)
    assert sorted(map(key_of, widen(old, new, EQ))) == sorted(map(key_of, [*old, *fresh]))
    refused = {key_of(r) for r in fresh[:1]}  # what the reconciler leaves out never enters the inventory
    kept = widen(old, [r for r in new if key_of(r) not in refused], EQ)
    assert refused.isdisjoint(map(key_of, kept))


@given(
    st.lists(_REFS, max_size=8, unique_by=key_of),
    st.lists(st.tuples(_REFS, st.booleans()), max_size=8, unique_by=lambda t: key_of(t[0])),
)
def test_prune_set_never_contains_a_desired_object(old: list[dict[str, Any]], desired_refs: list[Any]) -> None:
    desired = [_desired(ref, ignore_mode) for ref, ignore_mode in desired_refs]
    diff = diff_inventory(old, desired, EQ)
    pruned = {key_of(r) for r in diff.to_prune}
    assert pruned.isdisjoint(item.key for item in desired)
    assert pruned.isdisjoint(key_of(r) for r in diff.previous.values())
    assert pruned <= {key_of(r) for r in old}


@given(st.lists(_REFS, max_size=8, unique_by=key_of), st.lists(_REFS, max_size=8))
def test_narrow_is_sorted_and_contains_every_new_entry(
    new: list[dict[str, Any]], pending: list[dict[str, Any]]
) -> None:
    narrowed = narrow(new, pending)
    assert narrowed == sort_references(narrowed)
    assert all(ref in narrowed for ref in new)


_TRUTHY = st.sampled_from(["1", "t", "T", "TRUE", "true", "True"])
_LIVE_KINDS = st.sampled_from([("v1", "ConfigMap"), ("v1", "Secret"), ("apps/v1", "Deployment"), ("v1", "Node")])


@given(_LIVE_KINDS, _TRUTHY, st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3), st.booleans())
def test_keep_object_always_wins(
    kind: tuple[str, str], value: str, other: dict[str, str], garbage_collector_enabled: bool
) -> None:
    live = {"apiVersion": kind[0], "kind": kind[1], "metadata": {"annotations": {**other, a.KEEP_OBJECT: value}}}
    assert keep_on_prune(live, garbage_collector_enabled=garbage_collector_enabled) is not None


def test_checks_must_reset() -> None:
    refs = [{"apiVersion": "v1", "kind": "ConfigMap", "name": "a", "labels": {"x": "1"}}]
    status = {"resources": refs, "secretsDataChecksum": "abc"}
    assert not checks_must_reset(status, refs, "abc")
    assert checks_must_reset(status, refs, "def")
    assert checks_must_reset({"resources": refs}, refs, "abc")
    assert checks_must_reset(status, [], "abc")
