"""`?` lists every binding of the current screen, grouped, with what it does."""

from __future__ import annotations

from pathlib import Path

from swarmtui.config import Settings
from swarmtui.swarm.sync.store import StaticStore
from swarmtui.ui.app import SwarmApp
from swarmtui.ui.screens.help import HelpScreen
from tests.functional.conftest import recorded_state, static_app


async def test_help_lists_the_main_screen_bindings_grouped() -> None:
    app = static_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        main = app.screen
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = {r.binding_id: r for r in app.screen.rows}
        # every id'd binding of the main screen and the app is listed
        ids = {b.id for _ns, bm in main._modal_binding_chain for _k, b in bm if b.id}
        assert ids <= set(rows), ids - set(rows)
        assert rows["main.filter"].keys == "/" and rows["main.filter"].group == "This screen"
        assert rows["ops.drain"].group == "Node and service operations"
        assert "docker node update --availability drain" in rows["ops.drain"].description
        assert rows["ops.drain"].enabled  # the Nodes pane is shown
        assert not rows["ops.scale"].enabled  # a Services key, listed but marked
        assert rows["walkthrough.toggle"].keys == "w"
        groups = [r.group for r in app.screen.rows]
        assert groups.index("Panes") < groups.index("Everywhere")
        await pilot.press("escape")
        assert app.screen is main
        await pilot.press("2", "question_mark")
        rows = {r.binding_id: r for r in app.screen.rows}
        assert rows["ops.scale"].enabled and not rows["ops.drain"].enabled


async def test_help_shows_remapped_keys(tmp_path: Path) -> None:
    snap, now = recorded_state()
    app = SwarmApp(StaticStore(snap, label="recorded lab", now=now),
                   settings=Settings(path=tmp_path / "c.toml", keymap={"main.filter": "f"}))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        rows = {r.binding_id: r for r in app.screen.rows}
        assert rows["main.filter"].keys == "f"


async def test_help_on_a_detail_screen_lists_its_bindings() -> None:
    app = static_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("enter")  # node1's detail
        detail = app.screen
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        ids = {b.id for _ns, bm in detail._modal_binding_chain for _k, b in bm if b.id}
        assert ids and ids <= {r.binding_id for r in app.screen.rows}
        await pilot.press("question_mark")  # ? again closes it
        assert app.screen is detail
