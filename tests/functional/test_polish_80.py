"""The rough edges a newcomer met at 80×24 (issue 16's leftovers): a dialog's footer,
the empty Nodes pane's keys, a result said once, the drain preview's English, the
bootstrap confirmation, CURRENT STATE beside the side panels, space marking."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from swarmtui import audit
from swarmtui.swarm import format as fmt
from swarmtui.swarm.ops.base import DockerAPI
from swarmtui.swarm.ops.swarm import RotateJoinToken
from swarmtui.swarm.sync.store import StaticStore
from swarmtui.ui.app import SwarmApp
from swarmtui.ui.flow import ConfirmScreen, ProgressScreen
from swarmtui.ui.screens.wizards.tokens import TokensScreen
from swarmtui.ui.widgets.footer import KeysFooter
from tests.functional.conftest import recorded_state, static_app
from tests.functional.test_newcomer_80 import screen_lines
from tests.functional.test_newcomer_walk1 import not_in_a_swarm
from tests.waiting import async_wait_for


def footer_line(app: SwarmApp) -> str:
    """The terminal's last row ("" while a new screen is not laid out yet)."""
    lines = screen_lines(app)
    return lines[-1] if len(lines) == app.size.height else ""


async def test_a_dialog_footer_shows_only_the_dialogs_keys() -> None:
    """Under the rotate-token confirmation the footer offered the tokens screen's
    "w Copy worker"; under a drain confirmation the main screen's Drain/Promote."""
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "Drain" in footer_line(app)
        await pilot.press("1", "d")
        dialog = await async_wait_for("the drain dialog", lambda: app.screen if isinstance(
            app.screen, ConfirmScreen) else None)
        await async_wait_for("the dialog's footer", lambda: dialog.query(KeysFooter))
        await async_wait_for("its keys", lambda: "Cancel" in footer_line(app), 5)
        shown = footer_line(app)
        assert "esc Cancel" in shown and "Confirm" in shown, shown
        for beneath in ("Drain", "Promote", "Filter", "Help"):
            assert beneath not in shown, shown
        await pilot.press("escape")
        tokens = TokensScreen()
        app.push_screen(tokens)
        await async_wait_for("the tokens screen", lambda: app.screen is tokens)
        await async_wait_for("its footer", lambda: "Copy worker" in footer_line(app), 5)
        await pilot.press("W")
        dialog = await async_wait_for("the rotate dialog", lambda: app.screen if isinstance(
            app.screen, ConfirmScreen) else None)
        await async_wait_for("its keys", lambda: "Cancel" in footer_line(app), 5)
        shown = footer_line(app)
        assert "Copy worker" not in shown and "Reveal" not in shown, shown
        assert "Confirm" in shown, shown


