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


async def test_a_long_cli_line_never_pushes_the_confirm_buttons_off_80x24() -> None:
    """A bootstrap's join step is ~20 lines of shell at 80 columns: the dialog's body
    scrolls, its title and buttons stay on screen."""
    from textual.widgets import Button

    from swarmtui.bootstrap.operation import ApplyPlans
    from swarmtui.ui.flow import ConfirmScreen, confirm_and_send, fixed
    from tests.unit.test_bootstrap import CLUSTER, assess, make_plan, make_probe

    app = static_app()
    op = ApplyPlans({"root@node2": make_plan(assess(make_probe(), CLUSTER))}, dict)
    assert len(op.cli) > 1000
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.push_screen(confirm_and_send(app, fixed(op)))
        await async_wait_for("the dialog", lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.pause()
        shown = "\n".join(screen_lines(app))
        assert "Apply " in shown and "Cancel [Esc]" in shown, shown
        assert "╰" in screen_lines(app)[app.screen.query_one("#ops-dialog").region.bottom - 1]
        for b in app.screen.query(Button):
            assert 0 < b.region.bottom <= 24 and b.region.area, b.region


async def test_image_update_dialog_shows_its_warning_and_whole_button_at_80x24() -> None:
    """u → a new image: the lookup's words (here: it could not be checked, the recorded
    store has no engine) scroll into view; the Confirm button's label is never cut."""
    from swarmtui.ui.flow import ConfirmScreen

    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        svc = app.snapshot.service_by_name("web")
        await pilot.press("2")
        await async_wait_for("web's row", lambda: app.screen.table("services")
                             .select_key(svc.id))
        await pilot.press("u")
        dialog = await async_wait_for("the dialog", lambda: app.screen if isinstance(
            app.screen, ConfirmScreen) else None)
        await pilot.press(*"nosuchimage:2")
        warned = await async_wait_for("the lookup's warning", lambda: next(
            (w for w in dialog.verdict.warnings if "could not be checked" in w), None), 10)
        await pilot.pause()
        shown = "\n".join(screen_lines(app))
        assert "could not be checked" in shown, (warned, shown)
        assert "Confirm: update-image" in shown, shown
