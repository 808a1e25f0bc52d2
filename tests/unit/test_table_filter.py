"""RowFilter (ui/widgets/table_filter.py): the keys a filter lets through, in order — the
same whether found by a full search, within a shorter text's matches, or kept from a
keystroke before (a backspace)."""

from __future__ import annotations

from swarmtui.ui.widgets.table_filter import RowFilter
from swarmtui.ui.widgets.table_model import Row


def rows() -> list[Row]:
    names = ["pend0001", "pend0010", "web.1", "pend0100", "db.1", "PEND0002"]
    return [Row(f"k{i}", (name, "node1" if i % 2 else "node2"), problem=i == 2,
                history=i == 3) for i, name in enumerate(names)]


def full_search(rs: list[Row], needle: str, flags: tuple[bool, bool]) -> list[str]:
    problems, no_history = flags
    return [r.key for r in rs if needle in r.haystack()
            and (not problems or r.problem) and not (no_history and r.history)]


def test_no_filter_is_every_row_in_order() -> None:
    rs = rows()
    f = RowFilter()
    assert f.keys(rs, "", (False, False)) == [r.key for r in rs]
    f.prime(rs, RowFilter.texts(rs))
    assert f.keys(rs, "", (False, False)) == [r.key for r in rs]


def test_typing_and_erasing_finds_what_a_full_search_finds() -> None:
    rs = rows()
    f = RowFilter()
    f.prime(rs, RowFilter.texts(rs))
    for flags in ((False, False), (True, False), (False, True)):
        typed = "pend00"
        for n in [*range(1, len(typed) + 1), *range(len(typed) - 1, 0, -1)]:
            assert f.keys(rs, typed[:n], flags) == full_search(rs, typed[:n], flags), (n, flags)
    assert f.keys(rs, "node1", (False, False)) == ["k1", "k3", "k5"]  # any column
    assert f.keys(rs, "pend0002", (False, False)) == ["k5"]  # the text is lower-cased


def test_a_new_list_of_rows_is_searched_not_the_old_ones_matches() -> None:
    f = RowFilter()
    old = rows()
    f.prime(old, RowFilter.texts(old))
    assert f.keys(old, "web", (False, False)) == ["k2"]
    new = [Row("n1", ("web.2", "node3")), *old[:2]]
    assert f.keys(new, "web", (False, False)) == ["n1"]
    assert f.keys(new, "", (False, False)) == ["n1", "k0", "k1"]


def test_only_the_last_few_filters_are_kept() -> None:
    rs = rows()
    f = RowFilter()
    f.prime(rs, RowFilter.texts(rs))
    for n in range(RowFilter.KEPT + 5):
        f.keys(rs, f"x{n}", (False, False))
    assert len(f._matched) == RowFilter.KEPT
    assert f.keys(rs, "pend", (False, False)) == full_search(rs, "pend", (False, False))
