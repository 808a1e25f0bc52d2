"""A service's spec history (swarm/spec_history.py): the current spec, the engine's
PreviousSpec and the specs swarmtui applied (from the audit journal), each with what
changed since it (the diff to the current spec). `enter` or `r` restores the version
under the cursor: an Operation through the one confirm → progress flow (read-only
refuses it before anything opens)."""

from __future__ import annotations

from typing import ClassVar

from rich.markup import escape
from textual import on
from textual.binding import Binding, BindingType

from swarmtui import audit
from swarmtui.swarm import format as fmt
from swarmtui.swarm.ops.restore import RestoreServiceSpec
from swarmtui.swarm.spec_history import SpecVersion, changes_since, history
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.ui.flow import confirmation
from swarmtui.ui.screens.detail import ObjectScreen
from swarmtui.ui.widgets.table import Column, KeyedTable, Row

COLUMNS = [
    Column("n", "#", 0, 2, 3, right=True),
    Column("version", "SPEC", 0, 20, 80, grow=True),
    Column("changes", "CHANGED SINCE", 1, 13, 13, right=True),
]


class HistoryScreen(ObjectScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back", id="detail.back"),
        Binding("r", "restore", "Restore this spec", id="history.restore"),
    ]
    kind = "service"
    table_kind = "history"
    table_title = ("its specs, newest first: the diff shows what changed since the one "
                   "under the cursor · enter or r restores it")

    def __init__(self, object_id: str) -> None:
        super().__init__(object_id)
        self.versions: list[SpecVersion] = []
        self._journal = audit.read_journal()

    def columns(self) -> list[Column]:
        return COLUMNS

    def on_screen_resume(self) -> None:
        self._journal = audit.read_journal()  # a restore may have added to it
        super().on_screen_resume()

    def _names(self, snap: ClusterSnapshot) -> dict[str, str]:
        return {n.id: n.name for n in snap.networks.values()}

    def rows(self, snap: ClusterSnapshot, now: object) -> list[Row]:
        svc = snap.services.get(self.object_id)
        self.versions = history(svc, self._journal) if svc is not None else []
        out = []
        for i, v in enumerate(self.versions):
            n = len(changes_since(v, svc.spec)) if svc is not None else 0
            out.append(Row(v.key, (str(i), v.label, "—" if i == 0 else fmt.count(n, "field")),
                           rank=i))
        return out

    def summary(self, snap: ClusterSnapshot, now: object) -> str | None:
        svc = snap.services.get(self.object_id)
        if svc is None:
            return None
        head = (f"[b]spec history of {escape(svc.name)}[/b] · version {svc.version} · "
                f"{fmt.count(len(self.versions), 'spec')}")
        chosen = self._chosen()
        if chosen is None or chosen.source == "current":
            if len(self.versions) < 2:
                return (f"{head}\nno earlier spec: the engine keeps none (never updated) and "
                        "the journal holds none that swarmtui applied")
            return f"{head}\nmove to an earlier spec to see what changed since it"
        changes = changes_since(chosen, svc.spec, self._names(snap))
        lines = [f"{head}", f"what changed since the {escape(chosen.label)}:"]
        lines += [f"  {escape(str(c))}" for c in changes] or ["  nothing (same spec)"]
        return "\n".join(lines)

    def _chosen(self) -> SpecVersion | None:
        tables = self.query("#detail-table")
        key = tables.first(KeyedTable).cursor_key if tables else None
        return next((v for v in self.versions if v.key == key), None)

    @on(KeyedTable.Highlighted)
    def _moved(self) -> None:
        snap = self.swarm_app.snapshot
        if snap is not None:
            summary = self.summary(snap, None)
            if summary is not None:
                self.query_one("#summary").update(summary)  # type: ignore[attr-defined]

    @on(KeyedTable.Selected)
    def _selected(self, event: KeyedTable.Selected) -> None:
        event.stop()
        self.action_restore()

    def action_restore(self) -> None:
        from swarmtui.ui.actions import refuse_op

        app = self.swarm_app
        snap = app.snapshot
        svc = snap.services.get(self.object_id) if snap is not None else None
        chosen = self._chosen()
        if svc is None or chosen is None:
            return
        if chosen.source == "current":
            self.notify("this is the current spec: pick an earlier one", timeout=3)
            return
        op = RestoreServiceSpec(svc, chosen)
        if app.read_only:
            refuse_op(app, op)
            return
        app.push_screen(confirmation(app, op))
