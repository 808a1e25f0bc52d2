"""The guard for the unexpected: a bug shows an error panel, never a traceback, and the
app keeps running with its state.

Textual's default (App._handle_exception → _fatal_error) ends the app and prints a
rich traceback *with locals* — which can hold a sudo password or a join token. The
`CrashGuard` mixin (first base of the app class) replaces that:

* an action that raises (a key, the palette, a binding) is caught where Textual
  dispatches it (`_dispatch_action`), naming the action;
* a message handler that raises (the app's, a screen's, a widget's) is caught in
  `MessagePump._dispatch_message`, wrapped once for CrashGuard apps: Textual would
  otherwise end that node's message loop and prune it, leaving a dead screen;
* everything else Textual routes to `_handle_exception` (workers, timers) is reported
  without exiting; before the app runs, it exits with a sentence, not a traceback.

Each report writes a log — the traceback without locals, every line redacted — to
`<state dir>/crash/`, 0600, and shows `CrashPanel`: what happened, what to do, where
the log is. A burst of errors (a bug in a loop) is shown once, then notified.
"""

from __future__ import annotations

import contextlib
import os
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from swarmtui.secrets import redact

KEEP_LOGS = 20  # older crash logs are deleted
MAX_MESSAGE = 400


def crash_dir() -> Path:
    from swarmtui.audit import state_dir

    return state_dir() / "crash"


def write_crash_log(error: BaseException, where: str) -> Path | None:
    """Write a redacted report (no locals) and return its path; None if it cannot be
    written (the panel says so: a failing disk must not hide the error)."""
    from swarmtui import __version__

    lines = [
        f"swarmtui {__version__} crash report — {datetime.now(UTC).isoformat()}",
        f"python {platform.python_version()} on {platform.platform()}",
        f"where: {where}",
        "",
        *traceback.format_exception(error),
    ]
    text = redact("".join(line if line.endswith("\n") else line + "\n" for line in lines))
    folder = crash_dir()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
        path = folder / f"crash-{stamp}-{os.getpid()}.log"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        for old in sorted(folder.glob("crash-*.log"))[:-KEEP_LOGS]:
            with contextlib.suppress(OSError):
                old.unlink()
        return path
    except OSError:
        return None


def summary(error: BaseException) -> str:
    text = redact(str(error)).strip()
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE] + "…"
    name = type(error).__name__
    return f"{name}: {text}" if text else name


