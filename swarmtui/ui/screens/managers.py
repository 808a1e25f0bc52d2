"""Connected to a worker: pick one of the managers it knows, and go there."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.markup import escape
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from swarmtui.ui.widgets.dialog import Dialog


class ManagerPickerScreen(Dialog[str | None]):
    """The manager addresses a worker knows (docker info → Swarm.RemoteManagers)."""

    DEFAULT_CSS = """
    ManagerPickerScreen { align: center middle; }
    ManagerPickerScreen > Vertical { width: 70; height: auto; border: thick $primary;
                                     padding: 1 2; background: $surface; }
    ManagerPickerScreen OptionList { height: auto; max-height: 12; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="managers.cancel"),
    ]

    def __init__(self, worker: str, addresses: list[str]) -> None:
        super().__init__()
        self.worker = worker
        self.addresses = addresses

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"[b]{escape(self.worker)} is a worker.[/b] Workers cannot show the "
                         "cluster. Connect to one of the managers it knows (the same way in: "
                         "user, key and ssh_config as for this host):")
            yield OptionList(*[Option(escape(a), id=a) for a in self.addresses], id="managers")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(str(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)
