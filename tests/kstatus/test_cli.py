"""The offline CLI: `kstatus status -f`, its output formats and its exit codes."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kstatus.cli import main

CURRENT = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: ns}\n"
IN_PROGRESS = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: ns}\nspec: {replicas: 2}\n"
FAILED = (
    "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
    "status: {conditions: [{type: Stalled, status: 'True', reason: Broken, message: gave up}]}\n"
)
UNKNOWN = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nstatus: {phase: Unknown}\n"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def write(tmp_path: Path, *documents: str) -> str:
    path = tmp_path / "manifests.yaml"
    path.write_text("---\n".join(documents))
    return str(path)


def test_all_current_exits_0_with_a_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["status", "-f", write(tmp_path, CURRENT)], capsys)
    assert code == 0 and err == ""
    assert out.splitlines() == [
        "NAMESPACE   KIND        NAME   STATUS    MESSAGE",
        "ns          ConfigMap   cm     Current   Resource is always ready",
    ]


def test_any_failed_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["status", "-f", write(tmp_path, CURRENT, IN_PROGRESS, FAILED)], capsys)
    assert code == 1
    assert "Failed       gave up" in out


def test_in_progress_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["status", "-f", write(tmp_path, CURRENT, IN_PROGRESS)], capsys)
    assert code == 1
    assert "InProgress   Replicas: 0/2" in out


def test_compute_error_is_unknown_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["status", "-f", write(tmp_path, UNKNOWN), "-o", "json"], capsys)
    assert code == 1
    (record,) = json.loads(out)["items"]
    assert record["status"] == "Unknown"
    assert record["message"] == "status.phase: unknown phase Unknown"


def test_json_output_carries_identity_and_conditions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["status", "-f", write(tmp_path, IN_PROGRESS), "-o", "json"], capsys)
    document = json.loads(out)
    assert (document["apiVersion"], document["kind"]) == ("kstatus.resource-manager.dev/v1", "StatusList")
    assert document["items"] == [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "namespace": "ns",
            "name": "web",
            "status": "InProgress",
            "message": "Replicas: 0/2",
            "conditions": [
                {"type": "Reconciling", "status": "True", "reason": "LessReplicas", "message": "Replicas: 0/2"}
            ],
            "generated": [],
        }
    ]


def test_yaml_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["status", "-f", write(tmp_path, CURRENT), "-o", "yaml"], capsys)
    assert yaml.safe_load(out)["items"][0]["status"] == "Current"


def test_wide_and_name_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, CURRENT, IN_PROGRESS)
    _, out, _ = run(["status", "-f", path, "-o", "wide"], capsys)
    assert out.splitlines() == [
        "NAMESPACE   KIND              NAME   STATUS       REASON         MESSAGE",
        "ns          ConfigMap         cm     Current                     Resource is always ready",
        "ns          Deployment.apps   web    InProgress   LessReplicas   Replicas: 0/2",
    ]
    _, out, _ = run(["status", "-f", path, "-o", "name"], capsys)
    assert out.splitlines() == ["configmap/cm", "deployment.apps/web"]


def test_stdin_and_list_expansion(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    listing = {"apiVersion": "v1", "kind": "List", "items": [yaml.safe_load(CURRENT), yaml.safe_load(CURRENT)]}
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(listing)))
    code, out, _ = run(["status", "-f", "-", "-o", "json"], capsys)
    assert code == 0 and len(json.loads(out)["items"]) == 2


def test_option_flags_reach_compute(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    job = (
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nstatus: {startTime: '2024-01-01T00:00:00Z', active: 1}\n"
    )
    cr = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, generation: 1}\n"
    ingress = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\n"
    path = write(tmp_path, job, cr, ingress)
    assert run(["status", "-f", path], capsys)[0] == 0
    assert run(["status", "-f", path, "--jobs", "complete"], capsys)[0] == 1
    assert run(["status", "-f", path, "--strict"], capsys)[0] == 1
    assert run(["status", "-f", path, "--extended"], capsys)[0] == 1


def test_rules_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n- apiVersion: v1\n  kind: ConfigMap\n  failed: 'true'\n")
    code, out, _ = run(["status", "-f", write(tmp_path, CURRENT), "--rules", str(rules)], capsys)
    assert code == 1 and "Rule matched: true" in out


def test_rules_without_the_cel_extra_say_what_to_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "celpy", None)  # as if cel-python were not installed
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n- apiVersion: v1\n  kind: ConfigMap\n  failed: 'true'\n")
    code, _, err = run(["status", "-f", write(tmp_path, CURRENT), "--rules", str(rules)], capsys)
    assert (code, err) == (2, "error: --rules needs the CEL engine: pip install 'kstatus[cel]'\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["status"], "error: nothing to look at: "),
        (["status", "-f", "/nonexistent.yaml"], "error: /nonexistent.yaml: no such file or directory"),
        (["status", "-f", "BAD", "-o", "xml"], "error: Invalid value for '-o' / '--output'"),
        (["status", "-f", "BAD", "--jobs", "all"], "error: Invalid value for '--jobs'"),
        (["status", "-f", "BAD", "--rules", "/nonexistent-rules.yaml"], "error: /nonexistent-rules.yaml: cannot read"),
        (["status", "deployment"], "error: 'deployment': give TYPE/NAME, or TYPE with -l SELECTOR, --all or -A"),
        (["status", "-l", "app=web", "-f", "BAD"], "error: -l, --all and -A select objects of a TYPE argument"),
        (["stat"], "error: No such command 'stat'. Did you mean 'status'? (see 'kstatus -h')"),
        ([], "error: Missing command (see 'kstatus -h')"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [write(tmp_path, "kind: [") if a == "BAD" else a for a in args]
    code, out, err = run(args, capsys)
    assert code == 2 and out == ""
    assert err.startswith(message)
    assert err.count("\n") == 1


def test_invalid_yaml_and_empty_input_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["status", "-f", write(tmp_path, "kind: [")], capsys)
    assert code == 2 and "invalid YAML at line 2" in err
    code, _, err = run(["status", "-f", write(tmp_path, "---\n")], capsys)
    assert code == 2 and err.startswith("error: no objects found in ")


def test_console_script_runs_without_traceback(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "kstatus"
    env = {**os.environ, "COLUMNS": "120"}
    done = subprocess.run(
        [str(script), "status", "-f", write(tmp_path, UNKNOWN + "x: [")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stderr.startswith("error: ")
    done = subprocess.run(
        [str(script), "status", "-f", write(tmp_path, CURRENT)], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0 and "Resource is always ready" in done.stdout


def test_terminal_table_is_drawn_by_rich_with_the_same_columns() -> None:
    from kstatus.render import render

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    records = [{"namespace": "ns", "kind": "Pod", "name": "p", "status": "Failed", "message": "crash"}]
    stream = Terminal()
    render(records, "table", stream)
    drawn = stream.getvalue()
    assert "\x1b[" in drawn  # coloured
    lines = re.sub(r"\x1b\[[0-9;]*m", "", drawn).splitlines()
    assert lines[0].split() == ["NAMESPACE", "KIND", "NAME", "STATUS", "MESSAGE"]
    assert lines[1].split() == ["ns", "Pod", "p", "Failed", "crash"]


def test_pdb_observed_flag_reaches_the_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pdb = (
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: b, namespace: ns, generation: 1}\n"
        "spec: {minAvailable: 1}\n"
    )
    upstream, _, _ = run(["status", "-f", write(tmp_path, pdb)], capsys)
    observed, out, _ = run(["status", "-f", write(tmp_path, pdb), "--pdb", "observed"], capsys)
    assert (upstream, observed) == (0, 1)
    assert "has not been observed by its controller yet" in out
