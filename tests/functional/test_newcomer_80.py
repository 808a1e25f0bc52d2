"""Issue 16 items 3, 8 and 9 at 80×24, as a newcomer sees them: the filter box shows
what is typed, nothing is cut off, the footers show the keys that create, each key
once, help says where you are in words, placeholders do not look filled in."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rich.console import Console
from textual.widgets import Input

from swarmtui.ui import actions
from swarmtui.ui.flow import ConfirmScreen
from swarmtui.ui.panes import PANES
from swarmtui.ui.screens.help import HelpScreen
from swarmtui.ui.screens.main import MainScreen, PaneFilter
from swarmtui.ui.widgets.footer import FooterEntry, KeysFooter, fit, key_width
from swarmtui.ui.widgets.table import KeyedTable
from tests.functional.conftest import static_app
from tests.waiting import async_wait_for

PANE_KEYS = {p.kind: str(n) for n, p in enumerate(PANES, 1)}


def screen_lines(app: Any) -> list[str]:
    """What the terminal shows, line by line (plain text)."""
    width = app.size.width
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text().splitlines()


def footer_line(app: Any) -> str:
    return screen_lines(app)[app.size.height - 1]


async def footer_keys(app: Any) -> list[FooterEntry]:
    footer = app.screen.query_one(KeysFooter)
    return await async_wait_for("the footer's keys", lambda: list(footer.keys), 10)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_the_filter_box_shows_what_is_typed(size: tuple[int, int]) -> None:
    app = static_app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press("slash")
        flt = app.screen.query_one(PaneFilter)
        assert flt.has_focus and flt.region.height == 1
        row = flt.region.y
        assert "type to filter" in screen_lines(app)[row]  # the placeholder, while empty
        await pilot.press(*"node2")
        await pilot.pause()
        assert "node2" in screen_lines(app)[row], screen_lines(app)[row]
        assert app.screen.active_table.order == [app.snapshot.node_by_hostname("node2").id]


async def test_a_filter_that_matches_nothing_says_so() -> None:
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"zzz")
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "no node matches “zzz”" in text and "no nodes (yet)" not in text
        await pilot.press("escape")  # cleared: the rows are back
        await pilot.pause()
        assert len(app.screen.active_table.order) == 3


async def test_no_column_header_or_cell_is_cut_at_80_columns() -> None:
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for kind, key in PANE_KEYS.items():
            await pilot.press(key)
            await pilot.pause()
            table = app.screen.table(kind)
            layout = table._current_layout()
            for _i, column, width in layout:
                assert width >= len(column.label), (kind, column.key)
                if column.short is not None:  # shown in its short form ("Running 22s")
                    assert width >= min(table._natural[column.key], column.short_width), \
                        (kind, column.key)
                elif not column.grow:  # free text (labels, errors) may be cut, not the rest
                    assert width >= table._natural[column.key], (kind, column.key)
            header = screen_lines(app)[table.region.y]
            assert "…" not in header, (kind, header)
            # the columns that gave way are the highest priority numbers
            shown = {c.key for _i, c, _w in layout}
            # (a live stats column with nothing in it hides: it did not give way)
            dropped = [c.priority for c in table.columns if c.key not in shown
                       and (table._natural[c.key] or not c.hide_empty)]
            kept = [c.priority for c in table.columns if c.key in shown]
            assert not dropped or min(dropped) >= max(p for p in kept if p > 0), kind


async def test_footers_show_whole_keys_and_the_keys_that_create() -> None:
    creating = {"services": "n New service", "networks": "N New overlay network",
                "stacks": "d Deploy a stack"}
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for kind, key in PANE_KEYS.items():
            await pilot.press(key)
            await async_wait_for(f"the {kind} footer", lambda k=kind: app.screen.active_kind == k)
            keys = await footer_keys(app)
            line = footer_line(app)
            for fk in keys:  # every key shown is whole: its key and its description
                assert f"{fk.key_display} {fk.description}".strip() in line, (kind, line)
            assert "…" not in line
            ids = [fk.action for fk in keys]
            assert len(ids) == len(set(ids)), (kind, ids)  # each action once
            if kind in creating:
                assert creating[kind] in line, (kind, line)


def test_the_footer_gives_way_by_rank_and_never_overflows() -> None:
    entries = [(100, 10), (1, 7), (20, 8), (30, 9), (101, 30)]
    kept = fit(entries, 30)
    assert kept == {1, 2, 3}  # ranks 1, 20, 30; the unranked ones no longer fit
    assert sum(entries[i][1] for i in kept) <= 30
    assert fit(entries, 36) == {0, 1, 2, 3}  # then the screen's own, in order
    assert key_width("d", "Drain", compact=True) == len("d Drain") + 1


async def test_help_says_where_it_is_in_words_and_lists_each_key_once() -> None:
    from swarmtui.ui.screens.wizards.tokens import TokensScreen

    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert app.screen.title_text == "Keys of the main screen"
        await pilot.press("escape")
        app.push_screen(TokensScreen())
        await pilot.pause()
        await pilot.press("question_mark")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        assert help_screen.title_text == "Keys of the tokens screen"
        keys = [k for r in help_screen.rows for k in r.keys.split()]
        assert keys.count("w") == 1 and keys.count("W") == 1, keys
        by_id = {r.binding_id: r for r in help_screen.rows}
        # the app's w/W (walkthrough) are shadowed by the screen's: not listed as if live
        assert "tokens.copy_worker" in by_id and "walkthrough.toggle" not in by_id


async def test_value_prompts_show_examples_not_values() -> None:
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("L")  # add a label to node1: asks key=value
        dialog = await async_wait_for("the label dialog",
                                      lambda: isinstance(app.screen, ConfirmScreen), 10)
        assert dialog
        field = app.screen.query_one(Input)
        assert field.value == "" and field.placeholder.startswith("e.g. ")
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
        await pilot.press("slash")
        assert not app.screen.query_one(PaneFilter).placeholder.startswith("filter:")


def test_every_main_screen_key_is_declared_once_in_the_registry() -> None:
    ids = [b.id for b in MainScreen.BINDINGS]  # type: ignore[union-attr]
    assert len(ids) == len(set(ids))
    assert set(ids) == {a.id for a in actions.ACTIONS if a.scope == "main" and a.key}
    drain = actions.action("ops.drain")
    assert drain.key == "d" and drain.panes == ("nodes",) and drain.mutating
    assert drain.run is not None and drain.run.__module__ == "swarmtui.ui.panes.nodes"


async def test_every_wizard_key_of_the_readme_opens_its_wizard() -> None:
    """A wizard key the table also answered went to the table; and G moves to the bottom, as in
    the logs and inspect views (it opened the settings wizard before)."""
    from swarmtui.ui.screens.wizards.bootstrap import BootstrapScreen
    from swarmtui.ui.screens.wizards.settings import SettingsScreen
    from swarmtui.ui.screens.wizards.tokens import TokensScreen

    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for key, screen in (("C", SettingsScreen), ("T", TokensScreen), ("B", BootstrapScreen)):
            await pilot.press(key)
            await async_wait_for(f"{key} opens {screen.__name__}",
                                 lambda s=screen: isinstance(app.screen, s), 10)
            await pilot.press("escape")
            await async_wait_for("back on the main screen",
                                 lambda: isinstance(app.screen, MainScreen), 10)
        table = app.screen.query_one(KeyedTable)
        assert len(table.order) > 1 and table.has_focus
        await pilot.press("G")
        await async_wait_for("G: the cursor on the last row",
                             lambda: table.cursor_index == len(table.order) - 1, 10)
        await pilot.press("g")
        await async_wait_for("g: the cursor on the first row",
                             lambda: table.cursor_index == 0, 10)
        assert isinstance(app.screen, MainScreen)


@pytest.mark.parametrize("action_id", ["forms.new-network", "forms.deploy-stack",
                                       "forms.new-secret", "forms.new-config",
                                       "forms.new-service", "wizard.bootstrap",
                                       "wizard.bootstrap-many"])
async def test_placeholders_are_examples_and_not_cut_at_80_columns(action_id: str) -> None:
    """A placeholder with no space ("appnet", "10.20.0.1", "4789") reads as a value
    already filled in; and one wider than its field is cut."""
    from rich.cells import cell_len

    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert actions.open_action(app, action_id, None)
        screen = await async_wait_for("the screen", lambda: app.screen
                                      if not isinstance(app.screen, MainScreen) else None, 10)
        await pilot.pause()
        fields = [f for f in screen.query(Input) if not f.value and f.placeholder]
        assert fields
        for f in fields:
            assert " " in f.placeholder, (action_id, f.id, f.placeholder)
            # drawn dim and italic: never like a value already filled in
            style = f.get_component_rich_style("input--placeholder")
            assert style.italic and style.color != f.rich_style.color, (action_id, f.id)
            if f.region.width:  # shown (not in a collapsed section)
                assert cell_len(f.placeholder) <= f.content_region.width, (
                    action_id, f.id, f.placeholder, f.content_region.width)
