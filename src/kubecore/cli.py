"""The command-line convention shared by `kstatus`, `resource-manager` and `rm-dev` (docs/cli.md).

One module so the tools cannot drift apart:

- exit codes: 0 ok, 1 not reached or failed, 2 usage (flags, arguments, input files), 3 cluster
  error (no usable kubeconfig, unreachable, TLS, refused by the API server);
- `-h`/`--help`, `--version` and `completion bash|zsh|fish` on every tool;
- plain, kubectl-like help with real metavars (never Python types, never truncated);
- every failure is one line `error: ...` on stderr, never a traceback.

Commands are declared with typer as usual (`app = App("kstatus", help=...)`, `@app.command()`);
`App` only swaps in the help layout and adds `--version` and `completion`. Commands report
failures by raising `UsageFailure`, `ClusterFailure` or `NotReached`; `run_app(app)` turns those and
typer's own usage errors into the line and the exit code. Their asynchronous work runs with
`run_async(coroutine)`, on uvloop's event loop.
"""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from typer.core import TyperCommand, TyperGroup

from kubecore.version import VERSION

if TYPE_CHECKING:
    from kubecore import Client, ClusterConfig

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
OK, NOT_REACHED, USAGE, CLUSTER_ERROR = 0, 1, 2, 3
INTERRUPTED = 130
# A command-line client gives up on an unreachable server after one retry, ~0.15 s (the controller,
# a long-running process, keeps the transport's default of five).
CLI_MAX_RETRIES = 1
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}
HELP_COLUMN_MAX = 36


class Failure(Exception):
    """A failure the user can act on; `str()` is the one line printed after `error: `."""

    code = NOT_REACHED


class NotReached(Failure):
    """The command ran but its goal was not reached (exit 1)."""


class UsageFailure(Failure):
    """Bad flags, arguments or input files (exit 2)."""

    code = USAGE


class ClusterFailure(Failure):
    """No usable kubeconfig, an unreachable server, or an API error (exit 3)."""

    code = CLUSTER_ERROR


