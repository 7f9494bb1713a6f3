"""`resource-manager status`: ManagedResources, their conditions and each object's kstatus (network).

Why: `kubectl get mr` shows three condition columns; when one is not True the next question is always
"which object?". This answers it in one command: per MR its conditions, and with an MR name or `-o wide`
every object of `status.resources` with its kstatus (the extended rules the controller uses for health).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kubecore.durations import human_duration
from resource_manager.api import conditions as cond

if TYPE_CHECKING:
    from kubecore import Client

CONDITIONS = (cond.APPLIED, cond.HEALTHY, cond.PROGRESSING)
Obj = dict[str, Any]


def object_status(live: Obj | None) -> tuple[str, str]:
    """kstatus of one live object (``NotFound`` when it is gone); the controller's extended rules."""
    from kstatus import ComputeError, Options, compute

    if live is None:
        return "NotFound", ""
    try:
        result = compute(live, options=Options(extended=True))
    except ComputeError as exc:
        return "Unknown", str(exc)
    return str(result.status), result.message


async def _object(client: Client, ref: Mapping[str, Any]) -> Obj:
    from kubecore import NoMatchError, NotFound

    api_version, kind = str(ref.get("apiVersion", "")), str(ref.get("kind", ""))
    name, namespace = str(ref.get("name", "")), ref.get("namespace") or None
    try:
        live: Obj | None = await client.get(api_version, kind, name, namespace=namespace)
    except (NotFound, NoMatchError):
        live = None
    status, message = object_status(live)
    return {"apiVersion": api_version, "kind": kind, "namespace": namespace or "", "name": name,
            "status": status, "message": message}  # fmt: skip


def summary(mr: Mapping[str, Any], objects: list[Obj] | None) -> Obj:
    """What we print for one MR (also the -o json/yaml shape)."""
    meta = mr.get("metadata") or {}
    conditions = {c.get("type"): c for c in (mr.get("status") or {}).get("conditions") or []}
    row: Obj = {
        "namespace": meta.get("namespace", ""),
        "name": meta.get("name", ""),
        "class": (mr.get("spec") or {}).get("class") or "",
        "created": meta.get("creationTimestamp", ""),
        "conditions": [
            {k: conditions[t].get(k, "") for k in ("type", "status", "reason", "message")}
            for t in CONDITIONS
            if t in conditions
        ],
    }
    if objects is not None:
        row["objects"] = objects
    return row


def _table(rows: list[Obj], now: datetime) -> str:
    header = ["NAMESPACE", "NAME", "CLASS", "APPLIED", "HEALTHY", "PROGRESSING", "AGE"]
    lines = [header]
    for row in rows:
        by_type = {c["type"]: c for c in row["conditions"]}
        cells = [by_type.get(t, {}).get("status", "") or "-" for t in CONDITIONS]
        created = row["created"]
        age = (
            human_duration((now - datetime.fromisoformat(created.replace("Z", "+00:00"))).total_seconds())
            if created
            else ""
        )
        lines.append([row["namespace"], row["name"], row["class"] or "-", *cells, age])
    text = _columns(lines)
    for row in rows:
        if "objects" not in row:
            continue
        text += f"\n{row['namespace']}/{row['name']}:\n"
        for condition in row["conditions"]:
            if condition["status"] != cond.TRUE or condition["type"] == cond.PROGRESSING:
                text += f"  {condition['type']}={condition['status']} ({condition['reason']}): {condition['message']}\n"
        objects = [["  KIND", "NAMESPACE", "NAME", "STATUS", "MESSAGE"]]
        objects += [
            [f"  {o['kind']}", o["namespace"] or "-", o["name"], o["status"], o["message"]] for o in row["objects"]
        ]
        text += _columns(objects)
    return text


def _columns(lines: list[list[str]]) -> str:
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    return "".join(
        "   ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() + "\n" for line in lines
    )


async def collect(client: Client, namespace: str | None, name: str | None, with_objects: bool) -> list[Obj]:
    from resource_manager.api.crd import MR_API_VERSION, MR_KIND

    if name is not None:
        mrs = [await client.get(MR_API_VERSION, MR_KIND, name, namespace=namespace)]
    else:
        mrs = (await client.list(MR_API_VERSION, MR_KIND, namespace=namespace))["items"]
    rows = []
    for mr in sorted(mrs, key=lambda m: (m["metadata"].get("namespace", ""), m["metadata"]["name"])):
        refs = (mr.get("status") or {}).get("resources") or []
        objects = list(await asyncio.gather(*(_object(client, ref) for ref in refs))) if with_objects else None
        rows.append(summary(mr, objects))
    return rows


def status_cmd(
    name: Annotated[str | None, typer.Argument(help="One ManagedResource (shows its objects).")] = None,
    namespace: Annotated[
        str | None, typer.Option("--namespace", "-n", help="Namespace (default: the kubeconfig's).")
    ] = None,
    all_namespaces: Annotated[bool, typer.Option("--all-namespaces", "-A", help="MRs of all namespaces.")] = False,
    output: Annotated[str, typer.Option("--output", "-o", help="table (default), wide, json or yaml.")] = "table",
    kubeconfig: Annotated[Path | None, typer.Option(help="Kubeconfig (default: $KUBECONFIG).")] = None,
) -> None:
    """Show ManagedResources with their conditions and the kstatus of each of their objects."""
    import orjson
    import yaml

    from kubecore.cli import UsageFailure, cli_client, cluster_errors, load_cluster_config, run_async

    if output not in ("table", "wide", "json", "yaml") or (all_namespaces and name is not None):
        raise UsageFailure("use -o table|wide|json|yaml, and an MR name only without -A")

    with_objects = name is not None or output != "table"

    async def main() -> list[Obj]:
        async with cli_client(load_cluster_config(kubeconfig), "status") as client:
            scope = None if all_namespaces else (namespace or client.namespace or "default")
            return await collect(client, scope, name, with_objects)

    with cluster_errors():
        rows = run_async(main())
    if output == "json":
        typer.echo(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
    elif output == "yaml":
        typer.echo(yaml.safe_dump(rows, sort_keys=False), nl=False)
    elif not rows:
        typer.echo("No ManagedResources found.", err=True)
    else:
        typer.echo(_table(rows, datetime.now(UTC)), nl=False)
