"""apiVersion parsing: Kubernetes' schema.ParseGroupVersion, one reading for every caller."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kubecore.gvk import GroupVersionError, group_of, join_api_version, split_api_version


@pytest.mark.parametrize(
    ("api_version", "expected"),
    [
        ("v1", ("", "v1")),
        ("apps/v1", ("apps", "v1")),
        ("x.io/v1beta1", ("x.io", "v1beta1")),
        ("", ("", "")),
        ("/", ("", "")),
        ("apps/", ("apps", "")),
        ("/v1", ("", "v1")),
    ],
)
def test_split_api_version_reads_like_parse_group_version(api_version: str, expected: tuple[str, str]) -> None:
    assert split_api_version(api_version) == expected


@pytest.mark.parametrize("api_version", ["a/b/c", "apps/v1/", "//"])
def test_more_than_one_slash_is_an_error(api_version: str) -> None:
    with pytest.raises(GroupVersionError, match=f"unexpected GroupVersion string: {api_version}"):
        split_api_version(api_version)


def test_group_of_gives_the_core_group_for_an_unparsable_api_version() -> None:
    assert group_of("a/b/c") == ""  # as Go's FromAPIVersionAndKind: group and version dropped
    assert group_of("apps/v1") == "apps"
    assert group_of("v1") == ""


_NAME = st.text(st.characters(blacklist_characters="/"), max_size=12)


@given(_NAME.filter(bool), _NAME.filter(bool))
def test_join_and_split_are_inverse(group: str, version: str) -> None:
    assert split_api_version(join_api_version(group, version)) == (group, version)
    assert split_api_version(join_api_version("", version)) == ("", version)


@given(st.text(alphabet="ab/", max_size=8))
def test_split_either_raises_or_rejoins_to_the_input(api_version: str) -> None:
    try:
        group, version = split_api_version(api_version)
    except GroupVersionError:
        assert api_version.count("/") > 1
        assert group_of(api_version) == ""
        return
    assert api_version.count("/") <= 1
    assert group_of(api_version) == group
    if api_version not in ("", "/") and "/" in api_version:
        assert f"{group}/{version}" == api_version
    elif "/" not in api_version:
        assert (group, version) == ("", api_version)
