"""The forms' way into the one confirmation + progress path of ``swarmtui.ui.ops``.

``confirmation(app, op, origin)`` is `ops.OpConfirmScreen` (CLI equivalent, guard
preview — a spec diff for an edit —, blocks, typed name) wired to `ops.OpProgressScreen`
(run_operation in a thread → audit journal → convergence, "failed" for a paused or
rolled-back update). A form (`origin`) whose change went through is closed when the
progress view is, if the form says so (``CLOSE_WHEN_DONE``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from swarmtui.swarm.create import Inventory
from swarmtui.swarm.ops.base import GuardResult, Operation
from swarmtui.ui.context import swarm_app
from swarmtui.ui.ops.confirm import NO_STATE_YET, OpConfirmScreen, fixed
from swarmtui.ui.ops.progress import OpProgressScreen, confirm_and_send

if TYPE_CHECKING:
    from swarmtui.ui.app import SwarmApp

__all__ = ["OpConfirmScreen", "OpProgressScreen", "confirmation", "guard_now",
           "open_confirmation"]


def guard_now(app: SwarmApp, op: Operation) -> GuardResult:
    """The guard against what the app shows (read-only first; no network I/O)."""
    ro = app.read_only
    snap = app.snapshot
    if snap is None:
        if ro and op.mutating:
            return op.guard(Inventory(), read_only=True)  # type: ignore[arg-type]
        return GuardResult(blocks=(NO_STATE_YET,))
    return op.guard(snap, read_only=ro)


def confirmation(app: SwarmApp, op: Operation, origin: Screen[Any] | None = None
                 ) -> OpConfirmScreen:
    """The confirmation screen for `op`; going ahead opens the progress view.

    When `origin` (the form) is given, it is closed once the change went through.
    """

    def closed(progress: OpProgressScreen) -> None:
        # a form whose change went through has done its job: back to where it was opened
        if origin is not None and progress.went_through and app.screen is origin \
                and getattr(origin, "CLOSE_WHEN_DONE", False):
            origin.dismiss(None)

    return confirm_and_send(app, fixed(op, destructive=op.confirm_text is not None),
                            on_closed=closed)


def open_confirmation(screen: Screen[Any], op: Operation) -> None:
    screen.app.push_screen(confirmation(swarm_app(screen), op, origin=screen))
