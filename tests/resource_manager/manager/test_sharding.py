"""Sharding (``--shard i/N``): the owner of an MR, the spec's syntax, the Lease per shard, the option in the
file and on the command line (pure, plus the CLI as a process for its exit code)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resource_manager.manager.configuration import API_VERSION, KIND, ConfigError, build
from resource_manager.manager.sharding import Shard, parse_shard, shard_of

CLI = str(Path(sys.executable).parent / "resource-manager")
names = st.text(st.characters(codec="utf-8"), min_size=1, max_size=40)


@pytest.mark.parametrize(
    ("namespace", "name", "of_3", "of_7"),
    [
        ("default", "a", 2, 6),
        ("garden", "kube-proxy", 1, 5),
        ("shoot--foo--bar", "cloud-controller-manager", 1, 5),
        ("ns", "ü", 1, 1),
    ],
)
def test_the_owner_is_pinned_across_processes_and_versions(namespace: str, name: str, of_3: int, of_7: int) -> None:
    """SHA-256 of ``namespace/name``: these values must never change, or an upgrade moves MRs between shards
    while old and new replicas run side by side."""
    assert (shard_of(namespace, name, 3), shard_of(namespace, name, 7)) == (of_3, of_7)


def test_the_owner_is_the_same_in_another_interpreter() -> None:
    """Not Python's salted ``hash()``: a fresh process with another hash seed agrees."""
    code = "from resource_manager.manager.sharding import shard_of; print(shard_of('garden', 'kube-proxy', 1000))"
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONHASHSEED": "12345"}, check=True
    )
    assert int(other.stdout) == shard_of("garden", "kube-proxy", 1000)


@given(names, names, st.integers(1, 64))
def test_exactly_one_shard_owns_each_mr(namespace: str, name: str, count: int) -> None:
    owners = [index for index in range(count) if Shard(index, count).owns(namespace, name)]
    assert owners == [shard_of(namespace, name, count)]


@given(st.integers(2, 8))
def test_the_mrs_spread_evenly(count: int) -> None:
    """3,000 MR names: every shard gets its share within 15 % (a binomial's spread is ~3 % here)."""
    per_shard = Counter(shard_of(f"ns-{i % 30}", f"mr-{i}", count) for i in range(3000))
    expected = 3000 / count
    assert set(per_shard) == set(range(count))
    assert all(abs(n - expected) <= 0.15 * expected for n in per_shard.values()), per_shard


def test_without_sharding_one_process_owns_everything_under_grms_lease() -> None:
    whole = Shard()
    assert not whole.sharded and whole.owns("any", "thing") and whole.collects_garbage
    assert whole.lease_name("gardener-resource-manager") == "gardener-resource-manager"


def test_each_shard_elects_its_own_leader_and_only_shard_0_collects_garbage() -> None:
    leases = {Shard(i, 3).lease_name("gardener-resource-manager") for i in range(3)}
    assert leases == {f"gardener-resource-manager-shard-{i}-of-3" for i in range(3)}
    assert [Shard(i, 3).collects_garbage for i in range(3)] == [True, False, False]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3", "'3' is not a shard; write INDEX/COUNT, e.g. 0/3"),
        ("-1/3", "'-1/3' is not a shard; write INDEX/COUNT, e.g. 0/3"),
        ("3/3", "'3/3': INDEX must be below COUNT (shards are numbered 0 to 2)"),
        ("0/0", "'0/0' has no shards; COUNT must be at least 1"),
    ],
)
def test_bad_shards_say_what_to_write(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_shard(text)
    assert str(caught.value) == message


@given(st.integers(1, 1000).flatmap(lambda n: st.tuples(st.integers(0, n - 1), st.just(n))))
def test_shards_print_as_they_parse(shard: tuple[int, int]) -> None:
    assert parse_shard(str(Shard(*shard))) == Shard(*shard)


def test_the_file_key_and_the_flag() -> None:
    doc = {"apiVersion": API_VERSION, "kind": KIND, "controllers": {"managedResource": {"shard": "1/3"}}}
    assert build(doc, env={}).shard == Shard(1, 3)
    assert build(doc, env={}, overrides={"controllers.managedResource.shard": "2/3"}).shard == Shard(2, 3)
    assert build(None, env={}).shard == Shard()
    with pytest.raises(ConfigError) as caught:
        build(None, env={}, overrides={"controllers.managedResource.shard": "3/3"})
    assert str(caught.value) == (
        "controllers.managedResource.shard (--shard): '3/3': INDEX must be below COUNT (shards are numbered 0 to 2)"
    )


def test_a_bad_shard_flag_exits_2_with_one_line() -> None:
    result = subprocess.run([CLI, "run", "--shard", "1-of-3"], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr == (
        "error: controllers.managedResource.shard (--shard): '1-of-3' is not a shard; write INDEX/COUNT, e.g. 0/3\n"
    )
