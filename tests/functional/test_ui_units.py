"""Pure pieces of the UI (no sockets): column layout, log-line parsing, theme files, rows."""

from __future__ import annotations

from pathlib import Path

from swarmtui.swarm import health
from swarmtui.swarm.logs import parse_log_line
from swarmtui.ui import panes, themes
from swarmtui.ui.widgets.table import Column, KeyedTable, Row
from tests.functional.conftest import recorded_state, static_app


def _table_with(columns: list[Column], rows: list[Row]) -> KeyedTable:
    table = KeyedTable(columns)
    table.rows = {r.key: r for r in rows}
    table._measure()
    return table


def test_columns_give_way_by_priority_and_essentials_stay() -> None:
    snap, now = recorded_state()
    probs = health.of(snap)
    table = _table_with(panes.COLUMNS["tasks"], panes.BY_KIND["tasks"].rows(snap, probs, now))
    narrow = [c.key for _, c, _ in table.layout_for(80)]
    wide = [c.key for _, c, _ in table.layout_for(200)]
    assert {"name", "node", "current", "error"} <= set(narrow)
    assert "id" not in narrow and "id" in wide
    # every column, but the live stats ones: a recording has no stats (they take no room)
    assert wide == [c.key for c in panes.COLUMNS["tasks"] if not c.hide_empty]
    for width in (60, 80, 120, 200):
        layout = table.layout_for(width)
        used = sum(w for _, _, w in layout) + 2 * (len(layout) - 1) + 1
        assert used <= width, width


def test_every_pane_fits_80_columns_with_its_essential_columns() -> None:
    snap, now = recorded_state()
    probs = health.of(snap)
    for kind, columns in panes.COLUMNS.items():
        table = _table_with(columns, panes.BY_KIND[kind].rows(snap, probs, now))
        shown = {c.key for _, c, _ in table.layout_for(80)}
        assert {c.key for c in columns if c.priority == 0} <= shown, kind


def test_task_rows_follow_the_cli_order_and_flag_failures() -> None:
    snap, now = recorded_state()
    probs = health.of(snap)
    rows = {r.key: r for r in panes.BY_KIND["tasks"].rows(snap, probs, now)}
    broken = [r for r in rows.values() if "broken." in r.cells[0]]
    assert any(r.problem for r in broken)  # the newest crash of each slot
    assert not any(r.problem for r in rows.values() if r.cells[3].startswith("Running"))
    assert any(r.cells[0].startswith(" \\_ ") for r in broken)  # history rows
    assert any("non-zero exit (3)" in r.cells[6] for r in broken)  # ERROR
    ordered = sorted(rows.values(), key=lambda r: r.rank)
    names = [r.cells[0].removeprefix(" \\_ ") for r in ordered]
    assert names == sorted(names)  # by service, then slot / node ID (all slots < 10 here)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if a.cells[0].removeprefix(" \\_ ") == b.cells[0].removeprefix(" \\_ "):
            assert not b.cells[0].startswith(" ") or a.rank[3] <= b.rank[3]


def test_log_lines_get_task_and_node_prefixes() -> None:
    snap, _ = recorded_state()
    task = next(t for t in snap.tasks.values() if t.node_id and t.slot)
    raw = (f"2026-11-22T03:12:01.332627964Z com.docker.swarm.node.id={task.node_id},"
           f"com.docker.swarm.service.id={task.service_id},com.docker.swarm.task.id={task.id}"
           " hello world")
    line = parse_log_line(raw, snap)
    assert line.time == "03:12:01.332"
    assert line.source == f"{snap.task_name(task)}@{snap.node_hostname(task.node_id)}"
    assert line.text == "hello world"
    assert line.render() == f"03:12:01.332 {line.source} | hello world"
    assert parse_log_line("no timestamp here", None).text == "no timestamp here"


def test_shipped_themes_load_with_every_state_colour() -> None:
    loaded, errors = themes.load_themes([themes.builtin_theme_dir()])
    assert not errors
    names = {t.name for t in loaded}
    assert {"swarm-dark", "swarm-light"} <= names
    for theme in loaded:
        assert set(themes.SEMANTIC_DEFAULTS) <= set(theme.variables), theme.name


