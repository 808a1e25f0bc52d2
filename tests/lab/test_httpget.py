"""The engine's reads as plain GETs (connect/httpget.py) against the lab over real SSH:
the same lists as docker-py and the CLI, the same error facts, the event stream."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest

from swarmtui.connect.endpoint import parse_endpoint
from swarmtui.connect.hostkeys import fixed_trust
from swarmtui.connect.httpget import EngineAPIError, EngineHTTP
from swarmtui.connect.link import ClusterLink
from swarmtui.lab import Lab
from swarmtui.swarm.events import EventWatcher
from swarmtui.swarm.fetch import (
    NotAManagerError,
    fetch_snapshot,
    inspect_object,
    list_kind,
)
from swarmtui.swarm.state import KINDS
from tests.waiting import wait_for


def _link(lab: Lab, host: str) -> ClusterLink:
    return ClusterLink([parse_endpoint(host)], trust=fixed_trust("never"),
                       ssh_config=[lab.ssh_config])


def _ids(items: list[dict[str, Any]]) -> set[str]:
    return {str(i.get("ID") or i.get("Id")) for i in items}


async def test_the_reads_through_the_tunnel_are_docker_pys_and_the_clis(lab: Lab) -> None:
    lab.ssh("node1", "docker service create -d --no-resolve-image --name hget "
                     "--replicas 2 busybox:latest sleep 1d")
    link = _link(lab, "node1")
    await link.connect()
    try:
        reader, api = link.reader, link.api
        assert isinstance(reader, EngineHTTP)

        def both() -> dict[str, tuple[set[str], set[str]]]:
            return {k: (_ids(list_kind(reader, k)), _ids(list_kind(api, k))) for k in KINDS}

        lists = await asyncio.to_thread(both)
        for kind, (ours, docker_pys) in lists.items():
            assert ours == docker_pys, kind
        cli_nodes = set(lab.ssh("node1", "docker node ls -q").split())
        assert lists["nodes"][0] == cli_nodes
        snap = await asyncio.to_thread(fetch_snapshot, reader)
        svc = snap.find_service("hget")
        assert svc is not None and svc.desired == 2  # ?status=true: the counts came along
        node_id = sorted(cli_nodes)[0]
        assert await asyncio.to_thread(inspect_object, reader, "nodes", node_id) == \
            await asyncio.to_thread(api.inspect_node, node_id)
        with pytest.raises(EngineAPIError) as missing:
            await asyncio.to_thread(reader.get_json, "/services/nosuchservice")
        assert missing.value.status_code == 404 and "nosuchservice" in \
            missing.value.explanation
    finally:
        await link.close()
        lab.ssh("node1", "docker service rm hget", check=False)


async def test_a_worker_answers_that_it_is_not_a_manager(lab: Lab) -> None:
    link = _link(lab, "node2")
    await link.connect()
    try:
        reader = link.reader
        snap = await asyncio.to_thread(fetch_snapshot, reader)
        assert snap.message and "is a worker node" in snap.message
        with pytest.raises(NotAManagerError, match="not a swarm manager"):
            await asyncio.to_thread(list_kind, reader, "nodes")
    finally:
        await link.close()


def test_the_event_stream_hears_a_change_and_ends_with_the_tunnel(
    lab: Lab, ssh_forward: Callable[[Lab, str], Any]
) -> None:
    fwd = ssh_forward(lab, "node1")
    reader = EngineHTTP(str(fwd.base_url).removeprefix("unix://"), "1.41")
    heard = threading.Event()
    ended: list[BaseException | None] = []
    done = threading.Event()

    def on_end(err: BaseException | None) -> None:
        ended.append(err)
        done.set()

    watcher = EventWatcher(reader, on_event=lambda kind: heard.set() if kind == "services"
                           else None, on_end=on_end).start()
    try:
        assert watcher.wait_ready(10)
        lab.ssh("node1", "docker service create -d --no-resolve-image --name hgetev "
                         "busybox:latest sleep 1d")
        assert heard.wait(10), "no service event through the reader"
        fwd.close()  # the SSH tunnel dies under the stream
        assert done.wait(15), "on_end was not called after the tunnel closed"
        wait_for("the watcher thread to end", lambda: not watcher.alive, 5)
        assert ended[0] is None or "event stream" in str(ended[0])
    finally:
        watcher.close()
        reader.close()
        lab.ssh("node1", "docker service rm hgetev", check=False)


def test_closing_the_watcher_ends_it_without_on_end(
    lab: Lab, ssh_forward: Callable[[Lab, str], Any]
) -> None:
    reader = EngineHTTP(str(ssh_forward(lab, "node1").base_url).removeprefix("unix://"),
                        "1.41")
    ended: list[BaseException | None] = []
    watcher = EventWatcher(reader, on_event=lambda kind: None, on_end=ended.append).start()
    assert watcher.wait_ready(10)
    watcher.close()
    wait_for("the watcher thread to end", lambda: not watcher.alive, 5)
    assert ended == []
    reader.close()
