"""`--tour`: a newcomer's walk through a (lab) cluster, one step at a time.

Each step says what to do and with which key, and moves on only when the cluster
snapshot shows that it really happened (a drain is done when the node is Drain AND its
tasks run elsewhere, not when the key was pressed). The `Tour` is pure logic, driven
by `update(snapshot, pane)` on every snapshot the app receives; `TourPanel` shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.widgets import Static

from swarmtui.swarm import format as fmt
from swarmtui.swarm.explain import explain_service
from swarmtui.swarm.state import ClusterSnapshot

Context = dict[str, Any]
Check = Callable[[ClusterSnapshot, Context, str], tuple[bool, str]]
Begin = Callable[[ClusterSnapshot, Context], None]


def _replicated(snap: ClusterSnapshot) -> dict[str, Any]:
    return {sid: s for sid, s in snap.services.items() if s.mode == "replicated"}


def _managers(snap: ClusterSnapshot) -> list[Any]:
    return [n for n in snap.nodes.values() if n.is_manager]


#: causes that leave tasks unplaced for good on purpose (one host-mode port, or max N, per
#: node): the orchestrator did its part, and the tour says why instead of waiting forever
_BY_DESIGN = frozenset({"port", "max-per-node"})


def _unplaced_by_design(snap: ClusterSnapshot, service: Any) -> str | None:
    cause = explain_service(snap, service, snap.taken_at)
    return cause.text if cause is not None and cause.kind in _BY_DESIGN else None


def _fault_tolerance(managers: int) -> int:
    return max(0, (managers - 1) // 2)


# ----------------------------------------------------------------------------- steps
def _begin_nothing(snap: ClusterSnapshot, ctx: Context) -> None:
    return None


def _check_nodes(snap: ClusterSnapshot, ctx: Context, pane: str) -> tuple[bool, str]:
    if pane != "nodes":
        return False, "press 1 to show the Nodes pane"
    ready = sum(1 for n in snap.nodes.values() if n.state == "ready")
    return bool(snap.nodes), f"{ready}/{len(snap.nodes)} nodes Ready"


def _begin_scale(snap: ClusterSnapshot, ctx: Context) -> None:
    ctx["desired"] = {sid: s.spec_replicas for sid, s in _replicated(snap).items()}


def _check_scale(snap: ClusterSnapshot, ctx: Context, pane: str) -> tuple[bool, str]:
    before: dict[str, int | None] = ctx.get("desired", {})
    services = _replicated(snap)
    if not services:
        return False, ("no replicated service yet: create one (palette: create service, "
                       "or docker service create --no-resolve-image --replicas 2 "
                       "busybox sleep 1d)")
    for sid, s in services.items():
        if sid in before and s.spec_replicas != before[sid]:
            ctx["scaled"] = sid
            if s.running == s.spec_replicas:
                return True, f"{s.name}: {s.running}/{s.spec_replicas} running"
            why = _unplaced_by_design(snap, s)
            if why is not None:
                return True, f"{s.name}: {s.running}/{s.spec_replicas} running — {why}"
            return False, f"{s.name}: {s.running}/{s.spec_replicas} running — tasks starting"
    return False, "waiting for a service's replica count to change"


def _short(snap: ClusterSnapshot) -> dict[str, Any]:
    """The replicated services not running as many tasks as they want."""
    return {sid: s for sid, s in _replicated(snap).items()
            if s.spec_replicas is not None and s.running != s.spec_replicas}


def _begin_drain(snap: ClusterSnapshot, ctx: Context) -> None:
    ctx["drained_before"] = {nid for nid, n in snap.nodes.items() if n.availability == "drain"}
    ctx["short_before"] = set(_short(snap))  # broken already: the drain does not fix them


def _check_drain(snap: ClusterSnapshot, ctx: Context, pane: str) -> tuple[bool, str]:
    before: set[str] = ctx.get("drained_before", set())
    for nid, n in snap.nodes.items():
        if n.availability == "drain" and nid not in before:
            ctx["drained"] = nid
            return True, f"{n.hostname} is Drain"
    return False, "waiting for a node to become Drain"


def _check_moved(snap: ClusterSnapshot, ctx: Context, pane: str) -> tuple[bool, str]:
    nid = ctx.get("drained")
    node = snap.nodes.get(nid) if nid else None
    if node is None:
        return False, "the drained node is gone from the list"
    if node.availability != "drain":
        return False, f"{node.hostname} is {node.availability} again: drain it (d)"
    left = [t for t in snap.tasks.values()
            if t.node_id == nid and t.desired_state == "running"]
    if left:
        return False, f"{fmt.count(len(left), 'task')} still meant to run on {node.hostname}"
    before: set[str] = ctx.get("short_before", set())
    short = [s for sid, s in _short(snap).items() if sid not in before]
    why = {s.name: _unplaced_by_design(snap, s) for s in short}
    starting = sorted(name for name, cause in why.items() if cause is None)
    if starting:
        return False, f"replacements starting: {', '.join(starting[:3])}"
    if pane != "tasks":
        return False, f"{node.hostname} runs nothing now; press 3 to see where the tasks went"
    held = "; ".join(f"{name}: {cause}" for name, cause in sorted(why.items()))
    if held:
        return True, f"{node.hostname} runs no task; the rest cannot move — {held}"
    return True, f"{node.hostname} runs no task; every service has its replicas elsewhere"


def _begin_promote(snap: ClusterSnapshot, ctx: Context) -> None:
    ctx["managers"] = {n.id for n in _managers(snap)}


def _check_promote(snap: ClusterSnapshot, ctx: Context, pane: str) -> tuple[bool, str]:
    before: set[str] = ctx.get("managers", set())
    new = [n for n in _managers(snap) if n.id not in before]
    if new:
        ctx["promoted"] = new[0].id
        return True, f"{new[0].hostname} is a manager"
    return False, "waiting for a worker to become a manager"


def _check_quorum(snap: ClusterSnapshot, ctx: Context, pane: str) -> tuple[bool, str]:
    managers = _managers(snap)
    reachable = [n for n in managers if n.reachability in ("leader", "reachable")]
    total = len(managers)
    text = (f"{len(reachable)}/{total} managers reachable: a majority of {total // 2 + 1} "
            f"is needed, so it tolerates {fmt.count(_fault_tolerance(total), 'manager failure')}")
    if total % 2 == 0:
        text += " — an even count adds no tolerance: promote one more, or demote one"
    promoted = ctx.get("promoted")
    ok = promoted in {n.id for n in reachable} and len(reachable) == total
    if ok and pane != "nodes":
        return False, text + "; press 1 to see MANAGER STATUS"
    return ok, text


@dataclass(frozen=True)
class TourStep:
    id: str
    title: str
    #: what to do, with the keys
    todo: str
    #: what Swarm did, shown once the step is done
    lesson: str
    check: Check
    begin: Begin = _begin_nothing


STEPS: tuple[TourStep, ...] = (
    TourStep("nodes", "Look at the nodes",
             "Press 1 for the Nodes pane: every machine in the swarm, its status (Ready/Down), "
             "its availability and, for managers, Leader or Reachable.",
             "Managers keep the cluster state in Raft; workers only run tasks.",
             _check_nodes),
    TourStep("scale", "Scale a service",
             "Press 2 for Services, move to a replicated service and press ctrl+s to change "
             "its replica count.",
             "The orchestrator started or stopped tasks until running = desired.",
             _check_scale, _begin_scale),
    TourStep("drain", "Drain a node",
             "Press 1, move to a worker that runs tasks and press d (drain).",
             "A Drain node gets no new tasks and its running tasks are stopped.",
             _check_drain, _begin_drain),
    TourStep("move", "Watch the tasks move",
             "Press 3 for Tasks: the drained node's tasks go to Shutdown and replacements "
             "start on Active nodes.",
             "The scheduler rescheduled every task; standalone containers are not touched.",
             _check_moved),
    TourStep("promote", "Promote a worker",
             "Press 1, move to a worker and press + (promote).",
             "The node joined the managers' Raft group with a vote.",
             _check_promote, _begin_promote),
    TourStep("quorum", "See the quorum change",
             "Look at the header's managers count and the Nodes pane's MANAGER STATUS column: "
             "the new manager is Reachable.",
             "Quorum is a majority of managers: 3 tolerate 1 failure, 5 tolerate 2.",
             _check_quorum),
)


@dataclass
class Tour:
    steps: tuple[TourStep, ...] = STEPS
    index: int = 0
    ctx: Context = field(default_factory=dict)
    #: what the current step's check saw last
    status: str = ""
    started: bool = False

    @property
    def done(self) -> bool:
        return self.index >= len(self.steps)

    @property
    def current(self) -> TourStep | None:
        return None if self.done else self.steps[self.index]

    def update(self, snap: ClusterSnapshot, pane: str) -> bool:
        """Check the current step against `snap`; True when the tour moved on.
        At most one step per update, so each step's picture is seen."""
        step = self.current
        if step is None:
            return False
        if not self.started:
            step.begin(snap, self.ctx)
            self.started = True
        ok, self.status = step.check(snap, self.ctx, pane)
        if not ok:
            return False
        self.index += 1
        self.started = False
        nxt = self.current
        if nxt is not None:
            nxt.begin(snap, self.ctx)
            self.started = True
            self.status = ""
        return True


