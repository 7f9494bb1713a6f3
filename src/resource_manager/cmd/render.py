"""`resource-manager render`: manifests on disk → Secret(s) + ManagedResource on stdout (no cluster needed).

Why a command: writing an MR by hand means base64, compression and the 1 MiB limit; this prints
something `kubectl apply -f -` takes as is. Bad input ends with exit code 2 and one line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer
import yaml

from kubecore.cli import UsageFailure
from resource_manager.source.pack import COMPRESSIONS, RenderError, Source, data_key, render

SUFFIXES = (".yaml", ".yml", ".json")


def sources_of(paths: list[Path]) -> list[Source]:
    """Files as given; directories by their manifest files, recursively, in name order."""
    sources: list[Source] = []
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
            sources += [Source(data_key(str(f.relative_to(path))), _read(f)) for f in files]
        else:
            sources.append(Source(data_key(path.name), _read(path)))
    return sources


def _read(path: Path) -> bytes:
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise RenderError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        list(yaml.load_all(content, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    except yaml.YAMLError as exc:
        raise RenderError(f"{path} is not valid YAML: {str(exc).splitlines()[0]}") from None
    return content


def render_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Manifest files or directories (.yaml, .yml, .json).")],
    name: Annotated[str, typer.Option("--name", help="Name of the ManagedResource.")],
    namespace: Annotated[
        str, typer.Option("--namespace", "-n", help="Namespace of the MR and its Secrets.")
    ] = "default",
    compress: Annotated[str | None, typer.Option(help="Compress the data: br, gz or zst.")] = None,
    output: Annotated[str, typer.Option("--output", "-o", help="yaml or json.")] = "yaml",
) -> None:
    """Print Secret(s) holding the manifests and a ManagedResource referencing them."""
    try:
        if compress is not None and compress not in COMPRESSIONS:
            raise RenderError(f"--compress {compress}: use one of {', '.join(COMPRESSIONS)}")
        if output not in ("yaml", "json"):
            raise RenderError(f"--output {output}: use yaml or json")
        objects = render(sources_of(paths), name, namespace, compress)
    except RenderError as exc:
        raise UsageFailure(str(exc)) from None
    if output == "json":
        listing = {"apiVersion": "v1", "kind": "List", "items": objects}
        typer.echo(orjson.dumps(listing, option=orjson.OPT_INDENT_2).decode())
    else:
        typer.echo("---\n".join(yaml.safe_dump(obj, sort_keys=False) for obj in objects), nl=False)
