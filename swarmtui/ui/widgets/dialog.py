"""Dialog: a modal screen with a footer of its own.

A ModalScreen lets the screen beneath show through, its footer included: under the
rotate-tokens confirmation that footer offered "w Copy worker", a key the dialog does
not pass on. A dialog's own footer covers that row and offers only the keys that work
in the dialog (its bindings, its focused widget's, the app's)."""

from __future__ import annotations

from typing import TypeVar

from textual import events, on
from textual.screen import ModalScreen

from swarmtui.ui.widgets.footer import KeysFooter

ResultT = TypeVar("ResultT")


class Dialog(ModalScreen[ResultT]):
    """A modal screen whose footer shows the dialog's keys, not the keys beneath."""

    @on(events.Mount)
    def _mount_footer(self) -> None:
        self.mount(KeysFooter(compact=True))