def test_a_broken_theme_names_the_file_and_field(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text('name = "bad"\nprimary = "#123456"\nerror = "reddish"\n')
    (tmp_path / "worse.toml").write_text("this is = not toml [")
    (tmp_path / "ok.toml").write_text('name = "ok"\nprimary = "#123456"\n')
    loaded, errors = themes.load_themes([tmp_path])
    assert [t.name for t in loaded] == ["ok"]
    by_file = {e.path.name: e for e in errors}
    assert by_file["bad.toml"].field == "error" and "reddish" in str(by_file["bad.toml"])
    assert "not valid TOML" in str(by_file["worse.toml"])


async def test_unknown_theme_falls_back_with_one_notification() -> None:
    app = static_app(theme="no-such-theme")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.theme == themes.DEFAULT_THEME
        notes = list(app._notifications)
        assert len(notes) == 1 and "no-such-theme" in notes[0].message


async def test_every_binding_has_an_id() -> None:
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        from swarmtui.ui.screens import detail, first_contact, inspect, logs, main, trust
        from swarmtui.ui.widgets import table

        classes = [main.MainScreen, main.PaneFilter, table.KeyedTable, inspect.InspectScreen,
                   logs.LogScreen, trust.TrustScreen, trust.RefusedScreen,
                   first_contact.FirstContactScreen, *detail.SCREENS.values(), type(app)]
        for cls in classes:
            for binding in cls.BINDINGS:
                assert getattr(binding, "id", None), (cls.__name__, binding)


async def test_first_contact_says_what_was_tried(monkeypatch, tmp_path: Path) -> None:
    from textual.widgets import Input

    from swarmtui.ui.app import SwarmApp
    from swarmtui.ui.screens.first_contact import FirstContactScreen
    from tests.waiting import async_wait_for

    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/nothing-here.sock")
    monkeypatch.setenv("SWARMTUI_CONFIG", str(tmp_path / "config.toml"))
    app = SwarmApp()
    async with app.run_test(size=(100, 30)):
        await async_wait_for("the first-contact screen", lambda: isinstance(
            app.screen, FirstContactScreen) and app.screen.query("#ssh-target"), 20)
        text = "\n".join(str(s.render()) for s in app.screen.query("Static"))
        assert "No Docker engine could be reached" in text
        assert "$DOCKER_HOST" in text and "nothing-here.sock" in text
        assert "Traceback" not in text
        assert app.screen.query_one("#ssh-target", Input).has_focus


async def test_problems_only_and_history_toggles_on_a_recorded_state() -> None:
    from swarmtui.ui.screens.detail import ServiceScreen

    app = static_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("3")
        table = app.screen.active_table
        everything = len(table.order)
        await pilot.press("h")
        assert 0 < len(table.order) < everything
        assert not any(table.rows[k].history for k in table.order)
        await pilot.press("h", "p")
        assert table.order and all(table.rows[k].problem for k in table.order)
        assert all("broken" in table.rows[k].cells[0] or "stuck" in table.rows[k].cells[0]
                   for k in table.order)
        await pilot.press("p")
        assert len(table.order) == everything
        # a click on a problem line in the header opens what it is about
        broken = app.snapshot.service_by_name("broken")
        first = app.screen.query_one("#problems")
        assert "service broken" in str(first.render()).splitlines()[0]
        await pilot.click(first, offset=(10, 0))
        await pilot.pause()
        assert isinstance(app.screen, ServiceScreen) and app.screen.object_id == broken.id


async def test_screens_read_the_stores_health_and_never_compute_it(monkeypatch) -> None:
    """A recorded state is assessed once, when its store is made; every pane, the header
    and a detail screen then read that one assessment."""
    from swarmtui.ui.screens.detail import NodeScreen
    from tests.waiting import async_wait_for

    calls: list[int] = []
    real = health.assess

    def counting(snap, now):
        calls.append(id(snap))
        return real(snap, now)

    monkeypatch.setattr(health, "assess", counting)
    app = static_app()
    assert len(calls) == 1
    async with app.run_test(size=(120, 36)) as pilot:
        await async_wait_for("the first snapshot", lambda: app.snapshot is not None, 10)
        for key in ("2", "3", "4", "5", "1"):
            await pilot.press(key)
        await pilot.press("enter")
        await async_wait_for("the node screen", lambda: isinstance(app.screen, NodeScreen), 10)
        await pilot.press("escape")
        assert app.screen.query_one("HealthHeader").summary is not None
    assert calls == [id(app.snapshot)]


async def test_filter_typed_on_and_erased_matches_a_full_search() -> None:
    """Typing narrows only the last matches, erasing searches again; toggles mix in."""
    from textual.app import App, ComposeResult

    cols = [Column("name", "NAME", 0), Column("state", "STATE", 0)]
    rows = [Row(f"k{i}", (f"svc{i % 37}.{i}", "Failed" if i % 5 == 0 else "Running"),
                problem=i % 5 == 0, history=i % 7 == 0) for i in range(500)]

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield KeyedTable(cols)

    async with One().run_test() as pilot:
        table = pilot.app.query_one(KeyedTable)
        table.apply(rows)
        await pilot.pause()

        def expected() -> list[str]:
            needle = table.filter_text.lower().strip()
            return [r.key for r in table._sorted(rows)
                    if needle in r.haystack() and (r.problem or not table.problems_only)
                    and not (table.hide_history and r.history)]

        for text in ("s", "sv", "svc1", "svc1.", "svc1", "", "2", "21", "failed", "ailed"):
            table.filter_text = text
            assert table.order == expected(), text
            table.problems_only = text == "svc1"
            assert table.order == expected(), (text, "problems")
            table.hide_history = text in ("2", "21")
            assert table.order == expected(), (text, "history")
        table.apply(rows[:100])  # new data: the search starts over
        assert table.order == [k for k in expected() if int(k[1:]) < 100]


def test_a_text_field_is_an_input_or_a_text_area_without_loading_text_area_first() -> None:
    from textual.widgets import Input, Static, TextArea

    from swarmtui.ui.widgets.text import is_text_field

    class Note(TextArea):
        pass

    assert is_text_field(Input()) and is_text_field(TextArea()) and is_text_field(Note())
    assert not is_text_field(Static("x")) and not is_text_field(None)
