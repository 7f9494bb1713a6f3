"""Every command of `kstatus`, `resource-manager` and `rm-dev` follows the one CLI convention
(docs/cli.md): `-h`/`--help` with plain help and real metavars, `--version`, `completion`, exit 2
with one line on usage errors, exit 3 with one line within 2 s when the cluster is unreachable."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
import uvloop

from devcluster.cli import app as dev_app
from devcluster.cli import main as dev_main
from kstatus.cli import app as kstatus_app
from kstatus.cli import main as kstatus_main
from kubecore.cli import run_async
from kubecore.version import VERSION
from resource_manager.cmd.cli import app as rm_app
from resource_manager.cmd.cli import main as rm_main

Main = Callable[[list[str] | None], None]
TOOLS: list[tuple[str, typer.Typer, Main]] = [
    ("kstatus", kstatus_app, kstatus_main),
    ("resource-manager", rm_app, rm_main),
    ("rm-dev", dev_app, dev_main),
]
BIN = Path(sys.executable).parent


def command_paths(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command and group of a click tree, with the words that reach it."""
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from command_paths(sub, (*path, name))


ALL_COMMANDS = [
    (prog, main, path, command)
    for prog, app, main in TOOLS
    for path, command in command_paths(typer.main.get_command(app))
]
IDS = [" ".join((prog, *path)) for prog, _, path, _ in ALL_COMMANDS]


def call(main: Main, args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


@pytest.mark.parametrize(("prog", "main", "path", "command"), ALL_COMMANDS, ids=IDS)
def test_help_is_plain_with_real_metavars_and_every_option(
    prog: str, main: Main, path: tuple[str, ...], command: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, short, _ = call(main, [*path, "-h"], capsys)
    assert (code, call(main, [*path, "--help"], capsys)[1]) == (0, short)
    assert f"Usage:\n  {' '.join((prog, *path))} [options]" in short
    assert not re.search(r"<(str|int|float|bool|path|list|dict|[a-z]+ range)\b", short), "Python types as metavars"
    assert not set("╭╮╰╯│─") & set(short), "boxes"
    for param in command.params:
        if param.param_type_name == "option" and not param.hidden:
            for name in param.opts:
                assert re.search(rf"(^|[ ,]){re.escape(name)}([ ,/]|$)", short, re.M), f"{name} missing from help"
            if not param.is_flag:  # the value's placeholder is a word, not a type
                assert re.search(rf"{re.escape(max(param.opts, key=len))} [A-Za-z|\-]+", short)
    assert "-h, --help" in short


@pytest.mark.parametrize(("prog", "main", "path", "command"), ALL_COMMANDS, ids=IDS)
def test_unknown_option_is_a_usage_error_in_one_line(
    prog: str, main: Main, path: tuple[str, ...], command: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = call(main, [*path, "--zzzz"], capsys)
    assert (code, out) == (2, "")
    assert err == f"error: No such option: --zzzz (see '{' '.join((prog, *path))} -h')\n"


@pytest.mark.parametrize(("prog", "app", "main"), TOOLS, ids=[t[0] for t in TOOLS])
def test_version_missing_and_unknown_command(
    prog: str, app: typer.Typer, main: Main, capsys: pytest.CaptureFixture[str]
) -> None:
    assert call(main, ["--version"], capsys) == (0, f"{prog} {VERSION}\n", "")
    assert call(main, [], capsys) == (2, "", f"error: Missing command (see '{prog} -h')\n")
    code, _, err = call(main, ["frobnicate"], capsys)
    assert code == 2 and err.startswith("error: No such command 'frobnicate'") and err.count("\n") == 1


@pytest.mark.parametrize("prog", [t[0] for t in TOOLS])
def test_completion_scripts_and_answers(prog: str) -> None:
    variable = f"_{prog.replace('-', '_').upper()}_COMPLETE"
    for shell in ("bash", "zsh", "fish"):
        done = subprocess.run([BIN / prog, "completion", shell], capture_output=True, text=True)
        assert done.returncode == 0 and variable in done.stdout, done.stderr
    wrong = subprocess.run([BIN / prog, "completion", "tcsh"], capture_output=True, text=True)
    assert wrong.returncode == 2 and wrong.stderr.count("\n") == 1
    env = {**os.environ, variable: "complete_bash", "COMP_WORDS": f"{prog} comp", "COMP_CWORD": "1"}
    answer = subprocess.run([BIN / prog], env=env, capture_output=True, text=True)
    assert answer.stdout.split() == ["completion"]


def test_the_product_has_no_development_commands(capsys: pytest.CaptureFixture[str]) -> None:
    for dev_only in ("demo", "dev-cluster"):
        assert call(rm_main, [dev_only], capsys)[0] == 2


@pytest.fixture
def dead_kubeconfig(tmp_path: Path) -> tuple[Path, str]:
    """A kubeconfig whose server is a free port of 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        server = f"https://127.0.0.1:{sock.getsockname()[1]}"
    path = tmp_path / "dead.kubeconfig"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: dead\n"
        f"clusters: [{{name: dead, cluster: {{server: '{server}', insecure-skip-tls-verify: true}}}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: dead, context: {cluster: dead, user: u}}]\n"
    )
    return path, server


CLUSTER_COMMANDS = [
    ["kstatus", "status", "configmap/x"],
    ["kstatus", "wait", "configmap/x"],
    ["resource-manager", "install-crds"],
    ["resource-manager", "run"],
]


@pytest.mark.parametrize("command", CLUSTER_COMMANDS, ids=[" ".join(c) for c in CLUSTER_COMMANDS])
def test_cluster_errors_exit_3_in_one_line(command: list[str], dead_kubeconfig: tuple[Path, str]) -> None:
    path, server = dead_kubeconfig
    argv = [str(BIN / command[0]), *command[1:], "--kubeconfig", str(path)]
    took = []
    for _ in range(3):  # the best of three: a busy machine slows the interpreter's start, not the error
        started = time.monotonic()
        done = subprocess.run(argv, capture_output=True, text=True)
        took.append(time.monotonic() - started)
        assert (done.returncode, done.stderr) == (3, f"error: cannot reach {server}: connection refused\n")
        if min(took) < 2.0:
            break
    assert min(took) < 2.0
    argv[-1] += ".nope"
    missing = subprocess.run(argv, capture_output=True, text=True)
    assert missing.returncode == 3 and missing.stderr.startswith("error: cannot read kubeconfig ")
    assert missing.stderr.count("\n") == 1


def test_commands_run_their_coroutines_on_uvloop() -> None:
    async def loop_and_answer() -> tuple[type, int]:
        await asyncio.sleep(0)
        return type(asyncio.get_running_loop()), 42

    loop_type, answer = run_async(loop_and_answer())
    assert (loop_type, answer) == (uvloop.Loop, 42)
    with pytest.raises(RuntimeError):  # the loop is closed afterwards, like asyncio.run's
        asyncio.get_running_loop()
