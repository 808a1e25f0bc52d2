"""Host-key trust: an unknown key asks (once / save / cancel); a changed key is refused."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.widgets import Button, Static

from swarmtui.ui.widgets.dialog import Dialog

if TYPE_CHECKING:
    from swarmtui.connect.hostkeys import HostKeyQuestion

MODAL_CSS = """
    align: center middle;
    & > Vertical {
        width: 90%; max-width: 100; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    & #title { text-style: bold; margin-bottom: 1; }
    & .fingerprint { color: $accent; text-style: bold; margin: 1 0; }
    & Horizontal { height: auto; margin-top: 1; }
    & Button { margin-right: 2; }
"""


class TrustScreen(Dialog[Any]):
    """Unknown SSH host key: show SHA256 fingerprint and key type; trust once / save / cancel."""

    DEFAULT_CSS = "TrustScreen {" + MODAL_CSS + "}"
    AUTO_FOCUS = "#cancel"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "decide('cancel')", "Cancel", id="trust.cancel"),
        Binding("o", "decide('once')", "Trust once", id="trust.once"),
        Binding("s", "decide('save')", "Trust and save", id="trust.save"),
    ]

    def __init__(self, question: HostKeyQuestion) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        q = self.question
        where = q.host if q.port == 22 else f"{q.host} port {q.port}"
        shown = f"{q.alias} ({where})" if q.alias and q.alias != q.host else where
        bits = f" {q.bits}-bit" if q.bits else ""
        with Vertical():
            yield Static(f"Unknown SSH host: {escape(shown)}", id="title")
            yield Static(
                f"This host's key is not in {escape(str(q.known_hosts))}, so swarmtui cannot "
                "tell whether it is really the machine you mean. Compare the fingerprint "
                "with the one its admin gives you (on the host: "
                "ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub).")
            yield Static(f"{escape(q.key_type)}{bits} key  {escape(q.fingerprint)}",
                         classes="fingerprint", id="fingerprint")
            with Horizontal():
                yield Button("Trust once \\[o]", id="once", variant="primary")
                yield Button("Trust and save \\[s]", id="save", variant="success")
                yield Button("Cancel \\[Esc]", id="cancel", variant="error")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_decide(event.button.id or "cancel")

    def action_decide(self, what: str) -> None:
        from swarmtui.connect.hostkeys import TrustDecision

        self.dismiss({"once": TrustDecision.ONCE, "save": TrustDecision.SAVE}.get(
            what, TrustDecision.CANCEL))


class RefusedScreen(Dialog[None]):
    """A CHANGED host key (or another refusal): said loudly; nothing here accepts it."""

    DEFAULT_CSS = "RefusedScreen {" + MODAL_CSS + "} RefusedScreen > Vertical " \
        "{ border: thick $error; } RefusedScreen #title { color: $error; }"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "close", "Close", id="refused.close"),
    ]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(escape(self.title_text), id="title")
            yield Static(escape(self.message), id="message")
            with Horizontal():
                yield Button("Close", id="close", variant="default")

    @on(Button.Pressed)
    def action_close(self) -> None:
        self.dismiss(None)
