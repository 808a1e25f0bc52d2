"""Columns, rows and the column-fitting rule of KeyedTable (no widgets here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.cells import cell_len

GAP = 2


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
        return (self.cells == other.cells and self.tags == other.tags
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
    shown at all.
    """
    shown = [(i, c) for i, c in enumerate(columns) if natural[c.key] or not c.hide_empty]

    def need(c: Column) -> int:
        if c.grow:
            return min(max(c.min_width, cell_len(c.label)), natural[c.key])
        return natural[c.key]

    def total(cols: list[tuple[int, Column]]) -> int:
        return sum(need(c) for _, c in cols) + GAP * max(len(cols) - 1, 0) + 1

    while total(shown) > width:
        droppable = [(c.priority, i) for i, c in shown if c.priority > 0]
        if not droppable:
            break
        _, drop = max(droppable)
        shown = [(i, c) for i, c in shown if i != drop]
    widths = {i: need(c) for i, c in shown}
    spare = width - total(shown)
    grow = [i for i, c in shown if c.grow]
    if spare > 0 and grow:
        widths[grow[0]] += spare
    elif spare < 0:
        # even the essential columns do not fit: cut the widest
        for i, _c in sorted(shown, key=lambda ic: -widths[ic[0]]):
            cut = min(-spare, widths[i] - 3)
            if cut > 0:
                widths[i] -= cut
                spare += cut
            if spare >= 0:
                break
    return [(i, c, widths[i]) for i, c in shown]
