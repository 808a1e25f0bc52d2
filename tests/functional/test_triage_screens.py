"""Triage screens: the placement map (M) — a row per service, a column per node, cells from the
recorded lab state; `/` filters services, enter opens one, escape goes back; and CA rotation
from the palette (refused in read-only, else its confirmation with the CLI line); the logs'
`since` (S); the last lines of a task that keeps exiting in its service's detail."""

from __future__ import annotations

from swarmtui.swarm.placement_map import placement_map
from swarmtui.ui.screens.detail import ServiceScreen
from swarmtui.ui.screens.placement import PlacementScreen
from swarmtui.ui.widgets.table import KeyedTable
from tests.functional.conftest import recorded_state, static_app
from tests.waiting import async_wait_for


async def test_map_cells_filter_and_drill_down() -> None:
    snap, _ = recorded_state()
    m = placement_map(snap)
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        main = app.screen
        await pilot.press("M")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PlacementScreen)
        table = screen.query_one("#detail-table", KeyedTable)
        assert table.order == list(m.services)  # every service, by name
        web = snap.service_by_name("web")
        assert web is not None
        row = table.rows[web.id]
        for i, nid in enumerate(m.nodes):
            cell = m.cell(web.id, nid)
            assert row.cells[2 + i] == (cell.text if cell else "·")
        stuck = snap.service_by_name("stuck")
        assert stuck is not None and table.rows[stuck.id].cells[1] == "2"  # 2 on no node
        assert table.shown_columns() == ["service", "pending", *m.nodes]  # 3 nodes fit in 80
        await pilot.press("slash", *"stu", "enter")
        await pilot.pause()
        assert table.order == [stuck.id]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ServiceScreen) and app.screen.object_id == stuck.id
        await pilot.press("escape", "escape")  # back to the map; Escape clears its filter
        await pilot.pause()
        assert app.screen is screen and table.order == list(m.services)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is main


async def test_map_filter_by_node_name_keeps_its_column_and_its_services() -> None:
    snap, _ = recorded_state()
    m = placement_map(snap)
    node2 = snap.node_by_hostname("node2")
    assert node2 is not None
    there = [s for s in m.services if m.cell(s, node2.id) is not None]
    assert 0 < len(there) < len(m.services)
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("M", "slash", *"node2")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PlacementScreen)
        table = screen.query_one("#detail-table", KeyedTable)
        assert table.shown_columns() == ["service", "pending", node2.id]
        assert table.order == there
        await pilot.press("escape")  # clears the filter: every service, every node again
        await pilot.pause()
        table = screen.query_one("#detail-table", KeyedTable)
        assert table.order == list(m.services) and len(table.shown_columns()) == 5


async def test_rotate_ca_from_the_palette_shows_the_cli_or_is_refused() -> None:
    from swarmtui.ui import actions

    app = static_app(read_only=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert not actions.open_action(app, "ops.rotate_ca")
        await pilot.pause()
        notes = [n.message for n in app._notifications]
        assert any(n.startswith("READ-ONLY") and "docker swarm ca --rotate" in n
                   for n in notes), notes
    app = static_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        from swarmtui.ui.flow import ConfirmScreen

        assert actions.open_action(app, "ops.rotate_ca")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.form.build("", False).cli == "docker swarm ca --rotate"


async def test_events_screen_newest_first_filters_and_opens() -> None:
    from datetime import UTC, datetime

    from swarmtui.swarm.eventlog import EventLine
    from swarmtui.ui.screens.events import EventsScreen

    snap, _ = recorded_state()
    web = snap.service_by_name("web")
    assert web is not None
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        main = app.screen
        await pilot.press("E")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, EventsScreen)
        table = screen.query_one("#detail-table", KeyedTable)
        assert table.order == []
        at = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
        assert app.store is not None
        app.store._log_events([
            EventLine(at, "service", "create", web.id, "web", ""),
            EventLine(at, "service", "update", web.id, "web", "replicas 1 → 3"),
            EventLine(at, "network", "remove", "n0", "old-net", ""),
        ])
        revision = table.revision
        await pilot.pause(0.7)  # the screen's 0.5 s look at the log
        assert table.revision > revision
        assert [table.rows[k].cells[2:4] for k in table.order] == [
            ("old-net", "remove"), ("web", "update"), ("web", "create")]
        await pilot.press("slash", *"replicas", "enter")
        await pilot.pause()
        assert [table.rows[k].cells[4] for k in table.order] == ["replicas 1 → 3"]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ServiceScreen) and app.screen.object_id == web.id
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert app.screen is main


async def test_logs_since_refuses_a_bad_value_and_reopens_from_a_good_one() -> None:
    from textual.widgets import Input, Static

    from swarmtui.ui.screens.logs import LogScreen

    app = static_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        web = app.snapshot.service_by_name("web")
        assert web is not None
        app.push_screen(LogScreen([web.id], "stack demo"))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LogScreen)
        await pilot.press("S", *"soon", "enter")
        await pilot.pause()
        assert any("since 'soon'" in n.message for n in app._notifications)
        box = screen.query_one("#log-since", Input)
        assert box.has_class("shown") and screen.since is None  # kept open, nothing lost
        box.value = ""
        await pilot.press(*"10m", "enter")
        await pilot.pause()
        assert screen.since_text == "10m" and screen.since is not None
        assert not box.has_class("shown")
        title = str(screen.query_one("#log-title", Static).render())
        assert "logs of stack demo" in title and "since 10m" in title


async def test_an_exiting_task_s_last_lines_are_read_for_the_service_detail() -> None:
    app = static_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        broken = app.snapshot.service_by_name("broken")
        assert broken is not None
        app.open_object("services", broken.id)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ServiceScreen)

        def said() -> str:
            return str(screen.query_one("#summary").render())

        # the recorded state has no engine: the read fails, and the detail says so
        text = await async_wait_for("the last lines' line", lambda: "could not be read" in
                                    said() and said(), 10)
        assert "last lines" in text and "keeps exiting" in text
