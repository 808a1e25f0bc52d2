"""Pieces every wizard shares: the base screen, masked secrets, and the one way a
wizard changes the cluster: `WizardScreen.change(op, …)`, the one confirmation and
progress of `swarmtui.ui.flow` (the one runner below: read-only, journal, redaction).

Secrets (join tokens, unlock keys) live in `Secret` objects on the screen; a widget
renders them masked until the user reveals them. Nothing here puts a secret in a
notification, a log line, the journal or an exception message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.markup import escape
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Static
from textual.widgets.button import ButtonVariant

from swarmtui.secrets import redact
from swarmtui.ui.context import swarm_app
from swarmtui.ui.typeahead import take_key
from swarmtui.ui.widgets.footer import KeysFooter

if TYPE_CHECKING:
    from swarmtui.secrets import Secret
    from swarmtui.swarm.ops.base import Operation
    from swarmtui.swarm.ops.runner import EngineSource, Outcome, Sent
    from swarmtui.swarm.sync.store import Store

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


def labelled(label: str, *widgets: Widget) -> Horizontal:
    """A form row: the field's label in the label column, then its widget(s)."""
    return Horizontal(Static(label, classes="field-label"), *widgets)


def act(label: str, button_id: str, variant: ButtonVariant = "primary", *,
        cli: bool = False, errors: bool = False) -> Iterator[Widget]:
    """A form's action: what it will send (the CLI line `#cli`, the form's errors
    `#form-errors`), its button, and the status line `say("status", …)` writes to."""
    if cli:
        yield Static("", id="cli", classes="cli")
    if errors:
        yield Static("", id="form-errors", classes="errors")
    yield Button(label, id=button_id, variant=variant)
    yield Static("", id="status", classes="status")


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


class WizardScreen(Screen[None]):
    """Base of the wizards: Escape closes; helpers to reach the engine and journal."""

    DEFAULT_CSS = WIZARD_CSS
    #: typing goes to the first field, not to the scrolling body around it
    AUTO_FOCUS = "Input, Select, TextArea, Checkbox, Button"
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

    def on_key(self, event: events.Key) -> None:
        take_key(self, event)

    # ----------------------------------------------------------- the engine
    @property
    def read_only(self) -> bool:
        return swarm_app(self).read_only

    def cluster_store(self) -> Store:
        """The app's store, for its reads of the engine (blocking: thread workers only)."""
        store = swarm_app(self).store
        if store is None:
            raise RuntimeError("there is no connection to a Docker engine")
        return store

    def refresh_cluster(self) -> None:
        store = swarm_app(self).store
        if store is not None:
            store.request("all")

    def change(self, op: Operation, on_sent: Callable[[Sent], None], *,
               source: EngineSource | None = None) -> None:
        """Confirm `op` (CLI line, guard verdict, typed name if dangerous), then send it
        through the one runner. `on_sent(sent)` shows the result on the wizard as soon
        as the runner answers; a change that went through closes its progress view, so
        the result (scrolled into view by `show_result`) is where the eye is."""
        from swarmtui.ui.flow import confirm_and_send, fixed

        self.app.push_screen(confirm_and_send(
            swarm_app(self), fixed(op, destructive=op.confirm_text is not None), on_sent=on_sent,
            source=source, close_when_done=True))

    def run_op(self, op: Operation) -> Outcome:
        """Send `op` through the one runner from a thread worker, with no dialog (for a
        step the wizard already asked about, e.g. labels typed for the new node)."""
        from swarmtui.swarm.ops.runner import send_operation
        from swarmtui.ui.flow import audit_labels
        from swarmtui.ui.walkthrough import record_action

        cluster, endpoint = audit_labels(swarm_app(self))
        sent = send_operation(swarm_app(self).store, op, read_only=self.read_only,
                              cluster=cluster, endpoint=endpoint)
        if sent.outcome.status != "refused":
            self.app.call_from_thread(record_action, self.app, redact(op.cli), op.name,
                                      sent.outcome.ok, op.hosts)
        return sent.outcome

    def said(self, sent: Sent) -> None:
        """The usual answer to a change: its sentence in #status, in view; re-list."""
        out = sent.outcome
        extra = f" ({out.journal_error})" if out.journal_error else ""
        self.show_result("status", f"{out.message}.{extra}" if out.ok else out.message + extra,
                         error=not out.ok)
        if out.ok:
            self.refresh_cluster()

    def show_result(self, widget_id: str, text: str, *, error: bool = False) -> None:
        """`say`, then scroll the wizard so that the sentence is at the top of the view,
        with what follows it (join commands, output) under it: in view at 80×24."""
        self.say(widget_id, text, error=error)
        widget = self.query_one(f"#{widget_id}", Static)
        for scroll in self.query(VerticalScroll):
            if widget in scroll.walk_children():
                self.call_after_refresh(scroll.scroll_to_widget, widget, animate=False,
                                        top=True)
                break

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


def copy_secret(screen: Screen[Any], text: str, what: str) -> None:
    """Copy to the terminal clipboard (OSC 52); the notification never holds the secret."""
    if not text:
        screen.notify(f"no {what} to copy yet", severity="warning")
        return
    screen.app.copy_to_clipboard(text)
    screen.notify(f"{what} copied to the clipboard (OSC 52)", title="copied")


class SecretsWizard(WizardScreen):
    """A wizard showing join commands (`#join-worker`, `#join-manager`) and the unlock key
    (`#unlock-key`) as SecretLines: one key reveals or masks them all, others copy one."""

    def action_toggle_reveal(self) -> None:
        for line in self.query(SecretLine):
            line.revealed = not line.revealed

    def action_copy(self, which: str) -> None:
        """`which`: "worker", "manager" (their join command) or "unlock-key"."""
        key = which == "unlock-key"
        line = self.query_one(f"#{which}" if key else f"#join-{which}", SecretLine)
        copy_secret(self, line.secret_text,
                    "the unlock key" if key else f"the {which} join command")


def secret_value(secret: Secret | None) -> str:
    return secret.reveal() if secret is not None else ""
