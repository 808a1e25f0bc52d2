"""OperationsMixin: the operation keys of the main screen.

Add it to MainScreen's bases (``class MainScreen(OperationsMixin, Screen[None])``).
It is a Screen subclass on purpose: Textual merges ``BINDINGS`` (``_merge_bindings``)
and ``@on`` handlers only from DOMNode subclasses in the MRO, so a plain mixin's keys
would be silently ignored.

What it needs from the screen it is mixed into (MainScreen has them): ``snapshot``
(the current ClusterSnapshot or None), ``read_only``, ``active_kind`` (the pane shown)
and ``table(kind)`` (a KeyedTable whose ``cursor_key`` is the Docker ID of the row).

Every key: read-only → refused before any I/O (a notification saying READ-ONLY, and a
"refused" line in the audit journal); else the confirmation (`flow.ConfirmScreen`), then
the progress view (`flow.ProgressScreen`) that sends, journals and follows convergence.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import Static, TabbedContent

from swarmtui.swarm.models import Node, Service
from swarmtui.swarm.ops import (
    AddNodeLabel,
    DemoteNodes,
    ForceUpdateService,
    Operation,
    PromoteNodes,
    RemoveNode,
    RemoveNodeLabel,
    RemoveService,
    RollbackService,
    ScaleService,
    SetAvailability,
    UpdateServiceImage,
)
from swarmtui.swarm.ops.runner import refuse_read_only
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.ui.flow import OpForm, confirm_and_send, display_title, fixed
from swarmtui.ui.flow.start import audit_labels
from swarmtui.ui.ops.bindings import OPS_BINDINGS, pane_of

if TYPE_CHECKING:
    from swarmtui.ui.widgets.table import KeyedTable

READ_ONLY_NOTICE = ("READ-ONLY: {title} refused — nothing was sent. swarmtui runs in "
                    "read-only mode (--read-only or the profile); the change would be:\n{cli}")


class MarksBar(Static):
    """"2 marked: node2, node3" — shown only while nodes are marked."""

    DEFAULT_CSS = """
    MarksBar { display: none; height: 1; padding: 0 1; background: $accent 30%; }
    MarksBar.shown { display: block; }
    """


class OperationsMixin(Screen[None]):
    """Operation keys for the Nodes and Services panes (see module doc)."""

    BINDINGS: ClassVar[list[BindingType]] = OPS_BINDINGS

    if TYPE_CHECKING:
        snapshot: ClusterSnapshot | None
        read_only: bool

        @property
        def active_kind(self) -> str: ...

        def table(self, kind: str) -> KeyedTable: ...

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: node IDs marked with space, in marking order
        self.ops_marked: list[str] = []

    # ------------------------------------------------------------- plumbing
    @on(events.Mount)
    def _ops_mounted(self) -> None:
        """Add the marks bar above the status bar (MainScreen's compose stays as it is)."""
        bar = MarksBar("", id="ops-marks", markup=False)
        status = self.query("#status")
        if status:
            self.mount(bar, before=status.first())
        else:
            self.mount(bar)

    @on(TabbedContent.TabActivated)
    def _ops_pane_changed(self) -> None:
        self.refresh_bindings()  # the footer lists the keys of the pane now shown

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        pane = pane_of(action)
        if pane is not None:
            try:
                return self.active_kind == pane
            except Exception:  # not composed yet
                return False
        return super().check_action(action, parameters)

    def _ops_read_only(self) -> bool:
        return bool(getattr(self, "read_only", False) or getattr(self.app, "read_only", False))

    def _ops_snapshot(self) -> ClusterSnapshot | None:
        snap = getattr(self, "snapshot", None) or getattr(self.app, "snapshot", None)
        if snap is None:
            self.notify("no cluster state yet: wait for the first refresh", severity="warning")
        return snap

    # ------------------------------------------------------------ selection
    def _cursor(self, kind: str) -> str | None:
        try:
            return self.table(kind).cursor_key
        except Exception:
            return None

    def selected_nodes(self, snap: ClusterSnapshot) -> list[Node]:
        """The marked nodes that still exist, else the node under the cursor."""
        marked = [snap.nodes[i] for i in self.ops_marked if i in snap.nodes]
        if marked:
            return sorted(marked, key=lambda n: n.name)
        key = self._cursor("nodes")
        if key and key in snap.nodes:
            return [snap.nodes[key]]
        return []

    def selected_service(self, snap: ClusterSnapshot) -> Service | None:
        key = self._cursor("services")
        return snap.services.get(key) if key else None

    def action_ops_mark(self) -> None:
        """space: mark/unmark the node under the cursor, then move down."""
        key = self._cursor("nodes")
        if not key:
            return
        marks = self.ops_marked
        if key in marks:
            marks.remove(key)
        else:
            marks.append(key)
        self._show_marks()
        self.table("nodes").action_cursor_down()

    def clear_marks(self) -> None:
        self.ops_marked.clear()
        self._show_marks()

    def _show_marks(self) -> None:
        snap = getattr(self, "snapshot", None)
        if snap is not None:  # forget nodes that left the swarm
            self.ops_marked[:] = [i for i in self.ops_marked if i in snap.nodes]
        names = sorted(snap.nodes[i].name for i in self.ops_marked) if snap else []
        for bar in self.query(MarksBar):
            bar.update(f"{len(names)} marked: {', '.join(names)} — node keys act on all of "
                       "them · space unmarks" if names else "")
            bar.set_class(bool(names), "shown")

    # ------------------------------------------------------------ the flow
    def start_operation(self, form: OpForm, placeholder_op: Operation | None = None) -> None:
        """Read-only → refuse (journaled, no I/O); else confirm → progress."""
        snap = getattr(self, "snapshot", None) or getattr(self.app, "snapshot", None)
        if self._ops_read_only():
            op = placeholder_op or form.build(form.initial, False)
            cluster, endpoint = audit_labels(self.app)
            outcome = refuse_read_only(op, cluster=cluster, endpoint=endpoint)
            text = READ_ONLY_NOTICE.format(title=display_title(op).lower(), cli=op.cli)
            if outcome.journal_error:
                text += f"\n({outcome.journal_error})"
            self.notify(text, title="READ-ONLY", severity="warning", timeout=8)
            return
        if snap is None:
            self.notify("no cluster state yet: wait for the first refresh", severity="warning")
            return

        def confirmed(op: Operation) -> None:
            if op.kind == "node":
                self.clear_marks()

        self.app.push_screen(confirm_and_send(self.app, form, read_only=self._ops_read_only(),
                                              snapshot=snap, on_confirmed=confirmed))

    def _node_op(self, make: Callable[[list[Node]], Operation], *,
                 single: bool = False, destructive: bool = False) -> None:
        snap = self._ops_snapshot()
        if snap is None:
            return
        nodes = self.selected_nodes(snap)
        if not nodes:
            self.notify("pick a node first (Nodes pane, 1)", severity="warning")
            return
        if single and len(nodes) > 1:
            self.notify("this works on one node at a time: unmark the others (space)",
                        severity="warning")
            return
        self.start_operation(fixed(make(nodes), destructive=destructive))

    def _service(self) -> tuple[ClusterSnapshot, Service] | None:
        snap = self._ops_snapshot()
        if snap is None:
            return None
        svc = self.selected_service(snap)
        if svc is None:
            self.notify("pick a service first (Services pane, 2)", severity="warning")
            return None
        return snap, svc

    # ---------------------------------------------------------------- nodes
    def action_ops_promote(self) -> None:
        self._node_op(PromoteNodes)

    def action_ops_demote(self) -> None:
        self._node_op(DemoteNodes)

    def action_ops_drain(self) -> None:
        self._node_op(lambda ns: SetAvailability(ns, "drain"))

    def action_ops_activate(self) -> None:
        self._node_op(lambda ns: SetAvailability(ns, "active"))

    def action_ops_pause(self) -> None:
        self._node_op(lambda ns: SetAvailability(ns, "pause"))

    def action_ops_label_add(self) -> None:
        snap = self._ops_snapshot()
        nodes = self.selected_nodes(snap) if snap else []
        if snap is None or not nodes:
            if snap is not None:
                self.notify("pick a node first (Nodes pane, 1)", severity="warning")
            return
        form = OpForm(build=lambda v, _f: AddNodeLabel(nodes, v),
                      prompt="Label to add or change (key=value):", placeholder="zone=a")
        self.start_operation(form, AddNodeLabel(nodes, "KEY=VALUE"))

    def action_ops_label_rm(self) -> None:
        snap = self._ops_snapshot()
        nodes = self.selected_nodes(snap) if snap else []
        if snap is None or not nodes:
            if snap is not None:
                self.notify("pick a node first (Nodes pane, 1)", severity="warning")
            return
        placeholder = RemoveNodeLabel(nodes, "KEY")
        if self._ops_read_only():
            self.start_operation(fixed(placeholder), placeholder)
            return
        keys: dict[str, list[str]] = {}
        for n in nodes:
            for k, v in n.labels.items():
                keys.setdefault(k, []).append(f"{n.name}: {v}" if len(nodes) > 1 else v)
        if not keys:
            names = ", ".join(n.name for n in nodes)
            self.notify(f"{names} {'has' if len(nodes) == 1 else 'have'} no labels to remove",
                        severity="warning")
            return
        choices = [(f"{k}={' · '.join(vs)}" if len(nodes) == 1 else f"{k}  ({'; '.join(vs)})",
                    k) for k, vs in sorted(keys.items())]
        first = choices[0][1]
        form = OpForm(build=lambda v, _f: RemoveNodeLabel(nodes, v), initial=first,
                      choices=choices)
        self.start_operation(form, placeholder)

    def action_ops_node_rm(self) -> None:
        snap = self._ops_snapshot()
        nodes = self.selected_nodes(snap) if snap else []
        if snap is None or not nodes:
            if snap is not None:
                self.notify("pick a node first (Nodes pane, 1)", severity="warning")
            return
        if len(nodes) > 1:
            self.notify("remove one node at a time: unmark the others (space)",
                        severity="warning")
            return
        node = nodes[0]
        offered = RemoveNode.force_offered(node)
        form = OpForm(build=lambda _v, force: RemoveNode(node, force=force and offered),
                      force_offered=offered, destructive=True,
                      force_help=f"({node.name} is {node.status_text}: remove it even though "
                                 "the engine cannot confirm it left)")
        self.start_operation(form)

    # ------------------------------------------------------------- services
    def action_ops_scale(self) -> None:
        got = self._service()
        if got is None:
            return
        snap, svc = got
        if svc.mode != "replicated":
            # global services and jobs have no replica count: say so, ask nothing
            verdict = ScaleService(svc, "1").guard(snap)
            self.notify("; ".join(verdict.blocks) or f"{svc.name} cannot be scaled",
                        title=f"scale {svc.name}", severity="warning", timeout=8)
            return
        current = svc.spec_replicas if svc.spec_replicas is not None else (svc.desired or 0)
        form = OpForm(build=lambda v, _f: ScaleService(svc, v), initial=str(current),
                      prompt=f"Replicas for {svc.name} (now {current}):", placeholder="3")
        self.start_operation(form, ScaleService(svc, "N"))

    def action_ops_restart(self) -> None:
        got = self._service()
        if got is not None:
            self.start_operation(fixed(ForceUpdateService(got[1])))

    def action_ops_rollback(self) -> None:
        got = self._service()
        if got is not None:
            self.start_operation(fixed(RollbackService(got[1])))

    def action_ops_image(self) -> None:
        got = self._service()
        if got is None:
            return
        svc = got[1]
        form = OpForm(build=lambda v, _f: UpdateServiceImage(svc, v), initial=svc.image,
                      prompt=f"New image for {svc.name} (now {svc.image}):",
                      placeholder="busybox:latest")
        self.start_operation(form, UpdateServiceImage(svc, "IMAGE"))

    def action_ops_service_rm(self) -> None:
        got = self._service()
        if got is not None:
            self.start_operation(fixed(RemoveService(got[1]), destructive=True))


def ops_help() -> list[tuple[str, str, str]]:
    """(key, description, docker CLI) for every operation key — for help texts."""
    out = []
    for b in OPS_BINDINGS:
        key = getattr(b, "key", "")
        out.append((str(key), str(getattr(b, "description", "")),
                    str(getattr(b, "tooltip", ""))))
    return out


__all__ = ["READ_ONLY_NOTICE", "MarksBar", "OperationsMixin", "ops_help"]
