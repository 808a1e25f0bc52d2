"""Issue 16, the second half of the tutorial walked at 80×24 (promote/demote, labels,
remove a node, a stack, logs, inspect, filter, help, palette, walkthrough, tour,
autolock, unlock): what a newcomer met there, each fixed and checked here."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from rich.console import Console
from textual.widgets import Checkbox, Input, OptionList, Static

from swarmtui.connect.hostkeys import fixed_trust
from swarmtui.connect.nodes import NodePool
from swarmtui.connect.options import ConnectOptions
from swarmtui.swarm.ops.base import GuardResult, Operation
from swarmtui.swarm.ops.node_labels import RemoveNodeLabel
from swarmtui.swarm.ops.runner import Outcome, Sent
from swarmtui.swarm.reach.watch import NodeReach
from swarmtui.swarm.sync.store import StaticStore
from swarmtui.ui.app import SwarmApp
from swarmtui.ui.flow import ConfirmScreen, OpForm, ProgressScreen
from swarmtui.ui.screens.inspect import InspectScreen
from swarmtui.ui.screens.wizards.tokens import UnlockScreen
from tests.functional.conftest import recorded_state, static_app
from tests.functional.test_newcomer_80 import screen_lines
from tests.functional.test_newcomer_locked import KEY, locked_app
from tests.functional.test_newcomer_small import open_logs
from tests.unit.test_swarm_fixtures import cluster, node, service, snap, task
from tests.waiting import async_wait_for


def cluster_app(nodes: list[dict[str, Any]]) -> SwarmApp:
    return SwarmApp(StaticStore(snap(nodes=nodes), label="walk"))


def with_reach(app: SwarmApp) -> NodeReach:
    """A node pool on the app's store (nothing is reached: no key here opens a connection),
    so a Ready node's removal is the leave-then-rm one."""
    reach = NodeReach(NodePool(ConnectOptions(trust=fixed_trust("never"), ssh_config=[])))
    assert app.store is not None
    app.store.reach = reach
    return reach


async def test_log_search_and_since_boxes_show_what_is_typed() -> None:
    """`S` and `/` on the logs screen: the one-row box shows the text typed (it drew its
    two border rows only, focused); a search that finds nothing says so in words."""
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_logs(app)
        await pilot.pause()
        for key, box_id, typed in (("S", "#log-since", "10m"), ("slash", "#log-search", "zzz")):
            await pilot.press(key)
            box = screen.query_one(box_id, Input)
            await async_wait_for("the box", lambda box=box: box.has_focus and box.region.area)
            assert box.region.height == 1
            await pilot.press(*typed)
            await pilot.pause()
            assert typed in screen_lines(app)[box.region.y], screen_lines(app)
            if key == "S":
                await pilot.press("enter")
                await pilot.pause()
        screen._title()
        title = str(screen.query_one("#log-title", Static).render())
        assert "search 'zzz': no line matches" in title, title


