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


async def open_logs(app: SwarmApp) -> LogScreen:
    """The logs screen of the recorded state's first service, on top."""
    svc = next(iter(app.snapshot.services.values()))
    screen = LogScreen(svc.id)
    app.push_screen(screen)
    await async_wait_for("the log screen", lambda: app.screen is screen)
    return screen


async def test_log_counts_say_nothing_yet_one_line_and_lines() -> None:
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_logs(app)
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


async def test_toasts_never_cover_a_button_or_the_tour_text() -> None:
    """At 80×24: on the main screen toasts sit bottom-left above the status bar (the tour
    and walkthrough are on the right); over a dialog, a form or a wizard at the top right
    (their buttons are at the bottom or on the left). Fails with Textual's placement."""
    from textual.widgets import Button
    from textual.widgets._toast import Toast

    from swarmtui.ui.flow import ConfirmScreen
    from swarmtui.ui.forms.service import ServiceFormScreen
    from swarmtui.ui.screens.wizards.bootstrap import BootstrapScreen
    from swarmtui.ui.screens.wizards.init_swarm import InitSwarmScreen
    from swarmtui.ui.tour import TourPanel
    from swarmtui.ui.widgets.status import StatusBar

    snap, now = recorded_state()
    app = SwarmApp(StaticStore(snap, label="recorded lab", now=now), tour=True)
    long = "5 commands written to /root/.local/state/swarmtui/exports/swarmtui-session.sh"

    def toasts() -> list[Toast]:
        return [t for t in app.screen.query(Toast) if t.region.area]

    async def covers_nothing(what: str) -> None:
        app.clear_notifications()
        app.notify(long, title=f"over {what}", timeout=30)
        await async_wait_for(f"a toast over {what}", toasts)
        await pilot.pause()
        buttons = [b.region for b in app.screen.query(Button) if b.region.area]
        assert buttons or what == "the main screen", what
        for t in toasts():
            for b in buttons:
                assert not t.region.overlaps(b), (what, t.region, b)

    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("w")  # the walkthrough too: both side panels on the right
        await covers_nothing("the main screen")
        tour = app.screen.query_one(TourPanel).region
        status = app.screen.query_one(StatusBar).region
        assert tour.area and status.area
        for t in toasts():
            assert not t.region.overlaps(tour), (t.region, tour)
            assert not t.region.overlaps(status), (t.region, status)
        await pilot.press("1", "d")  # a confirmation over the main screen
        await async_wait_for("the dialog", lambda: isinstance(app.screen, ConfirmScreen))
        await covers_nothing("a confirmation")
        await pilot.press("escape")
        await pilot.press("2", "n")
        await async_wait_for("the service form",
                             lambda: isinstance(app.screen, ServiceFormScreen))
        await covers_nothing("the service form")
        await pilot.press("escape")
        for wizard in (InitSwarmScreen(), BootstrapScreen()):
            app.push_screen(wizard)
            await async_wait_for("the wizard", lambda: app.screen is wizard)  # noqa: B023
            await covers_nothing(type(wizard).__name__)
            wizard.dismiss()
            await pilot.pause()



async def test_an_incident_at_80x24_shows_four_problems_before_the_panes() -> None:
    """On call at 80×24 with no keystroke: four problems are said above the panes (two
    were, over a half-empty table), then how many more and how to see them."""
    from tests.unit.test_explain import recorded as explain_recorded

    snap, at = explain_recorded()
    app = SwarmApp(StaticStore(snap, label="recorded lab", now=at))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = await async_wait_for("the problems", lambda: (lambda s: s if any(
            "more — press p" in x for x in s) else None)(screen_lines(app)), 10)
        tabs = next(n for n, x in enumerate(lines) if "1 Nodes" in x)
        said = [x for x in lines[:tabs] if x.lstrip().startswith(("✖", "▲", "•"))]
        assert len(said) == 4, lines[:tabs]
        assert "more — press p to show only rows with a problem" in lines[tabs - 1]
