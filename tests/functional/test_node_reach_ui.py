"""Node reach on screen at 80×24: the stats columns, the node's host view with its
sparklines, an ended task's container logs, prune refused read-only, the unlock key masked.

The figures here are values a sample or a node read would give (domain dataclasses, not a
Docker API double); the lab tests (tests/lab/test_node_reach.py) check them against the
docker CLI on real nodes.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import pytest
from textual.widgets import Checkbox, Input

from swarmtui import audit
from swarmtui.connect.hostkeys import fixed_trust
from swarmtui.connect.nodes import NodePool
from swarmtui.connect.options import ConnectOptions
from swarmtui.swarm.reach.deadlogs import DeadTaskLogs
from swarmtui.swarm.reach.detail import DiskUse, NodeContainer, NodeDetail
from swarmtui.swarm.reach.ops import UnlockManager
from swarmtui.swarm.reach.stats import NodeStats, TaskStats
from swarmtui.swarm.reach.watch import NodeReach
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.swarm.sync.store import StaticStore
from swarmtui.ui.app import SwarmApp
from swarmtui.ui.flow import ConfirmScreen, OpForm, confirm_and_send
from swarmtui.ui.screens.deadlogs import DeadTaskScreen, ended_task_screen
from swarmtui.ui.screens.nodehost import BARS, Bars, NodeHostScreen, bars
from tests.functional.conftest import recorded_state
from tests.waiting import async_wait_for

MiB, GiB = 1024**2, 1024**3


def screen_text(app: SwarmApp) -> str:
    """What the terminal shows, line by line."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip) for strip in strips)


def with_stats() -> tuple[ClusterSnapshot, dict[str, str]]:
    """The recorded lab with a sample of node2 and node3 (every running task 1.25 %, 13 MiB)
    and node1 unreachable; hostname → node ID."""
    snap, _ = recorded_state()
    ids = {n.hostname: n.id for n in snap.nodes.values()}
    per_node: dict[str, dict[str, TaskStats]] = {}
    for t in snap.tasks.values():
        if t.is_running and t.container_id and t.node_id:
            host = snap.node_hostname(t.node_id)
            per_node.setdefault(host, {})[t.container_id] = TaskStats(t.container_id, 1.25,
                                                                      13 * MiB, 0)
    stats = {h: NodeStats(h, time.monotonic(), 12.0, 812 * MiB, 3900 * MiB, 12 * GiB, 40 * GiB,
                          tasks=per_node.get(h, {})) for h in ("node2", "node3")}
    stats["node1"] = NodeStats("node1", time.monotonic(),
                               unreachable="SSH refused: connection refused")
    return snap.with_stats(stats), ids


def app_for(snap: ClusterSnapshot, read_only: bool = False) -> SwarmApp:
    _, now = recorded_state()
    return SwarmApp(StaticStore(snap, label="recorded lab", read_only=read_only, now=now))


async def test_stats_columns_at_80_columns_and_the_order_they_give_way() -> None:
    snap, ids = with_stats()
    app = app_for(snap)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        main = app.screen
        nodes = main.table("nodes")  # type: ignore[attr-defined]
        await async_wait_for("the node rows", lambda: ids["node2"] in nodes.rows, 10)
        assert [c.key for _, c, _ in nodes.layout_for(80)] == [
            "hostname", "status", "availability", "manager", "tasks", "cpu", "mem", "disk"]
        assert nodes.visible_cells(ids["node2"])["cpu"] == "12%"
        assert nodes.visible_cells(ids["node2"])["mem"] == "812M/3.8G"
        assert nodes.visible_cells(ids["node2"])["disk"] == "12G"
        # an unreachable node: a dash, never a wait (the reason is in its host view)
        assert [nodes.visible_cells(ids["node1"])[k] for k in ("cpu", "mem", "disk")] == \
            ["—", "—", "—"]
        text = screen_text(app)
        assert "812M/3.8G" in text and "CPU" in text and "DISK" in text
        # narrower: DISK gives way first, then MEM, then CPU; no cell is cut
        # (HOSTNAME is as wide as its header, 8: CPU fits down to 60 columns)
        widths = {w: [c.key for _, c, _ in nodes.layout_for(w)] for w in (76, 70, 58)}
        assert "disk" not in widths[76] and "mem" in widths[76]
        assert "mem" not in widths[70] and "cpu" in widths[70]
        assert "cpu" not in widths[58]
        for _, column, width in nodes.layout_for(80):
            assert all(len(nodes.visible_cells(k)[column.key]) <= width for k in nodes.rows)
        # the Tasks pane: CPU and MEM of each running task, a dash on node1
        await pilot.press("3")
        tasks = main.table("tasks")  # type: ignore[attr-defined]
        running = {t.id: snap.node_hostname(t.node_id) for t in snap.tasks.values()
                   if t.is_running}
        await async_wait_for("the task rows", lambda: set(running) <= set(tasks.rows), 10)
        for task_id, host in running.items():
            cells = tasks.visible_cells(task_id)
            assert (cells["cpu"], cells["mem"]) == (("—", "—") if host == "node1"
                                                    else ("1.2%", "13M")), cells
        ended = next(t.id for t in snap.tasks.values() if t.is_terminal)
        assert (tasks.visible_cells(ended)["cpu"], tasks.visible_cells(ended)["mem"]) == ("", "")
        shown = [c.key for _, c, _ in tasks.layout_for(120)]
        assert shown.index("current") < shown.index("cpu") < shown.index("mem")


