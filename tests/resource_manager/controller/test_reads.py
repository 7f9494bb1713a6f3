"""When a round LISTs instead of reading each object it misses, and what one LIST covers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from resource_manager.controller.keys import RecordKey, record_key
from resource_manager.controller.reads import LIST_AT, by_scope, list_pays_off


def test_keys_group_by_type_and_namespace_cluster_scoped_apart() -> None:
    keys = [
        record_key("v1", "ConfigMap", "a", "ns"),
        record_key("v1", "Secret", "a", "ns"),
        record_key("v1", "ConfigMap", "b", "ns"),
        record_key("v1", "ConfigMap", "a", "other"),
        record_key("v1", "Namespace", "ns", None),
    ]
    assert by_scope(keys) == {
        ("v1", "ConfigMap", "ns"): [keys[0], keys[2]],
        ("v1", "Secret", "ns"): [keys[1]],
        ("v1", "ConfigMap", "other"): [keys[3]],
        ("v1", "Namespace", None): [keys[4]],
    }


keys_strategy = st.lists(
    st.builds(
        record_key,
        st.sampled_from(["v1", "apps/v1"]),
        st.sampled_from(["ConfigMap", "Namespace"]),
        st.text("ab", min_size=1, max_size=3),
        st.sampled_from(["x", "y", None]),
    )
)


@given(keys_strategy)
def test_every_key_lands_in_exactly_its_own_scope(keys: list[RecordKey]) -> None:
    groups = by_scope(keys)
    assert sorted(rk for members in groups.values() for rk in members) == sorted(keys)
    for (api_version, kind, namespace), members in groups.items():
        for rk in members:
            assert rk[:2] == (api_version, kind)
            assert rk[2] == (f"{namespace}/{rk[2].rpartition('/')[2]}" if namespace else rk[2])


def test_a_few_misses_are_always_read_one_by_one() -> None:
    assert not list_pays_off(LIST_AT - 1, 0, 0)
    assert list_pays_off(LIST_AT, 0, 0)


def test_a_crowded_scope_is_read_one_by_one() -> None:
    """A new MR of 3 ConfigMaps in a namespace holding 10,000 of ours: 3 GETs, not a LIST filtering them all."""
    assert not list_pays_off(3, 10_000, 0)
    assert list_pays_off(100, 10_000, 0)
    assert not list_pays_off(14, 0, 1_000)  # returned objects weigh more than filtered ones
    assert list_pays_off(14, 1_000, 0)


@given(st.integers(0, 500), st.integers(0, 50_000), st.integers(0, 5_000), st.integers(1, 100))
def test_more_misses_or_fewer_objects_never_turn_a_list_into_gets(
    misses: int, labelled: int, unlabelled: int, more: int
) -> None:
    if list_pays_off(misses, labelled, unlabelled):
        assert list_pays_off(misses + more, labelled, unlabelled)
        assert list_pays_off(misses, max(0, labelled - more), max(0, unlabelled - more))
