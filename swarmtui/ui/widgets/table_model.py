"""Columns, rows and the rules of KeyedTable that need no widget: column fitting, natural
widths, sort order, the empty message's wrapping."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import compress, zip_longest
from operator import is_not
from typing import Any

from rich.cells import cell_len

from swarmtui.swarm.sync.uiturn import step_aside, stepping

GAP = 2
#: the room a `grow` column (an ERROR) is given at the cost of the short forms of others
GROW_ROOM = 40


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    #: 0 = always shown; larger numbers give way first on narrow terminals
    priority: int = 1
    min_width: int = 3
    max_width: int = 40
    #: takes the spare width (one per table, usually the last text column)
    grow: bool = False
    right: bool = False
    #: not shown while no row has a value in it (live stats that are off or not in yet)
    hide_empty: bool = False
    #: a shorter form of a cell that is cut at the width it got ("Running 22s" for
    #: "Running 22 seconds ago" beside the side panels); None: cut it with "…"
    short: Callable[[str], str] | None = None
    #: the widest a `short` form is: a column too wide for the others makes do with it
    #: first, before the widest columns are cut
    short_width: int = 0
    #: a `grow` column whose text outranks the columns of a larger priority number: they
    #: give way while its text is cut (a failing task's ERROR over CPU and MEM at 80)
    outranks: bool = False


@dataclass(slots=True)
class Row:
    key: str
    cells: tuple[str, ...]
    #: per-cell semantic tag (a theme variable name such as "task-failed"), or None
    tags: tuple[str | None, ...] = ()
    #: a row with a problem (for the "problems only" toggle)
    problem: bool = False
    #: sort keys per column where the text does not sort right (ages, counts); else text
    sort: tuple[Any, ...] = ()
    #: the default order (the docker CLI's); None → by the first cell
    rank: Any = None
    #: an old row kept for the record (a replaced task): hidden by the history toggle
    history: bool = False
    _hay: str = field(default="", repr=False)

    def haystack(self) -> str:
        if not self._hay:
            self._hay = "\x00".join(self.cells).lower()
        return self._hay

    def same(self, other: Row) -> bool:
        return self is other or (self.cells == other.cells and self.tags == other.tags
                and self.problem == other.problem and self.sort == other.sort
                and self.rank == other.rank and self.history == other.history)


def fit_columns(columns: Sequence[Column], natural: dict[str, int],
                width: int) -> list[tuple[int, Column, int]]:
    """Which columns show at `width`, and how wide.

    A shown column gets its natural width (its header and its longest cell, up to its
    max_width), so neither is cut; only the `grow` column (free text: labels, errors,
    images) makes do with less, down to its min_width, and takes the spare width.
    Columns that do not fit give way in the order their priority sets (highest number
    first, the rightmost first on a tie). If even the priority-0 columns do not fit,
    the widest are cut. A `hide_empty` column with nothing in it (natural width 0) is not
    shown at all. An `outranks` grow column whose text is cut has the columns of a larger
    priority number give way to it too.
    """
    shown = [(i, c) for i, c in enumerate(columns) if natural[c.key] or not c.hide_empty]
    while _total(shown, natural) > width and (fewer := _give_way(shown, 0)) is not None:
        shown = fewer
    widths = _widths(columns, natural, width, shown)
    first = next(((i, c) for i, c in shown if c.grow and c.outranks), None)
    while first and widths[first[0]] < min(natural[first[1].key], GROW_ROOM) \
            and (fewer := _give_way(shown, first[1].priority)) is not None:
        shown = fewer
        widths = _widths(columns, natural, width, shown)
    return [(i, c, widths[i]) for i, c in shown]


def _give_way(shown: list[tuple[int, Column]],
              above: int) -> list[tuple[int, Column]] | None:
    """`shown` without the column that gives way first among those of a priority number
    over `above` (the highest, the rightmost on a tie); None when there is none."""
    droppable = [(c.priority, i) for i, c in shown if c.priority > above]
    if not droppable:
        return None
    _, drop = max(droppable)
    return [(i, c) for i, c in shown if i != drop]


def _need(c: Column, natural: dict[str, int]) -> int:
    if c.grow:
        return min(max(c.min_width, cell_len(c.label)), natural[c.key])
    return natural[c.key]


def _total(cols: list[tuple[int, Column]], natural: dict[str, int]) -> int:
    return sum(_need(c, natural) for _, c in cols) + GAP * max(len(cols) - 1, 0) + 1


def _widths(columns: Sequence[Column], natural: dict[str, int], width: int,
            shown: list[tuple[int, Column]]) -> dict[int, int]:
    """The width of each of the `shown` columns (see fit_columns)."""
    widths = {i: _need(c, natural) for i, c in shown}
    spare = width - _total(shown, natural)
    grow = [i for i, c in shown if c.grow]
    if spare > 0 and grow:
        widths[grow[0]] += spare
    want = min(natural[columns[grow[0]].key], GROW_ROOM) if grow else 0
    if spare >= 0 and grow and widths[grow[0]] < want:
        # the free text (an ERROR) is cut short: the columns with a short form take it and
        # give it the room ("Running 30m" beside "no suitable node (max replicas …")
        g = grow[0]
        for i, c in shown:
            if c.short is not None and c.short_width:
                give = min(want - widths[g],
                           max(widths[i] - max(c.short_width, cell_len(c.label)), 0))
                widths[i] -= give
                widths[g] += give
    if spare < 0:
        # even the essential columns do not fit: those with a short form take it first
        for i, c in shown:
            if c.short is not None and c.short_width:
                cut = min(-spare, max(widths[i] - max(c.short_width, cell_len(c.label)), 0))
                widths[i] -= cut
                spare += cut
        # then cut the widest
        for i, _c in sorted(shown, key=lambda ic: -widths[ic[0]]):
            if spare >= 0:
                break
            cut = min(-spare, widths[i] - 3)
            if cut > 0:
                widths[i] -= cut
                spare += cut
            if spare >= 0:
                break
    return widths


def natural_widths(columns: Sequence[Column], rows: Iterable[Row]) -> dict[str, int]:
    """Each column's width for its header and longest cell, within its min and max width
    (0: a `hide_empty` column with no cell to show)."""
    natural = {c.key: cell_len(c.label) for c in columns}
    filled = {c.key: not c.hide_empty for c in columns}
    for row in stepping(rows, 256):  # the UI thread's turn first (uiturn)
        for c, text in zip(columns, row.cells, strict=False):
            n = len(text)
            if n:
                filled[c.key] = True
            if n > natural[c.key]:
                natural[c.key] = n
    return {c.key: min(max(natural[c.key], c.min_width), c.max_width) if filled[c.key]
            else 0 for c in columns}


#: (column key, reversed) or None: the default order
SortBy = tuple[str, bool] | None


def column_index(columns: Sequence[Column], key: str) -> int:
    for i, c in enumerate(columns):
        if c.key == key:
            return i
    raise KeyError(key)


def sort_key(columns: Sequence[Column], sort_by: SortBy,
             default_sort: Callable[[Row], Any] | None = None) -> Callable[[Row], Any]:
    """What `sort_rows` orders by: a column (its sort keys where a row has them, else its
    text), else `default_sort`, else the rank (the docker CLI's order)."""
    if sort_by is not None:
        i = column_index(columns, sort_by[0])

        def key(r: Row) -> Any:
            if r.sort and i < len(r.sort) and r.sort[i] is not None:
                return (0, r.sort[i])
            return (1, r.cells[i].lower())

        return key
    if default_sort is not None:
        return default_sort
    return _by_rank


def _by_rank(r: Row) -> Any:
    return r.rank if r.rank is not None else (r.cells[0].lower(),)


def sort_rows(rows_in: Iterable[Row], columns: Sequence[Column], sort_by: SortBy,
              default_sort: Callable[[Row], Any] | None = None) -> list[Row]:
    """The rows in the order shown (see `sort_key`)."""
    rows = list(rows_in)
    step_aside()  # the sort holds the GIL throughout: after the UI thread's turn
    rows.sort(key=sort_key(columns, sort_by, default_sort),
              reverse=sort_by is not None and sort_by[1])
    return rows


def natural_after(columns: Sequence[Column], natural: dict[str, int],
                  changes: Sequence[tuple[Row, Row]]) -> dict[str, int] | None:
    """`natural_widths` of the rows once each (old, new) pair of `changes` is replaced,
    from the widths before (`natural`) — or None when it cannot tell without measuring
    every row again: an old cell that held its column's width got shorter, or a column
    hidden while empty may show or hide now.

    Column by column at C speed (the cells transposed, `map` of `is not`): when every
    task's age moved, 20,000 changes × 10 columns were 200,000 turns of a Python loop —
    most of the rows worker's prepare — where one column changed."""
    out = dict(natural)
    if not changes:
        return out
    olds = list(zip_longest(*(old.cells for old, _ in changes), fillvalue=""))
    news = list(zip_longest(*(new.cells for _, new in changes), fillvalue=""))
    blank = ("",) * len(changes)
    for i, c in enumerate(columns):
        was_col = olds[i] if i < len(olds) else blank
        now_col = news[i] if i < len(news) else blank
        moved = list(map(is_not, was_col, now_col))
        if not any(moved):
            continue
        was = list(compress(was_col, moved))
        lengths = list(map(len, compress(now_col, moved)))
        width = natural[c.key]
        if c.hide_empty and (any(lengths) if width == 0 else
                             any(w and not n for w, n in zip(was, lengths, strict=True))):
            return None  # an empty column gets a value, or maybe loses its last
        floor = min(max(cell_len(c.label), c.min_width), c.max_width)
        if width > floor and any(w >= width > n for w, n in zip(map(len, was), lengths,
                                                                 strict=True)):
            return None
        widest = max(lengths)
        if widest > width:
            out[c.key] = min(max(widest, c.min_width), c.max_width)
    return out


def sort_after_click(sort_by: SortBy, column: str) -> SortBy:
    """A column chosen: sort on it; again → reversed; a third time → the default order."""
    if sort_by is None or sort_by[0] != column:
        return (column, False)
    if not sort_by[1]:
        return (column, True)
    return None


def next_sort(sort_by: SortBy, keys: Sequence[str]) -> SortBy:
    """The `s` key: the next shown column (`keys`), the default order after the last."""
    if sort_by is None or sort_by[0] not in keys:
        return (keys[0], False)
    i = keys.index(sort_by[0])
    return (keys[i + 1], False) if i + 1 < len(keys) else None


def wrap_words(text: str, width: int) -> list[str]:
    """`text` wrapped at word boundaries (never cut mid-word), each line after a space."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if line and cell_len(candidate) + 1 > width:
            lines.append(f" {line}")
            line = word
        else:
            line = candidate
    if line:
        lines.append(f" {line}")
    return lines


@dataclass(frozen=True)
class Prepared:
    """Rows diffed, sorted and measured off the UI thread (`KeyedTable.prepare`)."""

    base: dict[str, Row]  # the table's rows the diff was made against
    rows: dict[str, Row]
    #: what the rows were made from (the list given to `prepare`)
    source: object
    changed: bool
    sort_state: tuple[Any, Any]
    ordered: list[Row] | None
    natural: dict[str, int] | None
    #: `ordered`'s lower-cased text, for the filter (table_filter.RowFilter.prime)
    texts: list[str] | None = None
