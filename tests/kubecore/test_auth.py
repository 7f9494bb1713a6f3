"""Authentication against the real API server: tokens, token files, client certificates, exec plugins,
in-cluster config, and what a Forbidden error tells the user."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from devcluster import Cluster
from kubecore import (
    Client,
    ClusterConfig,
    ConfigError,
    Forbidden,
    Unauthorized,
    load_incluster,
    load_kubeconfig,
)

pytestmark = pytest.mark.cluster


async def whoami(config: ClusterConfig) -> str:
    """The user name the API server authenticated us as (SelfSubjectReview)."""
    async with Client(config) as c:
        review = await c.create({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})
    name: str = review["status"]["userInfo"]["username"]
    return name


async def service_account_token(client: Client, namespace: str, name: str) -> str:
    """A token for a new ServiceAccount (no RBAC bindings) via the TokenRequest API."""
    await client.create({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name}}, namespace=namespace)
    request = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {"expirationSeconds": 3600}}
    path = f"/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token"
    response = await client.transport.request("POST", path, body=request)
    token: str = response["status"]["token"]
    return token


def write_kubeconfig(path: Path, cluster: dict[str, Any], user: dict[str, Any], namespace: str = "default") -> Path:
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "ctx",
        "clusters": [{"name": "c", "cluster": cluster}],
        "users": [{"name": "u", "user": user}],
        "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "u", "namespace": namespace}}],
    }
    path.write_text(yaml.safe_dump(doc))
    return path


def cluster_entry(cluster: Cluster) -> dict[str, Any]:
    return {"server": cluster.server, "certificate-authority": str(cluster.ca_file)}


async def test_static_bearer_token(cluster: Cluster, tmp_path: Path) -> None:
    config = load_kubeconfig(
        [write_kubeconfig(tmp_path / "kc", cluster_entry(cluster), {"token": cluster.admin_token})]
    )
    user = await whoami(config)
    assert user and user != "system:anonymous"
    async with Client(config) as c:
        assert (await c.get("v1", "Namespace", "default"))["metadata"]["name"] == "default"


async def test_forbidden_error_names_user_verb_and_resource(client: Client, cluster: Cluster, namespace: str) -> None:
    token = await service_account_token(client, namespace, "nobody")
    config = ClusterConfig(server=cluster.server, ca_data=cluster.ca_file.read_bytes(), token=token)
    async with Client(config) as c:
        with pytest.raises(Forbidden) as err:
            await c.list("v1", "Secret", namespace=namespace)
    e = err.value
    assert (e.code, e.reason) == (403, "Forbidden")
    assert e.details["kind"] == "secrets"
    expected = (
        f'secrets is forbidden: User "system:serviceaccount:{namespace}:nobody" cannot list resource "secrets" '
        f'in API group "" in the namespace "{namespace}"'
    )
    assert e.message == expected
    assert str(e).startswith(f"Forbidden (403) on GET /api/v1/namespaces/{namespace}/secrets: {expected}")
    assert token not in str(e)


def sign_client_cert(cluster: Cluster, directory: Path, common_name: str) -> tuple[bytes, bytes]:
    """A client certificate for `common_name` signed by the cluster's CA (openssl), as PEM bytes."""
    key, csr, crt, ext = (directory / n for n in ("user.key", "user.csr", "user.crt", "ext.cnf"))
    ext.write_text("extendedKeyUsage=clientAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n")
    run = ["openssl"]
    subprocess.run([*run, "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    subprocess.run(
        [*run, "req", "-new", "-key", str(key), "-subj", f"/CN={common_name}", "-out", str(csr)],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [*run, "x509", "-req", "-in", str(csr), "-CA", str(cluster.pki_dir / "ca.crt"),
         "-CAkey", str(cluster.pki_dir / "ca.key"), "-CAcreateserial", "-days", "1",
         "-extfile", str(ext), "-out", str(crt)],
        check=True, capture_output=True,
    )  # fmt: skip
    return crt.read_bytes(), key.read_bytes()


async def test_client_certificate_inline_data_and_relative_ca_path(cluster: Cluster, tmp_path: Path) -> None:
    cert, key = sign_client_cert(cluster, tmp_path, "kubecore-nobody")
    (tmp_path / "ca.pem").write_bytes(cluster.ca_file.read_bytes())
    user = {
        "client-certificate-data": base64.b64encode(cert).decode(),
        "client-key-data": base64.b64encode(key).decode(),
    }
    kubeconfig = write_kubeconfig(tmp_path / "kc", {"server": cluster.server, "certificate-authority": "ca.pem"}, user)
    config = load_kubeconfig([kubeconfig])
    assert await whoami(config) == "kubecore-nobody"
    async with Client(config) as c:
        with pytest.raises(Forbidden) as err:
            await c.get("v1", "Namespace", "default")
    assert 'User "kubecore-nobody" cannot get resource "namespaces"' in err.value.message


async def test_admin_client_certificate_files(cluster: Cluster) -> None:
    assert await whoami(load_kubeconfig([cluster.kubeconfig])) == "admin"


async def test_incluster_config_rereads_rotated_token_after_401(
    client: Client, cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    """A 401 makes the client re-read the token file once before giving up (kubelet token rotation)."""
    (tmp_path / "token").write_text("not-a-valid-token")
    (tmp_path / "ca.crt").write_bytes(cluster.ca_file.read_bytes())
    (tmp_path / "namespace").write_text(namespace)
    host, port = cluster.server.removeprefix("https://").rsplit(":", 1)
    config = load_incluster(tmp_path, {"KUBERNETES_SERVICE_HOST": host, "KUBERNETES_SERVICE_PORT": port})
    assert config.namespace == namespace and config.token_file == tmp_path / "token"
    review = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
    async with Client(config) as c:
        with pytest.raises(Unauthorized):
            await c.get("v1", "Namespace", "default")
        assert c.transport.stats.count("GET", 401) == 2  # the first try and the one after re-reading
        (tmp_path / "token").write_text(await service_account_token(client, namespace, "rotated"))
        user = (await c.create(review))["status"]["userInfo"]["username"]
    assert user == f"system:serviceaccount:{namespace}:rotated"


PLUGIN = """\
import json, os, sys
info = json.loads(os.environ["KUBERNETES_EXEC_INFO"])
with open(sys.argv[1], "a") as log:
    log.write(json.dumps(info) + "\\n")
status = {"expirationTimestamp": os.environ["EXPIRES"]} if os.environ.get("EXPIRES") else {}
if os.environ.get("TOKEN"):
    status["token"] = os.environ["TOKEN"]
else:
    status["clientCertificateData"] = open(os.environ["CERT"]).read()
    status["clientKeyData"] = open(os.environ["KEY"]).read()
print(json.dumps({"apiVersion": info["apiVersion"], "kind": "ExecCredential", "status": status}))
"""


def exec_kubeconfig(cluster: Cluster, tmp_path: Path, api_version: str, env: dict[str, str]) -> tuple[Path, Path]:
    """A kubeconfig whose user is our test plugin; returns it and the plugin's invocation log."""
    script, calls = tmp_path / "plugin.py", tmp_path / "calls.jsonl"
    script.write_text(PLUGIN)
    entry = {
        **cluster_entry(cluster),
        "extensions": [{"name": "client.authentication.k8s.io/exec", "extension": {"audience": "kubecore"}}],
    }
    user = {
        "exec": {
            "apiVersion": api_version,
            "command": sys.executable,
            "args": [str(script), str(calls)],
            "env": [{"name": k, "value": v} for k, v in env.items()],
            "provideClusterInfo": True,
            "interactiveMode": "Never",
        }
    }
    return write_kubeconfig(tmp_path / "kc", entry, user), calls


def invocations(calls: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in calls.read_text().splitlines()] if calls.exists() else []


async def test_exec_plugin_v1_token_is_cached_until_expiry(cluster: Cluster, tmp_path: Path) -> None:
    expires = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    kubeconfig, calls = exec_kubeconfig(
        cluster, tmp_path, "client.authentication.k8s.io/v1", {"TOKEN": cluster.admin_token, "EXPIRES": expires}
    )
    config = load_kubeconfig([kubeconfig])
    async with Client(config) as c:
        for _ in range(3):
            await c.get("v1", "Namespace", "default")
    runs = invocations(calls)
    assert len(runs) == 1  # discovery + 3 GETs, one plugin run
    info = runs[0]
    assert info["apiVersion"] == "client.authentication.k8s.io/v1" and info["kind"] == "ExecCredential"
    assert info["spec"]["interactive"] is False
    assert info["spec"]["cluster"]["server"] == cluster.server
    assert base64.b64decode(info["spec"]["cluster"]["certificate-authority-data"]) == cluster.ca_file.read_bytes()
    assert info["spec"]["cluster"]["config"] == {"audience": "kubecore"}


async def test_exec_plugin_reruns_once_credential_expired(cluster: Cluster, tmp_path: Path) -> None:
    kubeconfig, calls = exec_kubeconfig(
        cluster, tmp_path, "client.authentication.k8s.io/v1",
        {"TOKEN": cluster.admin_token, "EXPIRES": "2020-01-01T00:00:00Z"},
    )  # fmt: skip
    async with Client(load_kubeconfig([kubeconfig])) as c:
        await c.get("v1", "Namespace", "default")
        runs_after_first = len(invocations(calls))
        await c.get("v1", "Namespace", "default")
    assert len(invocations(calls)) == runs_after_first + 1


async def test_exec_plugin_v1beta1_client_certificate(cluster: Cluster, tmp_path: Path) -> None:
    kubeconfig, calls = exec_kubeconfig(
        cluster, tmp_path, "client.authentication.k8s.io/v1beta1",
        {"CERT": str(cluster.admin_cert_file), "KEY": str(cluster.admin_key_file)},
    )  # fmt: skip
    assert await whoami(load_kubeconfig([kubeconfig])) == "admin"
    assert invocations(calls)[0]["apiVersion"] == "client.authentication.k8s.io/v1beta1"


async def test_failing_exec_plugin_gives_a_clear_config_error(cluster: Cluster, tmp_path: Path) -> None:
    script = tmp_path / "fail.py"
    script.write_text("import sys\nprint('token expired, run login', file=sys.stderr)\nsys.exit(3)\n")
    user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": sys.executable,
                     "args": [str(script)], "interactiveMode": "Never"}}  # fmt: skip
    config = load_kubeconfig([write_kubeconfig(tmp_path / "kc", cluster_entry(cluster), user)])
    async with Client(config) as c:
        with pytest.raises(ConfigError) as err:
            await c.get("v1", "Namespace", "default")
    assert str(err.value) == f"exec plugin {sys.executable} exited with 3: token expired, run login"


async def test_unknown_ca_is_a_config_error_and_insecure_skips_verification(cluster: Cluster, tmp_path: Path) -> None:
    other_ca = tmp_path / "other-ca.pem"
    other_ca.write_bytes((cluster.pki_dir / "front-proxy-ca.crt").read_bytes())  # a CA that did not sign the server
    token = {"token": cluster.admin_token}
    wrong_ca = {"server": cluster.server, "certificate-authority": str(other_ca)}
    wrong = load_kubeconfig([write_kubeconfig(tmp_path / "a", wrong_ca, token)])
    async with Client(wrong) as c:
        with pytest.raises(ConfigError, match=r"TLS with https://127\.0\.0\.1:\d+ failed .*certificate verify failed"):
            await c.get("v1", "Namespace", "default")
        assert c.transport.stats.count(code="error") == 1  # not retried
    insecure = load_kubeconfig(
        [write_kubeconfig(tmp_path / "b", {"server": cluster.server, "insecure-skip-tls-verify": True}, token)]
    )
    async with Client(insecure) as c:
        assert (await c.get("v1", "Namespace", "default"))["metadata"]["name"] == "default"
