"""Kubeconfig parsing and merging, in-cluster config, exec credential parsing (pure, files in tmp)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubecore import ClusterConfig, ConfigError, ExecConfig, credentials, load_incluster, load_kubeconfig
from kubecore.config import config_from_kubeconfig, kubeconfig_paths, load_config, merge_kubeconfigs
from kubecore.credentials import Authenticator, exec_info, parse_exec_credential


def kubeconfig(
    *, current: str | None = "ctx", clusters: dict[str, Any], users: dict[str, Any], contexts: dict[str, Any]
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "clusters": [{"name": n, "cluster": c} for n, c in clusters.items()],
        "users": [{"name": n, "user": u} for n, u in users.items()],
        "contexts": [{"name": n, "context": c} for n, c in contexts.items()],
    }
    if current:
        doc["current-context"] = current
    return doc


def write(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(doc))
    return path


SIMPLE = kubeconfig(
    clusters={"c": {"server": "https://example:6443/"}},
    users={"u": {"token": "t0ken"}},
    contexts={"ctx": {"cluster": "c", "user": "u", "namespace": "shop"}},
)


def test_simple_context() -> None:
    config = config_from_kubeconfig(SIMPLE, {})
    assert config == ClusterConfig(server="https://example:6443", namespace="shop", context="ctx", token="t0ken")


def test_repr_hides_secrets() -> None:
    plugin = ExecConfig(command="p", api_version="client.authentication.k8s.io/v1", env=(("PASSWORD", "hunter2"),))
    config = ClusterConfig(server="https://x", token="s3cret", client_key_data=b"KEYDATA", exec=plugin)
    assert "hunter2" not in repr(config) and "s3cret" not in repr(config) and "KEYDATA" not in repr(config)


def test_first_file_wins_for_names_and_current_context(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = kubeconfig(
        current=None,
        clusters={"c": {"server": "https://first", "certificate-authority": "ca.pem"}},
        users={},
        contexts={},
    )
    second = kubeconfig(
        current="ctx",
        clusters={"c": {"server": "https://second"}, "other": {"server": "https://other"}},
        users={"u": {"tokenFile": "token"}},
        contexts={"ctx": {"cluster": "c", "user": "u"}},
    )
    (tmp_path / "a" / "ca.pem").write_bytes(b"CA-A")
    paths = [write(tmp_path / "a" / "config", first), write(tmp_path / "b" / "config", second)]
    config = load_kubeconfig(paths)
    assert config.server == "https://first"
    assert config.ca_data == b"CA-A"  # relative to the file that defined the cluster
    assert config.token_file == tmp_path / "b" / "token"  # relative to the file that defined the user
    assert config.namespace == "default"


def test_merge_reports_origins() -> None:
    merged, origins = merge_kubeconfigs([(SIMPLE, Path("/x/one")), (SIMPLE, Path("/y/two"))])
    assert len(merged["clusters"]) == 1 and origins["clusters/c"] == Path("/x/one")


def test_inline_data_wins_over_file(tmp_path: Path) -> None:
    doc = kubeconfig(
        clusters={"c": {"server": "https://x", "certificate-authority-data": base64.b64encode(b"INLINE").decode(),
                        "certificate-authority": "missing-file"}},
        users={"u": {"client-certificate": "crt", "client-key": "key"}},
        contexts={"ctx": {"cluster": "c", "user": "u"}},
    )  # fmt: skip
    (tmp_path / "crt").write_bytes(b"CERT")
    (tmp_path / "key").write_bytes(b"KEY")
    config = load_kubeconfig([write(tmp_path / "config", doc)])
    assert (config.ca_data, config.client_cert_data, config.client_key_data) == (b"INLINE", b"CERT", b"KEY")


def test_explicit_context_and_insecure_and_server_name() -> None:
    doc = kubeconfig(
        clusters={"c": {"server": "https://a"}, "d": {"server": "https://b", "insecure-skip-tls-verify": True,
                                                       "tls-server-name": "api.local"}},
        users={"u": {}},
        contexts={"ctx": {"cluster": "c", "user": "u"}, "other": {"cluster": "d", "user": "u"}},
    )  # fmt: skip
    config = config_from_kubeconfig(doc, {}, context="other")
    assert (config.server, config.insecure_skip_tls_verify, config.tls_server_name) == ("https://b", True, "api.local")


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({**SIMPLE, "current-context": ""}, "no current-context"),
        ({**SIMPLE, "current-context": "nope"}, "no context named 'nope'"),
        (kubeconfig(clusters={"c": {}}, users={}, contexts={"ctx": {"cluster": "c"}}), "has no server"),
        (
            kubeconfig(clusters={"c": {"server": "https://x", "certificate-authority-data": "!!"}}, users={},
                       contexts={"ctx": {"cluster": "c"}}),
            "certificate-authority-data is not valid base64",
        ),
        (
            kubeconfig(clusters={"c": {"server": "https://x"}},
                       users={"u": {"exec": {"apiVersion": "client.authentication.k8s.io/v1alpha1", "command": "x"}}},
                       contexts={"ctx": {"cluster": "c", "user": "u"}}),
            "v1alpha1' is not supported",
        ),
    ],
)  # fmt: skip
def test_bad_kubeconfigs_give_clear_errors(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config_from_kubeconfig(doc, {})


def test_unreadable_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read kubeconfig"):
        load_kubeconfig([tmp_path / "missing"])
    (tmp_path / "bad").write_text("a: [")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_kubeconfig([tmp_path / "bad"])


def test_exec_config_parsing(tmp_path: Path) -> None:
    doc = kubeconfig(
        clusters={"c": {"server": "https://x", "extensions": [
            {"name": "client.authentication.k8s.io/exec", "extension": {"audience": "a"}}]}},
        users={"u": {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "./bin/plugin",
                              "args": ["get-token"], "env": [{"name": "A", "value": "1"}],
                              "provideClusterInfo": True, "installHint": "install it"}}},
        contexts={"ctx": {"cluster": "c", "user": "u"}},
    )  # fmt: skip
    config = load_kubeconfig([write(tmp_path / "config", doc)])
    assert config.exec == ExecConfig(
        command=str(tmp_path / "bin" / "plugin"),  # contains a slash: relative to the kubeconfig
        api_version="client.authentication.k8s.io/v1beta1",
        args=("get-token",),
        env=(("A", "1"),),
        provide_cluster_info=True,
        install_hint="install it",
    )
    assert config.cluster_extension == {"audience": "a"}
    info = exec_info(config.exec, config)
    assert info["spec"] == {"interactive": False, "cluster": {"server": "https://x", "config": {"audience": "a"}}}


def test_kubeconfig_env_lists_several_files(tmp_path: Path) -> None:
    a, b = write(tmp_path / "a", SIMPLE), tmp_path / "missing"
    assert kubeconfig_paths({"KUBECONFIG": f"{a}:{b}:{a}"}) == [a]
    home = tmp_path / "home"
    (home / ".kube").mkdir(parents=True)
    write(home / ".kube" / "config", SIMPLE)
    assert kubeconfig_paths({"HOME": str(home)}) == [home / ".kube" / "config"]


def test_load_config_prefers_explicit_file(tmp_path: Path) -> None:
    assert load_config(write(tmp_path / "kc", SIMPLE)).server == "https://example:6443"


def test_incluster(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("tok\n")
    (tmp_path / "ca.crt").write_bytes(b"CA")
    (tmp_path / "namespace").write_text("kube-system")
    config = load_incluster(tmp_path, {"KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"})
    assert config.server == "https://[fd00::1]:443"
    assert (config.namespace, config.ca_data, config.token_file) == ("kube-system", b"CA", tmp_path / "token")
    with pytest.raises(ConfigError, match="not running in a cluster"):
        load_incluster(tmp_path, {})


VALID = b'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":%s}'


def test_exec_credential_parsing() -> None:
    cred = parse_exec_credential(
        VALID % b'{"token":"abc","expirationTimestamp":"2030-01-02T03:04:05Z"}', "client.authentication.k8s.io/v1"
    )
    assert cred.token == "abc" and cred.expires_at is not None and cred.expires_at.year == 2030
    cert = parse_exec_credential(VALID % b'{"clientCertificateData":"C","clientKeyData":"K"}',
                                 "client.authentication.k8s.io/v1")  # fmt: skip
    assert (cert.client_cert_data, cert.client_key_data, cert.expires_at) == (b"C", b"K", None)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"not json", "not JSON"),
        (b'{"kind":"Other"}', "not an ExecCredential"),
        (VALID.replace(b"/v1", b"/v1beta1") % b'{"token":"x"}', "returned apiVersion"),
        (VALID % b"{}", "neither a token nor a client certificate"),
        (VALID % b'{"clientCertificateData":"C"}', "only one of"),
        (VALID % b'{"token":"x","expirationTimestamp":"soon"}', "not RFC 3339"),
    ],
)
def test_bad_exec_credentials(raw: bytes, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_exec_credential(raw, "client.authentication.k8s.io/v1")


async def test_token_file_is_reread_after_its_period(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    token = tmp_path / "token"
    token.write_text("first\n")
    auth = Authenticator(ClusterConfig(server="https://x", token_file=token))
    assert (await auth.credential()).token == "first"
    token.write_text("second")
    assert (await auth.credential()).token == "first"  # cached within the period (client-go: 1 minute)
    monkeypatch.setattr(credentials, "TOKEN_FILE_PERIOD", 0.0)
    assert (await auth.credential()).token == "second"


async def test_static_credentials_win_over_exec_and_token_file(tmp_path: Path) -> None:
    plugin = ExecConfig(command="/nonexistent", api_version="client.authentication.k8s.io/v1")
    auth = Authenticator(ClusterConfig(server="https://x", token="static", token_file=tmp_path / "none", exec=plugin))
    assert (await auth.credential()).token == "static"


async def test_missing_exec_command_mentions_install_hint() -> None:
    plugin = ExecConfig(command="/nonexistent/plugin", api_version="client.authentication.k8s.io/v1",
                        install_hint="brew install plugin")  # fmt: skip
    auth = Authenticator(ClusterConfig(server="https://x", exec=plugin))
    with pytest.raises(ConfigError, match=r"cannot run exec plugin /nonexistent/plugin: .*\(brew install plugin\)"):
        await auth.credential()