async def test_the_drain_preview_says_where_a_task_moves_in_english() -> None:
    """"web.2 move to node2, node3": one task, two candidates."""
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("1", "d")  # node1 holds web.2; node2 and node3 can take it
        await async_wait_for("the drain dialog", lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.pause()
        shown = "\n".join(screen_lines(app))
        assert "web: web.2 moves to one of node2, node3" in shown, shown
        assert " move to " not in shown, shown


async def test_a_result_is_said_once_in_the_view_or_by_a_toast_once_left(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The progress view in front says the result: no toast repeats it. Left with Esc
    while the change was still being sent, the toast is the only word of it."""
    monkeypatch.setenv(audit.ENV_STATE_DIR, str(tmp_path / "state"))
    release = threading.Event()

    class Slow:
        """An engine that answers only when told, then with no connection."""

        def api(self) -> DockerAPI:
            release.wait(30)
            raise ConnectionError("the link is down")

    app = static_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        shown = ProgressScreen(RotateJoinToken("worker"), None, read_only=True)
        app.push_screen(shown)
        await async_wait_for("the refusal", lambda: shown.phase == "refused", 10)
        await pilot.pause()
        assert "Refused — nothing was sent" in "\n".join(screen_lines(app))
        assert not list(app._notifications), [n.message for n in app._notifications]
        await pilot.press("escape")

        left = ProgressScreen(RotateJoinToken("worker"), None, source=Slow())
        app.push_screen(left)
        await async_wait_for("the view", lambda: app.screen is left)
        await pilot.press("escape")  # still sending: it says the result will come
        await async_wait_for("the main screen", lambda: app.screen is not left)
        release.set()
        await async_wait_for("the failure", lambda: left.phase == "error", 10)
        await async_wait_for("its toast", lambda: any(
            "the link is down" in n.message for n in app._notifications), 10)
        said = [n.message for n in app._notifications]
        assert any("still being sent" in m for m in said), said


async def test_the_empty_nodes_pane_offers_no_key_that_needs_a_row() -> None:
    """Not in a swarm, the Nodes pane lists nothing: its footer offered Drain, Activate
    and Promote. A row-key pressed there says why it does nothing."""
    app = SwarmApp(StaticStore(not_in_a_swarm(), label="node1"))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await async_wait_for("the first snapshot", lambda: app.snapshot is not None, 10)
        await pilot.pause()
        shown = footer_line(app)
        for key in ("Drain", "Activate", "Promote", "Open"):
            assert key not in shown, shown
        assert "Help" in shown, shown
        await pilot.press("d")
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert said == ["Drain: no row to act on"], said
    app = static_app()  # with nodes listed the keys are there
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await async_wait_for("the node keys", lambda: "Drain" in footer_line(app), 5)
        await pilot.press("slash", *"nosuchnode")  # a filter that hides every row
        await pilot.press("enter")
        await async_wait_for("no row-key", lambda: "Drain" not in footer_line(app), 5)


async def test_current_state_fits_beside_the_side_panels() -> None:
    """Tour and walkthrough beside the Tasks pane leave it 48 columns: CURRENT STATE read
    "Running 22 seconds a…". Now it takes its short form ("Running 41s") before any
    column is cut; at full width it reads as `docker service ps` prints it."""
    snap, now = recorded_state()
    app = SwarmApp(StaticStore(snap, label="recorded lab", now=now), tour=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("w", "3")
        await pilot.pause()
        table = app.screen.table("tasks")
        assert table.region.width <= 48
        lines = screen_lines(app)
        header = lines[table.region.y]
        at = header.index("CURRENT STATE")
        states = [lines[table.region.y + 1 + n][at:table.region.right - 1].strip()
                  for n in range(min(len(table.order), table.region.height - 1))]
        assert states and all("…" not in s for s in states), states
        full = [table.rows[k].cells[3] for k in table.order[:len(states)]]
        assert states == [fmt.compact_state(f) for f in full], (states, full)
        assert any(s.startswith("Running ") and s.endswith("s") for s in states), states
    app = static_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        await pilot.press("3")
        await pilot.pause()
        shown = "\n".join(screen_lines(app))
        assert " seconds ago" in shown, shown


async def test_space_marks_the_row_under_the_cursor_and_shows_it_marked() -> None:
    """space marked the row and moved on: a newcomer read the next row (the cursor) as
    the one marked, and drained it. The cursor stays; the row shows ● and the bar names
    it."""
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        main = app.screen
        table = main.table("nodes")
        node2 = app.snapshot.node_by_hostname("node2").id
        await async_wait_for("node2's row", lambda: table.select_key(node2))
        await pilot.press("space")
        await pilot.pause()
        assert table.cursor_key == node2
        lines = screen_lines(app)
        row = lines[table.region.y + 1 + table.order.index(node2)]
        assert row.startswith("●") and "node2" in row, row
        others = [lines[table.region.y + 1 + n] for n, k in enumerate(table.order) if k != node2]
        assert others and not any(r.startswith("●") for r in others), others
        assert any("1 marked: node2" in line for line in lines), lines
        await pilot.press("space")  # unmarks the same row
        await pilot.pause()
        assert table.cursor_key == node2 and not main.ops_marked
        assert not screen_lines(app)[table.region.y + 1 + table.order.index(node2)
                                     ].startswith("●")


#: why the drained node's task stays Pending (max replicas per node reached elsewhere)
PENDING_ERR = "no suitable node (max replicas per node limit exceed)"


def drain_with_a_task_left_pending() -> tuple[Any, Any, Any]:
    """A drain of node2 (guarded on `before`) and the snapshot after it: web (at most one
    task per node, 4 nodes) has its node2 task stopped and its replacement Pending."""
    from swarmtui.swarm.ops.nodes import SetAvailability
    from tests.unit.test_ops_guard import _max_one_per_node
    from tests.unit.test_swarm_fixtures import snap, task

    nodes, web = _max_one_per_node()
    tasks = [task(f"w{i}", "sw", slot=i, node_id=f"n{i}") for i in range(1, 5)]
    before = snap(nodes=nodes, services=[web], tasks=tasks)
    op = SetAvailability([before.nodes["n2"]], "drain")
    op.guard(before)
    nodes[1]["Spec"]["Availability"] = "drain"  # type: ignore[index]
    stopped = task("w2", "sw", slot=2, node_id="n2", state="shutdown", desired="shutdown")
    pending = task("w5", "sw", slot=2, node_id=None, state="pending",
                   err=PENDING_ERR,
                   created="2026-12-01T10:00:05.000000000Z")
    after = snap(nodes=nodes, services=[web], tasks=[tasks[0], stopped, *tasks[2:], pending])
    return op, before, after


async def test_a_drain_that_cannot_place_a_task_says_so_at_once_and_waits_on() -> None:
    """At 80×24: the progress view names the Pending task and its cause as soon as the
    snapshot shows it, keeps waiting (the cause can pass), and says Esc leaves it."""
    from datetime import timedelta

    from swarmtui.swarm.ops.runner import Outcome, Sent

    op, before, after = drain_with_a_task_left_pending()
    app = SwarmApp(StaticStore(before, label="lab"))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        screen = ProgressScreen(op, None, read_only=True)
        app.push_screen(screen)
        await async_wait_for("refused", lambda: screen.phase == "refused")
        app.clear_notifications()
        screen.set_class(False, "bad")
        # as if it had been sent and the next snapshot showed the task Pending
        screen.phase = "waiting"
        screen._waiting_since = time.monotonic()
        screen.sent = Sent(Outcome("ok", "drain: node2"), after.taken_at - timedelta(hours=1))
        screen.show_snapshot(after, frozenset())
        await pilot.pause()
        assert screen.phase == "waiting"
        detail = str(screen.query_one("#ops-detail", Static).render())
        notes = " ".join(str(screen.query_one("#ops-notes", Static).render()).split())
        assert detail == f"web.2 pending: {PENDING_ERR}", detail
        assert "Swarm keeps trying to place it" in notes, notes
        assert notes.endswith("Esc closes it: the change stays in place."), notes
        shown = "\n".join(screen_lines(app))
        assert "web.2 pending: no suitable node" in shown and "Esc closes it" in shown, shown
        assert not list(app._notifications)


async def test_the_bootstrap_confirmation_lists_steps_and_folds_the_script() -> None:
    """It showed the whole join script (~1,000 characters) scrolled to its middle: now
    the steps, the script folded behind `v` and shown from its top, secrets masked."""
    from swarmtui.bootstrap.operation import ApplyPlans
    from swarmtui.ui.flow import confirm_and_send, fixed
    from tests.unit.test_bootstrap import CLUSTER, assess, make_plan, make_probe

    app = static_app()
    op = ApplyPlans({"root@node2": make_plan(assess(make_probe(), CLUSTER))}, dict)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        dialog = confirm_and_send(app, fixed(op))
        app.push_screen(dialog)
        await async_wait_for("the dialog", lambda: isinstance(app.screen, ConfirmScreen))
        await async_wait_for("its keys", lambda: "Confirm" in footer_line(app), 5)
        shown = "\n".join(screen_lines(app))
        assert "Commands run on root@node2 over SSH:" in shown, shown
        assert "characters of shell, hidden" in shown and "• Join the swarm as a worker" \
            in shown, shown
        assert "socket" not in shown and "printf" not in shown, shown
        assert "v Show/hide commands" in footer_line(app)
        await pilot.press("v")
        await pilot.pause()
        await pilot.pause()
        lines = screen_lines(app)
        label = next(n for n, line in enumerate(lines) if "Commands run on" in line)
        assert "printf '%s'" in lines[label + 1], lines  # from its top
        assert "SWMTKN" not in "\n".join(lines)
        assert "$SWARM_JOIN_TOKEN" in "\n".join(lines)  # the token travels on stdin
        await pilot.press("v")
        await pilot.pause()
        assert "printf" not in "\n".join(screen_lines(app))


async def test_a_short_docker_cli_line_is_never_folded() -> None:
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("1", "d")
        await async_wait_for("the dialog", lambda: isinstance(app.screen, ConfirmScreen))
        await async_wait_for("its keys", lambda: "Confirm" in footer_line(app), 5)
        shown = "\n".join(screen_lines(app))
        assert "Equivalent docker CLI:" in shown and "docker node update --availability " \
            "drain node1" in shown, shown
        assert "Show/hide commands" not in footer_line(app)
