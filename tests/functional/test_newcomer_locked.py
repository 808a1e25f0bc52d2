"""Issue 16 item 10 at 80×24: a restarted autolocked manager is said as locked, and the
unlock fields are prefilled (masked) with the key this session holds."""

from __future__ import annotations

from dataclasses import replace

from textual.widgets import Input

from swarmtui.connect.hostkeys import fixed_trust
from swarmtui.connect.nodes import NodePool
from swarmtui.connect.options import ConnectOptions
from swarmtui.secrets import Secret
from swarmtui.swarm import health
from swarmtui.swarm.reach.probe import Cause, Diagnosis
from swarmtui.swarm.reach.watch import NodeReach
from swarmtui.swarm.sync.store import StaticStore
from swarmtui.ui.app import SwarmApp
from swarmtui.ui.flow import ConfirmScreen
from swarmtui.ui.screens.wizards.tokens import UnlockScreen
from swarmtui.ui.widgets.health import HealthHeader
from tests.functional.test_newcomer_80 import screen_lines
from tests.unit.test_swarm_fixtures import cluster, snap
from tests.waiting import async_wait_for

KEY = "SWMKEY-1-7c1dDTh2mvEJ3NGBO5+aIDJ62RHv6BZrkuTDoRYk9Q8"
LOCKED = Diagnosis("mgr3", Cause.LOCKED, "docker swarm unlock on the node, with the key "
                   "from docker swarm unlock-key")


def locked_app() -> SwarmApp:
    s = snap(nodes=cluster(3, unreachable=1, workers=1))
    s = replace(s, causes={"m3": LOCKED.text})
    return SwarmApp(StaticStore(s, label="locked"))


async def test_a_locked_manager_is_said_locked_and_f_prefills_the_held_key() -> None:
    app = locked_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await async_wait_for("the first snapshot", lambda: app.snapshot is not None)
        await pilot.pause()
        main = app.screen
        header = main.query_one(HealthHeader)
        assert str(Cause.LOCKED).startswith(health.LOCKED_CAUSE)  # the words health reads
        [said] = [p.text for p in header.problems if p.object_id == "m3"]
        assert said.startswith("manager mgr3 is LOCKED"), said
        assert "F on its row unlocks it" in said and "Unreachable" not in said
        row = main.table("nodes").rows["m3"]  # type: ignore[attr-defined]
        assert [str(c) for c in row.cells[1:4]] == ["Down: locked", "Active", "Locked"]
        assert "Locked" in "\n".join(screen_lines(app))
        # F: the fix the doctor found, with the key this session holds, masked
        reach = NodeReach(NodePool(ConnectOptions(trust=fixed_trust("never"), ssh_config=[])))
        assert app.store is not None
        app.store.reach = reach
        reach._found("m3", LOCKED)
        app.unlock_key = Secret(KEY)
        try:
            await async_wait_for("the cursor on mgr3", lambda: main.table("nodes")
                                 .select_key("m3"))  # type: ignore[attr-defined]
            await pilot.press("F")
            await async_wait_for("the confirmation", lambda: isinstance(app.screen,
                                                                        ConfirmScreen))
            await pilot.pause()
            field = app.screen.query_one("#ops-value", Input)
            assert field.value == KEY and field.password
            assert KEY not in "\n".join(screen_lines(app))
            assert app.screen.verdict.allowed, app.screen.verdict  # type: ignore[attr-defined]
            await pilot.press("escape")
            # the tokens wizard's unlock screen: the same key, masked
            screen = UnlockScreen()
            app.push_screen(screen)
            await async_wait_for("the unlock screen", lambda: app.screen is screen)
            await pilot.pause()
            key_input = screen.query_one("#unlock-key-input", Input)
            assert key_input.value == KEY and key_input.password
            assert KEY not in "\n".join(screen_lines(app))
        finally:
            await reach.close()
