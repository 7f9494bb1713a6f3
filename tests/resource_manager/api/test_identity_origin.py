"""Identity keys, equivalences and origin handling (spec §1.2, §2.2, §3.9, §3.11, §10.4)."""

from __future__ import annotations

from typing import Any

import pytest

from kubecore.gvk import group_of
from resource_manager.api import annotations as a
from resource_manager.api.equivalences import build_equivalences, equivalents
from resource_manager.api.identity import display_name, key_of, object_key
from resource_manager.api.origin import (
    Origin,
    OriginError,
    origin_for,
    ownership_conflict,
    release_patch,
    split_origin,
)


@pytest.mark.parametrize(
    ("api_version", "group"), [("v1", ""), ("apps/v1", "apps"), ("", ""), ("x.io/v1beta1", "x.io")]
)
def test_group_of(api_version: str, group: str) -> None:
    assert group_of(api_version) == group


def test_object_key_defaults_namespace_except_for_namespaces() -> None:
    assert object_key("", "ConfigMap", "", "a") == "/ConfigMap/default/a"
    assert object_key("rbac.authorization.k8s.io", "ClusterRole", "", "r") == (
        "rbac.authorization.k8s.io/ClusterRole/default/r"
    )
    assert object_key("", "Namespace", "", "ns") == "/Namespace//ns"


def test_key_of_objects_and_references_agree_and_ignore_the_version() -> None:
    obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "n"}}
    ref = {"apiVersion": "apps/v1beta2", "kind": "Deployment", "name": "d", "namespace": "n"}
    assert key_of(obj) == key_of(ref) == "apps/Deployment/n/d"


def test_display_name_is_grms_unstructured_to_string() -> None:
    ref = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "name": "r"}
    assert display_name(ref) == "rbac.authorization.k8s.io/v1/ClusterRole/default/r"
    obj = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "n"}}
    assert display_name(obj) == "v1/Service/n/s"


def test_default_equivalences() -> None:
    eq = build_equivalences()
    assert equivalents(eq, ("apps", "Deployment")) == [("apps", "Deployment"), ("extensions", "Deployment")]
    assert equivalents(eq, ("networking.k8s.io", "Ingress")) == [
        ("extensions", "Ingress"),
        ("networking.k8s.io", "Ingress"),
    ]
    assert equivalents(eq, ("", "ConfigMap")) == []


def test_additional_equivalences_join_existing_sets_transitively() -> None:
    eq = build_equivalences(
        [
            [{"group": "apps", "kind": "Deployment"}, {"group": "example.io", "kind": "Deployment"}],
            [{"group": "a.io", "kind": "Foo"}, {"group": "b.io", "kind": "Foo"}],
            [{"group": "b.io", "kind": "Foo"}, {"group": "c.io", "kind": "Foo"}],
        ]
    )
    assert ("example.io", "Deployment") in equivalents(eq, ("extensions", "Deployment"))
    assert equivalents(eq, ("a.io", "Foo")) == [("a.io", "Foo"), ("b.io", "Foo"), ("c.io", "Foo")]


def test_a_list_joins_only_the_first_known_set_like_grm() -> None:
    eq = build_equivalences(
        [
            [{"group": "x", "kind": "K"}],
            [{"group": "y", "kind": "K"}],
            [{"group": "x", "kind": "K"}, {"group": "y", "kind": "K"}],
        ]
    )
    assert equivalents(eq, ("x", "K")) == [("x", "K"), ("y", "K")]
    assert equivalents(eq, ("y", "K")) == [("x", "K"), ("y", "K")]


def test_origin_format() -> None:
    assert origin_for("shoot--a", "mr") == "shoot--a/mr"
    assert origin_for("shoot--a", "mr", "seed-1") == "seed-1:shoot--a/mr"


@pytest.mark.parametrize(
    ("origin", "parsed"),
    [("ns/mr", Origin("", "ns", "mr")), ("c:ns/mr", Origin("c", "ns", "mr")), (":ns/mr", Origin("", "ns", "mr"))],
)
def test_split_origin(origin: str, parsed: Origin) -> None:
    assert split_origin(origin) == parsed


@pytest.mark.parametrize("origin", ["a:b:c/d", "ns", "a/b/c", "c:ns"])
def test_split_origin_rejects_bad_formats(origin: str) -> None:
    with pytest.raises(OriginError, match=f'unexpected origin format: "{origin}"'):
        split_origin(origin)


def _live(origin: str | None) -> dict[str, Any]:
    annotations = {} if origin is None else {a.ORIGIN: origin}
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "namespace": "n", "annotations": annotations},
    }


def test_no_conflict_for_new_unowned_or_own_objects() -> None:
    assert ownership_conflict(None, "ns/mine") is None
    assert ownership_conflict(_live(None), "ns/mine") is None
    assert ownership_conflict(_live("ns/mine"), "ns/mine") is None


def test_conflict_when_another_mr_of_the_same_cluster_owns_the_object() -> None:
    conflict = ownership_conflict(_live("c1:other/theirs"), "c1:ns/mine")
    assert conflict is not None
    assert conflict.reason == "ApplyFailed"
    assert conflict.owner == Origin("c1", "other", "theirs")
    assert conflict.message.startswith('error during apply of object "v1/ConfigMap/n/c": ')
    assert '"other/theirs"' in conflict.message
    assert '"ns/mine"' in conflict.message


def test_no_conflict_across_cluster_ids_or_for_unparsable_origins() -> None:
    assert ownership_conflict(_live("c2:other/theirs"), "c1:ns/mine") is None
    assert ownership_conflict(_live("garbage"), "ns/mine") is None


def test_release_only_if_the_origin_is_still_ours() -> None:
    assert release_patch(_live("ns/mine"), "ns/mine") == {
        "metadata": {"annotations": {a.ORIGIN: None, a.DESCRIPTION: None}}
    }
    assert release_patch(_live("ns/theirs"), "ns/mine") is None
    assert release_patch(None, "ns/mine") is None
