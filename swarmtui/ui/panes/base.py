"""The two declarations every pane module makes: its `Pane` (columns, rows, texts) and
its `Action`s (the registry entries of its keys). No widgets here; `ui/actions.py`
turns the actions into bindings, the footer, help, palette entries and refusals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from swarmtui.swarm.health import Health
from swarmtui.swarm.ops.base import Operation
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.ui.widgets.table import Column, Row

if TYPE_CHECKING:
    from textual.screen import Screen

    from swarmtui.ui.app import SwarmApp
    from swarmtui.ui.screens.main import MainScreen

#: what must hold before an action opens (checked by the registry, no I/O):
#: "connection" an engine is connected; "snapshot" the first snapshot arrived;
#: "manager" the engine is a swarm manager (when known); "not-in-swarm" it is not in one
Requirement = Literal["connection", "snapshot", "manager", "not-in-swarm"]


class RefusedError(Exception):
    """Raised by a handler: the action cannot open; the message says why (a toast)."""


@dataclass(frozen=True)
class ActionContext:
    """What a handler gets: the app, the main screen (None before it exists) and the
    key of the row under the cursor on the action's pane."""

    app: SwarmApp
    main: MainScreen | None
    selected: str | None
    action: Action

    @property
    def snapshot(self) -> ClusterSnapshot:
        snap = self.app.snapshot
        if snap is None:
            raise RefusedError("no cluster state yet: wait for the first refresh")
        return snap

    @property
    def screen(self) -> MainScreen:
        if self.main is None:
            raise RefusedError(f"{self.action.title}: open the main screen first")
        return self.main


Handler = Callable[[ActionContext], None]
#: the Operation an action would send, built from the selection (raises RefusedError when
#: nothing is selected)
Preview = Callable[[ActionContext], Operation]
#: a form's or a wizard's screen, from the app and the selected row's key
Factory = Callable[["SwarmApp", "str | None"], "Screen[Any]"]


def toggle_mark(ctx: ActionContext, key: str, pane: str) -> None:
    """space on a pane that marks rows: mark or unmark `key`. The cursor stays on it (a
    newcomer who saw it move on read the next row as the one marked, and drained it)."""
    main = ctx.screen
    marks = main.ops_marked
    if key in marks:
        marks.remove(key)
    else:
        marks.append(key)
    main.show_marks()


def opens(factory: Factory) -> Handler:
    """The handler of an action that opens a screen (a form, a wizard)."""
    def run(ctx: ActionContext) -> None:
        ctx.app.push_screen(factory(ctx.app, ctx.selected))

    return run


@dataclass(frozen=True)
class Action:
    """One user action, declared once."""

    #: the binding id (`[keymap]` remaps it; README and `?` show it)
    id: str
    title: str
    #: default key(s) in Textual's names ("d", "ctrl+d", "plus"); None: palette only
    key: str | None = None
    #: what it does; for a change, the docker CLI it equals (footer tooltip, help, palette)
    help: str = ""
    #: main-screen panes where the key is live; () = every pane
    panes: tuple[str, ...] = ()
    #: changes the cluster: refused in read-only mode before anything opens
    mutating: bool = False
    #: acts on the row under the cursor of its pane
    needs_selection: bool = False
    #: footer rank: 0 not in the footer; 1, 2, … kept in that order when the footer is narrow
    footer: int = 0
    #: what it opens (main-screen and palette actions)
    run: Handler | None = None
    #: app-level actions bind to the App's Textual action of this name instead ("quit")
    textual: str | None = None
    scope: Literal["main", "app"] = "main"
    #: listed in the command palette on every screen (forms, wizards); else only where
    #: its key is live
    palette: bool = False
    requires: tuple[Requirement, ...] = ()
    #: the would-be Operation, for the READ-ONLY notice and the journal's refused line
    preview: Preview | None = None
    #: a Textual priority binding (works while an input has focus)
    priority: bool = False


#: rows of a pane from a snapshot and its health (computed once, by the store)
RowsOf = Callable[[ClusterSnapshot, Health, datetime], list[Row]]


#: in a pane's `depends`: its rows show ages, rebuilt from every snapshot (its time moved)
CLOCK = "clock"


@dataclass(frozen=True)
class Pane:
    """One pane of the main screen."""

    kind: str
    label: str
    #: the singular for "no node matches …"
    noun: str
    columns: list[Column]
    #: the snapshot kinds its rows are built from (CLOCK: and the snapshot's time)
    depends: frozenset[str]
    #: what an empty pane says (an empty cluster, not a filter that matches nothing)
    empty: str
    rows: RowsOf
    count: Callable[[ClusterSnapshot], int]
    actions: tuple[Action, ...] = ()
    #: makes a `rows` of its own for a screen, one that keeps what it made (TaskRows)
    cached: Callable[[], RowsOf] | None = None

    def rows_maker(self) -> RowsOf:
        """What a screen builds this pane's rows with: `cached()` where there is one."""
        return self.cached() if self.cached is not None else self.rows


def yes(flag: bool) -> str:
    return "true" if flag else "false"