async def test_no_stats_no_columns() -> None:
    """Stats off (or not in yet): CPU, MEM and DISK take no room."""
    snap, _ = recorded_state()
    app = app_for(snap)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        nodes = app.screen.table("nodes")  # type: ignore[attr-defined]
        await async_wait_for("the node rows", lambda: len(nodes.rows) == 3, 10)
        shown = [c.key for _, c, _ in nodes.layout_for(160)]
        assert "address" in shown and not {"cpu", "mem", "disk"} & set(shown)


async def test_stats_pause_key_is_refused_without_a_sampler() -> None:
    snap, _ = with_stats()
    app = app_for(snap)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("z")
        await pilot.pause()
        assert any("no live stats" in str(n.message) for n in app._notifications)


def _detail() -> NodeDetail:
    containers = tuple(NodeContainer(
        f"{i:064x}", f"web.{i}.k3v0lzq8m0c7s9x2y1w4", "busybox:latest",
        "running" if i % 3 else "exited", "Up 3 minutes" if i % 3 else "Exited (0) 2 hours ago",
        f"web.{i}" if i % 4 else "") for i in range(1, 13))
    return NodeDetail("node2", "6.1.0-13-amd64", "Debian GNU/Linux 12 (bookworm)", "24.0.7",
                      containers, 3, (DiskUse("Images", 3, 5_000_000, 1_000_000),
                                      DiskUse("Containers", 12, 3000, 100),
                                      DiskUse("Local Volumes", 1, 0, 0),
                                      DiskUse("Build Cache", 0, 0, 0)))


async def test_node_host_view_at_80x24() -> None:
    snap, ids = with_stats()
    app = app_for(snap)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        nodes = app.screen.table("nodes")  # type: ignore[attr-defined]
        await async_wait_for("node2's row", lambda: nodes.select_key(ids["node2"]), 10)
        await pilot.press("v")
        await async_wait_for("the host view", lambda: isinstance(app.screen, NodeHostScreen),
                             10)
        host = app.screen
        assert isinstance(host, NodeHostScreen) and host.hostname == "node2"
        # a recorded state has no SSH to the node: it says so, and still shows the sample
        assert "needs a live connection" in host.error
        assert "MEM  812M of 3.8G" in screen_text(app)
        host.show_detail(_detail())
        host.show_history([NodeStats("node2", i, 10.0 + i, (800 + i) * MiB, 3900 * MiB,
                                     12 * GiB - i * MiB, 40 * GiB) for i in range(30)])
        await pilot.pause()
        text = screen_text(app)
        lines = text.splitlines()
        assert len(lines) == 24 and all(len(line) <= 80 for line in lines)
        assert "kernel 6.1.0-13-amd64 · Docker 24.0.7" in text
        assert "CPU   39% (max 39%)" in text and "DISK 12G free of 40G" in text
        cpu, _mem, disk = host.query(Bars)
        assert cpu.values == [10.0 + i for i in range(30)]
        # a fixed scale: 29 MiB less free of 40 GiB draws flat, not as a cliff
        drawn = bars(disk.values, disk.top, 30)
        assert len(set(drawn)) == 1 and drawn[0] in BARS, drawn
        assert bars(cpu.values, cpu.top, 30) != drawn
        for kind in ("Images", "Containers", "Local Volumes", "Build Cache"):
            assert kind in text
        assert "containers: 12 (3 not from the swarm)" in text
        assert "(not swarm)" in text and "Up 3 minutes" in text  # the status whole
        assert "ssh node2 docker ps -a" in text
        assert "Back" in lines[-1]
        assert "· 3 images" in " ".join(text.split())
        host.show_detail(dataclasses.replace(_detail(), images=1))  # "1 images" was said
        await pilot.pause()
        said = " ".join(screen_text(app).split())
        assert "(bookworm) · 1 image" in said and "1 images" not in said, said
        await pilot.press("escape")
        assert not isinstance(app.screen, NodeHostScreen)
        # also from the node's drill-down (enter on its row)
        await pilot.press("enter")
        await pilot.press("v")
        await async_wait_for("the host view from the node's screen",
                             lambda: isinstance(app.screen, NodeHostScreen), 10)


