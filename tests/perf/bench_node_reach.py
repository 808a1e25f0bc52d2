"""Benchmarks of node reach on a 5-node lab over real SSH. They print figures.

    SWARMTUI_TEST_LAB=nd python -m pytest tests/perf/bench_node_reach.py -m perf -s

(a) what one stats sample costs: jump-box CPU (this process, all threads), node CPU
(every process of the node's own cgroup: sshd, the shell, dockerd answering the
container stats, minus the same over an idle period as long), payload and wire bytes
(the node's veth counters, minus idle); (b) time from a node's dockerd stopping to the
swarm marking it Down, and from Down to its cause known (the probe); the probe's time
for SSH refused and for a host that does not answer. Not pass/fail timing tests.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from swarmtui.connect.endpoint import parse_endpoint
from swarmtui.connect.hostkeys import fixed_trust
from swarmtui.connect.nodes import NodePool
from swarmtui.connect.options import ConnectOptions
from swarmtui.connect.sshconf import ssh_config_files
from swarmtui.lab import Lab
from swarmtui.lab.host import cgroup_pids
from swarmtui.swarm.reach.probe import Cause, probe
from swarmtui.swarm.reach.stats import Sampler
from tests.conftest import _lab_or_skip, lab_name

pytestmark = [pytest.mark.perf, pytest.mark.lab]
TICK = os.sysconf("SC_CLK_TCK")
ROUNDS = 20


def report(name: str, value: float, unit: str) -> None:
    print(f"BENCH {name:<48} {value:10.3f} {unit}")


def cgroup_cpu(lab: Lab, host: str) -> dict[int, float]:
    """pid -> CPU seconds (self + reaped children) for every process of a lab host."""
    out = {}
    for pid in cgroup_pids(lab.host(host).cgroup):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = sum(int(f) for f in fields[11:15]) / TICK  # utime stime cutime cstime
    return out


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(after[p] - before[p] for p in after if p in before)


def wire_bytes(lab: Lab, host: str) -> int:
    base = Path("/sys/class/net") / lab.host(host).veth / "statistics"
    return int((base / "rx_bytes").read_text()) + int((base / "tx_bytes").read_text())


def measure(lab: Lab, hosts: list[str], seconds: float | None,
            work: Callable[[], object]) -> tuple[float, float, dict[str, float], dict[str, int]]:
    """(wall s, our CPU s, node CPU s per host, wire bytes per host) around `work()`."""
    cpu0 = {h: cgroup_cpu(lab, h) for h in hosts}
    wire0 = {h: wire_bytes(lab, h) for h in hosts}
    t0, p0 = time.perf_counter(), time.process_time()
    if seconds is None:
        work()
    else:
        time.sleep(seconds)
    wall, ours = time.perf_counter() - t0, time.process_time() - p0
    node = {h: cpu_delta(cpu0[h], cgroup_cpu(lab, h)) for h in hosts}
    wire = {h: wire_bytes(lab, h) - wire0[h] for h in hosts}
    return wall, ours, node, wire


@pytest.fixture(scope="module")
def lab5(lab_root: Path):  # type: ignore[no-untyped-def]
    _lab_or_skip()
    lab = Lab(lab_name("p"), root=lab_root)
    lab.up(nodes=5, managers=1)
    try:
        yield lab
    finally:
        lab.down()


def new_pool(lab: Lab) -> NodePool:
    opts = ConnectOptions(trust=fixed_trust("never"), ssh_config=ssh_config_files([lab.ssh_config]))
    return NodePool(opts, manager=parse_endpoint("node1"), connect_timeout=3.0)


def test_bench_sample_cost(lab5: Lab) -> None:
    lab5.ssh("node1", "docker service create -d --no-resolve-image --name bench --replicas 10 "
                      "busybox sleep 3600")
    hosts = [h.name for h in lab5.hosts]

    def containers(h: str) -> tuple[str, ...]:
        return tuple(lab5.ssh(h, "docker ps -q --no-trunc --filter name=bench.").split())

    deadline = time.monotonic() + 60
    while sum(len(containers(h)) for h in hosts) < 10 and time.monotonic() < deadline:
        time.sleep(0.5)
    on = {h: containers(h) for h in hosts}
    loop = asyncio.new_event_loop()
    pool = new_pool(lab5)
    sampler = Sampler(pool, lambda s: None)
    payload: list[int] = []

    async def round_() -> None:
        got = await asyncio.gather(*(sampler.sample(h, containers=on[h]) for h in hosts))
        assert all(s.unreachable is None for s in got), got
        payload.extend(s.bytes for s in got)

    try:
        t0 = time.perf_counter()
        loop.run_until_complete(round_())  # connects every node: not counted
        report("first sample of 5 nodes (connect included)", time.perf_counter() - t0, "s")
        payload.clear()
        idle = measure(lab5, hosts, 3.0, lambda: None)
        busy = measure(lab5, hosts, None,
                       lambda: [loop.run_until_complete(round_()) for _ in range(ROUNDS)])
    finally:
        loop.run_until_complete(sampler.stop())
        loop.run_until_complete(pool.close())
        loop.close()
    n = ROUNDS * len(hosts)
    wall, ours, node, wire = busy
    iwall, iours, inode, iwire = idle
    scale = wall / iwall
    node_cost = sum(node[h] - inode[h] * scale for h in hosts) / n
    wire_cost = sum(wire[h] - iwire[h] * scale for h in hosts) / n
    print(f"\n{ROUNDS} rounds x {len(hosts)} nodes, {sum(map(len, on.values()))} task containers"
          f" ({', '.join(f'{h}:{len(c)}' for h, c in on.items())})")
    report("wall time of a round (5 nodes concurrently)", wall / ROUNDS * 1000, "ms")
    report("jump-box CPU per node sample", (ours - iours * scale) / n * 1000, "ms")
    report("node CPU per sample (its cgroup, minus idle)", node_cost * 1000, "ms")
    report("payload bytes per sample (host part)", sum(payload) / len(payload), "B")
    report("wire bytes per sample (veth, minus idle)", wire_cost, "B")
    report("jump-box CPU at a 5 s interval, 5 nodes", (ours - iours * scale) / ROUNDS / 5 * 100,
           "% of a core")


def test_bench_time_to_cause(lab5: Lab) -> None:
    loop = asyncio.new_event_loop()
    pool = new_pool(lab5)
    nid = lab5.ssh("node1", "docker node inspect --format '{{.ID}}' node4")

    def state() -> str:
        return lab5.ssh("node1", "docker node inspect --format '{{.Status.State}}' node4")

    try:
        loop.run_until_complete(probe(pool, "node4"))  # connected, as a running app would be
        t0 = time.perf_counter()
        lab5.stop_dockerd("node4")
        t_stopped = time.perf_counter()
        direct = loop.run_until_complete(probe(pool, "node4", node_id=nid))
        t_direct = time.perf_counter()
        assert direct.cause is Cause.DOCKERD_DOWN
        deadline = time.monotonic() + 60
        while state() != "down" and time.monotonic() < deadline:
            time.sleep(0.1)
        t_down = time.perf_counter()
        found = loop.run_until_complete(probe(pool, "node4", node_id=nid, node_state="down"))
        t_cause = time.perf_counter()
        assert found.cause is Cause.DOCKERD_DOWN
        report("lab stop dockerd (SIGTERM, wait for exit)", t_stopped - t0, "s")
        report("probe right after the stop -> 'dockerd is not running'", t_direct - t_stopped,
               "s")
        report("dockerd stopped -> swarm says Down", t_down - t_stopped, "s")
        report("Down -> cause known (probe on a held connection)", t_cause - t_down, "s")
        report("dockerd stopped -> cause known, total", t_cause - t_stopped, "s")
        lab5.start_dockerd("node4")
        lab5.stop_sshd("node5")
        t = time.perf_counter()
        refused = loop.run_until_complete(probe(pool, "node5"))
        report("probe of a node whose sshd is stopped (SSH refused)", time.perf_counter() - t,
               "s")
        assert refused.cause is Cause.SSH_REFUSED
        lab5.start_sshd("node5")
        pool.forget("node5")
        lab5.set_link("node5", False)
        t = time.perf_counter()
        gone = loop.run_until_complete(probe(pool, "node5"))
        report("probe of a node without link (host unreachable)", time.perf_counter() - t, "s")
        assert gone.cause is Cause.HOST_UNREACHABLE, gone.text
    finally:
        lab5.set_link("node5", True)
        loop.run_until_complete(pool.close())
        loop.close()
