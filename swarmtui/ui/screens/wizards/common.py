"""Pieces every wizard shares: the base screen, masked secrets, the CLI preview, the
confirmation modal, and the audit journal for changes that are not `Operation`s.

Secrets (join tokens, unlock keys) live in `Secret` objects on the screen; a widget
renders them masked until the user reveals them. Nothing here puts a secret in a
notification, a log line, the journal or an exception message.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Static

from swarmtui import audit
from swarmtui.secrets import redact
from swarmtui.ui.context import swarm_app
from swarmtui.ui.flow.confirm import dialog_css, mark_line, see_through, typed_mismatch
from swarmtui.ui.widgets.footer import KeysFooter

if TYPE_CHECKING:
    from swarmtui.secrets import Secret
    from swarmtui.swarm.ops.base import Operation
    from swarmtui.swarm.ops.runner import Outcome

log = logging.getLogger("swarmtui.ui.wizards")

WIZARD_CSS = """
    WizardScreen { background: $background; }
    WizardScreen > VerticalScroll { padding: 0 1; }
    WizardScreen .wtitle { text-style: bold; color: $accent; margin: 1 0 0 0; }
    WizardScreen .whelp { color: $text-muted; }
    WizardScreen .section { text-style: bold; margin: 1 0 0 0; }
    WizardScreen .cli { background: $boost; color: $text; padding: 0 1; margin: 1 0 0 0; }
    WizardScreen .errors { color: $error; }
    WizardScreen .warn { color: $warning; }
    WizardScreen .status { margin: 1 0 0 0; }
    WizardScreen Horizontal { height: auto; }
    WizardScreen Input { width: 1fr; }
    WizardScreen .field-label { width: 24; padding: 1 1 0 0; }
    WizardScreen Button { margin: 1 1 0 0; }
    WizardScreen SecretLine { margin: 0 0 0 2; }
"""


def markup_escape(text: object) -> str:
    return escape(str(text))


class SecretLine(Static):
    """One line holding a secret: masked until `revealed` is set."""

    revealed: reactive[bool] = reactive(False)

    def __init__(self, label: str, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__("", id=id, markup=False)
        self.label = label
        self.masked_text = ""
        self._shown_text = ""

    def set_secret(self, masked: str, shown: str) -> None:
        """`masked`: what to show normally; `shown`: what to show once revealed."""
        self.masked_text = masked
        self._shown_text = shown
        self._paint()

    def clear(self) -> None:
        self.set_secret("", "")

    @property
    def secret_text(self) -> str:
        """The revealed text (for copying); never logged."""
        return self._shown_text

    def watch_revealed(self, _value: bool) -> None:
        self._paint()

    def _paint(self) -> None:
        text = self._shown_text if self.revealed else self.masked_text
        self.update(f"{self.label}: {text}" if text else f"{self.label}: —")


#: journal operation names → the walkthrough's explanation kinds
WALKTHROUGH_KINDS = {"swarm init": "init", "swarm leave": "leave", "bootstrap host": "join",
                     "force-new-cluster": "force-new-cluster", "unlock": "unlock"}


class WizardScreen(Screen[None]):
    """Base of the wizards: Escape closes; helpers to reach the engine and journal."""

    DEFAULT_CSS = WIZARD_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="wizard.close"),
    ]
    #: set by subclasses: True when the wizard changes the cluster (refused in read-only)
    MUTATING = True
    TITLE_TEXT = ""
    HELP_TEXT = ""

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(markup_escape(self.TITLE_TEXT), classes="wtitle", id="wizard-title")
            if self.HELP_TEXT:
                yield Static(markup_escape(self.HELP_TEXT), classes="whelp")
            yield from self.compose_body()
        yield KeysFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def action_close(self) -> None:
        self.dismiss(None)

    # ----------------------------------------------------------- the engine
    @property
    def read_only(self) -> bool:
        return swarm_app(self).read_only

    def engine_api(self) -> Any:
        """The app's blocking docker APIClient — call from thread workers only."""
        store = swarm_app(self).store
        if store is None:
            raise RuntimeError("there is no connection to a Docker engine")
        return store.api()

    def cluster_label(self) -> tuple[str, str]:
        store = swarm_app(self).store
        if store is None:
            return "", ""
        return store.label, store.view.endpoint or store.label

    def refresh_cluster(self) -> None:
        store = swarm_app(self).store
        if store is not None:
            store.request("all")

    def run_op(self, op: Operation, typed: str | None = None) -> Outcome:
        """guard → apply → journal with `swarm.ops.run_operation` (thread workers only)."""
        from swarmtui.swarm.ops.runner import run_operation

        cluster, endpoint = self.cluster_label()
        outcome = run_operation(self.engine_api(), op, read_only=self.read_only,
                                typed_confirmation=typed, cluster=cluster, endpoint=endpoint)
        if outcome.status != "refused":
            self._walkthrough(op.cli, op.name, outcome.status == "ok")
        return outcome

    def journal(self, operation: str, target: str, cli: str, result: str,
                error: str | None = None) -> str | None:
        """Journal a change that is not an Operation; returns a problem to show, if any."""
        cluster, endpoint = self.cluster_label()
        try:
            audit.record(audit.AuditEntry(operation=operation, target=target, cli=cli,
                                          result=result, error=redact(error) if error else None,
                                          cluster=cluster, endpoint=endpoint))
        except OSError as exc:
            return f"the audit journal could not be written: {exc.strerror or exc}"
        finally:
            self._walkthrough(cli, WALKTHROUGH_KINDS.get(operation, operation),
                              result == "ok" and error is None)
        return None

    def _walkthrough(self, cli: str, kind: str, ok: bool) -> None:
        """Show the change in the walkthrough panel (called from thread workers)."""
        from swarmtui.ui.walkthrough import record_action

        try:
            self.app.call_from_thread(record_action, self.app, redact(cli), kind, ok)
        except RuntimeError:  # already on the app's thread
            record_action(swarm_app(self), redact(cli), kind, ok)

    def say(self, widget_id: str, text: str, *, error: bool = False) -> None:
        """Show a (redacted) sentence in a status Static; safe from any thread via call."""
        w = self.query_one(f"#{widget_id}", Static)
        w.set_class(error, "errors")
        w.update(markup_escape(redact(text)))

    def ask_trust_callback(self) -> Any:
        """The app's host-key trust callback (the same prompt as everywhere)."""
        return swarm_app(self).trust_callback()

    def ssh_config_extra(self) -> list[str]:
        return swarm_app(self).ssh_config_files()


