"""Drill-down screens: a node, a service, a task, a network, a stack. Escape goes back."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from swarmtui.swarm import health
from swarmtui.swarm.explain import explain_all
from swarmtui.swarm.fetch import FetchError
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.swarm.sync.view import LinkView
from swarmtui.ui import panes, summaries
from swarmtui.ui.panes.services import service_row
from swarmtui.ui.panes.tasks import STATE_TAG, task_rows
from swarmtui.ui.widgets.footer import KeysFooter
from swarmtui.ui.widgets.status import StatusBar
from swarmtui.ui.widgets.table import Column, KeyedTable, Row
from swarmtui.ui.widgets.text import HangingStatic, show_text

if TYPE_CHECKING:
    from swarmtui.ui.app import SwarmApp

ATTACHED_COLUMNS = [
    Column("name", "TASK", 0, 8, 45),
    Column("node", "NODE", 1, 5, 25),
    Column("address", "ADDRESS", 0, 9, 40, grow=True),
    Column("state", "STATE", 2, 7, 12),
]


class ObjectScreen(Screen[None]):
    """Base: a summary on top, optionally a table below; live from each snapshot."""

    DEFAULT_CSS = """
    ObjectScreen #summary-box { height: auto; max-height: 50%; background: $panel; }
    ObjectScreen.no-table #summary-box { height: 1fr; max-height: 100%; }
    ObjectScreen #summary { padding: 0 1; }
    ObjectScreen #table-title { background: $boost; color: $text-muted; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back", id="detail.back"),
        Binding("i", "inspect", "Inspect", id="detail.inspect"),
    ]
    kind = ""
    table_kind: str | None = "tasks"
    table_title = "tasks (newest first in each slot)"

    def __init__(self, object_id: str) -> None:
        super().__init__()
        self.object_id = object_id

    @property
    def swarm_app(self) -> SwarmApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="summary-box"):
            yield HangingStatic("", id="summary", indent=summaries.VALUE_COLUMN)
        if self.table_kind is not None:
            yield Static(self.table_title, id="table-title")
            yield KeyedTable(self.columns(), empty="none", id="detail-table")
        yield StatusBar(id="status")
        yield KeysFooter()

    def columns(self) -> list[Column]:
        return panes.COLUMNS[self.table_kind or "tasks"]

    def on_mount(self) -> None:
        if self.table_kind is None:
            self.add_class("no-table")
        else:
            self.query_one(KeyedTable).focus()
        self.refresh_from(self.swarm_app)

    def on_screen_resume(self) -> None:
        self.refresh_from(self.swarm_app)

    def refresh_from(self, app: SwarmApp) -> None:
        if app.store is not None:
            self.query_one(StatusBar).show(app.store.view)
        if app.snapshot is not None:
            self.show_snapshot(app.snapshot, frozenset(panes.COLUMNS))

    def show_link(self, view: LinkView) -> None:
        for bar in self.query(StatusBar):
            bar.show(view)

    def show_snapshot(self, snap: ClusterSnapshot, kinds: frozenset[str]) -> None:
        if not self.query("#summary"):
            return  # not composed yet: on_mount catches up
        now = self.swarm_app.clock()
        summary = self.summary(snap, now)
        if summary is None:
            summary = (f"[$error b]this {self.kind} no longer exists[/] "
                       f"(ID {self.object_id[:12]}): it was removed. Press Escape.")
        show_text(self.query_one("#summary", Static), summary)
        if self.table_kind is not None:
            with self.app.batch_update():
                self.query_one(KeyedTable).apply(self.rows(snap, now))

    def summary(self, snap: ClusterSnapshot, now: object) -> str | None:
        raise NotImplementedError

    def rows(self, snap: ClusterSnapshot, now: object) -> list[Row]:
        return []

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_inspect(self) -> None:
        table = self.query(KeyedTable)
        if table and table.first().has_focus and table.first().cursor_key and \
                self.table_kind in ("tasks", "services"):
            self.swarm_app.open_inspect(self.table_kind, table.first().cursor_key or "")
            return
        self.swarm_app.open_inspect(self.kind + "s", self.object_id)

    @on(KeyedTable.Selected)
    def _selected(self, event: KeyedTable.Selected) -> None:
        if self.table_kind in ("tasks", "services"):
            self.swarm_app.open_object(self.table_kind, event.key)


class NodeScreen(ObjectScreen):
    kind = "node"
    table_title = "tasks on this node (history included)"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "host", "Host", id="node.host"),
        Binding("F", "fix", "Fix", id="node.fix"),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "fix":  # in the footer only when the node doctor found a fix
            snap = self.swarm_app.snapshot
            cause = snap.causes.get(self.object_id, "") if snap is not None else ""
            return any(cause.startswith(c) for c in summaries.FIX_HINTS)
        return super().check_action(action, parameters)

    def show_snapshot(self, snap: ClusterSnapshot, kinds: frozenset[str]) -> None:
        super().show_snapshot(snap, kinds)
        self.refresh_bindings()  # F shows once the doctor's cause is in

    def action_fix(self) -> None:
        """F: the Nodes pane's fix (start its engine, unlock it) for this node."""
        from swarmtui.ui.actions import open_action

        open_action(self.swarm_app, "ops.node_fix", self.object_id)

    def action_host(self) -> None:
        """v: the node's host view (containers, disk, versions, stats history)."""
        from swarmtui.ui.screens.nodehost import NodeHostScreen

        snap = self.swarm_app.snapshot
        node = snap.nodes.get(self.object_id) if snap is not None else None
        if node is not None:
            self.app.push_screen(NodeHostScreen(node.id, node.hostname, node.address))

    def summary(self, snap: ClusterSnapshot, now: object) -> str | None:
        node = snap.nodes.get(self.object_id)
        return summaries.node_summary(snap, node, now) if node else None  # type: ignore[arg-type]

    def rows(self, snap: ClusterSnapshot, now: object) -> list[Row]:
        return task_rows(snap, health.of(snap), now,  # type: ignore[arg-type]
                         tasks=snap.tasks_of_node(self.object_id))


