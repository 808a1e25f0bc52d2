"""KeyedTable: a virtual table keyed by Docker ID, diffed on refresh.

Textual's DataTable was measured here at 4.3 s to add 20,000 rows and 196 s to
remove 10,000 of them, so this table keeps rows in a dict keyed by ID and
renders only the lines on screen (Line API). A refresh is a diff: `apply(rows)`
replaces changed rows, adds new keys, removes gone ones, and rebuilds the
visible order (filter + sort) only when something changed. The cursor follows
its row's key and the scroll position stays where it was.

Columns give way by priority when the terminal is narrow: priority 0 columns
always show; higher numbers are dropped first.

By job: this module paints, scrolls and moves the cursor; the rows, their diff, sort and
natural widths are KeyedRows (table_rows.py); the filter's cache is RowFilter
(table_filter.py); columns, rows and the rules that need no widget are table_model.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.color import Color
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from swarmtui.ui.widgets.table_model import (
    GAP,
    Column,
    Prepared,
    Row,
    fit_columns,
    next_sort,
    sort_after_click,
    wrap_words,
)
from swarmtui.ui.widgets.table_rows import KeyedRows

__all__ = ["GAP", "Column", "KeyedTable", "Prepared", "Row", "fit_columns"]


#: a row's key in a message: always one (Selected), or None when there is no row
K = TypeVar("K", bound=str | None)


class RowMessage(Message, Generic[K]):
    """A message about one row of a KeyedTable (its key), the table being the control."""

    def __init__(self, table: KeyedTable, key: K) -> None:
        super().__init__()
        self.table = table
        self.key = key

    @property
    def control(self) -> KeyedTable:
        return self.table


class KeyedTable(KeyedRows, ScrollView, can_focus=True):
    """A fast, keyed, filterable, sortable table of rows."""

    DEFAULT_CSS = """
    KeyedTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        scrollbar-size-horizontal: 0;
        scrollbar-size-vertical: 1;
    }
    KeyedTable > .keyed-table--header {
        text-style: bold;
        color: $primary;
        background: $panel;
    }
    KeyedTable > .keyed-table--cursor {
        background: $primary 40%;
    }
    KeyedTable:focus > .keyed-table--cursor {
        background: $primary 70%;
        text-style: bold;
    }
    KeyedTable > .keyed-table--marked {
        background: $accent 30%;
        text-style: bold;
    }
    KeyedTable > .keyed-table--empty {
        color: $text-muted;
        text-style: italic;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "keyed-table--header", "keyed-table--cursor", "keyed-table--empty",
        "keyed-table--marked",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", show=False, id="table.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="table.up"),
        Binding("g,home", "cursor_top", "Top", show=False, id="table.top"),
        Binding("G,end", "cursor_bottom", "Bottom", show=False, id="table.bottom"),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False, id="table.page_down"),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False, id="table.page_up"),
        Binding("enter", "select", "Open", id="table.open"),
    ]

    class Selected(RowMessage[str]):
        """Enter (or a click on the cursor row) on a row."""

    class Highlighted(RowMessage[str | None]):
        """The cursor moved (None: no row under it)."""

    filter_text: reactive[str] = reactive("", init=False)
    problems_only: reactive[bool] = reactive(False, init=False)
    hide_history: reactive[bool] = reactive(False, init=False)

    def __init__(self, columns: Sequence[Column], *, empty: str = "nothing here",
                 noun: str = "row", default_sort: Callable[[Row], Any] | None = None,
                 name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._init_rows(columns, default_sort)
        self.empty_text = empty
        #: "node" for "no node matches …" when a filter hides every row
        self.noun = noun
        self.order: list[str] = []
        self.cursor_key: str | None = None
        self.cursor_index = 0
        #: the rows marked with space (their keys): a ● in the margin and their own colour
        self.marked: frozenset[str] = frozenset()
        self._layout: list[tuple[int, Column, int]] = []  # (column index, column, width)
        self._layout_width = -1
        self._styles: dict[str | None, Style] = {}
        #: the table's own rich style (Textual computes it over every ancestor: per line,
        #: a repaint of 40 lines spent more on it than on the lines themselves)
        self._base: Style | None = None
        self._dirty = False
        self.revision = 0  # bumps on every rebuild (tests and benchmarks wait on it)

    # ------------------------------------------------------------------ data
    # (the rows, their diff, sort and widths: KeyedRows, table_rows.py)
    def _schedule(self) -> None:
        if not self._dirty:
            self._dirty = True
            self.call_later(self._rebuild)

    def _rebuild(self, data: bool = True, order: bool = True) -> None:
        """Recompute the visible order. `data`: rows changed; `order`: the sort changed."""
        self._dirty = False
        had_rows = bool(self.order)
        if data or order or self._all_sorted is None:
            self._sort_all()
        if data:
            self._measure()
        self.order = self._visible(self._all_sorted or [])
        at = self._position(self.cursor_key)
        if at is not None:
            self.cursor_index = at
        else:
            # the row went away: stay at the same position
            self.cursor_index = max(0, min(self.cursor_index, len(self.order) - 1))
            self.cursor_key = self.order[self.cursor_index] if self.order else None
        if bool(self.order) != had_rows and self.is_attached:
            self.screen.refresh_bindings()  # the keys that need a row come or go
        self._scroll_height(len(self.order) + 1)
        self.revision += 1
        self._layout_width = -1
        self.refresh()

    def _scroll_height(self, lines: int) -> None:
        """The rows' count as the height to scroll through. The table is as big as its
        container makes it: only the scrollbar and the scroll offset follow, no layout —
        Textual's virtual_size lays the whole screen out on each change (each filter
        keystroke, each poll that adds a row). A scrollbar that comes or goes does."""
        size = Size(self.size.width, lines)
        if size != self.virtual_size:
            self.set_reactive(KeyedTable.virtual_size, size)
            self._scroll_update(size)

    def _position(self, key: str | None) -> int | None:
        """Where `key` is in the visible order (a C-speed scan: cheaper than keeping an
        index of 20,000 keys up to date on every keystroke)."""
        if key is None:
            return None
        try:
            return self.order.index(key)
        except ValueError:
            return None

    def _visible(self, rows: list[Row]) -> list[str]:
        """The keys the filter, the problems and the history toggles let through."""
        return self._filter.keys(rows, self.filter_text.lower().strip(),
                                 (self.problems_only, self.hide_history))

    # ---------------------------------------------------------------- layout
    def layout_for(self, width: int) -> list[tuple[int, Column, int]]:
        """Which columns show at `width`, and how wide (see `fit_columns`)."""
        if not self._natural:
            self._measure()
        natural = self._natural
        if self.sort_by is not None and self.sort_by[0] in natural:
            # room for the header's sort mark (" ▲"), so the header is not cut
            natural = {**natural, self.sort_by[0]: natural[self.sort_by[0]] + 2}
        return fit_columns(self.columns, natural, width)

    def shown_columns(self) -> list[str]:
        return [c.key for _, c, _ in self._current_layout()]

    def _current_layout(self) -> list[tuple[int, Column, int]]:
        width = self.scrollable_content_region.width or self.size.width
        if width != self._layout_width:
            self._layout = self.layout_for(width)
            self._layout_width = width
        return self._layout

    def on_resize(self, event: events.Resize) -> None:
        self._layout_width = -1
        self.virtual_size = Size(event.size.width, len(self.order) + 1)

    # ---------------------------------------------------------------- styles
    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _t: self._reset_styles())
        if self._dirty or not self.order:
            self._rebuild()

    def _reset_styles(self) -> None:
        self._styles = {}
        self._base = None
        self.refresh()

    def _tag_style(self, tag: str | None) -> Style:
        style = self._styles.get(tag)
        if style is None:
            style = Style()
            if tag:
                value = self.app.get_css_variables().get(tag)
                if value:
                    try:
                        style = Style(color=Color.parse(value).rich_color)
                    except Exception:  # a theme variable that is not a colour: no style
                        style = Style()
            self._styles[tag] = style
        return style

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = {}
        self._base = None

    # --------------------------------------------------------------- render
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width or self.size.width
        layout = self._current_layout()
        base = self._base
        if base is None:
            base = self._base = self.rich_style
        if y == 0:
            header = self.get_component_rich_style("keyed-table--header")
            cells: list[tuple[str, int, bool, str | None]] = []
            for _i, c, w in layout:
                label = c.label
                if self.sort_by and self.sort_by[0] == c.key:
                    label += " ▼" if self.sort_by[1] else " ▲"
                cells.append((label, w, c.right, None))
            return self._strip(cells, width, base + header)
        index = int(self.scroll_offset.y) + y - 1
        if not self.order:
            lines = self.empty_lines(width)
            if 1 <= y <= len(lines):
                empty = self.get_component_rich_style("keyed-table--empty")
                return Strip([Segment(set_cell_size(lines[y - 1], width), base + empty)], width)
            return Strip.blank(width, base)
        if index >= len(self.order):
            return Strip.blank(width, base)
        row = self.rows[self.order[index]]
        style = base
        marked = row.key in self.marked
        if marked:
            style = base + self.get_component_rich_style("keyed-table--marked")
        if index == self.cursor_index:
            style = style + self.get_component_rich_style("keyed-table--cursor")
        cells = []
        for i, c, w in layout:
            text = row.cells[i] if i < len(row.cells) else ""
            if c.short is not None and cell_len(text) > w:
                text = c.short(text)
            tag = row.tags[i] if i < len(row.tags) else None
            cells.append((text, w, c.right, tag))
        return self._strip(cells, width, style, cursor=index == self.cursor_index,
                           margin="●" if marked else " ")

    def mark(self, keys: Iterable[str]) -> None:
        """Show these rows as marked (the others not)."""
        marked = frozenset(keys)
        if marked != self.marked:
            self.marked = marked
            self.refresh()

    def _strip(self, cells: list[tuple[str, int, bool, str | None]], width: int,
               style: Style, cursor: bool = False, margin: str = " ") -> Strip:
        segs: list[Segment] = [Segment(margin, style)]
        used = 1
        for n, (text, w, right, tag) in enumerate(cells):
            if n:
                segs.append(Segment(" " * GAP, style))
                used += GAP
            if cell_len(text) > w:
                text = set_cell_size(text, max(w - 1, 0)) + "…" if w > 1 else text[:w]
            pad = w - cell_len(text)
            text = (" " * pad + text) if right else (text + " " * pad)
            cell_style = style + self._tag_style(tag) if tag else style
            if cursor and tag:
                cell_style = style + Style(color=self._tag_style(tag).color, bold=True)
            segs.append(Segment(text, cell_style))
            used += w
        if used < width:
            segs.append(Segment(" " * (width - used), style))
        return Strip(segs).crop(0, width)

    def empty_message(self) -> str:
        """What an empty view says: the pane's empty text, or why the rows are hidden."""
        if not self.rows:
            return self.empty_text
        hidden_by = []
        needle = self.filter_text.strip()
        if needle:
            hidden_by.append(f"no {self.noun} matches “{needle}”")
        if self.problems_only:
            hidden_by.append(f"no {self.noun} has a problem" if not needle
                             else "with a problem")
        if self.hide_history and not hidden_by:
            hidden_by.append(f"only replaced {self.noun}s (h shows the history)")
        return " ".join(hidden_by) + (" · Esc clears the filter" if needle else "")

    def empty_lines(self, width: int) -> list[str]:
        """The empty message wrapped at word boundaries (never cut mid-word)."""
        return wrap_words(self.empty_message(), width)

    # --------------------------------------------------------------- cursor
    @property
    def _page(self) -> int:
        return max(self.scrollable_content_region.height - 1, 1)

    def move_cursor_to(self, index: int) -> None:
        if not self.order:
            self.cursor_index, self.cursor_key = 0, None
            self.refresh()
            return
        index = max(0, min(index, len(self.order) - 1))
        self.cursor_index = index
        self.cursor_key = self.order[index]
        top = int(self.scroll_offset.y)
        if index < top:
            self.scroll_to(y=index, animate=False)
        elif index >= top + self._page:
            self.scroll_to(y=index - self._page + 1, animate=False)
        self.refresh()
        self.post_message(self.Highlighted(self, self.cursor_key))

    def keys_seen(self) -> list[str]:
        """The cursor's row, the marked ones, then the rows on screen top to bottom."""
        top = int(self.scroll_offset.y)
        shown = self.order[top:top + self._page]
        first = [self.cursor_key] if self.cursor_key is not None else []
        return list(dict.fromkeys([*first, *sorted(self.marked), *shown]))

    def select_key(self, key: str) -> bool:
        at = self._position(key)
        if at is not None:
            self.move_cursor_to(at)
            return True
        return False

    def action_cursor_down(self) -> None:
        self.move_cursor_to(self.cursor_index + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor_to(self.cursor_index - 1)

    def action_cursor_top(self) -> None:
        self.move_cursor_to(0)

    def action_cursor_bottom(self) -> None:
        self.move_cursor_to(len(self.order) - 1)

    def action_page_down(self) -> None:
        self.move_cursor_to(self.cursor_index + self._page)

    def action_page_up(self) -> None:
        self.move_cursor_to(self.cursor_index - self._page)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "select":  # Enter opens the row under the cursor: none, no Open
            return self.cursor_key is not None
        return super().check_action(action, parameters)

    def action_select(self) -> None:
        if self.cursor_key is not None:
            self.post_message(self.Selected(self, self.cursor_key))

    async def _on_click(self, event: events.Click) -> None:
        if event.y == 0:
            x = 1
            for _i, c, w in self._current_layout():
                if x <= event.x < x + w + GAP:
                    self.sort_on(c.key)
                    return
                x += w + GAP
            return
        index = int(self.scroll_offset.y) + event.y - 1
        if 0 <= index < len(self.order):
            if index == self.cursor_index and event.chain >= 2 and self.cursor_key:
                self.post_message(self.Selected(self, self.cursor_key))
            self.move_cursor_to(index)

    # ------------------------------------------------------- filter / sort
    def watch_filter_text(self) -> None:
        self._rebuild(data=False, order=False)

    def watch_problems_only(self) -> None:
        self._rebuild(data=False, order=False)

    def watch_hide_history(self) -> None:
        self._rebuild(data=False, order=False)

    def sort_on(self, column: str) -> None:
        """Sort on a column; again → reversed; a third time → the default order."""
        self.sort_by = sort_after_click(self.sort_by, column)
        self._rebuild(data=False)

    def cycle_sort(self) -> str:
        """Next sort column among those shown (for the `s` key); returns its label."""
        shown = self._current_layout()
        keys = [c.key for _, c, _ in shown]
        if not keys:
            return ""
        self.sort_by = next_sort(self.sort_by, keys)
        self._rebuild(data=False)
        if self.sort_by is None:
            return "default order"
        return next(c.label for _, c, _ in shown if c.key == self.sort_by[0])

    def reverse_sort(self) -> None:
        if self.sort_by is not None:
            self.sort_by = (self.sort_by[0], not self.sort_by[1])
            self._rebuild(data=False)

    # --------------------------------------------------------------- queries
    def visible_cells(self, key: str) -> dict[str, str]:
        row = self.rows[key]
        return {c.key: row.cells[i] for i, c in enumerate(self.columns)}

    def visible_text(self) -> str:
        """The rows on screen as text (for tests)."""
        lines = []
        for y in range(self.scrollable_content_region.height):
            lines.append("".join(seg.text for seg in self.render_line(y)))
        return "\n".join(lines)
