"""`[keymap]` remapping: a remapped key works, bad entries are refused with a message."""

from __future__ import annotations

from pathlib import Path

from swarmtui.config import Settings
from swarmtui.swarm.sync.store import StaticStore
from swarmtui.ui.app import SwarmApp
from swarmtui.ui.keymap import keymap_scopes, validate_keymap
from swarmtui.ui.screens.main import PaneFilter
from tests.functional.conftest import recorded_state


def _app(tmp_path: Path, keymap: dict[str, str]) -> SwarmApp:
    snap, now = recorded_state()
    return SwarmApp(StaticStore(snap, label="recorded lab", now=now),
                    settings=Settings(path=tmp_path / "config.toml", keymap=keymap))


def _keymap_notes(app: SwarmApp) -> list[str]:
    return [n.message for n in app._notifications if "keymap" in (n.title or "")]


async def test_a_remapped_key_runs_the_action_and_the_old_one_does_not(tmp_path: Path) -> None:
    app = _app(tmp_path, {"main.filter": "f", "pane.services": "f2"})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        main = app.screen
        await pilot.press("slash")  # the old key: nothing happens
        assert not main.query_one(PaneFilter).has_focus
        await pilot.press("f2")
        assert main.active_kind == "services"
        await pilot.press("f")
        assert main.query_one(PaneFilter).has_focus
        assert _keymap_notes(app) == []


async def test_clashing_and_unknown_entries_are_refused_with_a_message(tmp_path: Path) -> None:
    app = _app(tmp_path, {"main.problems": "i",   # i is Inspect on the main screen
                          "main.sortt": "f9",      # no such id
                          "main.history": "f8"})   # fine
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        notes = _keymap_notes(app)
        assert len(notes) == 1, notes
        assert "main.problems" in notes[0] and "'i'" in notes[0] and "main.inspect" in notes[0]
        assert "main.sortt" in notes[0] and "no binding has this id" in notes[0]
        main = app.screen
        table = main.active_table
        await pilot.press("i")  # still Inspect, not Problems
        assert app.screen is not main and type(app.screen).__name__ == "InspectScreen"
        await pilot.press("escape")
        await pilot.press("p")  # the refused remap left p as it was
        assert table.problems_only
        await pilot.press("f8")  # the good entry applied
        assert table.hide_history


def test_default_shared_keys_are_not_clashes_but_remaps_onto_them_are() -> None:
    scopes = keymap_scopes(SwarmApp)
    good, problems = validate_keymap({}, scopes)
    assert problems == []  # ctrl+d (node rm / service rm) share a key on purpose
    good, problems = validate_keymap({"ops.drain": "ctrl+d"}, scopes)
    assert good == {} and "ctrl+d" in str(problems[0]) and "ops.node_rm" in str(problems[0])
    # moving a binding onto a key another remap frees is fine
    good, problems = validate_keymap({"main.problems": "i", "main.inspect": "f6"}, scopes)
    assert problems == [] and good == {"main.problems": "i", "main.inspect": "f6"}
    good, problems = validate_keymap({"main.problems": "f7", "main.inspect": "f6"}, scopes)
    assert problems == [] and good == {"main.problems": "f7", "main.inspect": "f6"}
    # ids of every screen are known, the lazily imported confirmations' included
    good, problems = validate_keymap({"ops.confirm.go": "ctrl+o", "help.close": "f1"}, scopes)
    assert problems == [] and set(good) == {"ops.confirm.go", "help.close"}
