"""Crash anywhere: SIGKILL `resource-manager run` while it applies, prunes and deletes, restart, check.

One round: change the ManagedResources at random (grow, shrink, change content, delete, re-create),
SIGKILL the manager after a random delay (it is mid-apply, mid-prune or mid-deletion), start a new one and
wait until it has converged. Then:

- every desired object exists with the desired content;
- no object carries the origin of an MR that does not (or no longer) want it: no orphan;
- a bystander MR's objects and an unmanaged object keep their UIDs (nothing else was touched);
- every MR's ``status.resources`` lists exactly its desired objects; deleted MRs are gone.

Used by the bounded test in the suite and by ``benchmarks/soak.py`` (30 rounds, 50-200 objects per MR).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from kubecore import Client, NotFound
from tests.kubecore.waiting import until
from tests.reliability.manager_process import ManagerProcess, applied, clean_up, start_manager
from tests.resource_manager.controller_harness import MR, configmap, create_mr, set_manifests

ORIGIN = "resources.gardener.cloud/origin"
Desired = dict[str, dict[str, str]]
"""Object name → its data."""


@dataclass
class CrashReport:
    rounds: int = 0
    kill_delays: list[float] = field(default_factory=list)
    recovery_seconds: list[float] = field(default_factory=list)
    objects_per_round: list[int] = field(default_factory=list)


@dataclass
class World:
    """What the test wants: MR name → desired objects (an absent MR is deleted)."""

    namespace: str
    mrs: dict[str, Desired] = field(default_factory=dict)

    def wanted(self) -> dict[str, str]:
        """Object name → the MR that wants it."""
        return {obj: mr for mr, objects in self.mrs.items() for obj in objects}


def _objects(mr: str, count: int, round_: int, rng: random.Random) -> Desired:
    """``count`` ConfigMaps of MR ``mr``; names overlap between rounds, content changes for some."""
    names = rng.sample(range(count * 2), count)
    return {f"{mr}-o{n}": {"round": str(round_ if rng.random() < 0.5 else 0)} for n in names}


async def _change(client: Client, world: World, round_: int, sizes: tuple[int, int], rng: random.Random) -> None:
    """Apply this round's random changes to the cluster (the manager sees them as they come)."""
    for mr in [f"mr{i}" for i in range(3)]:
        action = rng.choice(["resize", "resize", "delete"] if mr in world.mrs else ["create", "skip"])
        if action == "skip":
            continue
        if action == "delete":
            del world.mrs[mr]
            await client.delete(*MR, mr, namespace=world.namespace)
            with_secret = False
        else:
            world.mrs[mr] = _objects(mr, rng.randint(*sizes), round_, rng)
            with_secret = True
        docs = [configmap(name, world.namespace, data) for name, data in world.mrs.get(mr, {}).items()]
        if with_secret and action == "create":
            with contextlib.suppress(NotFound):  # left by an earlier deletion of the MR
                await client.delete("v1", "Secret", mr, namespace=world.namespace)
            await create_mr(client, mr, world.namespace, *docs)
        elif with_secret:
            await set_manifests(client, mr, world.namespace, *docs)


async def _mr_done(client: Client, namespace: str, name: str, desired: Desired) -> bool:
    try:
        mr = await client.get(*MR, name, namespace=namespace)
    except NotFound:
        return False
    listed = sorted(r["name"] for r in (mr.get("status") or {}).get("resources") or [])
    return applied(mr).get("reason") == "ApplySucceeded" and listed == sorted(desired)


async def _converged(client: Client, world: World, deleted: set[str], untouched: dict[str, str]) -> bool:
    for name, desired in world.mrs.items():
        if not await _mr_done(client, world.namespace, name, desired):
            return False
    existing = {m["metadata"]["name"] for m in (await client.list(*MR, namespace=world.namespace))["items"]}
    return not (existing & deleted) and not await check(client, world, untouched)


async def check(client: Client, world: World, untouched: dict[str, str]) -> list[str]:
    """Everything that is wrong now (empty when the round passed)."""
    problems = []
    live = {
        c["metadata"]["name"]: c for c in (await client.list("v1", "ConfigMap", namespace=world.namespace))["items"]
    }
    wanted = world.wanted()
    for mr, objects in world.mrs.items():
        for name, data in objects.items():
            if name not in live:
                problems.append(f"{name} of {mr} missing")
            elif live[name].get("data") != data:
                problems.append(f"{name} of {mr} has {live[name].get('data')}, wants {data}")
    for name, obj in live.items():
        origin = ((obj["metadata"].get("annotations") or {}).get(ORIGIN) or "").rpartition("/")[2]
        if origin and wanted.get(name) != origin and name not in untouched:
            problems.append(f"orphan {name} (origin {origin})")
    for name, uid in untouched.items():
        if name not in live or live[name]["metadata"]["uid"] != uid:
            problems.append(f"{name} (not ours to change) was replaced or deleted")
    return problems


async def crash_rounds(
    kubeconfig: Path,
    client: Client,
    namespace: str,
    log: Path,
    *,
    rounds: int,
    sizes: tuple[int, int],
    seed: int,
    max_kill_delay: float = 3.0,
) -> CrashReport:
    """Run ``rounds`` crash rounds in ``namespace``; raise AssertionError naming what went wrong."""
    rng = random.Random(seed)
    world = World(namespace)
    report = CrashReport()
    await create_mr(client, "bystander", namespace, *[configmap(f"by-{i}", namespace) for i in range(10)])
    await client.create(configmap("hand-made", namespace))
    manager: ManagerProcess = await start_manager(kubeconfig, [namespace], log)
    try:
        bystander = {f"by-{i}": {"k": "v"} for i in range(10)}
        await until("the bystander applied", lambda: _mr_done(client, namespace, "bystander", bystander), 60)
        live = (await client.list("v1", "ConfigMap", namespace=namespace))["items"]
        untouched = {
            c["metadata"]["name"]: c["metadata"]["uid"] for c in live if c["metadata"]["name"] != "kube-root-ca.crt"
        }
        for round_ in range(1, rounds + 1):
            before = set(world.mrs)
            await _change(client, world, round_, sizes, rng)
            deleted = before - set(world.mrs)
            delay = rng.uniform(0.05, max_kill_delay)
            await asyncio.sleep(delay)  # the random moment of the crash: mid-apply, mid-prune or mid-deletion
            manager.kill()
            report.kill_delays.append(delay)
            started = time.monotonic()
            manager = await start_manager(kubeconfig, [namespace], log)
            everything = World(namespace, {**world.mrs, "bystander": bystander})
            try:
                await until(
                    f"round {round_} to converge",
                    functools.partial(_converged, client, everything, deleted, untouched),
                    120,
                )
            except AssertionError:
                raise AssertionError(f"round {round_}: {await check(client, everything, untouched)}") from None
            report.recovery_seconds.append(time.monotonic() - started)
            report.rounds = round_
            report.objects_per_round.append(sum(len(o) for o in world.mrs.values()))
        return report
    finally:
        await clean_up(manager, kubeconfig, client, [namespace], log)