async def test_removing_a_ready_manager_keeps_the_typed_name_in_view() -> None:
    """ctrl+d on a Ready manager of 3: the preview and two warnings fill the dialog's body;
    the field the name is typed in (focused) stays on screen, not scrolled below."""
    app = cluster_app(cluster(3, workers=1))
    with_reach(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await async_wait_for("the first snapshot", lambda: app.snapshot is not None)
        await pilot.pause()
        table = app.screen.table("nodes")  # type: ignore[attr-defined]
        await async_wait_for("the cursor on mgr2", lambda: table.select_key("m2"))
        await pilot.press("ctrl+d")
        await async_wait_for("the confirmation", lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.pause()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConfirmScreen)
        assert screen.verdict.warnings and not screen.verdict.blocks
        typed = screen.query_one("#ops-typed", Input)
        assert typed.has_focus
        body = screen.query_one("#ops-body")
        assert body.region.contains_region(typed.region), (typed.region, body.region)
        assert "type mgr2 here" in "\n".join(screen_lines(app))
        await pilot.press(*"mgr2")
        await pilot.pause()
        assert "mgr2" in screen_lines(app)[typed.region.y + typed.region.height // 2]


async def test_enter_on_a_label_to_remove_confirms_it() -> None:
    """X on a node with one label: the list has the focus; Enter on the label is "this one"
    and confirms (as Enter in a value field does), not a silent focus move."""
    app = cluster_app([node("n1", "node1", role="manager", leader=True, reach="reachable",
                            labels={"zone": "a"})])
    async with app.run_test(size=(80, 24)) as pilot:
        await async_wait_for("the first snapshot", lambda: app.snapshot is not None)
        got: list[Any] = []
        n1 = app.snapshot.nodes["n1"]
        app.push_screen(ConfirmScreen(OpForm(build=lambda v, _f: RemoveNodeLabel([n1], v),
                                             initial="zone", choices=[("zone=a", "zone")]),
                                      app.snapshot), got.append)
        await async_wait_for("the confirmation", lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.pause()
        assert isinstance(app.focused, OptionList)
        await pilot.press("enter")
        await async_wait_for("the answer", lambda: got)
        op, typed = got[0]
        assert op.cli == "docker node update --label-rm zone node1" and typed is None


class _Demoted(Operation):
    """A change whose end the progress view says: sent, then converged."""

    name = "demote"
    kind = "node"

    def __init__(self) -> None:
        super().__init__(("n2",), ("node2",))

    @property
    def cli(self) -> str:
        return "docker node demote node2"

    def _guard(self, snapshot: Any, connected_node_id: str | None) -> GuardResult:
        return GuardResult()

    def apply(self, api: Any) -> str:
        return "demoted node2"

    def converged(self, snapshot: Any) -> tuple[bool, str]:
        return True, "node2: worker"


async def test_the_progress_view_says_the_end_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """"Done: node2: worker" on the phase line, not again on the line below it (the
    runner's answer stands in for a send: the static store has no engine)."""
    from swarmtui.ui.flow import progress

    monkeypatch.setattr(progress, "send_operation", lambda *_a, **_k: Sent(
        Outcome("ok", "demoted node2"), datetime.now(UTC)))
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = ProgressScreen(_Demoted(), None)
        app.push_screen(screen)
        await async_wait_for("sent", lambda: screen.sent is not None, 10)
        screen.show_snapshot(replace(app.snapshot, taken_at=datetime.now(UTC)), frozenset())
        await async_wait_for("converged", lambda: screen.phase == "converged")
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "Done: node2: worker" in text
        assert text.count("node2: worker") == 1, text


async def test_a_task_inspect_is_titled_by_its_name_and_the_real_command() -> None:
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        snap_ = app.snapshot
        task = next(t for t in snap_.tasks.values() if t.slot)
        app.open_inspect("tasks", task.id)
        await async_wait_for("inspect", lambda: isinstance(app.screen, InspectScreen))
        await pilot.pause()
        head = screen_lines(app)[0].strip()
        name = snap_.task_name(task)
        assert head.startswith(f"task {name} ({task.id[:12]}) — docker inspect · "), head
        assert "docker task inspect" not in head


async def test_f_on_a_ready_node_says_there_is_nothing_to_fix() -> None:
    app = cluster_app(cluster(1, workers=1))
    with_reach(app)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await async_wait_for("the first snapshot", lambda: app.snapshot is not None)
        table = app.screen.table("nodes")  # type: ignore[attr-defined]
        await async_wait_for("the cursor on wrk1", lambda: table.select_key("w1"))
        await pilot.press("F")
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert any("wrk1 is Ready: nothing to fix" in m for m in said), said
        assert not any("no diagnosis yet" in m for m in said), said


async def test_the_palette_finds_unlock_and_autolock_in_the_help() -> None:
    """The tokens wizard is titled "Join tokens & keys": typing what it does (unlock,
    autolock) finds it too, below the title matches."""
    from textual.command import CommandPalette

    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for word in ("unlock", "autolock"):
            await pilot.press("ctrl+p")
            await async_wait_for("the palette", lambda: isinstance(app.screen, CommandPalette))
            await pilot.press(*word)
            await async_wait_for(f"a hit for {word}", lambda: "Join tokens & keys" in
                                 "\n".join(screen_lines(app)), 10)
            await pilot.press("escape")
            await async_wait_for("closed", lambda: not isinstance(app.screen, CommandPalette))


async def test_the_unlock_screen_reveals_on_asking_and_names_the_locked_node() -> None:
    """Tokens → u: the locked manager the doctor found is filled in; the key field, masked,
    has a "show what I type" toggle like the F dialog's; everything fits 80×24."""
    app = locked_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await async_wait_for("the first snapshot", lambda: app.snapshot is not None)
        screen = UnlockScreen()
        app.push_screen(screen)
        await async_wait_for("the unlock screen", lambda: app.screen is screen)
        await pilot.pause()
        assert screen.query_one("#unlock-node", Input).value == "mgr3"
        key = screen.query_one("#unlock-key-input", Input)
        assert key.has_focus and key.password
        await pilot.press(*KEY)
        assert KEY not in "\n".join(screen_lines(app))
        reveal = screen.query_one("#unlock-reveal", Checkbox)
        reveal.value = True
        await pilot.pause()
        assert not key.password and KEY in "\n".join(screen_lines(app))
        for widget in (reveal, screen.query_one("#unlock-go")):
            assert widget.region.bottom <= 24 and widget.region.area, widget.region


async def test_the_force_box_of_a_down_node_removal_is_not_cut() -> None:
    """ctrl+d on a Down node: "--force" on its checkbox, its help below it, whole."""
    app = cluster_app(cluster(1, workers=2, down=1))
    async with app.run_test(size=(80, 24)) as pilot:
        await async_wait_for("the first snapshot", lambda: app.snapshot is not None)
        table = app.screen.table("nodes")  # type: ignore[attr-defined]
        await async_wait_for("the cursor on wrk2", lambda: table.select_key("w2"))
        await pilot.press("ctrl+d")
        await async_wait_for("the confirmation", lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.pause()
        lines = screen_lines(app)
        box = app.screen.query_one("#ops-force", Checkbox).region
        assert lines[box.y + 1][box.x:box.right].split("▐X▌")[1].strip(" ▎") == "--force"
        r = app.screen.query_one(".ops-force-help", Static).region
        shown = " ".join(lines[y][r.x:r.right].strip() for y in range(r.y, r.bottom))
        assert shown == ("(wrk2 is Down: remove it even though the engine cannot confirm it "
                         "left)"), shown


async def test_tabs_and_manager_status_fit_beside_the_tour() -> None:
    """With the tour beside the panes (48 columns left at 80): every tab whole (the strip
    scrolled to Tasks showed "s 3  2 Services 5 …"), and the Nodes pane keeps MANAGER
    STATUS, where the tour's promote step shows the new manager."""
    snap_, now = recorded_state()
    app = SwarmApp(StaticStore(snap_, label="recorded lab", now=now), tour=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await async_wait_for("the first snapshot", lambda: app.snapshot is not None)
        main = app.screen
        for pane in ("1", "3"):
            await pilot.press(pane)
            await pilot.pause()
            await pilot.pause()
            table = main.active_table  # type: ignore[attr-defined]
            tabs = screen_lines(app)[table.region.y - 1][:table.region.width]
            assert tabs.split() == ["1", "Nodes", "2", "Services", "3", "Tasks", "4",
                                    "Networks", "5", "Stacks"], tabs
            if pane == "1":
                header = screen_lines(app)[table.region.y]
                assert "AVAILABILITY" in header and "MANAGER STATUS" in header, header
        app.tour = None  # the tour closed: room again for the counts
        main.sync_side()  # type: ignore[attr-defined]
        await pilot.pause()
        await pilot.pause()
        assert "1 Nodes 3" in screen_lines(app)[main.active_table.region.y - 1]  # type: ignore[attr-defined]


async def test_a_key_of_another_pane_says_where_it_acts() -> None:
    """i on Stacks, + on Services: no silent key — a toast says where it acts."""
    app = static_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        for pane, key, said in (("5", "i", "Inspect on Nodes (1), Services (2), Tasks (3) and "
                                 "Networks (4) — not a key of Stacks"),
                                ("2", "plus", "Promote on Nodes (1) — not a key of Services")):
            await pilot.press(pane)
            await pilot.pause()
            await pilot.press(key)
            await pilot.pause()
            messages = [n.message for n in app._notifications]
            assert said in messages, messages
        app.clear_notifications()
        await pilot.press("1", "d")  # a key of the pane shown: it acts, nothing said
        await async_wait_for("the drain", lambda: isinstance(app.screen, ConfirmScreen))
        assert not any("not a key of" in n.message for n in app._notifications)


async def test_help_says_on_which_pane_a_key_acts() -> None:
    from swarmtui.ui.screens.help import HelpScreen, help_rows, not_here

    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        rows = {r.binding_id: r for r in help_rows(app.screen)}
        assert not rows["ops.scale"].enabled and not_here("ops.scale") == "on Services (2)"
        assert not_here("main.logs") == "on Services (2), Tasks (3) and Stacks (5)"
        await pilot.press("question_mark")
        await async_wait_for("help", lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause()
        console = Console(width=100, record=True, color_system=None, file=io.StringIO())
        console.print(app.screen._table())  # type: ignore[attr-defined]
        table = " ".join(console.export_text().split())
        assert "Scale — docker service scale SERVICE=N (on Services (2))" in table, table
        assert "another pane or state" not in table


async def test_a_down_nodes_detail_says_what_ssh_found_and_f_fixes_it() -> None:
    """enter on a locked manager: its detail says the doctor's cause whole (the problem line
    is cut at 80 columns) and that F fixes it; F is in the footer and opens the unlock."""
    from swarmtui.ui.widgets.footer import KeysFooter
    from tests.functional.test_newcomer_locked import LOCKED

    app = locked_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await async_wait_for("the first snapshot", lambda: app.snapshot is not None)
        with_reach(app)._found("m3", LOCKED)
        app.open_object("nodes", "m3")
        await async_wait_for("the node", lambda: "found by SSH" in "\n".join(screen_lines(app)))
        text = " ".join("\n".join(screen_lines(app)).split())
        assert "found by SSH manager locked (autolock): needs its unlock key" in text, text
        assert "unlock-key — F unlocks it" in text, text
        keys = await async_wait_for("F in the footer", lambda: [
            k for k in app.screen.query_one(KeysFooter).keys if k.key == "F"])
        assert keys[0].description == "Fix"
        await pilot.press("F")
        await async_wait_for("the unlock", lambda: isinstance(app.screen, ConfirmScreen))
        assert app.screen.operation.name == "unlock"  # type: ignore[attr-defined]


async def test_the_footer_offers_no_typing_key_while_the_filter_has_focus() -> None:
    """While `/` has the focus, `+`, `d`, `/` … type into it: the footer does not offer them
    as actions; it keeps what works there (esc clears, ↓ keeps)."""
    from tests.functional.test_newcomer_80 import footer_line

    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "+ Promote" in footer_line(app)
        await pilot.press("slash")
        await async_wait_for("no typing keys", lambda: "Promote" not in footer_line(app))
        line = footer_line(app)
        assert "Clear filter" in line and "Drain" not in line and "? Help" not in line, line
        await pilot.press("escape")
        await async_wait_for("the keys back", lambda: "+ Promote" in footer_line(app))


async def test_a_task_of_a_removed_node_shows_its_short_id() -> None:
    """After `docker node rm node4`, its old tasks name a node the swarm no longer knows:
    its short ID (12), not the whole 25-character ID that squeezed CURRENT STATE to "Ru…"
    beside the walkthrough (it still gives a few characters at 48 columns)."""
    gone = "wyukxq0nls8lo3ptm1fy2fpoi"
    s = snap(nodes=cluster(1, workers=1), services=[service("s1", "web", replicas=1)],
             tasks=[task("t1", "s1", node_id="w1"),
                    task("t0", "s1", node_id=gone, state="orphaned", desired="shutdown")])
    app = SwarmApp(StaticStore(s, label="walk"))
    app.walkthrough.shown = True
    async with app.run_test(size=(80, 24)) as pilot:
        await async_wait_for("the first snapshot", lambda: app.snapshot is not None)
        await pilot.press("3")
        table = app.screen.table("tasks")  # type: ignore[attr-defined]
        await async_wait_for("the rows", lambda: "t0" in table.rows)
        await pilot.pause()
        cells = table.visible_cells("t0")
        assert cells["node"] == gone[:12], cells
        width = {c.key: w for _, c, w in table.layout_for(table.region.width)}
        assert width["node"] == 12 and width["current"] >= len("Running 3 min"), width


async def test_quorum_lost_says_what_to_do_whole_and_names_the_unlock() -> None:
    """A locked manager of two: the swarm has no leader. The header's what-to-do is wrapped
    at words (it was cut at 80 columns: "…managers that a…") and says to unlock the locked
    ones (T then u), not only to force a new cluster."""
    from tests.functional.test_backup_screens import quorum_lost

    app = SwarmApp(StaticStore(quorum_lost(), label="lost"))
    async with app.run_test(size=(80, 24)) as pilot:
        await async_wait_for("the first snapshot", lambda: app.snapshot is not None)
        await pilot.pause()
        lines = screen_lines(app)
        header = " ".join(" ".join(lines[:12]).split())
        assert "What to do (Q: the recovery wizard): start the engines" in header, header
        assert "unlock those that are locked (autolock: `docker swarm unlock` on them, T " \
               "then u)" in header, header
        assert not any(line.rstrip().endswith("…") for line in lines[:12]), lines[:12]
