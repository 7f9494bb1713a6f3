"""The component configuration: GRM's file, defaults, precedence, durations, and one-line errors (pure)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from kubecore.durations import format_go_duration as format_duration
from resource_manager.manager.configuration import (
    API_VERSION,
    KIND,
    ConfigError,
    Configuration,
    Connection,
    Endpoint,
    LeaderElection,
    build,
    parse_address,
    parse_duration,
)

GRM_FILE = Path(__file__).parents[1] / "data" / "grm-componentconfig.yaml"


def doc(**fields: Any) -> dict[str, Any]:
    return {"apiVersion": API_VERSION, "kind": KIND, **fields}


def test_defaults_are_grms_and_no_slower() -> None:
    config = build()
    assert config == Configuration()
    assert (config.source.qps, config.source.burst) == (-1.0, 130)  # no client-side limit: the server's APF
    assert config.source.cache_resync_period == 24 * 3600
    assert config.leader_election == LeaderElection(True, 15.0, 10.0, 2.0, "gardener-resource-manager", None)
    assert (config.log_level, config.log_format) == ("info", "json")
    assert (config.health_probes, config.metrics) == (Endpoint("127.0.0.1", 8081), Endpoint("127.0.0.1", 8080))
    assert (config.workers, config.sync_period, config.always_update, config.managed_by) == (5, 60.0, False, "gardener")
    assert (config.resource_class, config.cluster_id) == ("resources", "")
    assert config.target == Connection(None, -1.0, 130, (), 24 * 3600.0)  # the source's cluster, own client
    assert config.health_sync_period == 60.0


def test_target_connection_settings_hold_without_a_target_kubeconfig() -> None:
    """GRM defaults the target connection and builds its own client and cache from it, also when the
    target is the source's cluster: its limits, namespaces and resync are read either way."""
    config = build(
        doc(
            targetClientConnection={"qps": 7, "burst": 3, "namespaces": ["x", "y"], "cacheResyncPeriod": "30s"},
            controllers={"health": {"syncPeriod": "5s", "concurrentSyncs": 2}},
        ),
        env={},
    )
    assert config.target == Connection(None, 7.0, 3, ("x", "y"), 30.0)
    assert config.health_sync_period == 5.0
    with pytest.raises(
        ConfigError, match=r"^targetClientConnection.cacheResyncPeriod: 1s is too short; use at least 10s$"
    ):
        build(doc(targetClientConnection={"cacheResyncPeriod": "1s"}), env={})
    with pytest.raises(ConfigError, match=r"^targetClientConnection.namespaces: must be a list of namespace names$"):
        build(doc(targetClientConnection={"namespaces": "x"}), env={})
    with pytest.raises(ConfigError, match=r"^controllers.health.syncPeriod: 500ms is too short; use at least 1s$"):
        build(doc(controllers={"health": {"syncPeriod": "500ms"}}), env={})


def test_grms_example_file_works_unchanged_and_names_what_it_ignores() -> None:
    config = build(yaml.safe_load(GRM_FILE.read_text()), env={})
    assert config.leader_election.namespace == "default"
    assert config.log_format == "text"
    assert config.metrics == Endpoint("127.0.0.1", 8080)
    assert config.garbage_collector and config.garbage_collector_sync_period == 3600
    assert config.workers == 5 and config.sync_period == 60  # the example's `managedResources` spelling
    assert config.warnings == (
        "server.webhooks: this manager serves no webhooks; ignored",
        "controllers.kubeletCSRApprover: not implemented by this manager; ignored",
        "webhooks.crdDeletionProtection: not implemented by this manager; ignored",
        "webhooks.seccompProfile: not implemented by this manager; ignored",
    )  # networkPolicy is disabled in the file: nothing to warn about


def test_every_field_we_honour() -> None:
    config = build(
        doc(
            sourceClientConnection={
                "kubeconfig": "/src",
                "qps": 250,
                "burst": 400,
                "namespaces": ["a", "b", "a"],
                "cacheResyncPeriod": "10m",
            },
            targetClientConnection={"kubeconfig": "/dst", "qps": -1},
            leaderElection={"leaderElect": False, "resourceName": "rm", "leaseDuration": "30s"},
            logLevel="debug",
            server={"healthProbes": {"bindAddress": "0.0.0.0", "port": 9001}, "metrics": {"port": 9002}},
            controllers={
                "clusterID": "<default>",
                "resourceClass": "seed",
                "cacheSyncTimeout": "30s",
                "managedResource": {
                    "concurrentSyncs": 20,
                    "syncPeriod": "1h",
                    "alwaysUpdate": True,
                    "managedByLabelValue": "us",
                },
                "health": {"syncPeriod": "30s"},
            },
        ),
        env={},
    )
    assert config.source == Connection("/src", 250.0, 400, ("a", "b"), 600.0)
    assert config.target == Connection("/dst", -1.0, 130, (), 86400.0)  # negative qps: no client-side limit
    assert not config.leader_election.enabled and config.leader_election.name == "rm"
    assert config.leader_election.lease_duration == 30.0
    assert config.health_probes == Endpoint("0.0.0.0", 9001) and config.metrics == Endpoint("127.0.0.1", 9002)
    assert (config.cluster_id, config.resource_class, config.cache_sync_timeout) == ("<default>", "seed", 30.0)
    assert (config.workers, config.sync_period, config.always_update, config.managed_by) == (20, 3600.0, True, "us")
    assert config.health_sync_period == 30.0 and config.log_level == "debug"


