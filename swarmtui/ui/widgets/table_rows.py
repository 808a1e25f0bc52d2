"""KeyedRows: the data half of KeyedTable — its rows by key, their sorted order, the
columns' natural widths, and what a refresh's diff (`prepare`, in a thread worker) may
start from so that a poll which moved only ages re-sorts and re-measures nothing.
No widget here: KeyedTable (table.py) paints, scrolls and moves the cursor."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from swarmtui.swarm.sync.uiturn import stepping
from swarmtui.ui.widgets.table_filter import RowFilter
from swarmtui.ui.widgets.table_model import (
    Column,
    Prepared,
    Row,
    column_index,
    natural_after,
    natural_widths,
    sort_key,
    sort_rows,
)


class KeyedRows:
    """The rows of a KeyedTable and their bookkeeping (mixed into the widget)."""

    if TYPE_CHECKING:  # the widget's (KeyedTable)
        cursor_key: str | None

        def _rebuild(self, data: bool = True, order: bool = True) -> None: ...

        def _schedule(self) -> None: ...

    def _init_rows(self, columns: Sequence[Column],
                   default_sort: Callable[[Row], Any] | None) -> None:
        self.columns: list[Column] = list(columns)
        self.default_sort = default_sort
        self.rows: dict[str, Row] = {}
        #: (column key, reverse) or None for the default order
        self.sort_by: tuple[str, bool] | None = None
        self._natural: dict[str, int] = {}
        self._all_sorted: list[Row] | None = None
        #: what `prepare` may start from: the rows (dict) the sorted list and the natural
        #: widths were made of, with the sort state; and the list last diffed in
        self._sorted_of: tuple[dict[str, Row], list[Row], tuple[Any, Any]] | None = None
        self._natural_of: tuple[dict[str, Row], dict[str, int]] | None = None
        self._source: tuple[object, dict[str, Row]] | None = None
        #: the sorted rows' haystacks, and the last filter's matches (KeyedTable._visible)
        self._filter = RowFilter()

    def apply(self, rows: Iterable[Row]) -> bool:
        """Diff `rows` into the table; return True when anything changed."""
        return self.apply_prepared(self.prepare(rows))

    def prepare(self, rows: Iterable[Row]) -> Prepared:
        """The costly half of `apply` — diff, sort, column widths — safe to run in a
        thread worker (it only reads the table); `apply_prepared` then swaps it in on the
        UI thread. At 20,000 rows this keeps a poll from stalling keystrokes.

        The very list diffed in last time changes nothing. When the same keys come back
        and the changed rows sort as before (an age moved), the order is the last one's
        and the widths are measured over the changed rows only."""
        base = self.rows
        sort_state = (self.sort_by, self.default_sort)
        last = self._source
        if last is not None and last[0] is rows and last[1] is base:
            return Prepared(base, base, rows, False, sort_state, None, None)
        # a list is kept to be known again; never a generator (its frame holds a snapshot)
        source = rows if isinstance(rows, list) else None
        new: dict[str, Row] = {}
        changes: list[tuple[Row, Row]] = []
        added = False
        for row in stepping(rows, 1024):  # the UI thread's turn first (uiturn)
            new[row.key] = row
            prev = base.get(row.key)
            if prev is None:
                added = True
            elif prev is not row and not prev.same(row):
                changes.append((prev, row))
        same_keys = not added and len(new) == len(base)
        if same_keys and not changes:
            return Prepared(base, new, source, False, sort_state, None, None)
        ordered = natural = None
        if same_keys:
            ordered = self._reorder(base, new, changes, sort_state)
            measured = self._natural_of
            if measured is not None and measured[0] is base:
                natural = natural_after(self.columns, measured[1], changes)
        if ordered is None:
            ordered = self._sorted(new.values())
        return Prepared(base, new, source, True, sort_state, ordered,
                        self._natural_for(new.values()) if natural is None else natural,
                        RowFilter.texts(ordered))

    def _reorder(self, base: dict[str, Row], new: dict[str, Row],
                 changes: list[tuple[Row, Row]], sort_state: tuple[Any, Any]
                 ) -> list[Row] | None:
        """The last order with the new rows in it, when each changed row sorts as it did
        (else None: sort again)."""
        last = self._sorted_of
        if last is None or last[0] is not base or last[2] != sort_state:
            return None
        key = sort_key(self.columns, *sort_state)
        if any(key(old) != key(row) for old, row in changes):
            return None
        return [new[r.key] for r in last[1]]

    def apply_prepared(self, p: Prepared) -> bool:
        if p.base is not self.rows:
            # the table changed while the rows were prepared: diff again, here
            return self.apply(p.rows.values())
        self._source = (p.source, self.rows)
        if not p.changed:
            return False
        self.rows = p.rows
        if p.sort_state == (self.sort_by, self.default_sort) and p.ordered is not None \
                and p.natural is not None:
            self._all_sorted, self._natural = p.ordered, p.natural
            if p.texts is not None:
                self._filter.prime(p.ordered, p.texts)
            self._sorted_of = (p.rows, p.ordered, p.sort_state)
            self._natural_of = (p.rows, p.natural)
            self._rebuild(data=False, order=False)
        else:
            self._rebuild()
        self._source = (p.source, self.rows)
        return True

    def set_columns(self, columns: Sequence[Column]) -> None:
        """Other columns (the placement map's nodes when filtered): the rows, built for
        the old ones, go; `apply` the new rows next. The cursor's key is kept."""
        key = self.cursor_key
        self.columns = list(columns)
        self.rows = {}
        self._forget()
        self._rebuild()
        self.cursor_key = key  # found again among the rows applied next

    def add_row(self, row: Row) -> None:
        self.rows[row.key] = row
        self._forget()
        self._schedule()

    def remove_row(self, key: str) -> None:
        if self.rows.pop(key, None) is not None:
            self._forget()
            self._schedule()

    def _forget(self) -> None:
        """The rows changed in place: what `prepare` would start from no longer holds."""
        self._sorted_of = self._natural_of = self._source = None

    def update_cell(self, key: str, column: str, value: str) -> None:
        row = self.rows[key]
        i = self._column_index(column)
        cells = list(row.cells)
        cells[i] = value
        self.rows[key] = Row(key, tuple(cells), row.tags, row.problem, row.sort, row.rank,
                             row.history)
        self._forget()
        self._schedule()

    def _column_index(self, key: str) -> int:
        return column_index(self.columns, key)

    def _sort_all(self) -> None:
        self._all_sorted = self._sorted(self.rows.values())
        self._sorted_of = (self.rows, self._all_sorted, (self.sort_by, self.default_sort))

    def _sorted(self, rows_in: Iterable[Row]) -> list[Row]:
        return sort_rows(rows_in, self.columns, self.sort_by, self.default_sort)

    def _measure(self) -> None:
        self._natural = self._natural_for(self.rows.values())
        self._natural_of = (self.rows, self._natural)

    def _natural_for(self, rows: Iterable[Row]) -> dict[str, int]:
        return natural_widths(self.columns, rows)

