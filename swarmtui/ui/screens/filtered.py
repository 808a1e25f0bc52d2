"""An object screen whose table `/` filters: a one-line box above the table, hidden until
`/`; enter in it goes back to the table, Escape clears and hides a typed filter before it
leaves the screen. The events pane and the placement map are such screens."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input

from swarmtui.ui.screens.detail import ObjectScreen
from swarmtui.ui.widgets.table import KeyedTable


def filter_bindings(filter_id: str) -> list[BindingType]:
    """A filtered screen's keys: `/` (keymap id `filter_id`) and Escape (clears, then back)."""
    return [
        Binding("slash", "filter", "Filter", id=filter_id),
        Binding("escape,backspace", "back", "Back", id="detail.back"),
    ]


class FilteredTableScreen(ObjectScreen):
    DEFAULT_CSS = """
    FilteredTableScreen #table-filter { display: none; height: 1; border: none; padding: 0 1; }
    FilteredTableScreen #table-filter.shown { display: block; }
    """
    #: what the filter box says while empty (set by each screen)
    filter_placeholder = "filter"

    def compose(self) -> ComposeResult:
        yield Input(placeholder=self.filter_placeholder, id="table-filter")
        yield from super().compose()

    def action_filter(self) -> None:
        box = self.query_one("#table-filter", Input)
        box.add_class("shown")
        box.focus()

    @on(Input.Changed, "#table-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_changed(event.value)

    def filter_changed(self, value: str) -> None:
        """The table shows the rows holding `value` in any column (a screen may filter
        otherwise: the placement map by name)."""
        self.query_one("#detail-table", KeyedTable).filter_text = value

    @on(Input.Submitted, "#table-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        self.query_one("#detail-table", KeyedTable).focus()

    def action_back(self) -> None:
        box = self.query_one("#table-filter", Input)
        if box.has_focus or box.value:
            box.value = ""
            box.remove_class("shown")
            self.query_one("#detail-table", KeyedTable).focus()
            return
        super().action_back()
