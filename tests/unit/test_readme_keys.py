"""README's keys table and the action registry say the same: each key the table lists
is a registry key where the table says (or a table's own: enter), and each registry key
is in the table (issue 16: every README key still does what the README says)."""

from __future__ import annotations

import re
from pathlib import Path

from textual.binding import Binding

from swarmtui.ui import actions
from swarmtui.ui.widgets.table import KeyedTable

README = Path(__file__).resolve().parents[2] / "README.md"
#: how the README writes a key → the registry's key name
SPELLED = {"+": "plus", "-": "minus", "/": "slash", ":": "colon", "?": "question_mark",
           "esc": "escape"}
#: keys of the tables themselves (move, drill down), not registry actions
TABLE_KEYS = {k for b in KeyedTable.BINDINGS if isinstance(b, Binding)
              for k in b.key.split(",")}
#: the table's "where" → the registry's pane (None: not a pane's key)
WHERE = {"everywhere": None, "wizards": None, "Nodes": "nodes", "Services": "services",
         "Tasks": "tasks", "Networks": "networks", "Stacks": "stacks"}


def readme_keys() -> list[tuple[str, str]]:
    """(where, key) for every key of README's keys table."""
    text = README.read_text()
    table = text.split("## Keys", 1)[1].split("\n\n| where | key | does |", 1)[1]
    table = table.split("\n\n", 1)[0]
    out: list[tuple[str, str]] = []
    where = ""
    for line in table.splitlines()[1:]:  # the |---| row first
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or set(cells[0]) <= {"-"} and cells[0]:
            continue
        where = cells[0] or where
        keys = re.findall(r"`([^`]+)`", cells[1])
        if "–" in cells[1] and len(keys) == 2:  # `1`–`5`
            keys = [str(n) for n in range(int(keys[0]), int(keys[1]) + 1)]
        out += [(where, SPELLED.get(k, k)) for k in keys]
    return out


def test_each_readme_key_is_a_registry_key_where_the_readme_says() -> None:
    listed = readme_keys()
    assert len(listed) > 40, listed
    wrong = []
    for where, key in listed:
        if key in TABLE_KEYS:
            continue
        assert where in WHERE, where
        pane = WHERE[where]
        found = [a for a in actions.ACTIONS if a.key and key in a.key.split(",")]
        if pane is not None:
            found = [a for a in found if pane in a.panes]
        if not found:
            wrong.append(f"{where}: `{key}`")
    assert not wrong, f"README keys the registry does not have there: {wrong}"


def test_each_registry_key_is_in_the_readme() -> None:
    listed = readme_keys()
    missing = []
    for a in actions.ACTIONS:
        if not a.key:
            continue
        wheres = {w for w, k in listed if k in a.key.split(",")}
        panes = {WHERE[w] for w in wheres}
        if not wheres or a.panes and None not in panes and not set(a.panes) & panes:
            missing.append(f"{a.id} ({a.key} on {', '.join(a.panes) or 'every pane'})")
    assert not missing, f"registry keys README's table does not list: {missing}"
