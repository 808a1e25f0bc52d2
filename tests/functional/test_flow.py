"""The one confirm screen's default button (issue 16 item 1), at 80×24.

One rule everywhere: a change that can be undone has Confirm focused (Enter goes
ahead); a dangerous one wants its target's name typed (the field has the focus); a
blocked one focuses Cancel; cancelling says that nothing was sent.
"""

from __future__ import annotations

from textual.widgets import Button, Input

from swarmtui.swarm.ops.swarm import ForceNewCluster, InitSwarm, LeaveSwarm, RotateJoinToken
from swarmtui.swarm.swarminit import InitOptions
from swarmtui.ui.flow import ConfirmScreen, confirm_and_send, fixed
from tests.functional.conftest import static_app
from tests.waiting import async_wait_for


async def _opened(app, pilot, op) -> ConfirmScreen:
    app.push_screen(confirm_and_send(app, fixed(op, destructive=op.confirm_text is not None)))
    await async_wait_for("the confirmation", lambda: isinstance(app.screen, ConfirmScreen), 10)
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, ConfirmScreen)
    return screen


async def test_reversible_changes_focus_confirm_dangerous_ones_the_typed_name() -> None:
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await async_wait_for("the first snapshot", lambda: app.snapshot is not None, 10)
        # reversible: token rotation on the recorded manager — Enter goes ahead
        screen = await _opened(app, pilot, RotateJoinToken("worker"))
        assert isinstance(app.focused, Button) and app.focused.id == "ops-go"
        assert not app.focused.disabled
        await pilot.press("escape")
        await pilot.pause()
        assert any("nothing was sent" in n.message for n in app._notifications)

        # dangerous: leave and force-new-cluster want the name typed, focused there
        for op in (LeaveSwarm("node1", True, "it is the last manager"),
                   ForceNewCluster("node1")):
            screen = await _opened(app, pilot, op)
            assert isinstance(app.focused, Input) and app.focused.id == "ops-typed"
            assert screen.query_one("#ops-go", Button).disabled
            await pilot.press("escape")
            await pilot.pause()

        # blocked (init on an engine already in a swarm): Cancel has the focus
        screen = await _opened(app, pilot, InitSwarm(InitOptions()))
        assert screen.verdict.blocks
        assert isinstance(app.focused, Button) and app.focused.id == "ops-cancel"
