"""`resource-manager render`: what it packs decodes back to the same objects (pure, property), Secrets stay
below 1 MiB, names are content checksums; and a rendered MR applied with kubectl converges (cluster)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from devcluster import Cluster
from resource_manager.api.references import LABEL, annotation_key
from resource_manager.source.pack import SECRET_LIMIT, RenderError, Source, data_key, render
from resource_manager.source.secret_data import decode_secrets

CLI = str(Path(sys.executable).parent / "resource-manager")


def configmap_yaml(name: str, size: int = 10, namespace: str = "") -> str:
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    return yaml.safe_dump({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"k": "x" * size}})


def decoded(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    manifests, errors = decode_secrets(objects[:-1])
    assert errors == []
    return [m.obj for m in manifests]


@pytest.mark.parametrize("compression", [None, "br", "gz", "zst"])
def test_round_trip_and_gardener_conventions(compression: str | None) -> None:
    sources = [
        Source("b.yaml", (configmap_yaml("b") + "---\n" + configmap_yaml("c")).encode()),
        Source("a.yaml", configmap_yaml("a").encode()),
    ]
    objects = render(sources, "app", "garden", compression)
    *secrets, mr = objects
    assert len(secrets) == 1
    secret = secrets[0]
    suffix = f".{compression}" if compression else ""
    assert sorted(secret["data"]) == [f"a.yaml{suffix}", f"b.yaml{suffix}"]
    assert secret["immutable"] is True and secret["metadata"]["labels"] == {LABEL: "true"}
    assert secret["metadata"]["name"].startswith("app-") and len(secret["metadata"]["name"]) == len("app-") + 8
    assert [o["metadata"]["name"] for o in decoded(objects)] == ["a", "b", "c"]  # keys in sorted order
    assert mr["spec"] == {"secretRefs": [{"name": secret["metadata"]["name"]}]}
    assert mr["metadata"]["annotations"] == {
        annotation_key("secret", secret["metadata"]["name"]): secret["metadata"]["name"]
    }
    assert render(sources, "app", "garden", compression) == objects  # deterministic: same input, same names


def test_big_input_is_split_below_the_secret_limit() -> None:
    documents = "---\n".join(configmap_yaml(f"cm-{i}", 100_000) for i in range(30))  # ~3 MB in one file
    objects = render([Source("big.yaml", documents.encode())], "big", "ns")
    secrets = objects[:-1]
    assert len(secrets) >= 3
    for secret in secrets:
        size = sum(len(k) + len(v) * 3 // 4 for k, v in secret["data"].items())
        assert size < SECRET_LIMIT
    assert [o["metadata"]["name"] for o in decoded(objects)] == [f"cm-{i}" for i in range(30)]
    assert len({s["metadata"]["name"] for s in secrets}) == len(secrets)


def test_bad_input_is_a_render_error() -> None:
    with pytest.raises(RenderError, match="no manifests given"):
        render([], "x", "ns")
    with pytest.raises(RenderError, match=r"two files map to the data key a_b\.yaml"):
        render([Source(data_key("a/b.yaml"), b"a: 1\n"), Source(data_key("a_b.yaml"), b"a: 1\n")], "x", "ns")
    with pytest.raises(RenderError, match="one document is larger than a Secret may be"):
        render([Source("huge.yaml", configmap_yaml("huge", 2 * SECRET_LIMIT).encode())], "x", "ns")


names = st.from_regex(r"cm-[a-z0-9]{1,10}", fullmatch=True)  # DNS names, never a YAML bool/number look-alike


@settings(max_examples=40)
@given(
    st.lists(st.lists(names, min_size=1, max_size=4, unique=True), min_size=1, max_size=4),
    st.sampled_from([None, "br", "gz", "zst"]),
)
def test_any_files_round_trip(files: list[list[str]], compression: str | None) -> None:
    sources = [
        Source(f"f{i}.yaml", "---\n".join(configmap_yaml(n) for n in docs).encode()) for i, docs in enumerate(files)
    ]
    expected = [name for docs in files for name in docs]
    assert [o["metadata"]["name"] for o in decoded(render(sources, "m", "ns", compression))] == expected


def test_cli_errors_are_one_line_with_exit_code_2(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("a: [unclosed\n")
    result = subprocess.run([CLI, "render", str(tmp_path / "bad.yaml"), "--name", "x"], capture_output=True, text=True)
    assert result.returncode == 2 and result.stderr.startswith(f"error: {tmp_path / 'bad.yaml'} is not valid YAML")
    assert result.stderr.count("\n") == 1
    result = subprocess.run(
        [CLI, "render", str(tmp_path), "--name", "x", "--compress", "lz4"], capture_output=True, text=True
    )
    assert (result.returncode, result.stderr) == (2, "error: --compress lz4: use one of br, gz, zst\n")


@pytest.mark.cluster
@pytest.mark.parametrize("compression", ["none", "br", "gz", "zst"])
def test_rendered_mr_applied_with_kubectl_converges(
    cluster: Cluster, namespace: str, tmp_path: Path, compression: str
) -> None:
    """Render a directory, `kubectl apply` the output, and a manager running in the namespace applies it."""
    manifests = tmp_path / "app"
    (manifests / "nested").mkdir(parents=True)
    (manifests / "one.yaml").write_text(configmap_yaml("one", namespace=namespace))
    (manifests / "nested" / "two.yaml").write_text(configmap_yaml("two", namespace=namespace))
    command = [CLI, "render", str(manifests), "--name", "rendered", "-n", namespace]
    if compression != "none":
        command += ["--compress", compression]
    rendered = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    cluster.kubectl("apply", "-f", "-", stdin=rendered)
    manager = subprocess.Popen(
        [CLI, "run", "--kubeconfig", str(cluster.kubeconfig), "--namespace", namespace, "--no-leader-elect",
         "--metrics-bind-address", "127.0.0.1:0", "--health-bind-address", "127.0.0.1:0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        applied = 'jsonpath={.status.conditions[?(@.type=="ResourcesApplied")].status}'
        deadline = time.monotonic() + 60
        while cluster.kubectl("get", "-n", namespace, "mr/rendered", "-o", applied).stdout != "True":
            assert time.monotonic() < deadline, "the rendered MR was not applied within 60 s"
            time.sleep(0.2)
        for name in ("one", "two"):
            assert cluster.kubectl("get", "configmap", name, "-n", namespace, "-o", "name").stdout.strip()
        cluster.kubectl("delete", "-n", namespace, "mr/rendered", "--timeout=60s")
    finally:
        manager.terminate()
        manager.wait(timeout=60)
