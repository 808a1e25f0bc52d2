"""Idle means quiet (issue 17): a poll or a ping that changed nothing sets no text and
rebuilds no row — Textual lays the whole screen out again on every `Static.update`, so a
status bar or a header re-set every 2 s cost a reflow and a repaint each for nothing."""

from __future__ import annotations

import dataclasses
import time

from swarmtui.swarm.sync.view import LinkView
from swarmtui.ui import panes
from swarmtui.ui.screens import main
from swarmtui.ui.screens.main import MainScreen
from swarmtui.ui.store_adapter import ConnectionChanged, SnapshotChanged
from swarmtui.ui.widgets.status import StatusBar
from tests.functional.conftest import static_app
from tests.waiting import async_wait_for


def _counting(monkeypatch, built: list[str]):  # type: ignore[no-untyped-def]
    """`counting(kind)`: each build of that pane's rows is appended to `built` (by the
    maker the screen builds them with: the Tasks pane's keeps its rows)."""
    def counting(kind: str) -> None:
        pane = panes.BY_KIND[kind]

        def maker() -> object:
            inner = pane.rows_maker()

            def rows(*args: object) -> object:
                built.append(kind)
                return inner(*args)  # type: ignore[arg-type]
            return rows

        monkeypatch.setitem(panes.BY_KIND, kind, dataclasses.replace(pane, cached=maker))
    return counting


async def test_an_unchanged_poll_and_ping_change_nothing_on_screen() -> None:
    app = static_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MainScreen)
        assert app.snapshot is not None and app.store is not None
        header = [screen.query_one(f"#health #{part}") for part in ("summary", "problems")]
        bar = screen.query_one(StatusBar)
        tabs = [screen.query_one(f"#--content-tab-{kind}") for kind in ("nodes", "tasks")]
        table = screen.table("nodes")
        shown = ([w.visual for w in (*header, bar)], [t.label for t in tabs], table.revision)
        assert "nodes" in str(header[0].render())  # the header is drawn

        # what an unchanged poll and a ping with the same figures post
        app.post_message(SnapshotChanged(app.snapshot, frozenset({"tasks", "services"})))
        app.post_message(ConnectionChanged(app.store.view))
        await pilot.pause()
        assert ([w.visual for w in (*header, bar)], [t.label for t in tabs],
                table.revision) == shown
        assert all(a is b for a, b in zip([w.visual for w in (*header, bar)], shown[0],
                                          strict=True))

        # a change still shows: the status bar with a new latency
        app.post_message(ConnectionChanged(LinkView("connected", endpoint="node1", via="ssh",
                                                    cluster="recorded lab", latency_ms=7)))
        await pilot.pause()
        assert bar.visual is not shown[0][2]
        assert "7 ms" in str(bar.render())
        assert all(a is b for a, b in zip([w.visual for w in header], shown[0][:2],
                                          strict=True))


async def test_a_poll_that_changed_nothing_builds_no_row_but_ages_still_move(
        monkeypatch) -> None:
    """The store says which kinds changed (none: only the snapshot's time moved): the
    Nodes pane builds no row for it; the Tasks pane, whose rows show ages, does."""
    built: list[str] = []
    counting = _counting(monkeypatch, built)
    app = static_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MainScreen) and app.snapshot is not None
        counting("nodes")
        counting("tasks")
        newer = app.snapshot.with_kind("tasks", app.snapshot.tasks)  # same objects, later
        app.post_message(SnapshotChanged(newer, frozenset()))
        await pilot.pause()
        assert built == []  # the Nodes pane is shown: nothing of it changed
        app.post_message(SnapshotChanged(newer, frozenset({"nodes"})))
        await pilot.pause()
        assert built == ["nodes"]
        await pilot.press("3")  # the Tasks pane
        await pilot.pause()
        built.clear()
        app.post_message(SnapshotChanged(newer, frozenset()))
        await pilot.pause()
        assert built == ["tasks"]  # "Running 5 minutes ago" moves with the clock


async def test_a_big_panes_rebuild_waits_while_the_filter_is_typed_in(monkeypatch) -> None:
    """At scale a poll's rebuild of the shown pane runs in a worker that shares the GIL
    with each keystroke's filtering: while the filter is being typed in, it waits for a
    pause in the typing; otherwise it starts at once."""
    monkeypatch.setattr(main, "BIG", 0)  # the recorded lab counts as big
    # a typing pause far longer than a descheduled moment of a loaded machine: the key
    # "just now" below is still being typed when the snapshot lands
    monkeypatch.setattr(main, "TYPING_S", 2.0)
    built: list[str] = []
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("3", "slash", "w")  # the Tasks pane, filtering
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MainScreen) and app.snapshot is not None

        def switched_in() -> bool:
            """The Tasks pane's own build (on `3`, in a worker) has landed: counted, it
            made one build too many, or two at once that no probe saw one by one."""
            return bool(screen.table("tasks").rows) and not any(
                w.group == "rows" and not w.is_finished for w in app.workers)

        await async_wait_for("the Tasks pane built", switched_in, 10)
        _counting(monkeypatch, built)("tasks")
        newer = app.snapshot.with_kind("tasks", app.snapshot.tasks)
        screen._typed_at = time.monotonic()  # a key just now
        screen.show_snapshot(newer, frozenset({"tasks"}))
        assert built == [] and "tasks" in screen._dirty and screen._held is not None
        await async_wait_for("the held rebuild", lambda: built == ["tasks"], 10)
        assert screen._held is None and screen.table("tasks").filter_text == "w"
        screen._typed_at = 0.0  # no typing: a poll's rebuild starts at once
        screen.show_snapshot(app.snapshot.with_kind("tasks", app.snapshot.tasks),
                             frozenset({"tasks"}))
        assert screen._held is None
        await async_wait_for("the rebuild", lambda: built == ["tasks", "tasks"], 10)