async def test_an_ended_tasks_container_logs_at_80x24() -> None:
    snap, _ = with_stats()
    failed = next(t for t in snap.tasks.values() if t.state == "failed" and t.container_id)
    running = next(t for t in snap.tasks.values() if t.is_running)
    assert ended_task_screen(snap, running.id) is None  # a live task: its service's logs
    app = app_for(snap)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = ended_task_screen(snap, failed.id)
        assert isinstance(screen, DeadTaskScreen)
        await app.push_screen(screen)
        await pilot.pause()
        assert "needs a live connection" in screen.error
        cid = failed.container_id or ""
        screen.show_logs(DeadTaskLogs(
            "node3", cid, False, 3, True, "", "", "dying-words\nto-stderr\n",
            f"{cid[:12]} on node3 exited with code 3, killed by the kernel for lack of "
            "memory (OOMKilled); last 2 lines of its output"))
        await pilot.pause()
        text = screen_text(app)
        assert "exited with code 3" in text and "OOMKilled" in text
        assert "dying-words" in text and "to-stderr" in text
        assert f"docker logs --tail 200 {cid[:12]}" in text
        screen.show_logs(DeadTaskLogs("node3", cid, True, message=(
            f"the container {cid[:12]} is gone from node3 (removed by the task history "
            "limit or a prune): its logs are lost")))
        await pilot.pause()
        assert "is gone from node3" in screen_text(app)
        assert "dying-words" not in screen_text(app)


async def test_prune_is_refused_read_only_before_anything_is_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(audit.ENV_STATE_DIR, str(tmp_path))
    snap, ids = with_stats()
    app = app_for(snap, read_only=True)
    assert app.store is not None
    # a node pool that opens nothing here (every node of the recording is Ready)
    reach = NodeReach(NodePool(ConnectOptions(trust=fixed_trust("never"))))
    app.store.attach_reach(reach)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            main = app.screen
            nodes = main.table("nodes")  # type: ignore[attr-defined]
            await async_wait_for("node2's row", lambda: nodes.select_key(ids["node2"]), 10)
            await pilot.press("P")
            await pilot.pause()
            assert app.screen is main  # no preview, no confirmation
            notes = [n for n in app._notifications if n.title == "READ-ONLY"]
            # (no manager here to borrow SSH settings from: node2 by its swarm address)
            assert notes and "ssh 100.64.174.12 'docker container rm ID…" in \
                str(notes[0].message)
            assert reach.pool.figures.connects == reach.pool.figures.failures == 0
        entry = json.loads((tmp_path / "audit.jsonl").read_text().splitlines()[-1])
        assert (entry["operation"], entry["result"], entry["target"]) == \
            ("prune", "refused", "node2")
    finally:
        await reach.close()


async def test_unlock_key_is_masked_while_typed_and_shown_on_request() -> None:
    snap, _ = with_stats()
    app = app_for(snap)
    pool = NodePool(ConnectOptions(trust=fixed_trust("never")))
    key = "SWMKEY-1-abcdefghijklmnopqrstuvwxyz0123456789ABCDEF"
    form = OpForm(build=lambda v, _f: UnlockManager(pool, "node1", "", "", v),
                  prompt="The swarm's unlock key:", placeholder="SWMKEY-1-…", secret=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.push_screen(confirm_and_send(app, form))
        await pilot.pause()
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        field = confirm.query_one("#ops-value", Input)
        assert field.has_focus and field.password
        await pilot.press(*key)
        await pilot.pause()
        assert field.value == key and confirm.can_confirm
        assert key not in screen_text(app) and "abcdefghij" not in screen_text(app)
        assert key not in confirm.operation.cli
        confirm.query_one("#ops-reveal", Checkbox).value = True
        await pilot.pause()
        assert not field.password
        assert "SWMKEY-1-abcdef" in screen_text(app)
        confirm.query_one("#ops-reveal", Checkbox).value = False
        await pilot.pause()
        assert field.password and "abcdefghij" not in screen_text(app)


def test_bars_draw_on_a_fixed_scale_newest_on_the_right() -> None:
    assert bars([0, 50, 100], 100, 5) == "  ▁▅█"
    assert bars([100] * 10, 100, 4) == "████"  # only the newest that fit
    assert bars([5.0], 0, 3) == "   "  # no scale yet: nothing drawn
    assert bars([1, 2], 100, 0) == ""
