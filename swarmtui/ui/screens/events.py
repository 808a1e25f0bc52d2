"""The events pane: the swarm's events and the task changes seen between polls, live.

The lines are the store's event log (bounded; `Store.events`), newest first. `/`
filters them (any column), enter opens the object a line names if it still exists,
Escape goes back. The log is read again on each snapshot and on a short timer, so
an event shows even when no re-list follows it.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.binding import BindingType

from swarmtui.swarm.eventlog import EventLine
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.ui.panes.tasks import STATE_TAG
from swarmtui.ui.screens.filtered import FilteredTableScreen, filter_bindings
from swarmtui.ui.widgets.table import Column, KeyedTable, Row

COLUMNS = [
    Column("at", "TIME", 0, 8, 8),
    Column("kind", "KIND", 1, 4, 7),
    Column("name", "NAME", 0, 6, 40),
    Column("action", "ACTION", 0, 6, 10),
    Column("change", "CHANGE", 2, 10, 300, grow=True),
]
ACTION_TAG = {"create": "task-running", "remove": "task-shutdown"}
#: the snapshot kind of an event line's object (enter opens it)
OPENS = {"node": "nodes", "service": "services", "task": "tasks", "network": "networks"}


def event_row(number: int, line: EventLine) -> Row:
    tag = STATE_TAG.get(line.action) if line.kind == "task" else ACTION_TAG.get(line.action)
    return Row(str(number), (line.at.strftime("%H:%M:%S"), line.kind, line.name, line.action,
                             line.change),
               (None, None, None, tag, "task-failed" if tag == "task-failed" else None),
               problem=tag == "task-failed", rank=-number)


class EventsScreen(FilteredTableScreen):
    BINDINGS: ClassVar[list[BindingType]] = filter_bindings("events.filter")
    kind = "events"
    table_kind = "events"
    table_title = ("swarm events and task changes, newest first "
                   "(nodes, services, networks, secrets, configs; tasks between polls)")
    filter_placeholder = "filter events: lines holding the text (Esc clears)"

    def __init__(self, object_id: str = "") -> None:
        super().__init__(object_id)
        self._seen = -1
        self._lines: dict[str, EventLine] = {}

    def columns(self) -> list[Column]:
        return COLUMNS

    def on_mount(self) -> None:
        super().on_mount()
        self.set_interval(0.5, self._poll_log)

    def _poll_log(self) -> None:
        store = self.swarm_app.store
        if store is not None and store.events_added != self._seen:
            self.refresh_from(self.swarm_app)

    def summary(self, snap: ClusterSnapshot, now: object) -> str | None:
        store = self.swarm_app.store
        added, lines = store.events() if store is not None else (0, [])
        return (f"[b $primary]events[/]        {added} seen since connecting; the last "
                f"{len(lines)} kept")

    def rows(self, snap: ClusterSnapshot, now: object) -> list[Row]:
        store = self.swarm_app.store
        if store is None:
            return []
        added, lines = store.events()
        self._seen = added
        self._lines = {str(added - i): line for i, line in enumerate(lines)}
        return [event_row(int(key), line) for key, line in self._lines.items()]

    def action_inspect(self) -> None:
        line = self._lines.get(self.query_one("#detail-table", KeyedTable).cursor_key or "")
        if line is not None:
            self.swarm_app.open_inspect(line.kind + "s", line.object_id)

    @on(KeyedTable.Selected)
    def _selected(self, event: KeyedTable.Selected) -> None:
        event.stop()
        line = self._lines.get(event.key)
        snap = self.swarm_app.snapshot
        kind = OPENS.get(line.kind, "") if line is not None else ""
        if line is None or snap is None or line.object_id not in getattr(snap, kind, {}):
            self.notify("that object no longer exists (or has no detail screen)",
                        severity="warning")
            return
        self.swarm_app.open_object(kind, line.object_id)
