"""After confirming: send the operation, then follow the cluster until it has converged.

The send runs in a thread worker through the one runner
(`swarm.ops.runner.send_operation`: a fresh guard, the apply with its retries on
"update out of sequence", the audit journal). Then every new snapshot is checked
with ``op.converged`` (a re-list is asked for every second meanwhile) until it says
done, or the operation's time limit passes: then the screen says what is still
missing and why ("pending: no suitable node"). Errors are sentences, never
tracebacks; a change that failed but moved some targets says which (half-applied).

Operations with ``progress(snapshot)`` (the forms' create/update operations) can also
end "failed": the rolling update paused or rolled back — it ended, but not as asked.
Operations with ``follows_cluster = False`` (token rotation, init, unlock …) end
with the apply's answer. What was sent is reported to the walkthrough here, once,
through one typed call (`walkthrough.record_action`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from swarmtui.secrets import redact
from swarmtui.swarm.explain.verdict import Verdict, services_of, verdicts
from swarmtui.swarm.ops.base import Operation
from swarmtui.swarm.ops.runner import EngineSource, Sent, send_operation
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.ui.context import swarm_app
from swarmtui.ui.flow.dialog_parts import dialog_css, display_title, see_through
from swarmtui.ui.walkthrough import record_action
from swarmtui.ui.widgets.dialog import Dialog

#: how often the store is asked for fresh lists while waiting (seconds)
RELIST_EVERY = 1.0

#: said while a task cannot be placed: waiting on is right (the cause can pass), and the
#: user may leave the view (how long the view waits is the elapsed line's "3 s of 90 s")
PENDING_NOTE = ("Swarm keeps trying to place it (the cause can pass: a node coming back or "
                "freeing up); this view waits on. Esc closes it: the change stays in place.")

#: phases: sending → waiting → converged | failed | timeout ; or refused | error
FINAL = frozenset({"converged", "failed", "timeout", "refused", "error"})


class ProgressScreen(Dialog[str]):
    """Sending… → waiting for the cluster (with the time limit) → done / not converged."""

    DEFAULT_CSS = dialog_css("ProgressScreen", "#ops-dialog", border="thick $primary") + """
    ProgressScreen > #ops-dialog { overflow-y: auto; }
    ProgressScreen #ops-title { text-style: bold; }
    ProgressScreen #ops-cli { margin: 1 0; }
    ProgressScreen #ops-phase { text-style: bold; }
    ProgressScreen.ok #ops-phase { color: $success; }
    ProgressScreen.bad #ops-phase { color: $error; }
    ProgressScreen.slow #ops-phase { color: $warning; }
    ProgressScreen #ops-notes { color: $warning; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="ops.progress.close"),
    ]

    def __init__(self, op: Operation, typed: str | None, *, read_only: bool = False,
                 timeout: float | None = None, source: EngineSource | None = None,
                 cluster: tuple[str, str] = ("", ""),
                 on_sent: Callable[[Sent], None] | None = None,
                 close_when_done: bool = False) -> None:
        """`source`: where the Docker client comes from (None: the app's connection);
        `cluster`: (cluster, endpoint) for the audit journal; `on_sent(sent)` runs on
        the UI thread as soon as the runner answered (a wizard shows its result there);
        `close_when_done`: a change that went through closes this view by itself, so
        the result shown under it is where the eye is (a failure stays open)."""
        super().__init__()
        self.op = op
        self.source = source
        self.cluster = cluster
        self.on_sent = on_sent
        self.close_when_done = close_when_done
        self.typed = typed
        self.read_only = read_only
        self.timeout = op.timeout if timeout is None else timeout
        self.phase = "sending"
        self.sent: Sent | None = None
        self.last_text = ""
        #: what was said along the way (sent, each new convergence text, the end), in order
        self.lines: list[str] = []
        self._started = time.monotonic()
        self._waiting_since = 0.0
        self._pending_said = False

    def compose(self) -> ComposeResult:
        with Vertical(id="ops-dialog"):
            yield Static(display_title(self.op), id="ops-title", markup=False)
            yield Static(redact(self.op.cli), id="ops-cli", classes="ops-cli", markup=False)
            yield Static("Sending…", id="ops-phase", markup=False)
            yield Static("", id="ops-detail", markup=False)
            yield Static("", id="ops-elapsed", markup=False)
            yield Static("", id="ops-notes", markup=False)
            with Horizontal():
                yield Button("Close \\[Esc]", id="ops-close")

    def on_mount(self) -> None:
        see_through(self)
        self.query_one("#ops-close", Button).focus()
        self._send(self.app)
        self.set_interval(0.25, self._tick)
        self.set_interval(RELIST_EVERY, self._relist)

    # ------------------------------------------------------------- sending
    @work(thread=True, exit_on_error=False, group="ops-send")
    def _send(self, app: Any) -> None:
        cluster, endpoint = self.cluster
        source = self.source if self.source is not None else app.store
        sent = send_operation(source, self.op, read_only=self.read_only,
                              typed_confirmation=self.typed, cluster=cluster,
                              endpoint=endpoint)
        with contextlib.suppress(RuntimeError):  # the app is closing: the journal has it
            app.call_from_thread(self._sent, sent)

    def _sent(self, sent: Sent) -> None:
        self.sent = sent
        out = sent.outcome
        if out.status != "refused":  # something was sent: the walkthrough shows it
            record_action(swarm_app(self), redact(self.op.cli), self.op.name, out.ok,
                          self.op.hosts)
        if self.on_sent is not None:
            self.on_sent(sent)
        notes: list[str] = []
        if out.journal_error:
            notes.append(out.journal_error)
        if out.status == "refused":
            self._finish("refused", f"Refused — nothing was sent: {out.message}")
        elif out.status == "error":
            if sent.half_applied:
                notes.append(
                    f"HALF-APPLIED: {', '.join(sent.changed)} changed, "
                    f"{', '.join(sent.unchanged)} did not — check with `docker node ls` and "
                    "run the command again for the rest")
            elif sent.changed and not sent.unchanged:
                notes.append(f"{', '.join(sent.changed)} changed anyway (the answer may have "
                             "been lost on the way back): check the cluster")
            self._finish("error", f"Failed: {out.message}")
        elif not self.op.follows_cluster:
            self._finish("converged", f"Done: {out.message}")
        else:
            self._log(out.message)
            self.phase = "waiting"
            self._waiting_since = time.monotonic()
            # how long it waits: the elapsed line ("3 s of 90 s"), said once
            self._say("#ops-phase", f"Sent: {out.message}. Waiting for the cluster to "
                                    "converge…")
            store = swarm_app(self).store
            if store is not None:
                store.request("all")
            snap = swarm_app(self).snapshot
            if snap is not None:
                self.show_snapshot(snap, frozenset())
        if notes:
            self._say("#ops-notes", "\n".join(notes))

    # ------------------------------------------------------------- waiting
    def show_snapshot(self, snapshot: ClusterSnapshot, kinds: frozenset[str]) -> None:
        """Every new snapshot (the app hands it to the top screen): converged yet?"""
        if self.phase != "waiting" or self.sent is None:
            return
        if snapshot.taken_at < self.sent.finished_at:
            return  # listed before the change was made: says nothing about it
        failed = False
        try:
            progress = getattr(self.op, "progress", None)
            if callable(progress):  # ends, but maybe not as asked (paused, rolled back)
                p = progress(snapshot)
                done, text, failed = bool(p.done), str(p.text), bool(p.failed)
            else:
                done, text = self.op.converged(snapshot)
        except Exception as exc:  # a convergence check must never take the screen down
            done, text = False, f"cannot tell yet: {exc}"
        self.last_text = text
        self._log(text)
        # once it ends, the phase line says it ("Done: …"): not twice (at 80×24 a paused
        # update's cause filled the dialog twice over)
        self._say("#ops-detail", "" if done else text)
        if not done and " pending: " in text:  # a task the scheduler cannot place
            self._say("#ops-notes", PENDING_NOTE)
            self._pending_said = True
        elif self._pending_said:  # placed after all: the note is no longer true
            self._say("#ops-notes", "")
            self._pending_said = False
        if done and failed:
            self._finish("failed", f"Failed: {text}", log=False)
        elif done:
            self._finish("converged", f"Done: {text}", log=False)

    def _relist(self) -> None:
        if self.phase == "waiting":
            store = swarm_app(self).store
            if store is not None:
                if self.op.kind in ("node", "service"):
                    store.request("nodes", "services", "tasks")
                else:  # networks, secrets, configs, stacks: their lists too
                    store.request("all")

    def _tick(self) -> None:
        if self.phase in FINAL:
            return
        elapsed = time.monotonic() - self._started
        if self.phase == "sending":
            self._say("#ops-elapsed", f"{elapsed:.0f} s")
            steps = getattr(self.op, "lines", None)  # a host procedure's steps so far
            if isinstance(steps, list) and steps:
                self._say("#ops-detail", "\n".join(steps[-6:]))
            return
        waited = time.monotonic() - self._waiting_since
        self._say("#ops-elapsed", f"{waited:.0f} s of {self.timeout:.0f} s")
        if waited >= self.timeout:
            why = self.last_text or "no fresh cluster state arrived (is the connection stale?)"
            stuck = self._will_not_converge()
            if stuck:  # the cause never passes by itself: say it, and what to do
                self._finish("timeout", f"After {self.timeout:.0f} s: "
                             + "\n".join(v.text for v in stuck))
                self._say("#ops-detail", "")
                self._say("#ops-notes", "The change was sent and stays in place. To fix: "
                          + "; ".join(dict.fromkeys(v.remedy for v in stuck)) + ".")
                return
            self._finish("timeout", f"Not converged after {self.timeout:.0f} s: {why}")
            self._say("#ops-notes", "The change was sent and stays in place; the cluster may "
                                    "still get there. Watch the panes, or check with the "
                                    "docker CLI.")

    def _will_not_converge(self) -> list[Verdict]:
        """The change's services whose cause will not pass by itself (an image no node
        has, a constraint no node meets …), from the latest snapshot."""
        snap = swarm_app(self).snapshot
        if snap is None or self.op.name.startswith("remove"):
            return []
        try:
            services = services_of(snap, self.op.kind, self.op.target_ids,
                                   self.op.target_labels)
            return verdicts(snap, services, snap.taken_at)
        except Exception:  # an explanation must never take the screen down
            return []

    @property
    def went_through(self) -> bool:
        """The change was sent and accepted (whatever the convergence said after)."""
        return self.sent is not None and self.sent.outcome.ok

    def _log(self, text: str) -> None:
        text = redact(text)
        if text and (not self.lines or self.lines[-1] != text):
            self.lines.append(text)

    def _finish(self, phase: str, text: str, *, log: bool = True) -> None:
        self.phase = phase
        if log:  # a convergence result is already the last line, in the op's own words
            self._log(text)
        self.set_class(phase == "converged", "ok")
        self.set_class(phase in ("refused", "error", "failed"), "bad")
        self.set_class(phase == "timeout", "slow")
        self._say("#ops-phase", text)
        self._say("#ops-elapsed", f"{time.monotonic() - self._started:.1f} s")
        for close in self.query("#ops-close").results(Button):  # none once it is closed
            close.label = "Close \\[Esc / Enter]"
            close.styles.width = len("Close [Esc / Enter]") + 4  # re-measured: never cut
        if phase == "converged" and self.close_when_done and self.app.screen is self:
            # the screen under it (a wizard) shows the result where the eye is: a toast
            # saying it again would only cover that screen
            self.dismiss(phase)
            return
        if self.is_attached and self.app.screen is self:
            return  # the view in front says it: a toast saying it again covers the dialog
        # the user left the view (Esc while it was sent): the toast is the only word of it
        severity: Any = {"converged": "information", "timeout": "warning"}.get(phase, "error")
        self.app.notify(redact(text), title=display_title(self.op), severity=severity,
                        timeout=6 if phase == "converged" else 12)

    def _say(self, selector: str, text: str) -> None:
        for shown in self.query(selector).results(Static):  # none once it is closed
            shown.update(Text(redact(text)))

    # -------------------------------------------------------------- closing
    @on(Button.Pressed, "#ops-close")
    def _close_pressed(self) -> None:
        self.action_close()

    def action_close(self) -> None:
        if self.phase == "sending":
            self.notify("the change is still being sent: its result will show here as a "
                        "notification", title=display_title(self.op))
        self.dismiss(self.phase)
