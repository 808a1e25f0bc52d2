"""Issue 16 item 11 at 80×24: counts say their noun right, a silent service's logs
say it has written nothing yet, inspect titles use names."""

from __future__ import annotations

from textual.widgets import Static

from swarmtui.swarm.logs import parse_log_line
from swarmtui.swarm.sync.store import StaticStore
from swarmtui.ui.app import SwarmApp
from swarmtui.ui.screens.inspect import InspectScreen
from swarmtui.ui.screens.logs import LogScreen
from tests.functional.conftest import recorded_state, static_app
from tests.functional.test_newcomer_80 import screen_lines
from tests.waiting import async_wait_for


def title(screen: LogScreen) -> str:
    screen._title()
    return str(screen.query_one("#log-title", Static).render())


async def test_log_counts_say_nothing_yet_one_line_and_lines() -> None:
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        svc = next(iter(app.snapshot.services.values()))
        screen = LogScreen(svc.id)
        app.push_screen(screen)
        await async_wait_for("the log screen", lambda: app.screen is screen)
        await async_wait_for("the stream's end", lambda: screen.error or screen.ended, 10)
        # the static store has no engine: as a silent service's stream
        screen.error = ""
        if screen._logs is not None:
            screen._logs.errors.clear()
        assert "the service has written nothing yet" in title(screen)
        assert "0 lines" not in title(screen)
        screen.lines.append(parse_log_line("2026-12-01T10:00:00.000000000Z hello", app.snapshot))
        assert title(screen).endswith("· 1 line"), title(screen)
        screen.lines.append(parse_log_line("2026-12-01T10:00:01.000000000Z again", app.snapshot))
        assert title(screen).endswith("· 2 lines")
        await pilot.pause()
        assert "2 lines" in screen_lines(app)[0]


async def test_inspect_titles_use_names() -> None:
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        node = app.snapshot.node_by_hostname("node2")
        app.open_inspect("nodes", node.id)
        await async_wait_for("inspect", lambda: isinstance(app.screen, InspectScreen))
        await pilot.pause()
        head = screen_lines(app)[0].strip()
        assert head == f"node node2 ({node.id[:12]}) — docker node inspect · from the last list"
        await pilot.press("escape")
        svc = next(iter(app.snapshot.services.values()))
        app.open_inspect("services", svc.id)
        await async_wait_for("inspect", lambda: isinstance(app.screen, InspectScreen))
        await pilot.pause()
        assert f"service {svc.name} (" in screen_lines(app)[0], screen_lines(app)[0]


async def test_the_side_panels_leave_the_tasks_node_column_during_the_tour() -> None:
    snap, now = recorded_state()
    app = SwarmApp(StaticStore(snap, label="recorded lab", now=now), tour=True)
    assert app.tour is not None
    app.tour.index = next(i for i, s in enumerate(app.tour.steps) if s.id == "move")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("w", "3")  # the walkthrough beside the tour, on the Tasks pane
        await pilot.pause()
        table = app.screen.table("tasks")
        header = screen_lines(app)[table.region.y]
        assert app.tour.current is not None and app.tour.current.id == "move"
        assert "NODE" in header, header
