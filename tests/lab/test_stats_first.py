"""The stats sampler's first look at new nodes, over real SSH to the lab: the nodes whose
host key is known are sampled at once (not an interval later), and a node whose host key
is unknown is asked about no earlier than before (at the sampler's round), exactly once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docker

from swarmtui.connect.endpoint import parse_endpoint
from swarmtui.connect.hostkeys import HostKeyQuestion, TrustDecision
from swarmtui.connect.nodes import NodePool
from swarmtui.connect.options import ConnectOptions
from swarmtui.connect.sshconf import ssh_config_files
from swarmtui.lab import Lab
from swarmtui.swarm.fetch import fetch_snapshot
from swarmtui.swarm.reach.stats import NodeStats, Sampler
from tests.waiting import async_wait_for

#: the round's interval: well past what a first sample at once takes on a loaded machine
INTERVAL = 20.0


def _without_node3_key(lab: Lab, into: Path) -> Path:
    """The lab's ssh_config with a known_hosts that lacks node3's key."""
    node3 = lab.host("node3").address
    known = into / "known_hosts"
    known.write_text("".join(line + "\n" for line in lab.known_hosts.read_text().splitlines()
                             if line and not line.startswith(node3 + " ")))
    config = into / "ssh_config"
    config.write_text(lab.ssh_config.read_text().replace(str(lab.known_hosts), str(known)))
    return config


async def test_trusted_nodes_are_sampled_at_once_and_an_unknown_key_waits_for_the_round(
        lab: Lab, ssh_forward: Callable[[Lab, str], Any], tmp_path: Path) -> None:
    client = docker.APIClient(base_url=ssh_forward(lab, "node1").base_url, version="auto")
    try:
        snap = await asyncio.to_thread(fetch_snapshot, client)
    finally:
        client.close()
    assert {n.hostname for n in snap.nodes.values() if n.state == "ready"} \
        >= {"node1", "node2", "node3"}
    asked: list[tuple[float, str]] = []

    async def trust(question: HostKeyQuestion) -> TrustDecision:
        asked.append((time.monotonic(), question.alias or question.host))
        return TrustDecision.ONCE

    opts = ConnectOptions(trust=trust,
                          ssh_config=ssh_config_files([_without_node3_key(lab, tmp_path)]))
    pool = NodePool(opts, manager=parse_endpoint("node1"), connect_timeout=5.0)
    samples: list[tuple[float, NodeStats]] = []
    sampler = Sampler(pool, lambda s: samples.append((time.monotonic(), s)),
                      interval=INTERVAL, containers=False)
    try:
        started = time.monotonic()
        sampler.start()
        await asyncio.sleep(0)  # the first round: no node known yet
        sampler.follow(snap)
        await async_wait_for("node1 and node2 sampled", lambda: {s.hostname for _, s in samples}
                             >= {"node1", "node2"}, INTERVAL * 0.75, interval=0.1)
        first = {s.hostname: (at - started, s) for at, s in samples}
        for host in ("node1", "node2"):
            assert first[host][1].unreachable is None and first[host][1].mem_total, first
            assert first[host][0] < INTERVAL / 2, first  # at once, not at the round
        # node3's unknown key: not asked, no sample, no failure of the node
        assert not asked and "node3" not in first
        assert pool.unreachable("node3") is None
        try:
            await async_wait_for("the round asks about node3", lambda: asked, INTERVAL * 2)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; samples {samples}; node3's failure "
                                 f"{pool.unreachable('node3')}") from exc
        assert asked[0][0] - started >= INTERVAL * 0.9, asked
        await async_wait_for("node3 sampled", lambda: any(
            s.hostname == "node3" for _, s in samples), INTERVAL)
        node3 = next(s for _, s in samples if s.hostname == "node3")
        assert node3.unreachable is None and node3.mem_total
        assert [host for _, host in asked] == ["node3"]  # asked once, about node3 alone
    finally:
        await sampler.stop()
        await pool.close()