def test_environment_overrides_the_file_and_flags_override_both() -> None:
    file = doc(
        sourceClientConnection={"kubeconfig": "/file-src"},
        targetClientConnection={"kubeconfig": "/file-dst"},
        controllers={"resourceClass": "file", "managedResource": {"syncPeriod": "2m"}},
    )
    env = {"KUBECONFIG": "/env-src", "TARGET_KUBECONFIG": "/env-dst"}
    from_env = build(file, env)
    assert from_env.source.kubeconfig is None  # kubecore's loader reads (and merges) $KUBECONFIG
    assert from_env.target.kubeconfig == "/env-dst"
    flags = {
        "targetClientConnection.kubeconfig": "/flag-dst",
        "controllers.resourceClass": "flag",
        "controllers.managedResource.syncPeriod": "1m",
        "leaderElection.leaderElect": None,  # a flag not given changes nothing
    }
    from_flags = build(file, env, flags)
    assert from_flags.target.kubeconfig == "/flag-dst"
    assert (from_flags.resource_class, from_flags.sync_period) == ("flag", 60.0)
    assert from_flags.leader_election.enabled


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"controllers": {"managedResource": {"syncPeriod": "soon"}}},
            "controllers.managedResource.syncPeriod (--sync-period): 'soon' is not a duration; "
            "write it like 500ms, 10s, 1m or 1h30m",
        ),
        (
            {"controllers": {"managedResource": {"concurrentSyncs": 0}}},
            "controllers.managedResource.concurrentSyncs (--workers): 0 is too small; use at least 1",
        ),
        ({"logLevel": "trace"}, "logLevel (--log-level): 'trace' is not supported; use one of debug, info, error"),
        (
            {"sourceClientConnection": {"cacheResyncPeriod": "5s"}},
            "sourceClientConnection.cacheResyncPeriod: 5s is too short; use at least 10s",
        ),
        (
            {"leaderElection": {"resourceLock": "configmaps"}},
            "leaderElection.resourceLock: 'configmaps' is not supported; use one of leases",
        ),
        (
            {"leaderElection": {"leaseDuration": "10s", "renewDeadline": "10s"}},
            "leaderElection.renewDeadline: must be shorter than leaderElection.leaseDuration",
        ),
        ({"controllers": {"resourceClass": ""}}, "controllers.resourceClass (--class): must not be empty"),
        (
            {"server": {"metrics": {"port": 70000}}},
            "server.metrics.port: 70000 is not a port; use 0-65535 (0 picks a free port)",
        ),
        ({"controllers": "all"}, "controllers: must be a mapping of fields"),
        (
            {"sourceClientConnection": {"namespaces": "a"}},
            "sourceClientConnection.namespaces (--namespace): must be a list of namespace names",
        ),
        ({"apiVersion": "v1"}, "apiVersion: 'v1' is not supported; use resourcemanager.config.gardener.cloud/v1alpha1"),
    ],
)
def test_a_bad_field_is_one_line_naming_it_and_the_fix(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        build(doc(**fields), env={})
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("500ms", 0.5),
        ("10s", 10),
        ("1m", 60),
        ("1h30m", 5400),
        ("1.5h", 5400),
        ("0", 0),
        ("90", 90),
        (45, 45),
        ("2h45m30.5s", 9930.5),
        ("-1m", -60),
        ("300us", 0.0003),
    ],
)
def test_durations_take_go_syntax_and_bare_seconds(text: Any, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "m", "1x", "1m 2s", "1.2.3s", "h1", True, "nan", "1e3s"])
def test_not_durations(text: Any) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


@given(st.integers(min_value=-(10**10), max_value=10**10))
def test_formatted_durations_parse_back(millis: int) -> None:
    assert parse_duration(format_duration(millis / 1000)) == pytest.approx(millis / 1000, abs=1e-9)


def test_bind_address_flags() -> None:
    assert parse_address("127.0.0.1:0", "server.metrics") == {"bindAddress": "127.0.0.1", "port": 0}
    assert parse_address(":8080", "server.metrics") == {"bindAddress": "0.0.0.0", "port": 8080}
    assert parse_address("[::1]:9", "server.metrics") == {"bindAddress": "::1", "port": 9}
    with pytest.raises(ConfigError, match=r"server.metrics \(--metrics-bind-address\): '8080' is not an address"):
        parse_address("8080", "server.metrics")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
paths = st.sampled_from(
    [
        "sourceClientConnection",
        "targetClientConnection",
        "leaderElection",
        "server",
        "server.metrics",
        "controllers",
        "controllers.managedResource",
        "controllers.garbageCollector",
        "logLevel",
        "webhooks",
        "debugging",
    ]
)


@given(st.dictionaries(paths, json_values, max_size=4))
def test_any_document_gives_a_configuration_or_one_config_error(sections: dict[str, Any]) -> None:
    raw: dict[str, Any] = doc()
    for path, value in sections.items():
        node = raw
        *parents, last = path.split(".")
        for part in parents:
            node = node.setdefault(part, {}) if isinstance(node.get(part, {}), dict) else {}
        node[last] = value
    try:
        config = build(raw, env={})
    except ConfigError as exc:
        assert "\n" not in str(exc) and ": " in str(exc)
    else:
        assert config.workers >= 1 and config.sync_period >= 1 and config.resource_class
