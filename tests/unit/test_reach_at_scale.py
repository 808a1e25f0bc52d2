"""Node reach with many nodes out of reach (issue 17, 1,000 nodes): the ssh_config read
once while it is unchanged, retries that stay few a second in all, a first sweep within a
budget (the nodes on screen first), and a failure that repeats publishing nothing new."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import NoReturn

import pytest

from swarmtui.connect import sshconf
from swarmtui.connect.budget import AttemptBudget, background
from swarmtui.connect.endpoint import Endpoint, parse_endpoint
from swarmtui.connect.errors import HostUnreachableError
from swarmtui.connect.hostkeys import fixed_trust
from swarmtui.connect.noderoute import ssh_config_has_host
from swarmtui.connect.nodes import RETRIES_PER_S, NodePool, NodeUnreachableError
from swarmtui.connect.options import ConnectOptions
from swarmtui.swarm.reach.stats import NodeStats
from swarmtui.swarm.reach.watch import NodeReach


def _write(path: Path, text: str, stamp: int) -> None:
    path.write_text(text)
    os.utime(path, ns=(stamp, stamp))  # a later modification time, whatever the clock


def test_the_ssh_config_is_parsed_once_until_it_changes(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "ssh_config"
    _write(cfg, "Host n1\n  HostName 10.0.0.1\n  User bob\n", 1_000_000_000)
    parsed: list[str] = []
    parser = sshconf._parser()
    real = parser.load

    def counting(*args: object) -> object:
        parsed.append(str(args[7]))  # the host looked up
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(parser, "load", counting)
    ep = parse_endpoint("ssh://n1")
    for _ in range(3):
        target = sshconf.resolve_ssh(ep, [cfg])
        assert (target.hostname, target.user) == ("10.0.0.1", "bob")
    assert parsed == ["n1"]
    assert sshconf.resolve_ssh(parse_endpoint("ssh://n2"), [cfg]).hostname == "n2"
    assert parsed == ["n1", "n2"]  # another host: its own settings
    _write(cfg, "Host n1\n  HostName 10.0.0.7\n  User alice\n", 2_000_000_000)
    target = sshconf.resolve_ssh(ep, [cfg])
    assert (target.hostname, target.user) == ("10.0.0.7", "alice")  # the file changed
    assert parsed == ["n1", "n2", "n1"]


def test_host_patterns_follow_the_file(tmp_path: Path) -> None:
    cfg = tmp_path / "ssh_config"
    _write(cfg, "Host web*\n  User bob\n", 1_000_000_000)
    assert ssh_config_has_host([cfg], "web1") and not ssh_config_has_host([cfg], "db1")
    _write(cfg, "Host db* !db9\n  User bob\n", 2_000_000_000)
    assert ssh_config_has_host([cfg], "db1") and not ssh_config_has_host([cfg], "web1")
    assert not ssh_config_has_host([cfg], "db9")
    cfg.unlink()
    assert not ssh_config_has_host([cfg], "db1")


async def test_many_nodes_out_of_reach_are_each_tried_less_often() -> None:
    """Refused at once (port 1 of a loopback address): each failure doubles the node's
    backoff up to backoff_max — and with many nodes failing, none is tried again sooner
    than what keeps the attempts near RETRIES_PER_S in all."""
    now = [100.0]
    nodes = 20
    pool = NodePool(ConnectOptions(trust=fixed_trust("never"), ssh_config=[]),
                    node_map={f"w{i}": "ssh://nobody@127.0.0.2:1" for i in range(nodes)},
                    clock=lambda: now[0], backoff_initial=1.0, backoff_max=4.0)

    async def fail(host: str) -> float:
        with pytest.raises(NodeUnreachableError) as info:
            await pool.connection(host)
        return info.value.fact.retry_at - info.value.fact.at

    assert await fail("w0") == 1.0
    delays = []
    for _ in range(5):
        now[0] += 100  # past any backoff
        delays.append(await fail("w0"))
    assert delays == [2.0, 4.0, 4.0, 4.0, 4.0]  # one node failing: backoff_max holds
    # the last one to fail: the others (not itself) count
    assert [await fail(f"w{i}") for i in range(1, nodes)][-1] == (nodes - 1) / RETRIES_PER_S
    for _ in range(3):
        now[0] += 100
        delays.append(await fail("w0"))
    assert delays[-1] == nodes / RETRIES_PER_S > 4.0
    await pool.close()


async def test_the_same_failure_again_publishes_nothing() -> None:
    reach = NodeReach(NodePool(ConnectOptions(trust=fixed_trust("never"), ssh_config=[])))

    async def on_loop(stats: NodeStats) -> None:
        reach._sampled(stats)  # where the sampler calls it: on the reach's loop

    def sampled(stats: NodeStats) -> None:
        asyncio.run_coroutine_threadsafe(on_loop(stats), reach._loop).result(5)

    try:
        sampled(NodeStats("w1", 1.0, unreachable="ssh refused: port 22"))
        first = reach.stats()
        sampled(NodeStats("w1", 6.0, unreachable="ssh refused: port 22"))
        assert reach.stats() is first  # nothing new to show: the very same stats
        sampled(NodeStats("w1", 11.0, unreachable="host unreachable: no answer"))
        assert reach.stats() is not first
        assert reach.stats()["w1"].unreachable == "host unreachable: no answer"
        sampled(NodeStats("w1", 16.0, cpu_percent=3.0))
        assert reach.stats()["w1"].cpu_percent == 3.0
    finally:
        await reach.close()


async def test_the_budget_lets_a_burst_through_then_a_few_a_second_in_screen_order() -> None:
    budget = AttemptBudget(burst=2, rate=50.0)
    budget.order = {"h5": 0, "h4": 1}  # on screen: h5, then h4
    went: list[str] = []

    async def attempt(host: str) -> None:
        with background():
            await budget.take(host)
        went.append(host)

    tasks = [asyncio.create_task(attempt(f"h{i}")) for i in range(6)]
    await asyncio.sleep(0)
    assert went == ["h0", "h1"]  # the burst: at once, as they came
    assert budget.waiting == 4
    await budget.take("a person's shell")  # not in the background: never waits
    assert budget.waiting == 4
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert went == ["h0", "h1", "h5", "h4", "h2", "h3"]  # the screen's first, then in turn


async def test_an_attempt_cancelled_while_waiting_leaves_the_queue() -> None:
    budget = AttemptBudget(burst=1, rate=0.5)
    with background():
        await budget.take("h0")
        waiter = asyncio.create_task(budget.take("h1"))
        await asyncio.sleep(0)
        assert budget.waiting == 1
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
    assert budget.waiting == 0


async def test_the_first_sweep_of_many_unreached_nodes_is_bounded_nearest_first(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """40 nodes out of reach: 4 attempted at once, then 40 a second, the node on screen
    (the last of the snapshot) right after the burst."""
    nodes = [f"w{i:02d}" for i in range(40)]
    attempts: list[tuple[str, float]] = []

    async def refused(endpoint: Endpoint, *_: object, **__: object) -> NoReturn:
        attempts.append((str(endpoint.name), time.monotonic()))
        raise HostUnreachableError(f"cannot reach {endpoint.name}: connection refused")

    monkeypatch.setattr("swarmtui.connect.nodes.open_ssh", refused)
    pool = NodePool(ConnectOptions(trust=fixed_trust("never"), ssh_config=[]),
                    node_map={h: "ssh://nobody@127.0.0.2:1" for h in nodes},
                    attempt_burst=4, attempts_per_s=40.0)
    pool.prefer(["w39"])

    async def sample(host: str) -> None:
        with background(), pytest.raises(NodeUnreachableError):
            await pool.connection(host)

    await asyncio.wait_for(asyncio.gather(*(sample(h) for h in nodes)), 10)
    assert sorted(h for h, _ in attempts) == nodes and all(pool.unreachable(h) for h in nodes)
    order = [h for h, _ in attempts]
    assert order[:5] == ["w00", "w01", "w02", "w03", "w39"]  # the burst, then the screen's
    assert order[5:] == nodes[4:39]  # then in turn
    took = attempts[-1][1] - attempts[0][1]
    assert took >= 35 / 40  # 36 after the burst, 40 a second (the first without a wait)
    await pool.close()
