"""Pilot tests of the app on the session lab, reached over real SSH (no fake Docker API).

Every wait is on a condition with a deadline (tests.waiting.async_wait_for).
"""

from __future__ import annotations

import uuid

import pytest

from swarmtui.ui.screens.detail import NodeScreen, ServiceScreen, TaskScreen
from swarmtui.ui.screens.inspect import InspectScreen
from swarmtui.ui.screens.logs import LogScreen
from swarmtui.ui.screens.main import MainScreen
from tests.waiting import async_wait_for

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def ticker(lab):
    """A service that logs a numbered line every 0.2 s; removed after the module."""
    name = f"tick{uuid.uuid4().hex[:6]}"
    lab.ssh("node1", f"docker service create -d --no-resolve-image --name {name} --replicas 2 "
                     "busybox:latest sh -c 'i=0; while true; do i=$((i+1)); "
                     "echo tick $i; sleep 0.2; done'")
    yield name
    lab.ssh("node1", f"docker service rm {name}", check=False)


async def loaded(app) -> MainScreen:
    await async_wait_for("the first snapshot", lambda: app.snapshot is not None, 20)
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen


async def test_panes_switch_with_keys_and_mouse(lab, lab_app, ticker) -> None:
    app = lab_app(lab)
    async with app.run_test(size=(100, 30)) as pilot:
        main = await loaded(app)
        assert main.active_kind == "nodes"
        await async_wait_for("3 node rows", lambda: len(main.table("nodes").order) == 3)
        for key, kind in (("2", "services"), ("3", "tasks"), ("4", "networks"), ("5", "stacks"),
                          ("1", "nodes")):
            await pilot.press(key)
            assert main.active_kind == kind
            assert main.table(kind).has_focus
        await async_wait_for("the services pane to list the ticker",
                             lambda: ticker in str(main.pane_rows("services")) or
                             main._dirty, 10)
        # the mouse: click the Services tab
        await pilot.click("#--content-tab-services")
        assert main.active_kind == "services"
        names = [row["name"] for row in main.pane_rows("services").values()]
        assert ticker in names


async def test_filter_narrows_the_current_pane_and_escape_clears(lab, lab_app, ticker) -> None:
    app = lab_app(lab)
    async with app.run_test(size=(100, 30)) as pilot:
        main = await loaded(app)
        await pilot.press("3")
        table = main.table("tasks")
        await async_wait_for("ticker tasks", lambda: any(
            ticker in r.cells[0] for r in table.rows.values()), 20)
        await async_wait_for("both ticker tasks", lambda: len(table.order) >= 2, 20)
        everything = len(table.order)
        needle = f"{ticker}.2"
        await pilot.press("slash", *needle)
        assert table.filter_text == needle
        assert 0 < len(table.order) < everything
        assert all(needle in table.rows[k].haystack() for k in table.order)
        await pilot.press("enter")  # keep the filter, back to the table
        assert table.has_focus and table.filter_text == needle
        await pilot.press("escape")
        assert table.filter_text == ""
        assert len(table.order) >= everything - 2  # tasks may come and go meanwhile


async def test_drill_down_and_back_keeps_the_cursor(lab, lab_app, ticker) -> None:
    app = lab_app(lab)
    async with app.run_test(size=(100, 30)) as pilot:
        main = await loaded(app)
        await pilot.press("2")
        table = main.table("services")
        svc = await async_wait_for("the ticker service", lambda: app.snapshot.service_by_name(
            ticker), 20)
        await async_wait_for("its row", lambda: table.select_key(svc.id), 10)
        await pilot.press("enter")
        assert isinstance(app.screen, ServiceScreen)
        detail = app.screen
        await async_wait_for("the service's tasks", lambda: len(
            detail.query_one("#detail-table").order) >= 2, 20)
        summary = str(detail.query_one("#summary").render())
        assert "busybox:latest" in summary and "replicated" in summary
        # a task of it → its detail
        await pilot.press("enter")
        assert isinstance(app.screen, TaskScreen)
        assert ticker in str(app.screen.query_one("#summary").render())
        await pilot.press("escape")
        assert isinstance(app.screen, ServiceScreen)
        await pilot.press("escape")
        assert app.screen is main
        assert table.cursor_key == svc.id
        # a node → its tasks
        await pilot.press("1")
        await pilot.press("enter")
        assert isinstance(app.screen, NodeScreen)
        await pilot.press("i")
        assert isinstance(app.screen, InspectScreen)
        await async_wait_for("the live inspect", lambda: app.screen.query_one(
            "#title").render().plain.find("live") >= 0, 10)
        await pilot.press("escape", "escape")
        assert app.screen is main


