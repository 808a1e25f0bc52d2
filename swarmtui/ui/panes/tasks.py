"""The Tasks pane: `docker service ps` columns and rows (history muted)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from swarmtui.swarm import format as fmt
from swarmtui.swarm.health import Health
from swarmtui.swarm.reach.stats import NO_SAMPLE, TaskStats, task_cells
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.swarm.sync.store import STATS
from swarmtui.swarm.task_model import Task
from swarmtui.ui.panes.base import CLOCK, Action, ActionContext, Pane
from swarmtui.ui.widgets.table import Column, Row

#: priority: 0 always shown; higher numbers give way first at 80 columns
COLUMNS = [
    Column("name", "NAME", 0, 16, 45),
    Column("node", "NODE", 0, 6, 25),  # where the tasks went: the tour watches it
    Column("desired", "DESIRED", 3, 8, 9),
    # beside the side panels "Running 22s", not "Running 22 seconds a…"
    Column("current", "CURRENT STATE", 0, 24, 34, short=fmt.compact_state,
           short_width=fmt.COMPACT_STATE_WIDTH),
    # live stats of a running task's container, from its node (swarm/reach/stats.py)
    Column("cpu", "CPU", 3, 4, 6, right=True, hide_empty=True),
    Column("mem", "MEM", 3, 4, 5, right=True, hide_empty=True),
    Column("error", "ERROR", 2, 10, 200, grow=True),
    Column("exit", "EXIT", 4, 4, 5, right=True),
    Column("image", "IMAGE", 5, 12, 40),
    Column("id", "ID", 6, 12, 12),
]
STATE_TAG = {
    "running": "task-running", "failed": "task-failed", "rejected": "task-failed",
    "orphaned": "task-failed", "pending": "task-pending", "new": "task-pending",
    "allocated": "task-pending", "assigned": "task-pending", "accepted": "task-pending",
    "preparing": "task-pending", "ready": "task-pending", "starting": "task-pending",
    "shutdown": "task-shutdown", "complete": "task-shutdown", "remove": "task-shutdown",
}


def task_row(snap: ClusterSnapshot, t: Task, probs: Health, now: datetime,
             service_names: dict[str, str], node_names: dict[str, str]) -> Row:
    """A task's row; CPU and MEM from its node's latest sample while it runs."""
    svc = service_names.get(t.service_id) or t.service_id[:12]
    name = fmt.task_name(svc, t.slot, t.node_id)
    current = snap.is_current(t)
    if not current:
        name = " \\_ " + name
    created = t.created_at.timestamp() if t.created_at else 0.0
    # a node no longer in the swarm (removed): its short ID, as ID columns do — the whole
    # 25 characters took the room of CURRENT STATE beside the tour
    node = node_names.get(t.node_id, fmt.short_id(t.node_id)) if t.node_id else ""
    exit_code = "" if t.exit_code is None or (t.exit_code == 0 and not t.is_terminal) \
        else str(t.exit_code)
    failing = t.id in probs.failing
    ts = t.timestamp.timestamp() if t.timestamp else 0.0
    live = _task_stats(snap, t, node)
    cpu, mem = NO_SAMPLE_CELLS if isinstance(live, str) else task_cells(live)
    return Row(
        t.id,
        (name, node, t.desired_text, t.current_state_text(now), cpu, mem, t.error, exit_code,
         t.image, fmt.short_id(t.id)),
        # history that is not a current problem is muted; what matters stays loud
        (None, None, None,
         STATE_TAG.get(t.state) if current or failing else "task-shutdown", None, None,
         ("task-failed" if failing or (current and t.error) else "muted") if t.error else None,
         None, None, None),
        problem=failing,
        sort=(None, None, None, (t.state, -ts),
              live.cpu_percent or 0.0 if isinstance(live, TaskStats) else -1.0,
              live.mem_used if isinstance(live, TaskStats) else -1, None,
              t.exit_code if t.exit_code is not None else -1),
        # the CLI's order: service, slot (global tasks: node ID), newest first
        rank=(svc, t.slot or 0, "" if t.slot else (t.node_id or ""), 0 if current else 1,
              -created),
        history=not current,
    )


NO_SAMPLE_CELLS = (NO_SAMPLE, NO_SAMPLE)


def _task_stats(snap: ClusterSnapshot, t: Task, hostname: str) -> TaskStats | str | None:
    """The task's container sample; NO_SAMPLE when its node could not be sampled."""
    if not t.is_running or not t.container_id:
        return None
    node = snap.stats.get(hostname)
    if node is None:
        return None
    if node.unreachable is not None:
        return NO_SAMPLE
    return node.tasks.get(t.container_id)


def task_rows(snap: ClusterSnapshot, probs: Health, now: datetime,
              tasks: Iterable[Task] | None = None) -> list[Row]:
    """Rows of `tasks` (default: every task) of existing services (`snap.is_live`)."""
    service_names = {s.id: s.name for s in snap.services.values()}
    node_names = {n.id: n.hostname for n in snap.nodes.values()}
    source = snap.live_tasks if tasks is None else [t for t in tasks if snap.is_live(t)]
    return [task_row(snap, t, probs, now, service_names, node_names) for t in source]


def rows(snap: ClusterSnapshot, probs: Health, now: datetime) -> list[Row]:
    return task_rows(snap, probs, now)


def _shell(ctx: ActionContext) -> None:
    from swarmtui.ui.shell import open_shell  # asyncssh's exec path: on first use

    open_shell(ctx)


ACTIONS = (
    Action("pane.tasks", "Tasks", "3", "the Tasks pane (docker service ps of every service)",
           run=lambda ctx: ctx.screen.action_pane("tasks")),
    Action("tasks.exec", "Shell", "x", "a shell in the task's container, on its node: ssh "
           "NODE docker exec -it CONTAINER sh (the app comes back when it exits)",
           panes=("tasks",), mutating=True, needs_selection=True, footer=20, run=_shell),
)

PANE = Pane("tasks", "Tasks", "task", COLUMNS,
            frozenset({"tasks", "services", "nodes", STATS, CLOCK}),
            "no tasks", rows,
            lambda snap: len(snap.live_tasks),
            ACTIONS)
