"""How a change starts: the one confirmation, then the one progress view.

``start_operation(main, form)`` is what a key's handler calls (ui/panes/nodes.py, …;
read-only was refused by the action registry before, ui/actions.py).
``confirm_and_send(app, form, …)`` returns the confirm screen to push; confirming
opens the progress view (which sends through the one runner), and ``on_closed``
runs when that is closed. Every change takes this path: the main screen's node and
service keys, the forms, the stacks, and the wizards. Cancelling sends nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from swarmtui.swarm.ops.base import GuardResult, Operation
from swarmtui.swarm.ops.runner import EngineSource, Sent
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.ui.flow.confirm import NO_STATE_YET, ConfirmScreen, OpForm, fixed
from swarmtui.ui.flow.progress import ProgressScreen

if TYPE_CHECKING:
    from swarmtui.ui.app import SwarmApp
    from swarmtui.ui.screens.main import MainScreen


def audit_labels(app: SwarmApp) -> tuple[str, str]:
    """(cluster, manager endpoint) for the audit journal, from the app and its store."""
    store = app.store
    if store is None:
        return str(app.profile or ""), ""
    view, label = store.view, store.label
    return app.profile or view.cluster or label, view.endpoint or label


def confirm_and_send(app: SwarmApp, form: OpForm, *, read_only: bool | None = None,
                     on_closed: Callable[[ProgressScreen], None] | None = None,
                     on_confirmed: Callable[[Operation], None] | None = None,
                     source: EngineSource | None = None,
                     snapshot: ClusterSnapshot | None = None,
                     on_sent: Callable[[Sent], None] | None = None,
                     close_when_done: bool = False) -> ConfirmScreen:
    """The confirmation for `form`, against `snapshot` (default: the app's current one).

    Confirming runs `on_confirmed(op)`, then opens the progress view; `on_closed(progress)`
    runs when that is closed. `source`: the engine to act on (default: the app's
    connection). `on_sent` and `close_when_done`: see `ProgressScreen`. Push the
    returned screen; cancelling sends nothing and calls nothing.
    """
    ro = app.read_only if read_only is None else read_only
    snap = snapshot if snapshot is not None else app.snapshot
    first = form.build(form.initial, False)
    if snap is None and not first.needs_manager:
        snap = ClusterSnapshot()  # init, unlock, …: nothing listed is needed to guard them

    def go(op: Operation, typed: str | None) -> None:
        if on_confirmed is not None:
            on_confirmed(op)
        progress = ProgressScreen(op, typed, read_only=ro, source=source,
                                  cluster=audit_labels(app), on_sent=on_sent,
                                  close_when_done=close_when_done)
        app.push_screen(progress, callback=(lambda _phase: on_closed(progress))
                        if on_closed is not None else None)

    return ConfirmScreen(form, snap, read_only=ro, on_confirmed=go)


def guard_now(app: SwarmApp, op: Operation) -> GuardResult:
    """The guard against what the app shows (read-only first; no network I/O)."""
    ro = app.read_only
    snap = app.snapshot
    if snap is None:
        if ro and op.mutating:
            return op.guard(ClusterSnapshot(), read_only=True)
        return GuardResult(blocks=(NO_STATE_YET,))
    return op.guard(snap, read_only=ro)


def confirmation(app: SwarmApp, op: Operation, origin: Screen[Any] | None = None
                 ) -> ConfirmScreen:
    """The confirmation screen for a form's `op`; going ahead opens the progress view.

    When `origin` (the form) is given, it is closed once the change went through.
    """

    def closed(progress: ProgressScreen) -> None:
        # a form whose change went through has done its job: back to where it was opened
        if origin is not None and progress.went_through and app.screen is origin \
                and getattr(origin, "CLOSE_WHEN_DONE", False):
            origin.dismiss(None)

    return confirm_and_send(app, fixed(op, destructive=op.confirm_text is not None),
                            on_closed=closed)


def start_operation(main: MainScreen, form: OpForm) -> None:
    """Push the confirmation; once confirmed, the progress view sends and follows it."""
    app = main.swarm_app
    snap = app.snapshot
    if snap is None:
        main.notify("no cluster state yet: wait for the first refresh", severity="warning")
        return

    def confirmed(op: Operation) -> None:
        if op.kind == "node":
            main.clear_marks()

    app.push_screen(confirm_and_send(app, form, read_only=app.read_only, snapshot=snap,
                                     on_confirmed=confirmed))