class ConfirmScreen(ModalScreen[bool]):
    """Show the docker CLI equivalent (and warnings) before a change; optionally make the
    user type a name. Dismisses with True to go ahead.

    For the swarm-level steps that are not `Operation`s (init, join, leave, force-new-
    cluster, unlock) and for the wizards' own Operations, whose results (new tokens, the
    old and new unlock key) belong on the wizard rather than in a progress dialog. It
    looks and answers like `ops.OpConfirmScreen`: the same dialog CSS, marks and
    typed-name message (`swarmtui.ui.ops.confirm`)."""

    DEFAULT_CSS = dialog_css("ConfirmScreen", "#confirm-dialog") + """
    ConfirmScreen #confirm-title { text-style: bold; margin-bottom: 1; }
    ConfirmScreen Input { margin-bottom: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="confirm.cancel"),
    ]

    def __init__(self, title: str, cli: str, *, warnings: Sequence[str] = (),
                 preview: Sequence[str] = (), typed: str | None = None,
                 go_label: str = "Go ahead") -> None:
        super().__init__()
        self.title_text = title
        self.cli = cli
        self.warnings = list(warnings)
        self.preview = list(preview)
        self.typed = typed
        self.go_label = go_label

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Static(self.title_text, id="confirm-title", markup=False)
            yield Static("Equivalent docker CLI:", classes="ops-label")
            yield Static(redact(self.cli), classes="ops-cli cli", id="confirm-cli",
                         markup=False)
            for line in self.preview:
                yield Static(mark_line("•", line))
            for line in self.warnings:
                yield Static(mark_line("⚠", line), classes="ops-warn warn")
            if self.typed is not None:
                yield Static(f"Type {self.typed} to confirm:", markup=False)
                yield Input(placeholder=self.typed, id="confirm-typed")
                yield Static("", id="confirm-error", classes="ops-error errors", markup=False)
            with Horizontal():
                yield Button(self.go_label, id="confirm-go", variant="warning")
                yield Button("Cancel [Esc]", id="confirm-cancel")

    def on_mount(self) -> None:
        see_through(self)
        if self.typed is not None:
            self.query_one("#confirm-typed", Input).focus()
        else:
            self.query_one("#confirm-cancel", Button).focus()

    @on(Button.Pressed, "#confirm-cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Input.Submitted, "#confirm-typed")
    @on(Button.Pressed, "#confirm-go")
    def _go(self) -> None:
        if self.typed is not None:
            field = self.query_one("#confirm-typed", Input)
            got = field.value.strip()
            if got != self.typed:
                field.value = ""
                field.focus()
                self.query_one("#confirm-error", Static).update(typed_mismatch(self.typed))
                return
        self.dismiss(True)


def copy_secret(screen: Screen[Any], text: str, what: str) -> None:
    """Copy to the terminal clipboard (OSC 52); the notification never holds the secret."""
    if not text:
        screen.notify(f"no {what} to copy yet", severity="warning")
        return
    screen.app.copy_to_clipboard(text)
    screen.notify(f"{what} copied to the clipboard (OSC 52)", title="copied")


def secret_value(secret: Secret | None) -> str:
    return secret.reveal() if secret is not None else ""
