"""Reflector and informer against the real API server: sync, events, 410 re-list, broken streams."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from devcluster import Cluster
from kubecore import Client, ListOptions, NoMatchError, load_kubeconfig
from kubecore.client import collect_pages
from kubecore.informer import Informer, drop_managed_fields
from kubecore.store import object_key
from tests.kubecore.tcpproxy import running_proxy
from tests.kubecore.waiting import until

pytestmark = pytest.mark.cluster

ETCDCTL = Path(".venv/bin/etcdctl")


class Recorder:
    """Event handler that records (type, key) pairs."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def attach(self, informer: Informer) -> None:
        informer.add_handler(
            on_add=lambda o: self.events.append(("add", object_key(o))),
            on_update=lambda old, new: self.events.append(("update", object_key(new))),
            on_delete=lambda o: self.events.append(("delete", object_key(o))),
        )


def configmap(name: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": labels or {}}}


def event(name: str, namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": namespace},
        "involvedObject": {"kind": "ConfigMap", "name": "x", "namespace": namespace},
        "reason": "Test",
        "message": "kubecore test event",
        "type": "Normal",
    }


async def test_informer_syncs_and_sees_add_update_delete(client: Client, namespace: str) -> None:
    await client.create(configmap("before"), namespace=namespace)
    seen = Recorder()
    async with Informer(client, "v1", "ConfigMap", namespace=namespace) as informer:
        seen.attach(informer)
        await informer.wait_synced()
        assert informer.store.get(f"{namespace}/before") is not None
        await client.create(configmap("after"), namespace=namespace)
        await client.patch("v1", "ConfigMap", "after", {"data": {"a": "b"}}, namespace=namespace)
        await client.delete("v1", "ConfigMap", "before", namespace=namespace)
        await until("deletion seen", lambda: ("delete", f"{namespace}/before") in seen.events)
    mine = [e for e in seen.events if e[1] in (f"{namespace}/before", f"{namespace}/after")]
    assert mine == [
        ("add", f"{namespace}/before"),
        ("add", f"{namespace}/after"),
        ("update", f"{namespace}/after"),
        ("delete", f"{namespace}/before"),
    ]
    assert informer.store.get(f"{namespace}/after")["data"] == {"a": "b"}  # type: ignore[index]


async def test_label_selector_and_metadata_only_informer(client: Client, namespace: str) -> None:
    await client.create(configmap("picked", {"pick": "yes"}), namespace=namespace)
    await client.create(configmap("ignored"), namespace=namespace)
    async with Informer(
        client,
        "v1",
        "ConfigMap",
        namespace=namespace,
        options=ListOptions(label_selector="pick=yes", metadata_only=True),
    ) as informer:
        await informer.wait_synced()
        assert informer.store.keys() == [f"{namespace}/picked"]  # not kube-root-ca.crt, not "ignored"
        await client.create(configmap("picked-later", {"pick": "yes"}), namespace=namespace)
        await until("new object cached", lambda: f"{namespace}/picked-later" in informer.store)
        cached = informer.store.get(f"{namespace}/picked-later")
        assert cached is not None and cached["kind"] == "PartialObjectMetadata" and "data" not in cached
        assert len(informer.store) == 2


def etcd_compact(cluster: Cluster) -> int:
    """Compact etcd's whole history up to its current revision; returns that revision."""
    status = subprocess.run(
        [str(ETCDCTL), f"--endpoints={cluster.etcd_url}", "endpoint", "status", "-w", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    revision = int(json.loads(status.stdout)[0]["Status"]["header"]["revision"])
    subprocess.run(
        [str(ETCDCTL), f"--endpoints={cluster.etcd_url}", "compaction", str(revision)],
        capture_output=True,
        text=True,
        check=True,
    )
    return revision


async def test_reflector_survives_410_without_missing_a_deletion(
    client: Client, cluster: Cluster, namespace: str
) -> None:
    """Events bypass the API server's watch cache, so etcd compaction makes an old RV really expire."""
    for name in ("kept", "doomed"):
        await client.create(event(name, namespace))
    seen = Recorder()
    informer = Informer(client, "v1", "Event", namespace=namespace)
    seen.attach(informer)
    informer.start()
    await informer.wait_synced()
    assert sorted(informer.store.keys()) == [f"{namespace}/doomed", f"{namespace}/kept"]
    stale_rv = informer.reflector.last_resource_version

    await informer.stop()  # the watch stream is gone; the reflector will resume from stale_rv
    await client.delete("v1", "Event", "doomed", namespace=namespace)
    await client.create(event("born", namespace))
    assert etcd_compact(cluster) > int(stale_rv)

    informer.start()
    try:
        await until("re-list after 410", lambda: informer.reflector.lists == 2)
        await until("gap deletion seen", lambda: ("delete", f"{namespace}/doomed") in seen.events)
        assert ("add", f"{namespace}/born") in seen.events
        assert sorted(informer.store.keys()) == [f"{namespace}/born", f"{namespace}/kept"]
        # and the watch after the re-list works
        await client.create(event("later", namespace))
        await until("watch resumed", lambda: ("add", f"{namespace}/later") in seen.events)
    finally:
        await informer.stop()


async def test_broken_stream_resumes_from_last_resource_version(
    client: Client, cluster: Cluster, namespace: str
) -> None:
    """Cut the TCP connection under a running watch: the reflector reconnects and misses nothing,
    without a re-list."""
    host, port = cluster.server.removeprefix("https://").rsplit(":", 1)
    async with running_proxy(host, int(port)) as proxy:
        config = dataclasses.replace(load_kubeconfig([cluster.kubeconfig]), server=f"https://127.0.0.1:{proxy.port}")
        async with (
            Client(config, name="proxied") as proxied,
            Informer(proxied, "v1", "ConfigMap", namespace=namespace) as informer,
        ):
            await informer.wait_synced()
            await client.create(configmap("before-cut"), namespace=namespace)
            await until("event before the cut", lambda: f"{namespace}/before-cut" in informer.store)
            proxy.cut()
            await client.create(configmap("while-cut"), namespace=namespace)
            await client.delete("v1", "ConfigMap", "before-cut", namespace=namespace)
            await until("event during the cut", lambda: f"{namespace}/while-cut" in informer.store)
            await until("deletion during the cut", lambda: f"{namespace}/before-cut" not in informer.store)
            assert informer.reflector.lists == 1  # resumed the watch, no re-list
            assert proxied.transport.stats.count("WATCH", 200) >= 2


async def test_huge_watch_event_arrives_whole(client: Client, namespace: str) -> None:
    """A ~900 KB object is one watch line, far above aiohttp's readline limit."""
    async with Informer(client, "v1", "ConfigMap", namespace=namespace) as informer:
        await informer.wait_synced()
        big = configmap("big")
        big["data"] = {"blob": "x" * 900_000}
        await client.create(big, namespace=namespace)
        await until("big object cached", lambda: f"{namespace}/big" in informer.store)
        cached = informer.store.get(f"{namespace}/big")
        assert cached is not None and len(cached["data"]["blob"]) == 900_000


async def test_watch_bookmarks_advance_past_events_we_do_not_see(client: Client, namespace: str) -> None:
    """An object our selector excludes still moves the cluster's resourceVersion; the bookmark sent
    before the watch's timeout carries it, so a resume would not start from an old version.

    The apiserver schedules that bookmark 2 s before the watch's deadline and skips it if the watch
    started later than that, so the timeout leaves room for a slow start on a loaded machine."""
    listed = await client.list("v1", "ConfigMap", namespace=namespace)
    watch = client.watch(
        "v1", "ConfigMap", namespace=namespace, options=ListOptions(label_selector="kubecore-test=never"),
        resource_version=listed["metadata"]["resourceVersion"], timeout_seconds=10,
    )  # fmt: skip
    collect = asyncio.create_task(anext_all(watch))
    unseen = await client.create(configmap("unseen"), namespace=namespace)
    events = await asyncio.wait_for(collect, 30)
    assert [e["type"] for e in events] == ["BOOKMARK"] * len(events) and events
    assert int(events[-1]["object"]["metadata"]["resourceVersion"]) >= int(unseen["metadata"]["resourceVersion"])


async def anext_all(stream: AsyncIterator[dict[str, Any]]) -> list[dict[str, Any]]:
    return [event async for event in stream]


async def test_on_error_can_stop_an_informer_and_wait_synced_reports_it(client: Client) -> None:
    errors: list[Exception] = []

    def fatal(exc: Exception) -> None:
        errors.append(exc)
        raise exc

    informer = Informer(client, "kubecore.test/v1", "NotInstalled", on_error=fatal)
    informer.start()
    with pytest.raises(NoMatchError):
        await asyncio.wait_for(informer.wait_synced(), 30)
    assert len(errors) == 1 and not informer.has_synced
    await informer.stop()  # does not raise again


def trimmed(obj: dict[str, Any]) -> bool:
    meta = obj["metadata"]
    return "managedFields" not in meta and (meta.get("annotations") or {}).get("transformed") == "yes"


async def test_transform_reaches_store_and_handlers_page_by_page_and_after_a_relist(
    client: Client, cluster: Cluster, namespace: str
) -> None:
    """Only transformed objects are ever cached or handed out: list items as their page arrives
    (the GET count differs between pages), watch events, and the items of a re-list after 410."""
    for i in range(5):
        await client.create(event(f"e{i}", namespace))
    gets_at_call: list[int] = []
    handed_out: list[dict[str, Any]] = []

    def transform(obj: dict[str, Any]) -> dict[str, Any]:
        gets_at_call.append(client.transport.stats.count("GET"))
        meta = drop_managed_fields(obj)["metadata"]
        meta["annotations"] = {**(meta.get("annotations") or {}), "transformed": "yes"}
        return obj

    informer = Informer(client, "v1", "Event", namespace=namespace, transform=transform)
    informer.reflector.page_size = 2
    informer.add_handler(
        on_add=handed_out.append,
        on_update=lambda old, new: handed_out.extend((old, new)),
        on_delete=handed_out.append,
    )
    informer.start()
    await informer.wait_synced()
    assert len(gets_at_call) == 5 and len(set(gets_at_call)) == 3  # 3 pages, each trimmed on arrival
    await client.patch("v1", "Event", "e0", {"message": "changed"}, namespace=namespace)
    await until("update seen", lambda: informer.store.get(f"{namespace}/e0")["message"] == "changed")  # type: ignore[index]

    await informer.stop()
    await client.delete("v1", "Event", "e1", namespace=namespace)
    await client.create(event("born", namespace))
    etcd_compact(cluster)
    informer.start()
    try:
        await until("re-list after 410", lambda: informer.reflector.lists == 2)
        await client.delete("v1", "Event", "e2", namespace=namespace)
        await until("deletion seen", lambda: f"{namespace}/e2" not in informer.store)
    finally:
        await informer.stop()
    names = {o["metadata"]["name"] for o in handed_out}
    assert {"e0", "e1", "e2", "born"} <= names and len(handed_out) >= 9
    assert all(trimmed(o) for o in handed_out)
    assert sorted(informer.store.keys()) == [f"{namespace}/{n}" for n in ("born", "e0", "e3", "e4")]
    assert all(trimmed(o) for o in informer.store.list())


async def test_expired_continue_token_falls_back_to_one_unpaginated_list(
    client: Client, cluster: Cluster, namespace: str
) -> None:
    for i in range(3):
        await client.create(event(f"e{i}", namespace))

    async def compacted_after_first_page(limit: int) -> AsyncIterator[dict[str, Any]]:
        async for page in client.list_pages("v1", "Event", namespace=namespace, limit=limit):
            yield page
            if limit:
                await client.create(event("late", namespace))
                etcd_compact(cluster)  # the first page's snapshot is gone

    expired = client.transport.stats.count("GET", 410)
    listed = await collect_pages(compacted_after_first_page, 1)
    assert client.transport.stats.count("GET", 410) == expired + 1
    assert sorted(i["metadata"]["name"] for i in listed["items"]) == ["e0", "e1", "e2", "late"]
    assert listed["kind"] == "EventList" and listed["metadata"]["resourceVersion"]
