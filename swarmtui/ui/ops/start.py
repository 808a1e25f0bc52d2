"""The one step from a key's Operation to the cluster: confirm, then progress.

Handlers (ui/panes/nodes.py, ui/panes/services.py) call `start_operation` once they
built the OpForm; read-only was refused by the action registry before (ui/actions.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from swarmtui.ui.ops.confirm import Confirmed, OpConfirmScreen, OpForm
from swarmtui.ui.ops.progress import OpProgressScreen

if TYPE_CHECKING:
    from swarmtui.ui.screens.main import MainScreen


def start_operation(main: MainScreen, form: OpForm) -> None:
    """Push the confirmation; once confirmed, the progress view sends and follows it."""
    app = main.swarm_app
    snap = app.snapshot
    if snap is None:
        main.notify("no cluster state yet: wait for the first refresh", severity="warning")
        return

    def confirmed(result: Confirmed | None) -> None:
        if result is None:
            return
        op, typed = result
        if op.kind == "node":
            main.clear_marks()
        app.push_screen(OpProgressScreen(op, typed, read_only=app.read_only))

    app.push_screen(OpConfirmScreen(form, snap, read_only=app.read_only), callback=confirmed)