class ServiceScreen(ObjectScreen):
    kind = "service"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("l", "logs", "Logs", id="service.logs"),
        Binding("H", "history", "Spec history", id="service.history"),
    ]

    def __init__(self, object_id: str) -> None:
        super().__init__(object_id)
        #: task ID → the last lines it wrote (or why they could not be read): the task
        #: behind a "keeps exiting" cause, read once per task
        self.last_lines: dict[str, list[str] | str] = {}

    def summary(self, snap: ClusterSnapshot, now: object) -> str | None:
        svc = snap.services.get(self.object_id)
        if svc is None:
            return None
        cause = explain_all(snap, now).get(svc.id)  # type: ignore[arg-type]
        task_id = cause.task_id if cause is not None else ""
        if task_id and task_id not in self.last_lines:
            self.last_lines[task_id] = "reading…"
            self._read_last_lines(task_id)
        return summaries.service_summary(snap, svc, now,  # type: ignore[arg-type]
                                         self.last_lines.get(task_id))

    @work(thread=True, exit_on_error=False, group="last-lines")
    def _read_last_lines(self, task_id: str) -> None:
        store = self.swarm_app.store
        try:
            if store is None:
                raise FetchError("not connected")
            lines: list[str] | str = store.task_logs(task_id)
        except FetchError as exc:
            lines = f"its logs could not be read: {exc}"
        self.app.call_from_thread(self._got_last_lines, task_id, lines)

    def _got_last_lines(self, task_id: str, lines: list[str] | str) -> None:
        self.last_lines[task_id] = lines
        self.refresh_from(self.swarm_app)

    def rows(self, snap: ClusterSnapshot, now: object) -> list[Row]:
        return task_rows(snap, health.of(snap), now,  # type: ignore[arg-type]
                         tasks=snap.tasks_of_service(self.object_id))

    def action_logs(self) -> None:
        self.swarm_app.open_logs(self.object_id)

    def action_history(self) -> None:
        from swarmtui.ui.screens.history import HistoryScreen

        self.app.push_screen(HistoryScreen(self.object_id))


class TaskScreen(ObjectScreen):
    kind = "task"
    table_kind = None
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("l", "logs", "Logs", id="task.logs"),
    ]

    def summary(self, snap: ClusterSnapshot, now: object) -> str | None:
        task = snap.tasks.get(self.object_id)
        return summaries.task_summary(snap, task, now) if task else None  # type: ignore[arg-type]

    def action_logs(self) -> None:
        self.swarm_app.open_task_logs(self.object_id)


class NetworkScreen(ObjectScreen):
    kind = "network"
    table_kind = "attached"
    table_title = "tasks attached (address on this network)"

    def columns(self) -> list[Column]:
        return ATTACHED_COLUMNS

    def summary(self, snap: ClusterSnapshot, now: object) -> str | None:
        net = snap.networks.get(self.object_id)
        return summaries.network_summary(snap, net, now) if net else None  # type: ignore[arg-type]

    def rows(self, snap: ClusterSnapshot, now: object) -> list[Row]:
        out = []
        for t in summaries.tasks_on_network(snap, self.object_id):
            addr = ""
            for att in t.networks:
                if att.network_id == self.object_id:
                    addr = ", ".join(att.addresses)
            out.append(Row(t.id, (snap.task_name(t), snap.node_hostname(t.node_id), addr,
                                  t.state), (None, None, None, STATE_TAG.get(t.state))))
        return out

    @on(KeyedTable.Selected)
    def _selected(self, event: KeyedTable.Selected) -> None:
        self.swarm_app.open_object("tasks", event.key)


class StackScreen(ObjectScreen):
    kind = "stack"
    table_kind = "services"
    table_title = "services of this stack"

    def summary(self, snap: ClusterSnapshot, now: object) -> str | None:
        services = snap.stacks.get(self.object_id)
        if not services:
            return None
        conv = sum(1 for s in services if s.converged)
        return (f"[b $primary]stack[/]         {self.object_id}\n"
                f"[b $primary]services[/]      {len(services)}, {conv} converged")

    def rows(self, snap: ClusterSnapshot, now: object) -> list[Row]:
        probs = health.of(snap)
        return [service_row(snap, s, probs) for s in snap.stacks.get(self.object_id, [])]

    def action_inspect(self) -> None:
        key = self.query_one(KeyedTable).cursor_key
        if key:
            self.swarm_app.open_inspect("services", key)


SCREENS: dict[str, type[ObjectScreen]] = {
    "nodes": NodeScreen, "services": ServiceScreen, "tasks": TaskScreen,
    "networks": NetworkScreen, "stacks": StackScreen,
}