class Shell(StrEnum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


# --- help ---------------------------------------------------------------------------------------


def metavar(param: Any) -> str:
    """The placeholder shown for an option's value or an argument: the declared `metavar`, else
    the last word of the long option name (`--leader-election-namespace` → NAMESPACE)."""
    if param.metavar:
        return str(param.metavar)
    longest: str = max(param.opts, key=len)
    return longest.lstrip("-").rsplit("-", 1)[-1].upper()


def _default(param: Any) -> str:
    default = param.default
    if callable(default) or default in (None, False, "", (), []) or getattr(param, "show_default", None) is False:
        return ""
    values = default if isinstance(default, list | tuple) else [default]
    return ", ".join(str(getattr(v, "value", v)) for v in values)


def option_row(param: Any) -> tuple[str, str]:
    """("-f, --filename FILE", "help (default: x)") for one option, kubectl-aligned."""
    names = sorted(param.opts, key=len)
    short = [n for n in names if not n.startswith("--")]
    left = ", ".join(names) if short else "    " + ", ".join(names)
    if param.secondary_opts:
        left += "/" + "/".join(param.secondary_opts)
    if not param.is_flag:
        left += " " + metavar(param)
    notes = [f"default: {d}" for d in [_default(param)] if d and not param.is_flag]
    if getattr(param, "envvar", None):
        notes.append(f"env: {param.envvar}")
    text = (param.help or "").strip()
    return left, f"{text} ({'; '.join(notes)})" if notes else text


def _rows(rows: list[tuple[str, str]], width: int) -> str:
    """Two columns; long left cells put their text on the next line (nothing is ever cut off)."""
    column = min(max((len(left) for left, _ in rows), default=0), HELP_COLUMN_MAX) + 3
    out = []
    for left, text in rows:
        body = textwrap.wrap(text, max(width - column - 2, 30)) or [""]
        if len(left) + 3 > column:
            out.append(f"  {left}")
            out.extend(" " * (column + 2) + line for line in body)
        else:
            out.append(f"  {left.ljust(column)}{body[0]}")
            out.extend(" " * (column + 2) + line for line in body[1:])
    return "\n".join(line.rstrip() for line in out)


def _first_sentence(text: str) -> str:
    return " ".join(text.split()).split(". ")[0].rstrip(".")


def _width() -> int:
    return max(shutil.get_terminal_size((100, 24)).columns, 80)


def _paragraphs(text: str, width: int) -> str:
    return "\n\n".join(textwrap.fill(" ".join(p.split()), width) for p in textwrap.dedent(text).split("\n\n"))


def help_text(command: Any, ctx: Any) -> str:
    """The whole help page of a command or group."""
    width = _width()
    parts = [_paragraphs(command.help or "", width)] if command.help else []
    parts.append(f"Usage:\n  {ctx.command_path} {' '.join(command.collect_usage_pieces(ctx))}")
    if isinstance(command, TyperGroup):
        subs = [command.get_command(ctx, name) for name in command.list_commands(ctx)]
        rows = [(sub.name or "", _first_sentence(sub.help or "")) for sub in subs if sub is not None and not sub.hidden]
        parts.append("Commands:\n" + _rows(rows, width))
    arguments = [(metavar(p), p.help or "") for p in command.params if p.param_type_name == "argument"]
    if arguments and any(text for _, text in arguments):
        parts.append("Arguments:\n" + _rows(arguments, width))
    options = [option_row(p) for p in command.get_params(ctx) if p.param_type_name == "option" and not p.hidden]
    parts.append("Options:\n" + _rows(options, width))
    if command.epilog:
        parts.append(_paragraphs(command.epilog, width))
    if isinstance(command, TyperGroup):
        parts.append(f'Use "{ctx.command_path} COMMAND -h" for more about a command.')
    return "\n\n".join(parts) + "\n"


class PlainCommand(TyperCommand):
    """A typer command whose help is the plain layout above."""

    def get_help(self, ctx: Any) -> str:
        return help_text(self, ctx)

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = ["[options]"]
        for param in self.params:
            if param.param_type_name == "argument":
                name = metavar(param)
                many = "..." if param.nargs == -1 else ""
                pieces.append(f"{name}{many}" if param.required else f"[{name}{many}]")
        return pieces


class PlainGroup(TyperGroup):
    """A typer group whose help is the plain layout above."""

    def get_help(self, ctx: Any) -> str:
        return help_text(self, ctx)

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return ["[options]", "COMMAND"]


# --- the app ------------------------------------------------------------------------------------


def _print_version(ctx: typer.Context, value: bool) -> None:
    if value:
        typer.echo(f"{ctx.find_root().info_name} {VERSION}")
        raise typer.Exit(OK)


VersionOption = Annotated[
    bool, typer.Option("--version", help="Print the version and exit.", is_eager=True, callback=_print_version)
]


class App(typer.Typer):
    """A typer app following the convention: plain help, `-h`; the top level adds `--version` and
    `completion`. Sub-command groups (`App(..., top=False)`) get neither."""

    def __init__(self, name: str, *, help: str, top: bool = True) -> None:
        super().__init__(
            name=name,
            help=help,
            cls=PlainGroup,
            context_settings=CONTEXT_SETTINGS,
            rich_markup_mode=None,
            pretty_exceptions_enable=False,
            add_completion=False,
            no_args_is_help=False,
        )
        if top:
            self.callback(help=help)(_root)
            self.command("completion")(_completion)

    def command(self, name: str | None = None, **kwargs: Any) -> Callable[[F], F]:
        kwargs.setdefault("cls", PlainCommand)
        kwargs.setdefault("context_settings", CONTEXT_SETTINGS)
        decorator: Callable[[F], F] = super().command(name, **kwargs)
        return decorator


def _root(version: VersionOption = False) -> None:
    """The top-level options."""


def _complete_var(prog: str) -> str:
    return f"_{prog.replace('-', '_').upper()}_COMPLETE"


def _completion(ctx: typer.Context, shell: Annotated[Shell, typer.Argument(metavar="bash|zsh|fish")]) -> None:
    """Print the shell completion script for bash, zsh or fish.

    Load it with `source <(PROGRAM completion bash)` (zsh: the same with zsh; fish:
    `PROGRAM completion fish | source`)."""
    from typer._completion_shared import get_completion_script

    prog = ctx.find_root().info_name or ""
    typer.echo(get_completion_script(prog_name=prog, complete_var=_complete_var(prog), shell=shell.value))


# --- running ------------------------------------------------------------------------------------


def run_async(main: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine to completion on uvloop's event loop: its sockets, TLS and scheduling
    are native code, about 15 % less CPU per API request than the standard loop (docs/performance.md),
    which the controller spends while competing with the API server for the same cores."""
    import asyncio  # here, not at the top: `--help` and `completion` start without either

    import uvloop

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


def run_app(app: typer.Typer, prog: str, argv: list[str] | None = None) -> NoReturn:
    """Console entry point: usage errors exit 2, `Failure`s their code, each as one line."""
    command = typer.main.get_command(app)
    if os.environ.get(_complete_var(prog)):
        from typer._completion_classes import completion_init

        completion_init()
    try:
        code = command.main(args=argv, prog_name=prog, standalone_mode=False)
    except typer.TyperException as err:  # typer's (click's) usage errors
        sys.exit(_error(_usage_line(err), USAGE))
    except Failure as err:
        sys.exit(_error(str(err), err.code))
    except (typer.Abort, KeyboardInterrupt):
        sys.exit(INTERRUPTED)
    sys.exit(code if isinstance(code, int) else OK)


def _usage_line(err: Any) -> str:
    message = err.format_message().strip().rstrip(".")
    ctx = getattr(err, "ctx", None)
    return f"{message} (see '{ctx.command_path} -h')" if ctx is not None else message


def _error(message: str, code: int) -> int:
    print(f"error: {' '.join(message.split())}", file=sys.stderr)
    return code


# --- clusters -----------------------------------------------------------------------------------


def load_cluster_config(kubeconfig: str | Path | None, context: str | None = None) -> ClusterConfig:
    """kubectl's --kubeconfig/--context, then $KUBECONFIG, ~/.kube/config, in-cluster."""
    from kubecore import load_config

    with cluster_errors():
        return load_config(kubeconfig, context=context)


def cli_client(config: ClusterConfig, name: str) -> Client:
    """A client for a command that a person waits for: it gives up on an unreachable server fast."""
    from kubecore import Client

    return Client(config, name=name, max_retries=CLI_MAX_RETRIES)


@contextmanager
def cluster_errors() -> Iterator[None]:
    """Config, connection and API failures become `ClusterFailure` (one line, exit 3)."""
    import aiohttp

    from kubecore import KubeError

    try:
        yield
    except KubeError as err:
        raise ClusterFailure(str(err)) from None
    except (aiohttp.ClientError, OSError, TimeoutError) as err:
        raise ClusterFailure(f"cannot reach the cluster: {err or type(err).__name__}") from None
