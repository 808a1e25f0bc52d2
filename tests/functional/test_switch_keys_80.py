"""What a pane switch and a filter keystroke cost the screen at 80×24: the footer is one
painted line (ui/widgets/footer.py) whose keys run when clicked and say what they do under
the pointer; a pane switch lays the screen out once (Textual's Footer remounted a widget per
key and laid the screen out twice more), a filter keystroke not at all. A key typed gives the
UI thread its turn (swarm/sync/uiturn.py); a pane chosen as the screen starts stays chosen."""

from __future__ import annotations

from typing import Any

import pytest
from textual.screen import Screen

from swarmtui.swarm.sync import uiturn
from swarmtui.ui.screens.help import HelpScreen
from swarmtui.ui.screens.main import MainScreen
from swarmtui.ui.widgets.footer import KeysFooter
from tests.functional.conftest import static_app
from tests.functional.test_newcomer_80 import footer_line
from tests.waiting import async_wait_for


def key_x(app: Any, label: str) -> int:
    """Where `label` (a key and its description) starts on the footer line."""
    line = footer_line(app)
    assert label in line, line
    return line.index(label)


async def test_a_click_on_a_footer_key_runs_it() -> None:
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await async_wait_for("the footer's keys", lambda: "? Help" in footer_line(app), 10)
        await pilot.click(KeysFooter, offset=(key_x(app, "? Help") + 2, 0))
        await async_wait_for("the help screen", lambda: isinstance(app.screen, HelpScreen), 10)


async def test_the_key_under_the_pointer_says_what_it_does() -> None:
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await async_wait_for("the footer's keys", lambda: "? Help" in footer_line(app), 10)
        footer = app.screen.query_one(KeysFooter)
        await pilot.hover(KeysFooter, offset=(key_x(app, "? Help"), 0))
        entry = next(k for k in footer.keys if k.description == "Help")
        assert footer.tooltip == (entry.tooltip or None)
        await pilot.hover(KeysFooter, offset=(footer_line(app).rindex("palette") + 2, 0))
        assert footer.tooltip == next(k for k in footer.keys if k.palette).tooltip


def count_layouts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """From now on, a 1 in the list for each time a screen is laid out."""
    layouts: list[int] = []
    refresh_layout = Screen._refresh_layout

    def counted(self: Screen[Any], *args: Any, **kwargs: Any) -> None:
        layouts.append(1)
        refresh_layout(self, *args, **kwargs)

    monkeypatch.setattr(Screen, "_refresh_layout", counted)
    return layouts


async def test_a_pane_switch_lays_the_screen_out_once(monkeypatch: pytest.MonkeyPatch) -> None:
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        for key in "23451":  # each pane once: its rows and scrollbars are laid out
            await pilot.press(key)
            await pilot.pause()
        layouts = count_layouts(monkeypatch)
        for key, words in (("2", "n New service"), ("5", "d Deploy a stack"),
                           ("1", "d Drain")):
            layouts.clear()
            await pilot.press(key)
            await async_wait_for(f"pane {key}'s keys", lambda w=words: w in footer_line(app))
            await pilot.pause()
            assert len(layouts) == 1, (key, len(layouts))


async def test_a_key_typed_gives_the_ui_thread_its_turn(
        monkeypatch: pytest.MonkeyPatch) -> None:
    marked: list[int] = []
    monkeypatch.setattr(uiturn, "input_now", lambda: marked.append(1))
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        marked.clear()
        await pilot.press("2")
        assert marked


async def test_a_pane_chosen_as_the_screen_starts_stays_chosen() -> None:
    """The start's focus of the Nodes table, handled after a pane was chosen, switched the
    panes back to Nodes (keys then acted on the wrong pane)."""
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        screen.action_pane("tasks")
        await pilot.pause(0.3)
        assert screen.active_kind == "tasks"
        assert app.focused is screen.table("tasks")


async def test_a_filter_keystroke_lays_nothing_out_and_the_scrollbar_follows(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows' count is only the height to scroll through (KeyedTable._scroll_height), the
    filter's text only its scroll range: neither lays the screen out. The scrollbar and the
    scroll offset still follow the rows."""
    app = static_app()
    async with app.run_test(size=(80, 12)) as pilot:
        await pilot.press("3")
        screen = app.screen
        assert isinstance(screen, MainScreen)
        table = screen.table("tasks")
        await async_wait_for("the task rows", lambda: len(table.order) > table.size.height)
        await pilot.press("slash", "w", "e")  # 3 rows: they fit, no scrollbar
        await pilot.pause()
        layouts = count_layouts(monkeypatch)
        counts = []
        for ch in "b.1":  # 3, 3, then 1 row
            await pilot.press(ch)
            await pilot.pause()
            counts.append(len(table.order))
        assert counts[0] > counts[-1] > 0 and layouts == []
        assert all("web.1" in table.rows[k].haystack() for k in table.order)
        monkeypatch.undo()
        await pilot.press("escape", "end")  # every row back: the last one scrolled to
        await pilot.pause()
        last = table.rows[table.order[-1]].cells[0]
        assert last in table.visible_text()
        assert table.show_vertical_scrollbar and table.scroll_offset.y > 0
