"""The explainer and the placement map at 2,000 services / 20,000 tasks: time per
snapshot. Prints figures.

    SWARMTUI_TEST_LAB=tr python -m pytest tests/perf/bench_explain.py -m perf -s

(a) a real lab holding 2,000 services × 10 Pending tasks (built the way bench_ui.py
builds them: a constraint no node meets), read with fetch_snapshot over the node's
socket; (b) recorded shapes: the lab recording of every cause
(tests/unit/fixtures/explain_lab.json) cloned to 2,000 services / 20,000 tasks on
20 nodes, so each cause's code path runs at scale. Not pass/fail timing tests.
SWARMTUI_BENCH_LAB=NAME reuses a lab that already holds the tasks.
"""

from __future__ import annotations

import copy
import json
import os
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docker
import pytest

from swarmtui.lab import Lab
from swarmtui.swarm import health
from swarmtui.swarm.explain import explain_all
from swarmtui.swarm.fetch import fetch_snapshot
from swarmtui.swarm.placement_map import placement_map
from swarmtui.swarm.state import ClusterSnapshot
from tests.perf.bench_ui import _create_pending, report
from tests.waiting import wait_for

pytestmark = [pytest.mark.perf, pytest.mark.lab]

FIXTURE = Path(__file__).parents[1] / "unit" / "fixtures" / "explain_lab.json"
TARGET_MS = 200.0  # a snapshot every 2 s: the explainer should stay a small part of it