class CrashPanel(ModalScreen[None]):
    """What happened, what to do, where the log is."""

    DEFAULT_CSS = """
    CrashPanel { align: center middle; }
    CrashPanel > Vertical {
        width: 80%; max-width: 90; height: auto; padding: 1 2;
        border: thick $error; background: $surface;
    }
    CrashPanel #crash-title { text-style: bold; color: $error; }
    CrashPanel Static { margin-bottom: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="crash.close"),
        Binding("enter", "close", "Close", show=False, id="crash.close_enter"),
    ]

    def __init__(self, what: str, log: Path | None) -> None:
        super().__init__()
        self.what = what
        self.report_path = log

    def compose(self) -> ComposeResult:
        todo = ("swarmtui is still running and keeps what it showed. If a change was being "
                "sent, check its result on the cluster (and `swarmtui audit`) before trying "
                "again.")
        where = (f"A report without secrets was written to {self.report_path} — please "
                 "attach it to a bug report." if self.report_path else
                 "No report could be written to the state directory (is the disk full or "
                 "read-only?).")
        with Vertical():
            yield Static("Something went wrong inside swarmtui", id="crash-title")
            yield Static(f"What happened: {self.what}", id="crash-what", markup=False)
            yield Static(f"What to do: {todo}", id="crash-todo", markup=False)
            yield Static(where, id="crash-log", markup=False)
            yield Button("Close \\[Esc]", id="crash-close", variant="error")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)


class CrashGuard:
    """Mixin for the App class (list it first): report unexpected exceptions, keep going.

    `crash_reports` lists (summary, report path) of every report. Under Pilot (headless)
    the first error is also kept for `run_test` to re-raise at its end, so a bug still
    fails a test; `crash_reraise = False` turns that off (for tests of the guard itself).
    """

    #: errors within this many seconds of a shown panel are notified, not paneled
    BURST_S: ClassVar[float] = 5.0
    crash_reraise: ClassVar[bool] = True

    _crash_panel_at: float = 0.0

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _guard_message_pumps()

    @property
    def crash_reports(self) -> list[tuple[str, Path | None]]:
        reports: list[tuple[str, Path | None]] | None = getattr(self, "_crash_reports", None)
        if reports is None:
            reports = []
            self._crash_reports = reports
        return reports

    def report_crash(self, error: BaseException, where: str = "") -> None:
        app: Any = self
        log = write_crash_log(error, where or "the app")
        what = summary(error)
        self.crash_reports.append((what, log))
        if self.crash_reraise and app.is_headless and app._exception is None \
                and isinstance(error, Exception):
            app._exception = error  # run_test re-raises it at its end
        now = time.monotonic()
        try:
            showing = isinstance(app.screen, CrashPanel)
        except Exception:  # no screen yet
            showing = False
        try:
            if showing or now - self._crash_panel_at < self.BURST_S:
                app.notify(f"another error: {what}" + (f" (report: {log})" if log else ""),
                           title="swarmtui error", severity="error", timeout=8)
                return
            self._crash_panel_at = now
            app.push_screen(CrashPanel(what, log))
        except Exception as shown:  # the panel itself failed: say it the plainest way
            with contextlib.suppress(Exception):
                app.notify(f"{what} (report: {log})", title="swarmtui error",
                           severity="error", timeout=15)
            with contextlib.suppress(Exception):
                write_crash_log(shown, "while showing the error panel")

    # --- Textual hooks (names and behaviour of textual 8.2.8's App) ---------------------

    async def _dispatch_action(self, namespace: Any, action_name: str, params: Any) -> bool:
        try:
            return await super()._dispatch_action(  # type: ignore[misc, no-any-return]
                namespace, action_name, params)
        except Exception as error:
            self.report_crash(error, f"action {action_name!r} on {type(namespace).__name__}")
            return True

    def _handle_exception(self, error: Exception) -> None:
        """What Textual calls with an unhandled exception (workers, timers, compose…)."""
        from textual.worker import WorkerFailed

        app: Any = self
        if not app.is_running:
            # before the app runs (its CSS, start-up): exit as Textual does, but print a
            # sentence and the report's path, not a traceback with locals
            log = write_crash_log(error, "starting the app")
            app._return_code = 1
            app._exit_renderables.append(
                f"swarmtui could not start: {summary(error)}"
                + (f"\n(a report without secrets: {log})" if log else ""))
            app._close_messages_no_wait()
            return
        cause = error.error if isinstance(error, WorkerFailed) else error
        self.report_crash(cause, "a worker" if cause is not error else "the app")

    def _fatal_error(self) -> None:
        """Never print a traceback with locals: report the exception being handled."""
        error = sys.exc_info()[1]
        if error is not None:
            self.report_crash(error, "fatal error")


def _guard_message_pumps() -> None:
    """Catch a message handler's exception in the pump that runs it, for a CrashGuard app.

    Textual ends a widget's or screen's message loop after its handler raises (and prunes
    it from the DOM): the screen would be dead however the error is shown. Wrapping
    `MessagePump._dispatch_message` (once, for the whole process) reports the error and
    lets the loop go on. Pumps of any other app re-raise, as before.
    """
    from textual.message_pump import MessagePump

    original = MessagePump._dispatch_message
    if getattr(original, "_swarmtui_guard", False):
        return

    async def guarded(pump: MessagePump, message: Any) -> None:
        try:
            await original(pump, message)
        except Exception as error:
            try:
                app = pump.app
            except Exception:
                raise error from None
            if not isinstance(app, CrashGuard):
                raise
            app.report_crash(error, f"{type(pump).__name__} handling {type(message).__name__}")

    guarded._swarmtui_guard = True  # type: ignore[attr-defined]
    MessagePump._dispatch_message = guarded  # type: ignore[method-assign, assignment]
