"""Triage screens: the placement map (M) — a row per service, a column per node, cells from the
recorded lab state; `/` filters services, enter opens one, escape goes back; and CA rotation
from the palette (refused in read-only, else its confirmation with the CLI line)."""

from __future__ import annotations

from swarmtui.swarm.placement_map import placement_map
from swarmtui.ui.screens.detail import ServiceScreen
from swarmtui.ui.screens.placement import PlacementScreen
from swarmtui.ui.widgets.table import KeyedTable
from tests.functional.conftest import recorded_state, static_app


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
