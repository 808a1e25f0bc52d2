"""Rows made again only where they changed: the Tasks pane's TaskRows, the table's prepare
(the same list, the last order, widths of the changed rows), and an age that still moves."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from textual.app import App, ComposeResult

from swarmtui.swarm import format as fmt
from swarmtui.swarm import health
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.swarm.sync.merge import merge_kind
from swarmtui.ui.panes.tasks import COLUMNS, TaskRows, task_rows
from swarmtui.ui.screens.main import MainScreen
from swarmtui.ui.widgets.table import Column, KeyedTable, Row
from swarmtui.ui.widgets.table_model import natural_widths, sort_rows
from tests.functional.conftest import FIXTURES, recorded_state, static_app
from tests.waiting import async_wait_for


def _assessed(snap: ClusterSnapshot, now: datetime) -> health.Health:
    health.assessed(snap, now)
    return health.of(snap)


def _fresh(snap: ClusterSnapshot, now: datetime) -> dict[str, Row]:
    return {r.key: r for r in task_rows(snap, _assessed(snap, now), now)}


def _one_task_failed(snap: ClusterSnapshot) -> tuple[ClusterSnapshot, str]:
    """The recorded tasks re-listed with one running task failed (a new version), merged
    as a poll merges them (unchanged tasks: the very same objects)."""
    data: list[dict[str, Any]] = json.loads((FIXTURES / "cluster.json").read_text())["tasks"]
    listed = copy.deepcopy(data)
    task = next(t for t in listed if t["Status"]["State"] == "running")
    task["Status"].update(State="failed", Err="task: non-zero exit (9)")
    task["Status"]["ContainerStatus"]["ExitCode"] = 9
    task["Version"]["Index"] += 1
    merged = merge_kind("tasks", snap.tasks, listed)
    return snap.with_kind("tasks", merged, at=snap.taken_at), task["ID"]


def test_a_changed_task_gets_a_new_row_and_the_others_are_kept() -> None:
    snap, now = recorded_state()
    maker = TaskRows()
    first = maker(snap, _assessed(snap, now), now)
    assert maker(snap, _assessed(snap, now), now) is first  # nothing changed: the same list
    before = {r.key: r for r in first}
    changed, failed_id = _one_task_failed(snap)
    rows = {r.key: r for r in maker(changed, _assessed(changed, now), now)}
    want = _fresh(changed, now)
    assert rows.keys() == want.keys()
    for key, row in rows.items():
        assert row.same(want[key]), key  # what a full build makes
        if want[key].same(before[key]):
            assert row is before[key], key  # kept, not made again
    assert rows[failed_id].cells[3].startswith("Failed")
    assert "non-zero exit (9)" in rows[failed_id].cells[6]
    assert rows[failed_id] is not before[failed_id]


def test_the_age_moves_and_only_the_aged_rows_change() -> None:
    snap, now = recorded_state()
    maker = TaskRows()
    first = {r.key: r for r in maker(snap, _assessed(snap, now), now)}
    later = now + timedelta(minutes=7)
    rows = {r.key: r for r in maker(snap, _assessed(snap, later), later)}
    want = _fresh(snap, later)
    for key, row in rows.items():
        assert row.same(want[key]), key
    moved = [k for k in rows if rows[k].cells[3] != first[k].cells[3]]
    assert moved  # the recording's ages read differently 7 minutes on
    for key in moved:  # only CURRENT STATE was made again: the other cells are kept
        assert [a is b for a, b in zip(rows[key].cells, first[key].cells, strict=True)] \
            == [i != 3 for i in range(len(COLUMNS))]


def test_the_clock_alone_moving_on_and_back_then_a_change_give_what_a_full_build_gives(
        ) -> None:
    """Only the clock moved: the last rows are walked, not the tasks (TaskRows._aged_only);
    what they make is what a full build makes, every cell but CURRENT STATE is the very
    same, and a task that changes after those steps is seen."""
    snap, now = recorded_state()
    maker = TaskRows()
    probs = _assessed(snap, now)
    last = {r.key: r for r in maker(snap, probs, now)}
    at = now
    for step in (0.4, 1, 30, 61, 600, 3 * 3600, -3 * 3600 + 5, 45):
        at += timedelta(seconds=step)
        listed = maker(snap, probs, at)
        rows = {r.key: r for r in listed}
        want = _fresh(snap, at)
        assert list(rows) == list(last) and rows.keys() == want.keys()
        for key, row in rows.items():
            assert row.same(want[key]), (step, key)
            assert all(a is b for i, (a, b) in enumerate(
                zip(row.cells, last[key].cells, strict=True)) if i != 3), (step, key)
        assert maker(snap, probs, at) is listed  # the same moment again: the same list
        last = rows
    changed, failed_id = _one_task_failed(snap)
    rows = {r.key: r for r in maker(changed, _assessed(changed, at), at)}
    want = _fresh(changed, at)
    assert rows.keys() == want.keys() and all(r.same(want[k]) for k, r in rows.items())
    assert rows[failed_id].cells[3].startswith("Failed")


def test_an_age_reads_the_same_until_the_moment_given() -> None:
    ts = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    for seconds in (*range(0, 130, 7), 599.5, 3599, 3600, 5399, 5400, 7 * 3600 + 11,
                    49 * 3600, 20 * 86400):
        now = ts + timedelta(seconds=seconds)
        until = fmt.ago_until(ts, now)
        assert until > now
        text = fmt.ago(ts, now)
        span = (until - now).total_seconds()
        for f in (0.0, 0.3, 0.7, 0.999):
            assert fmt.ago(ts, now + timedelta(seconds=span * f)) == text, (seconds, f)
        if seconds < 3600:  # seconds, then minutes: the text moves right there
            assert fmt.ago(ts, until) != text, seconds
    assert fmt.ago_until(ts, ts - timedelta(seconds=5)) == ts + timedelta(seconds=1)


COLS = [Column("name", "NAME", 0, 4, 30), Column("state", "STATE", 0, 5, 30),
        Column("cpu", "CPU", 3, 4, 6, hide_empty=True)]


def _row(i: int, state: str, cpu: str = "") -> Row:
    return Row(f"k{i:03d}", (f"svc{i % 7}.{i}", state, cpu), rank=(i % 7, i))


class _One(App[None]):
    def compose(self) -> ComposeResult:
        yield KeyedTable(COLS)


async def test_prepare_knows_its_list_again_and_keeps_order_and_widths_right() -> None:
    async with _One().run_test() as pilot:
        table = pilot.app.query_one(KeyedTable)
        rows = [_row(i, "Running 5 minutes ago") for i in range(300)]
        table.apply(rows)
        revision = table.revision
        assert not table.prepare(rows).changed  # the very list applied last
        assert not table.apply(list(rows)) and table.revision == revision  # equal rows

        def check(new: list[Row]) -> None:
            assert table.apply(new)
            assert [r.key for r in table._all_sorted or []] == \
                [r.key for r in sort_rows(new, COLS, table.sort_by)]
            assert table._natural == natural_widths(COLS, new)

        aged = [_row(i, "Running 6 minutes ago") for i in range(300)]
        check(aged)  # every age moved: the same order, the same widths
        longest = [*aged[:5], _row(5, "Running 6 minutes ago, and then some more"),
                   *aged[6:]]
        check(longest)  # one cell wider: its column grows
        check(aged)  # and shrinks back when that cell does
        sampled = [*aged[:9], _row(9, "Running 6 minutes ago", "3.1%"), *aged[10:]]
        check(sampled)  # a hidden empty column gets a value
        check(aged)  # and loses its only one
        table.sort_on("state")
        check([_row(i, f"Running {i % 3} minutes ago") for i in range(300)])  # sorts again
        check([_row(i, "Running") for i in range(299)])  # a row gone


async def test_the_tasks_pane_shows_the_age_moving_on() -> None:
    app = static_app()
    async with app.run_test(size=(160, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        screen.action_pane("tasks")
        await pilot.pause()
        table = screen.table("tasks")
        await async_wait_for("the task rows", lambda: bool(table.order), 10)
        snap = app.snapshot
        assert snap is not None
        key = next(k for k in table.order if "Running" in table.visible_cells(k)["current"])
        shown = table.visible_cells(key)["current"]
        store = app.store
        assert store is not None
        later = store.now() + timedelta(hours=3)
        store._clock = lambda: later
        # a quiet poll three hours on: the very same task objects, a later clock
        store._publish(snap.with_kind("tasks", snap.tasks, at=later), frozenset({"tasks"}))
        want = snap.tasks[key].current_state_text(later)
        assert want != shown
        await async_wait_for("the later age", lambda: table.visible_cells(key)["current"]
                             == want, 10)
        assert want in table.visible_text()  # on screen, not only in the row


async def test_the_filter_narrows_widens_and_follows_new_rows() -> None:
    """Typed on, it searches the last matches; erased, it finds its text's matches again;
    a row whose text changed (applied from the worker's prepare) is searched anew."""
    async with _One().run_test() as pilot:
        table = pilot.app.query_one(KeyedTable)
        rows = [_row(i, "Failed" if i % 5 == 0 else "Running") for i in range(400)]
        table.apply_prepared(table.prepare(rows))

        def expect(text: str, current: list[Row]) -> None:
            table.filter_text = text
            needle = text.lower().strip()
            assert table.order == [r.key for r in sort_rows(current, COLS, table.sort_by)
                                   if needle in r.haystack()], text

        for text in ("s", "svc", "svc1", "svc1.", "svc1.1", "svc1.", "svc", "vc1", "c1.1",
                     "", "FAIL", "failed", "ail", "svc1.15", "svc1.1"):
            expect(text, rows)
        changed = [*rows[:15], _row(15, "Running"), _row(16, "Failed"), *rows[17:]]
        table.apply_prepared(table.prepare(changed))
        for text in ("ail", "failed", "svc2.16", "svc2.1"):
            expect(text, changed)
        table.sort_on("state")
        for text in ("svc2.1", "svc2.16", "running", "run"):
            expect(text, changed)


def test_a_hosts_own_stats_leave_the_task_rows_as_they_were() -> None:
    """A node's new sample that changes only its own CPU (not shown on Tasks): the same
    list; a sample of a task's container: that row changes."""
    from swarmtui.swarm.reach.stats import NodeStats, TaskStats

    snap, now = recorded_state()
    task = next(t for t in snap.live_tasks if t.is_running and t.container_id and t.node_id)
    host = snap.nodes[task.node_id].hostname  # type: ignore[index]
    maker = TaskRows()
    sampled = snap.with_stats({host: NodeStats(host, 1.0, cpu_percent=5.0)})
    first = maker(sampled, _assessed(sampled, now), now)
    again = snap.with_stats({host: NodeStats(host, 6.0, cpu_percent=75.0)})
    assert maker(again, _assessed(again, now), now) is first
    assert task.container_id is not None
    busy = snap.with_stats({host: NodeStats(host, 11.0, cpu_percent=75.0, tasks={
        task.container_id: TaskStats(task.container_id, 42.0, 64 << 20, 1 << 30)})})
    rows = {r.key: r for r in maker(busy, _assessed(busy, now), now)}
    assert rows[task.id].cells[4] != {r.key: r for r in first}[task.id].cells[4]
    want = _fresh(busy, now)
    assert all(row.same(want[key]) for key, row in rows.items())