class TourPanel(VerticalScroll):
    """Side panel: the tour's steps, the current one with what to do and what is seen."""

    DEFAULT_CSS = """
    TourPanel { height: 1fr; border-left: tall $accent; padding: 0 1;
                background: $surface; }
    TourPanel > #tour-body { width: 1fr; }
    """

    def __init__(self, tour: Tour, **kw: Any) -> None:
        super().__init__(**kw)
        self.tour = tour

    def compose(self) -> ComposeResult:
        yield Static(self._markup(), id="tour-body")

    def refresh_tour(self) -> None:
        for body in self.query("#tour-body").results(Static):
            body.update(self._markup())

    def _markup(self) -> str:
        t = self.tour
        lines = ["[b $accent]Tour of a swarm[/]", ""]
        for n, step in enumerate(t.steps):
            if n < t.index:
                lines.append(f"[$success]✔ {n + 1}. {escape(step.title)}[/]")
                lines.append(f"  [$text-muted]{escape(step.lesson)}[/]")
            elif n == t.index:
                lines.append(f"[b]▶ {n + 1}. {escape(step.title)}[/b]")
                lines.append(f"  {escape(step.todo)}")
                if t.status:
                    lines.append(f"  [$warning]… {escape(t.status)}[/]")
            else:
                lines.append(f"[$text-muted]  {n + 1}. {escape(step.title)}[/]")
        if t.done:
            lines += ["", "[b $success]Tour complete.[/] To undo: activate the drained node "
                      "(a) and demote the new manager (-). Close this panel: palette (:) → "
                      "end the tour."]
        return "\n".join(lines)