async def test_logs_follow_search_and_pause(lab, lab_app, ticker) -> None:
    app = lab_app(lab)
    async with app.run_test(size=(120, 30)) as pilot:
        main = await loaded(app)
        await pilot.press("2")
        svc = await async_wait_for("the ticker service", lambda: app.snapshot.service_by_name(
            ticker), 20)
        await async_wait_for("its row", lambda: main.table("services").select_key(svc.id), 10)
        await pilot.press("l")
        logs = app.screen
        assert isinstance(logs, LogScreen)
        await async_wait_for("log lines with task@node prefixes", lambda: any(
            f"{ticker}." in ln.source and "@node" in ln.source and ln.text.startswith("tick")
            for ln in logs.lines), 30)
        line = logs.lines[-1]
        assert line.time.count(":") == 2  # HH:MM:SS.mmm timestamps
        # search within: only matching lines are shown
        await pilot.press("slash", *"tick 1")
        view = logs.query_one("Log")
        await async_wait_for("filtered lines", lambda: len(view.lines) > 0, 10)
        assert all("tick 1" in shown for shown in view.lines)
        await pilot.press("enter", "escape")  # clear the search
        # pause: lines keep arriving but are held
        await pilot.press("space")
        assert logs.paused
        shown = len(view.lines)
        await async_wait_for("lines held while paused", lambda: logs.held > 0, 10)
        assert len(view.lines) == shown
        await pilot.press("space")
        assert not logs.paused and logs.held == 0
        await pilot.press("escape")
        assert app.screen is main
        # the stream was closed on leaving (the store holds no open one)
        assert logs._logs is None and not app.store._streams


async def test_a_worker_says_so_with_the_managers_it_knows(lab, lab_app) -> None:
    app = lab_app(lab, host="node2")
    async with app.run_test(size=(120, 30)):
        main = await loaded(app)
        header = main.query_one("#summary")
        manager = lab.host("node1").address
        await async_wait_for("the worker message", lambda: "worker" in str(header.render()), 20)
        assert manager in str(header.render())
        assert app.snapshot is not None and not app.snapshot.nodes


async def test_profile_picker_connects_to_the_chosen_cluster(lab, tmp_path) -> None:
    from swarmtui.config import Profile, Settings
    from swarmtui.ui.app import SwarmApp
    from swarmtui.ui.screens.first_contact import ProfilePickerScreen

    settings = Settings(path=tmp_path / "config.toml", profiles={
        "labnode1": Profile("labnode1", managers=["node1"]),
        "elsewhere": Profile("elsewhere", managers=["ssh://nobody@192.0.2.1"]),
    })
    app = SwarmApp(settings=settings, ssh_config=[str(lab.ssh_config)], trust_mode="never")
    async with app.run_test(size=(100, 30)) as pilot:
        await async_wait_for("the picker", lambda: isinstance(app.screen, ProfilePickerScreen)
                             and app.screen.query("#picker"), 10)
        await pilot.press("down", "enter")  # sorted: elsewhere, labnode1
        main = await loaded(app)
        await async_wait_for("the lab's nodes", lambda: app.snapshot is not None and len(
            app.snapshot.nodes) == 3, 30)
        assert app.profile == "labnode1"
        assert main.query_one("#status").render()


async def test_from_a_worker_to_a_manager_it_knows(lab) -> None:
    """The real connect path to node2 (a worker), then `m` → node1's address, same way in."""
    from swarmtui.ui.app import SwarmApp
    from swarmtui.ui.screens.managers import ManagerPickerScreen

    app = SwarmApp(ssh_config=[str(lab.ssh_config)], target="node2", trust_mode="never")
    async with app.run_test(size=(120, 30)) as pilot:
        main = await loaded(app)
        await async_wait_for("the worker message", lambda: "press m" in str(
            main.query_one("#problems").render()), 20)
        await pilot.press("m")
        await async_wait_for("the manager picker", lambda: isinstance(
            app.screen, ManagerPickerScreen) and app.screen.query("#managers"), 10)
        await pilot.press("enter")
        await async_wait_for("the cluster through node1", lambda: app.snapshot is not None
                             and len(app.snapshot.nodes) == 3, 30)
        assert lab.host("node1").address in app.store.view.endpoint


async def test_health_is_computed_once_per_snapshot_in_the_store_thread(
        lab, lab_app, ticker, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every snapshot the store publishes is assessed exactly once, never on the UI
    thread, however many panes and screens read its health."""
    import threading

    from swarmtui.swarm import health

    real = health.assess
    assessed: list[tuple[object, str]] = []  # (snapshot, thread) — keeps ids unique

    def counting(snap, now):
        assessed.append((snap, threading.current_thread().name))
        return real(snap, now)

    monkeypatch.setattr(health, "assess", counting)
    app = lab_app(lab)
    ui_thread = threading.current_thread().name
    async with app.run_test(size=(120, 36)) as pilot:
        main = await loaded(app)
        polls = app.store.poll_count
        for key in ("2", "3", "4", "5", "1"):
            await pilot.press(key)
        await async_wait_for("two polls", lambda: app.store.poll_count >= polls + 2, 20)
        await pilot.press("enter")  # a detail screen reads the health too
        await async_wait_for("the node screen", lambda: isinstance(app.screen, NodeScreen), 10)
        await pilot.press("escape")
        seen = app.snapshot
        assert seen is not None and main.shown is not None
    snaps = [id(s) for s, _ in assessed]
    assert len(snaps) >= 3
    assert len(set(snaps)) == len(snaps), "a snapshot was assessed twice"
    assert {t for _, t in assessed} == {"swarmtui-store"}, assessed
    assert ui_thread != "swarmtui-store"
    assert any(s is seen for s, _ in assessed)
