"""The confirmation (CLI equivalent, guard preview, typed name) and the progress view.

``open_confirmation(screen, op)`` guards `op` against the app's current snapshot (no
I/O) and shows :class:`OpConfirmScreen`; going ahead pushes :class:`OpProgressScreen`,
which runs ``swarm.ops.run_operation`` (fresh guard → typed confirmation → apply →
audit journal) in a thread worker and then follows convergence (tasks running,
rolling update completed / paused / rolled back) until done or the operation's time
limit. (Written here because ``swarmtui/ui/ops/`` had not landed.)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Static

from swarmtui.swarm.create import Inventory
from swarmtui.swarm.create.base import CreateOperation
from swarmtui.swarm.fetch import FetchError, fetch_snapshot
from swarmtui.swarm.ops.base import GuardResult, Operation
from swarmtui.ui.forms.common import markup

POLL_S = 0.5


def guard_now(app: Any, op: Operation) -> GuardResult:
    """The guard against what the app shows (read-only first; no network I/O)."""
    ro = bool(getattr(app, "read_only", False))
    snap = getattr(app, "snapshot", None)
    if snap is None:
        if ro and op.mutating:
            return op.guard(Inventory(), read_only=True)  # type: ignore[arg-type]
        return GuardResult(blocks=("no cluster state yet: wait for the first refresh",))
    return op.guard(snap, read_only=ro)


def confirmation(app: Any, op: Operation, origin: Screen[Any] | None = None
                 ) -> OpConfirmScreen:
    """The confirmation screen for `op`; going ahead opens the progress view.

    When `origin` (the form) is given, it is closed once the change went through.
    """
    guard = guard_now(app, op)
    progress = OpProgressScreen(op, op.confirm_text)

    def finished(_: object) -> None:
        # a form whose change went through has done its job: back to where it was opened
        outcome = progress.outcome
        if origin is not None and outcome is not None and outcome.ok \
                and app.screen is origin and getattr(origin, "CLOSE_WHEN_DONE", False):
            origin.dismiss(None)

    def go() -> None:  # the confirmation screen checked what was typed
        app.push_screen(progress, callback=finished)

    return OpConfirmScreen(op, guard, on_go=go)


def open_confirmation(screen: Screen[Any], op: Operation) -> None:
    screen.app.push_screen(confirmation(screen.app, op, origin=screen))


class OpConfirmScreen(ModalScreen[bool]):
    """What will be sent, as the docker CLI would; blocks refuse, warnings inform."""

    DEFAULT_CSS = """
    OpConfirmScreen { align: center middle; }
    OpConfirmScreen > Vertical { width: 96%; max-width: 120; height: auto; max-height: 96%;
        border: thick $warning; background: $surface; padding: 0 1; }
    OpConfirmScreen #confirm-title { text-style: bold; }
    OpConfirmScreen #confirm-cli { background: $boost; padding: 0 1; }
    OpConfirmScreen #confirm-lines { height: auto; max-height: 14; }
    OpConfirmScreen .warn { color: $warning; }
    OpConfirmScreen .block { color: $error; }
    OpConfirmScreen #confirm-typed { height: 3; }
    OpConfirmScreen Horizontal { height: 1; margin-top: 1; }
    OpConfirmScreen Button { height: 1; border: none; min-width: 10; margin-right: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="forms.confirm.cancel"),
    ]

    def __init__(self, op: Operation, guard: GuardResult,
                 on_go: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.op = op
        self.guard = guard
        self.on_go = on_go

    def compose(self) -> ComposeResult:
        op, guard = self.op, self.guard
        with Vertical():
            yield Static(markup(op.title), id="confirm-title")
            yield Static("The docker CLI equivalent:")
            yield Static(markup(op.cli), id="confirm-cli")
            with VerticalScroll(id="confirm-lines"):
                for line in guard.blocks:
                    yield Static("✗ " + markup(line), classes="block")
                for line in guard.preview:
                    yield Static("• " + markup(line))
                for line in guard.warnings:
                    yield Static("⚠ " + markup(line), classes="warn")
            need = op.confirm_text
            if guard.allowed and need is not None:
                yield Static(f"Type {markup(need)} to confirm:")
                yield Input(placeholder=need, id="confirm-typed")
                yield Static("", id="confirm-error", classes="block")
            with Horizontal():
                if guard.allowed:
                    yield Button("Go ahead", id="confirm-go", variant="warning", compact=True)
                yield Button("Cancel (Esc)", id="confirm-cancel", compact=True)

    def on_mount(self) -> None:
        if self.query("#confirm-typed"):
            self.query_one("#confirm-typed", Input).focus()
        elif self.query("#confirm-go"):
            self.query_one("#confirm-go", Button).focus()
        else:
            self.query_one("#confirm-cancel", Button).focus()

    @on(Button.Pressed, "#confirm-cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Input.Submitted, "#confirm-typed")
    @on(Button.Pressed, "#confirm-go")
    def _go(self) -> None:
        if not self.guard.allowed:
            return
        if self.op.confirm_text is not None:
            field = self.query_one("#confirm-typed", Input)
            if not self.op.confirmation_ok(field.value):
                field.value = ""
                field.focus()
                self.query_one("#confirm-error", Static).update(
                    f"That is not {markup(self.op.confirm_text)}: type it exactly, or press "
                    "Escape to cancel.")
                return
        self.dismiss(True)
        if self.on_go is not None:
            self.app.call_later(self.on_go)


class OpProgressScreen(Screen[None]):
    """Apply through run_operation (journaled), then follow convergence."""

    DEFAULT_CSS = """
    OpProgressScreen { background: $background; padding: 0 1; }
    OpProgressScreen #progress-title { text-style: bold; color: $accent; }
    OpProgressScreen #progress-cli { background: $boost; padding: 0 1; }
    OpProgressScreen #progress-state { margin: 1 0 0 0; text-style: bold; }
    OpProgressScreen #progress-state.-failed { color: $error; }
    OpProgressScreen #progress-state.-done { color: $success; }
    OpProgressScreen #progress-log { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="forms.progress.close"),
    ]

    def __init__(self, op: Operation, typed: str | None = None) -> None:
        super().__init__()
        self.op = op
        self.typed = typed
        self._stop_follow = threading.Event()
        #: "running", "done", "failed", "refused", "error", "timeout"
        self.state = "running"
        self.outcome: Any = None
        self.lines: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static(markup(self.op.title), id="progress-title")
        yield Static(markup(self.op.cli), id="progress-cli")
        yield Static("sending…", id="progress-state")
        yield VerticalScroll(id="progress-log")

    def on_mount(self) -> None:
        self._run()

    def action_close(self) -> None:
        self._stop_follow.set()
        self.dismiss(None)

    def on_unmount(self) -> None:
        self._stop_follow.set()

    # ------------------------------------------------------------- painting
    def _say(self, text: str, state: str | None = None) -> None:
        if state is not None:
            self.state = state
        if not self.is_attached:
            return
        head = self.query_one("#progress-state", Static)
        head.update(markup(text))
        head.set_class(self.state in ("failed", "refused", "error", "timeout"), "-failed")
        head.set_class(self.state == "done", "-done")
        if not self.lines or self.lines[-1] != text:
            self.lines.append(text)
            log = self.query_one("#progress-log", VerticalScroll)
            log.mount(Static(markup(text)))
            log.scroll_end(animate=False)

    # --------------------------------------------------------------- worker
    @work(thread=True, exit_on_error=False, group="forms-progress")
    def _run(self) -> None:
        from swarmtui.swarm.ops.runner import run_operation

        app: Any = self.app
        say = self.app.call_from_thread
        backend = getattr(app, "backend", None)
        try:
            api = backend.api() if backend is not None else None
            if api is None:
                raise FetchError("there is no connection to a Docker engine")
        except Exception as exc:
            say(self._say, f"cannot reach the engine: {exc}", "error")
            return
        label = str(getattr(backend, "label", "") or "")
        endpoint = str(getattr(getattr(backend, "view", None), "endpoint", "") or label)
        outcome = run_operation(api, self.op, read_only=bool(getattr(app, "read_only", False)),
                                typed_confirmation=self.typed, cluster=label,
                                endpoint=endpoint)
        self.outcome = outcome
        if not outcome.ok:
            say(self._say, f"{outcome.status}: {outcome.message}", outcome.status)
            return
        say(self._say, outcome.message)
        if outcome.journal_error:
            say(self._say, outcome.journal_error)
        if backend is not None:
            backend.request("all")
        deadline = time.monotonic() + self.op.timeout
        while not self._stop_follow.is_set():
            try:
                snap = fetch_snapshot(api)
                if isinstance(self.op, CreateOperation):
                    p = self.op.progress(snap)
                    done, text, failed = p.done, p.text, p.failed
                else:
                    done, text = self.op.converged(snap)
                    failed = False
            except Exception as exc:  # a lost tunnel must not end the view
                done, text, failed = False, f"cannot read the cluster: {exc}", False
            if done:
                say(self._say, text, "failed" if failed else "done")
                if backend is not None:
                    backend.request("all")
                return
            if time.monotonic() >= deadline:
                say(self._say, f"not converged after {self.op.timeout:.0f} s: {text}",
                    "timeout")
                return
            say(self._say, text)
            self._stop_follow.wait(POLL_S)
