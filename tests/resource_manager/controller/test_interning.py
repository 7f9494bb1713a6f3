"""Cached objects share the strings they repeat; cached MRs carry no managedFields."""

from __future__ import annotations

import orjson
from hypothesis import given
from hypothesis import strategies as st

from resource_manager.controller import interning
from resource_manager.controller.controller import compact_mr
from resource_manager.controller.interning import SHARED_MAPS, share_metadata_strings

texts = st.text(min_size=1, max_size=40)
metadata = st.fixed_dictionaries(
    {"name": texts, "namespace": texts},
    optional={"labels": st.dictionaries(texts, texts, max_size=4), "annotations": st.dictionaries(texts, texts)},
)


@given(metadata)
def test_two_decoded_copies_share_namespace_labels_and_annotations(meta: dict[str, object]) -> None:
    raw = orjson.dumps(meta)
    first, second = orjson.loads(raw), orjson.loads(raw)
    share_metadata_strings(first)
    share_metadata_strings(second)
    assert first == second == meta  # the values stay what they were
    assert first["namespace"] is second["namespace"]
    for field in ("labels", "annotations"):
        assert first.get(field) is second.get(field)  # equal maps: one shared map
        for key, value in first.get(field, {}).items():
            assert value is second[field][key]


def test_the_table_of_shared_maps_stays_bounded() -> None:
    for i in range(SHARED_MAPS + 10):
        share_metadata_strings({"labels": {"app": f"bounded-{i}"}})
    assert len(interning._shared) == SHARED_MAPS
    newest = {"labels": {"app": f"bounded-{SHARED_MAPS + 9}"}}
    share_metadata_strings(newest)
    assert newest["labels"]["app"] == f"bounded-{SHARED_MAPS + 9}"


def test_mrs_are_cached_without_managed_fields_and_share_inventory_strings() -> None:
    entry = {"apiVersion": "v1", "kind": "ConfigMap", "name": "a", "namespace": "target", "labels": {"t": "s"}}
    mr = {
        "metadata": {"name": "mr", "managedFields": [{"manager": "resource-manager", "fieldsV1": {"f:status": {}}}]},
        "status": {"resources": [entry, {**entry, "name": "b"}]},
    }
    first, second = compact_mr(orjson.loads(orjson.dumps(mr))), compact_mr(orjson.loads(orjson.dumps(mr)))
    assert "managedFields" not in first["metadata"]
    assert first["status"] == mr["status"]
    one, other = first["status"]["resources"][0], second["status"]["resources"][1]
    for field in ("apiVersion", "kind", "namespace"):
        assert one[field] is other[field]
    assert one["labels"] is other["labels"]
