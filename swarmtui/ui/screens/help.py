"""`?`: every binding of the screen underneath, grouped, with what it does.

Read from the live binding chain of that screen (app + screen + focused widgets), so
a `[keymap]` remap shows its new key. Bindings that only act on another pane (node
keys on the Services pane) are listed too, marked as such.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from swarmtui.ui.widgets.dialog import Dialog

#: binding-id prefix → group title (in this order)
GROUPS: dict[str, str] = {
    "pane": "Panes",
    "main": "This screen",
    "ops": "Node and service operations",
    "forms": "Create and edit",
    "wizard": "Wizards",
    "walkthrough": "Walkthrough and tour",
    "app": "Everywhere",
    "table": "Moving in the table",
}


@dataclass(frozen=True)
class HelpRow:
    group: str
    keys: str
    description: str
    binding_id: str
    #: False when the binding does nothing where the cursor is now (e.g. another pane)
    enabled: bool


def group_of(binding_id: str) -> str:
    prefix = binding_id.split(".", 1)[0] if binding_id else ""
    if prefix in GROUPS:
        return GROUPS[prefix]
    return prefix.replace("_", " ").capitalize() if prefix else "Other"


def _prefix_of(namespace: object) -> str:
    """Group for a binding without an id (Textual's own: focus, copy, scrolling)."""
    if isinstance(namespace, App | Screen):
        return "app"
    return "table"


def where(screen: Screen[Any]) -> str:
    """The screen in words ("the main screen", "the tokens screen")."""
    explicit = getattr(screen, "HELP_TITLE", None)
    if isinstance(explicit, str) and explicit:
        return explicit
    return "the " + re.sub(r"(?<!^)(?=[A-Z])", " ", type(screen).__name__).lower()


def help_rows(screen: Screen[Any]) -> list[HelpRow]:
    """The bindings live on `screen`, one row per binding (its keys joined). A key that
    a nearer binding (the focused widget's, the screen's) answers is not listed again
    for the app: each key once."""
    app = screen.app
    by_id: dict[str, tuple[list[str], Binding, bool]] = {}
    order: list[str] = []
    claimed: dict[str, object] = {}  # key → the namespace whose live binding answers it
    for namespace, bindings in screen._modal_binding_chain:
        for key, binding in bindings:
            if binding.system and not binding.id:
                continue
            state = app._check_action_state(binding.action, namespace)
            owner = claimed.get(key)
            if owner is not None and owner is not namespace:
                continue  # shadowed: pressing the key runs the nearer binding
            if state is not False:
                claimed[key] = namespace
            ident = binding.id or f"{_prefix_of(namespace)}.{binding.action}"
            display = app.get_key_display(binding.with_key(key))
            if ident in by_id:
                keys, _b, enabled = by_id[ident]
                if display not in keys:
                    keys.append(display)
                continue
            by_id[ident] = ([display], binding, state is not False)
            order.append(ident)
    rows = []
    for ident in order:
        keys, binding, enabled = by_id[ident]
        text = binding.description or binding.action
        if binding.tooltip:
            text += f" — {binding.tooltip}"
        rows.append(HelpRow(group_of(ident), " ".join(keys), text, ident, enabled))
    rank = {title: n for n, title in enumerate(GROUPS.values())}
    rows.sort(key=lambda r: (rank.get(r.group, len(rank) - 1), r.group))
    return rows


def not_here(binding_id: str) -> str:
    """Why a listed key does nothing now: the panes it acts on, when it is a pane's key."""
    from swarmtui.ui.actions import BY_ID, pane_names

    a = BY_ID.get(binding_id)
    return f"on {pane_names(a)}" if a is not None and a.panes else "not here now"


#: terminal columns from which the binding id has a column of its own
WIDE = 110


class HelpScreen(Dialog[None]):
    """The help of the screen below: its bindings, grouped."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; min-width: 76; max-width: 110; height: 90%;
                                  border: tall $primary; background: $surface;
                                  padding: 0 1; }
    HelpScreen .help-title { text-style: bold; color: $primary; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close help", id="help.close"),
    ]

    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self.rows = help_rows(screen)
        self.title_text = f"Keys of {where(screen)}"

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(f"{self.title_text} · Esc closes · remap any key by its id in the "
                         "config's [keymap] table", classes="help-title", markup=False)
            yield Static(self._table(self._wide), id="help-table")

    @property
    def _wide(self) -> bool:
        """Room for the id in a column of its own; else it follows the description, dim
        (at 80 columns the id column took a third of the width and every line wrapped)."""
        return self.app.size.width >= WIDE

    def on_resize(self) -> None:
        table = self.query("#help-table").results(Static)
        for shown in table:
            shown.update(self._table(self._wide))

    def _table(self, wide: bool = True) -> Table:
        table = Table(box=None, expand=True, show_header=True, header_style="bold",
                      pad_edge=False)
        table.add_column("key", no_wrap=True, min_width=6)
        table.add_column("what it does" if wide else "what it does · its id", ratio=1)
        if wide:
            table.add_column("id", no_wrap=True, style="dim")
        group = None
        for row in self.rows:
            if row.group != group:
                group = row.group
                # the group's title where the text is: it would widen the key column
                table.add_row("", Text(group, style="bold underline"), *[""][:wide])
            desc = Text(row.description)
            if not row.enabled:
                desc.append(f"  ({not_here(row.binding_id)})", style="dim italic")
            if wide:
                table.add_row(Text(row.keys, style="bold"), desc, row.binding_id)
            else:
                desc.append(f"  {row.binding_id}", style="dim")
                table.add_row(Text(row.keys, style="bold"), desc)
        return table
