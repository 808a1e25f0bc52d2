"""What an on-call engineer meets at 80×24: a failing task's ERROR in full beside the
stats, wrapped detail lines under their value, warnings that are seen."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from swarmtui.swarm.reach.stats import NodeStats, TaskStats
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.ui.app import SwarmApp
from swarmtui.ui.screens.help import HelpScreen
from tests.functional.conftest import FIXTURES, static_app
from tests.functional.test_newcomer_80 import screen_lines
from tests.functional.test_node_reach_ui import MiB, app_for, screen_text
from tests.waiting import async_wait_for


def replicated_only() -> ClusterSnapshot:
    """The recorded lab without its global service (whose task names, with a node ID in
    them, are wide enough to push the stats out on their own), every running task
    sampled at 1.25 % and 13 MiB."""
    data = json.loads((FIXTURES / "cluster.json").read_text())
    agent = next(s["ID"] for s in data["services"] if "Global" in s["Spec"]["Mode"])
    snap = ClusterSnapshot.from_api(
        nodes=data["nodes"], services=[s for s in data["services"] if s["ID"] != agent],
        tasks=[t for t in data["tasks"] if t["ServiceID"] != agent],
        networks=data["networks"], info=data["info"],
        taken_at=datetime.fromtimestamp(data["captured_at"], UTC))
    per_node: dict[str, dict[str, TaskStats]] = {}
    for t in snap.tasks.values():
        if t.is_running and t.container_id and t.node_id:
            per_node.setdefault(snap.node_hostname(t.node_id), {})[t.container_id] = \
                TaskStats(t.container_id, 1.25, 13 * MiB, 0)
    return snap.with_stats({h: NodeStats(h, time.monotonic(), 12.0, 812 * MiB, 3900 * MiB,
                                         1, 2, tasks=per_node.get(h, {}))
                            for h in ("node1", "node2", "node3")})


async def tasks_table(app: SwarmApp, pilot: object) -> object:
    await pilot.press("3")  # type: ignore[attr-defined]
    tasks = app.screen.table("tasks")  # type: ignore[attr-defined]
    await async_wait_for("the task rows", lambda: len(tasks.rows) >= 10, 10)
    return tasks


async def test_a_failing_tasks_error_outranks_cpu_and_mem_at_80_columns() -> None:
    """At 80 columns CPU took the room of ERROR: "task: non-zero exit …" (and the exit
    code with it). A cut ERROR has CPU and MEM give way; wide, all of them show."""
    snap = replicated_only()
    app = app_for(snap)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        tasks = await tasks_table(app, pilot)
        shown = tasks.shown_columns()  # type: ignore[attr-defined]
        assert "error" in shown and "cpu" not in shown and "mem" not in shown, shown
        await async_wait_for("the error in full", lambda: "task: non-zero exit (3)"
                             in screen_text(app), 5)
        wide = [c.key for _, c, _ in tasks.layout_for(160)]  # type: ignore[attr-defined]
        assert {"cpu", "mem", "error"} <= set(wide), wide
        running = next(t.id for t in snap.tasks.values() if t.is_running)
        assert tasks.visible_cells(running)["cpu"] == "1.2%"  # type: ignore[attr-defined]


async def test_a_wrapped_detail_line_goes_on_under_its_value() -> None:
    """A service's "why" that wraps at 80 columns went on at the box's left edge, under
    the labels; it goes on under the value (a hanging indent), and so does each line."""
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        stuck = next(k for k, s in app.snapshot.services.items()  # type: ignore[union-attr]
                     if s.name == "stuck")
        app.open_object("services", stuck)
        await async_wait_for("the detail", lambda: "why" in screen_text(app), 5)
        lines = screen_text(app).splitlines()
        why = next(n for n, line in enumerate(lines) if line.startswith(" why "))
        value = lines[why].index("no node meets")  # the value column
        went_on = lines[why + 1]
        assert went_on[:value].strip() == "" and went_on[value] != " ", lines[why:why + 2]
        assert "label nowhere)" in went_on, lines[why:why + 2]


async def test_a_warning_hidden_by_a_screen_opened_later_waits_to_be_seen() -> None:
    """A warning raised just before help opened expired behind help, never read. Its
    time runs only while it shows: back on the screen it shows, then goes in its time
    (3 s: under load help may take a second to open)."""
    app = static_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()

        def on_screen() -> bool:
            return any("node3 went Down" in line for line in screen_lines(app))

        app.notify("node3 went Down", severity="warning", timeout=3.0)
        await async_wait_for("the warning", on_screen, 5)
        await pilot.press("question_mark")
        await async_wait_for("help", lambda: isinstance(app.screen, HelpScreen))
        warning = next(iter(app._notifications))
        await async_wait_for("the warning's 3 s to pass behind help",
                             lambda: time.time() > warning.raised_at + 3.5, 10)
        assert not on_screen()
        await pilot.press("escape")
        await async_wait_for("the warning, back on the main screen", lambda: not isinstance(
            app.screen, HelpScreen) and on_screen(), 5)
        await async_wait_for("the warning gone in its time", lambda: not on_screen(), 5)
