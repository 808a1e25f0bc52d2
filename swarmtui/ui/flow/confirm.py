"""The one confirmation screen: every change is confirmed here before anything is sent.

It shows the operation's title, the **equivalent docker CLI command** exactly as a
person would type it, and the guard's verdict on the live cluster state: what will
happen (quorum N → N′, the drain preview, a spec diff …), warnings, and blocks. A
block disables the confirm button and says why.

Operations that need a value (scale, label, image) take it here: the CLI line, the
preview and the blocks follow each keystroke. New snapshots re-run the guard, so
the verdict is always about the cluster as it is now.

**One rule for the default button** (everywhere: node and service keys, forms,
wizards): a change that can be undone has Confirm focused, so Enter goes ahead; a
dangerous one (``op.confirm_text``: removals, leave, force-new-cluster) asks for the
target's name typed, and the typed field has the focus. A blocked change focuses
Cancel. Cancelling says that nothing was sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Button, Checkbox, Input, OptionList, Static
from textual.widgets.option_list import Option

from swarmtui.secrets import redact
from swarmtui.swarm.ops.base import READ_ONLY_BLOCK, GuardResult, Operation
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.ui.flow.dialog_parts import (
    dialog_css,
    display_title,
    mark_line,
    mark_lines,
    see_through,
)
from swarmtui.ui.widgets.dialog import Dialog

#: what the confirm screen dismisses with: the operation and the typed confirmation
Confirmed = tuple[Operation, str | None]

#: a CLI of more lines (or characters) than this is folded: the preview's steps say what
#: it does (a docker CLI line is far shorter; a bootstrap's join script ~1,000 characters)
CLI_FOLD_LINES = 6
CLI_FOLD_CHARS = 400

#: how a guard's block begins when the change would change nothing ("nothing to do: …")
NOTHING_TO_DO = "nothing to do"

#: shown instead of a verdict before the first snapshot arrived
NO_STATE_YET = "no cluster state yet: wait for the first refresh"


def typed_mismatch(need: str) -> str:
    """What a confirmation says when the typed name is not the one asked for."""
    return (f"That is not {need}: type the name exactly to confirm, or press Escape "
            "to cancel.")


@dataclass(frozen=True)
class OpForm:
    """How the confirm screen builds the operation from what the user enters.

    ``build(value, force)`` makes the operation; ``prompt`` asks for a value in an
    Input (``initial`` pre-filled; masked when ``secret``, with a checkbox that shows
    it); ``choices`` (label, value) are picked from a list instead; ``force_offered``
    shows a ``--force`` checkbox with ``force_help``.
    """

    build: Callable[[str, bool], Operation]
    prompt: str | None = None
    initial: str = ""
    placeholder: str = ""
    choices: Sequence[tuple[str, str]] = ()
    force_offered: bool = False
    force_help: str = ""
    #: the checkbox's own words (a prune asks "also volumes", not "--force")
    force_label: str = "--force"
    #: the value is a secret (an unlock key): masked while typed, shown only when asked
    secret: bool = False
    #: destructive operations get a red button (they also ask for a typed name)
    destructive: bool = False


def fixed(op: Operation, *, destructive: bool = False) -> OpForm:
    """A form for an operation that needs no value."""
    return OpForm(build=lambda _v, _f: op, destructive=destructive)


class ConfirmScreen(Dialog[Confirmed | None]):
    """Title, docker CLI equivalent, preview, warnings, blocks, typed name, confirm."""

    DEFAULT_CSS = dialog_css("ConfirmScreen", "#ops-dialog") + """
    ConfirmScreen.destructive > #ops-dialog { border: round $error; }
    ConfirmScreen #ops-title { text-style: bold; }
    ConfirmScreen #ops-cli-folded { text-style: italic; display: none; }
    ConfirmScreen #ops-preview { height: auto; max-height: 12; margin-bottom: 1; }
    /* everything but the title and the buttons scrolls: a long CLI line (a bootstrap's
       steps) never pushes the buttons out of an 80×24 screen */
    ConfirmScreen #ops-body { height: auto; max-height: 60vh; }
    ConfirmScreen #ops-blocks { text-style: bold; }
    /* "nothing to do" (the value as it is): said plainly, not as an alarm */
    ConfirmScreen #ops-blocks.idle { color: $text-muted; text-style: none; }
    ConfirmScreen #ops-warnings.empty, ConfirmScreen #ops-blocks.empty,
    ConfirmScreen #ops-typed-error.empty { display: none; }
    ConfirmScreen OptionList { height: auto; max-height: 8; margin-bottom: 1; }
    ConfirmScreen Input { margin-bottom: 1; }
    /* one row, not three: at 80×24 a bordered field and a warning scrolled the CLI line,
       the point of the dialog, out of view (seen on `u` and on ctrl+s) */
    ConfirmScreen #ops-value, ConfirmScreen #ops-typed {
        border: none; height: 1; padding: 0 1; background: $boost; }
    ConfirmScreen #ops-value:focus, ConfirmScreen #ops-typed:focus {
        background: $primary 25%; }
    ConfirmScreen .ops-force-help { margin: 0 0 1 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="ops.confirm.cancel"),
        # while nothing would be sent (a scale on the current count): Esc only closes, and
        # no Confirm key is offered next to a button that says "Nothing to do"
        Binding("escape", "close", "Close", id="ops.confirm.close"),
        Binding("ctrl+y", "confirm", "Confirm", id="ops.confirm.go"),
        Binding("v", "toggle_commands", "Show/hide commands", id="ops.confirm.commands"),
    ]

    def __init__(self, form: OpForm, snapshot: ClusterSnapshot | None, *,
                 read_only: bool = False,
                 on_confirmed: Callable[[Operation, str | None], None] | None = None) -> None:
        """`snapshot` None: nothing listed yet, so nothing can be confirmed. `on_confirmed`
        runs (after the dismissal) with what `dismiss` returns, for callers that push
        this screen without a callback of their own."""
        super().__init__()
        #: the verdict said "nothing to do" when the keys and buttons were last set
        self._idle_shown = False
        self.form = form
        self.snapshot = snapshot
        self.read_only = read_only
        self.on_confirmed = on_confirmed
        self._shown_preview: tuple[tuple[str, ...], bool] | None = None
        self._shown_alerts: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
        self.value = form.initial
        self.force = False
        #: the operation as built from the current input (not named `op`: the app treats
        #: screens with an `op` as sent operations for its walkthrough)
        self.operation: Operation = form.build(self.value, self.force)
        self.verdict = GuardResult()
        #: what `check_io` found, by the CLI line it was asked for (an image on the nodes)
        self._io: dict[str, GuardResult] = {}
        self._io_timer: Timer | None = None
        self._io_pending: str | None = None
        #: a long script run on hosts (see `folds`) shown whole
        self.commands_shown = False
        if form.destructive:
            self.add_class("destructive")

    # ------------------------------------------------------------ compose
    def compose(self) -> ComposeResult:
        with Vertical(id="ops-dialog"):
            yield Static("", id="ops-title", markup=False)
            with VerticalScroll(id="ops-body", can_focus=False):
                yield Static(self._cli_label(), id="ops-cli-label", classes="ops-label",
                             markup=False)
                yield Static("", id="ops-cli", classes="ops-cli", markup=False)
                yield Static("", id="ops-cli-folded", classes="ops-cli", markup=False)
                if self.form.prompt is not None:
                    yield Static(self.form.prompt, classes="ops-label", markup=False)
                    yield Input(self.form.initial, placeholder=self.form.placeholder,
                                password=self.form.secret, id="ops-value")
                    if self.form.secret:
                        yield Checkbox("show what I type", id="ops-reveal")
                if self.form.choices:
                    yield Static("Pick one:", classes="ops-label")
                    yield OptionList(*[Option(label, id=value) for label, value in
                                       self.form.choices], id="ops-choices")
                if self.form.force_offered:  # its help wraps below it (a label is one row)
                    yield Checkbox(self.form.force_label, id="ops-force")
                    if self.form.force_help:
                        yield Static(self.form.force_help, classes="ops-label ops-force-help",
                                     markup=False)
                yield Static("What will happen:", classes="ops-label")
                yield VerticalScroll(id="ops-preview")
                yield Static("", id="ops-warnings", classes="ops-warn")
                yield Static("", id="ops-blocks", classes="ops-error")
                if self.operation.confirm_text is not None:
                    yield Static("", id="ops-typed-label", markup=False)
                    yield Input(placeholder=f"type {self.operation.confirm_text} here",
                                id="ops-typed")
                    yield Static("", id="ops-typed-error", classes="ops-error empty",
                                 markup=False)
            with Horizontal():
                yield Button("Confirm", id="ops-go",
                             variant="error" if self.form.destructive else "warning")
                yield Button("Cancel \\[Esc]", id="ops-cancel")

    def on_mount(self) -> None:
        see_through(self)
        if self.form.choices:
            choices = self.query_one("#ops-choices", OptionList)
            choices.highlighted = 0
        self._recheck()
        if self.form.prompt is not None:
            self.query_one("#ops-value", Input).focus()
        elif self.form.choices:
            self.query_one("#ops-choices", OptionList).focus()
        elif self.operation.confirm_text is not None:
            self.query_one("#ops-typed", Input).focus()  # dangerous: the name typed
        elif self.verdict.allowed:
            self.query_one("#ops-go", Button).focus()  # reversible: Enter goes ahead
        else:
            self.query_one("#ops-cancel", Button).focus()

    # -------------------------------------------------------------- state
    @property
    def typed(self) -> str | None:
        if self.operation.confirm_text is None:
            return None
        return self.query_one("#ops-typed", Input).value

    @property
    def idle(self) -> bool:
        """The change as it stands would change nothing (a scale dialog opens on the current
        replicas): nothing is wrong, there is only nothing to send yet."""
        blocks = self.verdict.blocks
        return bool(blocks) and all(b.startswith(NOTHING_TO_DO) for b in blocks)

    @property
    def can_confirm(self) -> bool:
        return self.verdict.allowed and self.operation.confirmation_ok(self.typed)

    def _rebuild(self) -> None:
        self.operation = self.form.build(self.value, self.force)
        self._recheck()

    def _recheck(self) -> None:
        """Guard the operation against the current snapshot and show the verdict."""
        op = self.operation
        snap = self.snapshot
        try:
            if snap is None:
                self.verdict = GuardResult(blocks=(
                    READ_ONLY_BLOCK if self.read_only and op.mutating else NO_STATE_YET,))
            else:
                self.verdict = op.guard(snap, read_only=self.read_only,
                                        connected_node_id=snap.local_node_id or None)
        except Exception as exc:  # a guard must never take the screen down
            self.verdict = GuardResult(blocks=(f"cannot check this change: {exc}",))
        if op.checks_io and self.verdict.allowed:
            self.verdict = self.verdict + self._io_found(op)
        v = self.verdict
        self.query_one("#ops-title", Static).update(display_title(op))
        self._show_cli()
        self._show_preview(tuple(v.preview))
        warn = self.query_one("#ops-warnings", Static)
        warn.update(mark_lines("⚠", v.warnings, "bold"))
        warn.set_class(not v.warnings, "empty")
        blocks = self.query_one("#ops-blocks", Static)
        if self.idle:  # "nothing to do: web already has 3 replicas"
            blocks.update(mark_lines("•", [b[:1].upper() + b[1:] for b in v.blocks], ""))
        else:
            blocks.update(mark_lines("✖ Blocked:", v.blocks, "bold"))
        blocks.set_class(not v.blocks, "empty")
        blocks.set_class(self.idle, "idle")
        alerts = (v.warnings, v.blocks)
        if (v.warnings or v.blocks) and alerts != self._shown_alerts:  # new: in view
            self.call_after_refresh(self._alerts_into_view, blocks if v.blocks else warn)
        self._shown_alerts = alerts
        if op.confirm_text is not None:
            self.query_one("#ops-typed-label", Static).update(
                f"This cannot be undone. Type {op.confirm_text} to confirm:")
        self._update_button()

    # ------------------------------------------------------- the commands
    def _cli_label(self) -> str:
        hosts = self.operation.hosts
        if hosts:  # a host procedure: shell run over SSH, not a docker CLI line
            return f"Commands run on {', '.join(hosts)} over SSH:"
        return "Equivalent docker CLI:"

    @property
    def folds(self) -> bool:
        """A script too long to read in the dialog (a bootstrap's ~20 lines of shell): the
        steps under "What will happen" say it; the commands show on `v`."""
        cli = self.operation.cli  # a docker CLI line is the point of the dialog: never
        return bool(self.operation.hosts) and (
            cli.count("\n") + 1 > CLI_FOLD_LINES or len(cli) > CLI_FOLD_CHARS)

    def _show_cli(self) -> None:
        cli = redact(self.operation.cli)
        self.query_one("#ops-cli", Static).update(cli)
        folded = self.folds and not self.commands_shown
        self.query_one("#ops-cli", Static).display = not folded
        said = self.query_one("#ops-cli-folded", Static)
        said.display = folded
        if folded:
            said.update(f"{len(cli):,} characters of shell, hidden: “What will happen” says "
                        "what they do — v shows them")

    def action_toggle_commands(self) -> None:
        self.commands_shown = not self.commands_shown
        self._show_cli()
        body = self.query_one("#ops-body", VerticalScroll)
        self.call_after_refresh(body.scroll_home, animate=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_commands":
            return self.folds
        if action in ("confirm", "cancel"):
            return not self._idle_shown
        if action == "close":
            return self._idle_shown
        return super().check_action(action, parameters)

    def _alerts_into_view(self, target: Static) -> None:
        """New warnings or blocks scroll into view; the field being typed in stays in view
        too (a removal's typed name sits below the warnings)."""
        body = self.query_one("#ops-body", VerticalScroll)
        body.scroll_to_widget(target, animate=False, top=False)
        focused = self.focused
        if focused is not None and body in focused.ancestors:
            body.scroll_to_widget(focused, animate=False, top=False)

    def _io_found(self, op: Operation) -> GuardResult:
        """What check_io found for this CLI line; else ask it (debounced while typing)."""
        found = self._io.get(op.cli)
        if found is not None:
            return found
        if self._io_pending != op.cli:  # a new value: ask once typing pauses
            if self._io_timer is not None:
                self._io_timer.stop()
            self._io_pending = op.cli
            self._io_timer = self.set_timer(0.5, lambda: self._io_check(op))
        return GuardResult(preview=("checking the nodes and the registry…",))

    @work(thread=True, group="ops-io", exit_on_error=False)
    def _io_check(self, op: Operation) -> None:
        from swarmtui.ui.context import swarm_app

        store = swarm_app(self).store
        try:
            if store is None:
                raise RuntimeError("no connection")
            found = store.check(op)
        except Exception as exc:  # noqa: BLE001 - a lookup never takes the screen down
            found = GuardResult(warnings=(f"could not be checked: {redact(str(exc))}",))
        self.app.call_from_thread(self._io_done, op.cli, found)

    def _io_done(self, cli: str, found: GuardResult) -> None:
        self._io[cli] = found
        if self.is_mounted and self.operation.cli == cli:
            self._recheck()

    def _show_preview(self, preview: tuple[str, ...]) -> None:
        """One Static per line (a spec diff can be long: the box scrolls)."""
        idle = self.idle  # nothing to do: the line under it says so, not a "—" here too
        if (preview, idle) == self._shown_preview:
            return
        self._shown_preview = (preview, idle)
        box = self.query_one("#ops-preview", VerticalScroll)
        box.remove_children()
        box.mount_all([Static(mark_line("•", line)) for line in preview]
                      or ([] if idle else [Static("—", markup=False)]))

    def _update_button(self) -> None:
        go = self.query_one("#ops-go", Button)
        go.disabled = not self.can_confirm
        if self.idle:
            label = "Nothing to do"
        elif not self.verdict.allowed:
            label = "Blocked"
        elif not self.operation.confirmation_ok(self.typed):
            label = "Type the name to confirm"
        else:
            label = f"Confirm: {self.operation.name}"
        if str(go.label) != label:
            go.label = label
            go.styles.width = max(16, len(label) + 4)  # re-measured: never "Confirm:" cut
        if self.idle != self._idle_shown:  # the footer's keys and the buttons agree
            self._idle_shown = self.idle
            cancel = self.query_one("#ops-cancel", Button)
            cancel.label = "Close \\[Esc]" if self.idle else "Cancel \\[Esc]"
            self.refresh_bindings()

    def show_snapshot(self, snapshot: ClusterSnapshot, kinds: frozenset[str]) -> None:
        """The app hands the top screen every new snapshot: re-guard on live data."""
        self.snapshot = snapshot
        if self.query("#ops-title"):  # composed (a snapshot can arrive just before)
            self._recheck()

    # ------------------------------------------------------------- events
    @on(Input.Changed, "#ops-value")
    def _value_changed(self, event: Input.Changed) -> None:
        self.value = event.value
        self._rebuild()

    @on(Input.Changed, "#ops-typed")
    def _typed_changed(self) -> None:
        self.query_one("#ops-typed-error", Static).add_class("empty")
        self._update_button()

    @on(OptionList.OptionHighlighted, "#ops-choices")
    def _choice(self, event: OptionList.OptionHighlighted) -> None:
        self.value = event.option.id or ""
        self._rebuild()

    @on(OptionList.OptionSelected, "#ops-choices")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        """Enter on a choice: this one — confirmed at once when nothing is left to type
        (as Enter in a value field), else on to the typed name."""
        self.value = event.option.id or ""
        self._rebuild()
        if self.operation.confirm_text is None and self.can_confirm:
            self.action_confirm()
        else:
            self.focus_next_target()

    def focus_next_target(self) -> None:
        if self.operation.confirm_text is not None:
            self.query_one("#ops-typed", Input).focus()
        elif self.can_confirm:
            self.query_one("#ops-go", Button).focus()

    @on(Checkbox.Changed, "#ops-reveal")
    def _reveal_changed(self, event: Checkbox.Changed) -> None:
        self.query_one("#ops-value", Input).password = not event.value

    @on(Checkbox.Changed, "#ops-force")
    def _force_changed(self, event: Checkbox.Changed) -> None:
        self.force = event.value
        self._rebuild()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "ops-value" and self.operation.confirm_text is not None:
            self.query_one("#ops-typed", Input).focus()
            return
        self.action_confirm()

    @on(Button.Pressed, "#ops-go")
    def _go(self) -> None:
        self.action_confirm()

    @on(Button.Pressed, "#ops-cancel")
    def _cancel(self) -> None:
        if self._idle_shown:
            self.action_close()
        else:
            self.action_cancel()

    def action_confirm(self) -> None:
        if not self.verdict.allowed:
            idle = self.idle
            self.notify("; ".join(self.verdict.blocks),
                        title="nothing is sent" if idle else "blocked: nothing is sent",
                        severity="information" if idle else "error")
            return
        need = self.operation.confirm_text
        if need is not None and not self.operation.confirmation_ok(self.typed):
            field = self.query_one("#ops-typed", Input)
            if not need.startswith(field.value.strip()):
                field.value = ""  # wrong, not just unfinished: start again
            field.focus()
            error = self.query_one("#ops-typed-error", Static)
            error.update(typed_mismatch(need))
            error.remove_class("empty")
            self.notify(f"type {need} exactly to confirm, or Escape to cancel",
                        severity="warning")
            return
        result = (self.operation, self.typed)
        self.dismiss(result)
        if self.on_confirmed is not None:
            self.app.call_later(self.on_confirmed, *result)

    def action_close(self) -> None:
        """Esc with nothing to do: nothing was to be sent, so nothing is said."""
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.notify("nothing was sent", title=f"Cancelled: {display_title(self.operation)}",
                    timeout=4)
        self.dismiss(None)

    # for tests and the help text
    def describe(self) -> dict[str, Any]:
        v = self.verdict
        return {"title": display_title(self.operation), "cli": self.operation.cli,
                "preview": v.preview, "warnings": v.warnings, "blocks": v.blocks,
                "can_confirm": self.can_confirm}