def _times(fn: Callable[[], object], runs: int = 5) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of each run (CPU time: what the store thread itself costs,
    less skewed than wall time on a machine shared with other work)."""
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return wall, cpu


def _measure(label: str, snap: ClusterSnapshot, now: datetime) -> dict[str, Any]:
    # each run on a fresh copy of the snapshot: nothing memoized from the run before
    def fresh() -> ClusterSnapshot:
        return ClusterSnapshot(nodes=snap.nodes, services=snap.services, tasks=snap.tasks,
                               networks=snap.networks, secrets=snap.secrets,
                               configs=snap.configs, info=snap.info, swarm=snap.swarm,
                               taken_at=snap.taken_at)

    explain, explain_cpu = _times(lambda: explain_all(fresh(), now))
    problems, _ = _times(lambda: health.problems(fresh(), now))
    cells, cells_cpu = _times(lambda: placement_map(fresh()))
    causes = explain_all(fresh(), now)
    report(f"explain_all, {label} (median of 5)", statistics.median(explain), "ms", TARGET_MS)
    report("… CPU time (median of 5)", statistics.median(explain_cpu), "ms", TARGET_MS)
    report("… worst of 5 (wall)", max(explain), "ms")
    report(f"health.problems incl. explain, {label}", statistics.median(problems), "ms")
    report(f"placement_map, {label} (median of 5)", statistics.median(cells), "ms")
    report("… CPU time (median of 5)", statistics.median(cells_cpu), "ms")
    print(f"BENCH … load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    kinds: dict[str, int] = {}
    for e in causes.values():
        kinds[e.kind] = kinds.get(e.kind, 0) + 1
    print(f"BENCH … {len(snap.services)} services, {len(snap.tasks)} tasks, "
          f"{len(snap.nodes)} nodes; causes: {dict(sorted(kinds.items()))}")
    return kinds


def recorded_at_scale(services: int = 2000, nodes: int = 20) -> tuple[ClusterSnapshot, datetime]:
    """The lab recording cloned: `services` services (every recorded one in turn), their
    tasks with them, `nodes` nodes; about 10 tasks per service."""
    d: dict[str, Any] = json.loads(FIXTURE.read_text())
    now = datetime.fromtimestamp(d["captured_at"], UTC)
    base_nodes = d["nodes"]
    node_out = []
    for i in range(nodes):
        n = copy.deepcopy(base_nodes[i % len(base_nodes)])
        n["ID"] = f"node{i:03d}" + n["ID"][7:]
        n["Description"]["Hostname"] = f"host{i:03d}"
        if "ManagerStatus" in n and i >= len(base_nodes):
            del n["ManagerStatus"]
            n["Spec"]["Role"] = "worker"
        node_out.append(n)
    node_ids = [n["ID"] for n in node_out]
    by_service: dict[str, list[dict[str, Any]]] = {}
    for t in d["tasks"]:
        by_service.setdefault(t["ServiceID"], []).append(t)
    svc_out, task_out = [], []
    base = d["services"]
    for i in range(services):
        src = base[i % len(base)]
        s = copy.deepcopy(src)
        s["ID"] = f"s{i:05d}" + src["ID"][6:]
        s["Spec"]["Name"] = f"{src['Spec']['Name']}{i:04d}"
        svc_out.append(s)
        tasks = by_service.get(src["ID"], [])
        for k in range(10):
            t = copy.deepcopy(tasks[k % len(tasks)]) if tasks else None
            if t is None:
                break
            t["ID"] = f"t{i:05d}{k:02d}" + t["ID"][8:]
            t["ServiceID"] = s["ID"]
            if t.get("NodeID"):
                t["NodeID"] = node_ids[(i + k) % len(node_ids)]
            if k >= len(tasks) and t.get("Slot"):
                t["Slot"] = t["Slot"] + k  # extra slots, not history
            task_out.append(t)
    snap = ClusterSnapshot.from_api(nodes=node_out, services=svc_out, tasks=task_out,
                                    networks=d["networks"], secrets=d["secrets"],
                                    configs=d["configs"], info=d["info"], swarm=d["swarm"],
                                    taken_at=now)
    return snap, now


def test_bench_explain_recorded_shapes() -> None:
    snap, now = recorded_at_scale()
    assert len(snap.services) == 2000 and len(snap.tasks) >= 15000
    kinds = _measure("recorded shapes, 2,000 services", snap, now)
    assert {"constraint", "resources", "image", "port", "exit", "update"} <= set(kinds)


def test_bench_explain_real_lab_20k_pending(make_lab) -> None:  # type: ignore[no-untyped-def]
    reuse = os.environ.get("SWARMTUI_BENCH_LAB")
    lab = Lab(reuse) if reuse and Lab(reuse).is_up() else make_lab(nodes=3, managers=1)
    if not reuse:
        t0 = time.perf_counter()
        _create_pending(lab, 2000, 10)
        print(f"\n(created 2,000 services × 10 pending replicas in "
              f"{time.perf_counter() - t0:.0f} s)")
    api = docker.APIClient(base_url=f"unix://{lab.host('node1').docker_socket}",
                           version="1.41", timeout=120)
    wait_for("20,000 tasks", lambda: len(api.tasks()) >= 20000, 300, interval=2)
    t0 = time.perf_counter()
    snap = fetch_snapshot(api)
    report("fetch_snapshot at 20,000 tasks (for scale)", time.perf_counter() - t0, "s")
    api.close()
    kinds = _measure("real lab, 20,000 Pending tasks", snap, datetime.now(UTC))
    assert kinds.get("constraint", 0) == 2000


# ------------------------------------------------------------- the map on screen
def _fresh(snap: ClusterSnapshot) -> ClusterSnapshot:
    """The same lists as a new snapshot (nothing memoized): as each poll brings."""
    return ClusterSnapshot(nodes=snap.nodes, services=snap.services, tasks=snap.tasks,
                           networks=snap.networks, secrets=snap.secrets, configs=snap.configs,
                           info=snap.info, swarm=snap.swarm, taken_at=snap.taken_at)


async def _map_figures(label: str, snap: ClusterSnapshot, now: datetime) -> dict[str, float]:
    """The placement map (M) on a 160×48 screen: time to open it, to repaint it for a new
    snapshot (after the store's thread computed health and the explanations), to page
    down, to filter. CPU time beside wall time: on a shared machine wall time is mostly
    waiting for a core."""
    from swarmtui.swarm.sync.store import StaticStore
    from swarmtui.ui.app import SwarmApp
    from swarmtui.ui.screens.placement import PlacementScreen
    from swarmtui.ui.widgets.table import KeyedTable

    def clock() -> tuple[float, float]:
        return time.perf_counter(), time.process_time()

    def since(t: tuple[float, float]) -> tuple[float, float]:
        return (time.perf_counter() - t[0]) * 1000, (time.process_time() - t[1]) * 1000

    app = SwarmApp(StaticStore(snap, now=now))
    out: dict[str, tuple[float, float]] = {}
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        t = clock()
        await pilot.press("M")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PlacementScreen)
        out["open"] = since(t)
        repaint, store = [], []
        for _ in range(5):
            new = _fresh(snap)
            t = clock()
            health.assessed(new, now)  # the store thread's share (explain included)
            store.append(since(t))
            t = clock()
            screen.show_snapshot(new, frozenset({"tasks"}))
            await pilot.pause()
            repaint.append(since(t))
        out["store"] = _median2(store)
        out["repaint"] = _median2(repaint)
        keys = []
        for _ in range(5):
            t = clock()
            await pilot.press("pagedown")
            await pilot.pause()
            keys.append(since(t))
        out["pagedown"] = _median2(keys)
        t = clock()
        await pilot.press("slash", *"0042")
        await pilot.pause()
        out["filter"] = since(t)
        table = screen.query_one("#detail-table", KeyedTable)
        assert 0 < len(table.order) < len(snap.services)
    for key, what, target in (
            ("open", f"map: open (M), {label}", None),
            ("store", "… store thread per snapshot (health + explain)", TARGET_MS),
            ("repaint", "… map repaint for a new snapshot (median of 5)", TARGET_MS),
            ("pagedown", "… page down (median of 5)", 100.0),
            ("filter", "… filter: / and 4 keys typed", 400.0)):
        report(f"{what}, wall", out[key][0], "ms")
        report("  … CPU", out[key][1], "ms", target)
    print(f"BENCH … load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return {k: v[1] for k, v in out.items()}


def _median2(pairs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


async def test_bench_map_repaint_at_scale() -> None:
    snap, now = recorded_at_scale(2000, 20)
    assert len(snap.tasks) >= 15000
    await _map_figures("2,000 services / 20,000 tasks on 20 nodes", snap, now)
    snap, now = recorded_at_scale(500, 100)
    assert len(snap.nodes) == 100
    await _map_figures("500 services × 100 nodes", snap, now)
