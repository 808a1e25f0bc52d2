"""The first sweep of node reach at 1,000 nodes, in process. It prints figures.

    SWARMTUI_TEST_LAB=u python -m pytest tests/perf/bench_sweep.py -m perf -s

The store's NodeReach (pool + stats sampler, as LinkStore makes it) follows a snapshot of
1,000 Ready nodes: the lab's 3 real ones and 997 of the RECORDED-SHAPE kind (rshape.py:
loopback addresses, no SSH there: every attempt fails). Per half second: this process's
CPU (the reach thread's sweep: nothing else runs), connection attempts, the worst lag of a
thread that sleeps 1 ms (how long the GIL was held from it) and the worst wall time of a
20 ms pure-Python job (a keystroke's work, competing with the sweep). Then: when the real
nodes had their first stats, when all 1,000 had been tried. SWARMTUI_BENCH_LAB=NAME reuses
a lab. Not pass/fail.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

import pytest

from swarmtui.connect.endpoint import parse_endpoint
from swarmtui.connect.hostkeys import fixed_trust
from swarmtui.connect.nodes import NodePool
from swarmtui.connect.options import ConnectOptions
from swarmtui.connect.sshconf import ssh_config_files
from swarmtui.lab import Lab
from swarmtui.swarm.reach.watch import NodeReach
from swarmtui.swarm.state import ClusterSnapshot
from tests.perf import rshape

pytestmark = [pytest.mark.perf, pytest.mark.lab]
WINDOW = 0.5
SECONDS = 12.0
REAL = ("node1", "node2", "node3")


def _job() -> tuple[float, float]:
    """~20 ms of pure Python on a quiet machine; its wall time and its CPU."""
    t0, c0 = time.perf_counter(), time.thread_time()
    n = 0
    for i in range(400_000):
        n += i % 7
    return time.perf_counter() - t0, time.thread_time() - c0


def _snapshot(lab: Lab) -> ClusterSnapshot:
    rec = rshape.record(lab.host("node1").docker_socket)
    fake = rshape.synthesize({**rec, "/services?status=true": [_svc()], "/tasks": [_task()]},
                             nodes=1000, services=1, tasks_per_service=1)
    import json

    nodes = [n for n in json.loads(fake["/nodes"]) if n["Description"]["Hostname"]
             not in ("rsnode0000", "rsnode0001", "rsnode0002")]
    return ClusterSnapshot.from_api(nodes=nodes + rec["/nodes"], info=rec["/info"])


def _svc() -> dict[str, object]:
    return {"ID": "s", "Spec": {"Name": "x", "Mode": {"Replicated": {"Replicas": 1}}}}


def _task() -> dict[str, object]:
    return {"ID": "t", "ServiceID": "s", "Status": {"State": "running"}}


@pytest.mark.timeout(300)
def test_bench_first_sweep(make_lab: Callable[..., Lab]) -> None:
    name = os.environ.get("SWARMTUI_BENCH_LAB")
    lab = Lab(name) if name and Lab(name).is_up() else make_lab(nodes=3, managers=1)
    snap = _snapshot(lab)
    assert len(snap.nodes) == 1000
    opts = ConnectOptions(trust=fixed_trust("never"),
                          ssh_config=ssh_config_files([lab.ssh_config]))
    pool = NodePool(opts, manager=parse_endpoint("node1"))
    reach = NodeReach(pool, stats_interval=5.0)
    prefer = getattr(reach, "prefer", None)
    if prefer is not None:
        prefer(list(REAL))  # the nodes on screen
    lags: list[float] = []
    stop = threading.Event()

    def ticker() -> None:
        while not stop.is_set():
            t0 = time.perf_counter()
            time.sleep(0.001)
            lags.append(time.perf_counter() - t0 - 0.001)

    tick = threading.Thread(target=ticker, daemon=True)
    tick.start()
    print(f"\n{'t (s)':>6} {'CPU %':>6} {'attempts':>8} {'GIL lag max ms':>15} "
          f"{'20 ms job, worst ms':>20}")
    first: dict[str, float] = {}
    tried_all = None
    t_start = time.monotonic()
    reach.update(snap)
    try:
        t_end = time.perf_counter() + SECONDS
        cpu_total = 0.0
        while time.perf_counter() < t_end:
            c0, w0 = time.process_time(), time.perf_counter()
            a0 = pool.figures.connects + pool.figures.failures
            del lags[:]
            jobs = []
            while time.perf_counter() - w0 < WINDOW:
                jobs.append(_job())
                time.sleep(0.03)
            cpu = time.process_time() - c0 - sum(c for _, c in jobs)  # the jobs' left out
            cpu_total += cpu
            wall = time.perf_counter() - w0
            attempts = pool.figures.connects + pool.figures.failures - a0
            print(f"{w0 + wall - t_end + SECONDS:6.1f} {cpu / wall * 100:6.0f} {attempts:8d} "
                  f"{max(lags, default=0) * 1000:15.1f} {max(w for w, _ in jobs) * 1000:20.0f}")
            stats = reach.stats()
            for h in REAL:
                s = stats.get(h)
                if h not in first and s is not None and s.unreachable is None:
                    first[h] = s.at - t_start
            tried = len(stats) + sum(1 for n in snap.nodes.values()
                                     if n.hostname not in stats and pool.unreachable(n.hostname))
            if tried_all is None and tried >= 1000:
                tried_all = time.monotonic() - t_start
        alone = min(_job()[0] for _ in range(5))
    finally:
        stop.set()
        import asyncio

        asyncio.run(reach.close())
    print(f"BENCH first sweep: CPU of the sweep over {SECONDS:.0f} s        "
          f"{cpu_total:6.2f} s ({cpu_total / SECONDS * 100:.0f} % of a core)")
    print(f"BENCH first sweep: the 20 ms job alone                       {alone * 1000:6.0f} ms")
    print("BENCH first sweep: the real nodes' first stats (s)          "
          + " ".join(f"{h}={first.get(h, float('nan')):.2f}" for h in REAL))
    print(f"BENCH first sweep: all 1,000 tried (s)                      {tried_all}")
    print(f"BENCH first sweep: attempts in all                          "
          f"{pool.figures.connects + pool.figures.failures} "
          f"(connects {pool.figures.connects})  load {os.getloadavg()[0]:.1f}")
