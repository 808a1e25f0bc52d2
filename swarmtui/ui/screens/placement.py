"""The placement map: one row per service, one column per node, each cell running/wanted.

The cells come from `swarm/placement_map.py` (once per snapshot). Nodes beyond the
terminal's width give way (the last nodes first); `/` filters by service name (or by
node name: that node's column and the services with a task there),
`enter` opens the service under the cursor. Escape goes back.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.binding import BindingType

from swarmtui.swarm import format as fmt
from swarmtui.swarm.placement_map import PlacementMap, placement_map
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.ui.screens.filtered import FilteredTableScreen, filter_bindings
from swarmtui.ui.widgets.table import Column, KeyedTable, Row

CELL_TAG = {"running": "task-running", "starting": "task-pending", "failing": "task-failed",
            "stopping": "task-shutdown"}


class PlacementScreen(FilteredTableScreen):
    BINDINGS: ClassVar[list[BindingType]] = filter_bindings("map.filter")
    kind = "placement"
    table_kind = "map"
    table_title = ("running/wanted tasks of each service on each node "
                   "(green running, yellow starting, red failing)")
    filter_placeholder = "filter by service or node name"

    def __init__(self, object_id: str = "") -> None:
        super().__init__(object_id)
        self._node_ids: tuple[str, ...] = ()
        #: the filter: services (or nodes: their columns) whose name holds it
        self.needle = ""

    def shown_map(self, snap: ClusterSnapshot) -> PlacementMap:
        """The map of the snapshot, filtered by name (a node's name keeps its column and
        the services with a task there)."""
        return placement_map(snap).filtered(snap, self.needle)

    def columns(self) -> list[Column]:
        snap = self.swarm_app.snapshot
        self._node_ids = self.shown_map(snap).nodes if snap is not None else ()
        cols = [Column("service", "SERVICE", 0, 10, 30), Column("pending", "PENDING", 1, 7, 7)]
        for i, nid in enumerate(self._node_ids):
            name = snap.nodes[nid].name if snap is not None else nid
            cols.append(Column(nid, name[:14], 2 + i, max(5, min(len(name), 14)), 14))
        return cols

    def show_snapshot(self, snap: ClusterSnapshot, kinds: frozenset[str]) -> None:
        if self.query("#detail-table") and self.shown_map(snap).nodes != self._node_ids:
            self.query_one("#detail-table", KeyedTable).set_columns(self.columns())
        super().show_snapshot(snap, kinds)

    def summary(self, snap: ClusterSnapshot, now: object) -> str | None:
        m = placement_map(snap)
        failing = sum(1 for c in m.cells.values() if c.state == "failing")
        unplaced = sum(m.unplaced.values())
        return (f"[b $primary]placement[/]     {fmt.count(len(m.services), 'service')} × "
                f"{fmt.count(len(m.nodes), 'node')}; {fmt.count(failing, 'cell')} failing; "
                f"{fmt.count(unplaced, 'task')} on no node (PENDING)")

    def rows(self, snap: ClusterSnapshot, now: object) -> list[Row]:
        m = self.shown_map(snap)
        out = []
        for sid in m.services:
            cells = [m.cell(sid, nid) for nid in m.nodes]
            pending = m.unplaced.get(sid, 0)
            out.append(Row(
                sid,
                (snap.services[sid].name, str(pending) if pending else "",
                 *(c.text if c else "·" for c in cells)),
                (None, "task-pending" if pending else None,
                 *(CELL_TAG[c.state] if c else "muted" for c in cells)),
                problem=bool(pending) or any(c is not None and c.state != "running"
                                             for c in cells),
            ))
        return out

    def filter_changed(self, value: str) -> None:
        """The map is filtered by name, not by cell text: the rows (and the node columns)
        are rebuilt; the summary (the whole map) stays."""
        self.needle = value.strip()
        snap = self.swarm_app.snapshot
        if snap is None:
            return
        table = self.query_one("#detail-table", KeyedTable)
        if self.shown_map(snap).nodes != self._node_ids:
            table.set_columns(self.columns())
        table.apply(self.rows(snap, None))

    @on(KeyedTable.Selected)
    def _selected(self, event: KeyedTable.Selected) -> None:
        event.stop()
        self.swarm_app.open_object("services", event.key)
