"""The Tasks pane: `docker service ps` columns and rows (history muted)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from swarmtui.swarm import format as fmt
from swarmtui.swarm.health import Health
from swarmtui.swarm.reach.stats import NO_SAMPLE, TaskStats, task_cells
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.swarm.sync.store import STATS
from swarmtui.swarm.sync.uiturn import stepping
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
    # a failing task's error before its CPU and MEM (they come back once it fits)
    Column("error", "ERROR", 2, 10, 200, grow=True, outranks=True),
    Column("exit", "EXIT", 4, 4, 5, right=True),
    Column("image", "IMAGE", 5, 12, 40),
    Column("id", "ID", 6, 12, 12),
]
_CURRENT = [c.key for c in COLUMNS].index("current")
STATE_TAG = {
    "running": "task-running", "failed": "task-failed", "rejected": "task-failed",
    "orphaned": "task-failed", "pending": "task-pending", "new": "task-pending",
    "allocated": "task-pending", "assigned": "task-pending", "accepted": "task-pending",
    "preparing": "task-pending", "ready": "task-pending", "starting": "task-pending",
    "shutdown": "task-shutdown", "complete": "task-shutdown", "remove": "task-shutdown",
}


def task_row(snap: ClusterSnapshot, t: Task, probs: Health, now: datetime,
             service_names: dict[str, str], node_names: dict[str, str],
             current_state: str | None = None) -> Row:
    """A task's row; CPU and MEM from its node's latest sample while it runs
    (`current_state`: its CURRENT STATE text at `now`, when known already)."""
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
        (name, node, t.desired_text,
         t.current_state_text(now) if current_state is None else current_state, cpu, mem,
         t.error, exit_code,
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


class TaskRows:
    """The Tasks pane's rows, each made again only when what it shows changed.

    A poll re-lists every task, but the merge keeps the very Task objects whose version
    did not move (sync/merge.py), and an age ("Running 5 minutes ago") reads the same
    until a known moment (`fmt.ago_until`). A row is kept while its task, its service's
    and node's names, its failing flag, whether it is current and its stats sample are
    those it was made from and its age still reads the same; a row whose age alone moved
    gets the new CURRENT STATE text. A poll that changed nothing gets the very same list
    (the table knows it again: KeyedTable.prepare). At 20,000 tasks a quiet poll then
    costs the rows worker next to nothing where it made 20,000 rows.

    Safe to call from several thread workers at once: each call reads the last result and
    replaces it whole."""

    def __init__(self) -> None:
        self._made: dict[str, _Made] = {}
        #: the inputs of the last list, the moments it holds between, and the list
        self._last: tuple[tuple[object, ...], datetime, datetime, list[Row]] | None = None

    def __call__(self, snap: ClusterSnapshot, probs: Health, now: datetime) -> list[Row]:
        inputs = (snap.tasks, snap.services, snap.nodes, snap.live_tasks)
        last = self._last
        shown = _stats_shown(snap)
        if last is not None and all(a is b for a, b in zip(last[0], inputs, strict=True)) \
                and self._failing == probs.failing and self._stats == shown:
            if last[1] <= now < last[2]:
                return last[3]
            return self._aged_only(inputs, now)
        service_names = {s.id: s.name for s in snap.services.values()}
        node_names = {n.id: n.hostname for n in snap.nodes.values()}
        before = self._made
        made: dict[str, _Made] = {}
        out: list[Row] = []
        until = _NEVER
        ages: dict[tuple[str, int], str] = {}
        for t in stepping(snap.live_tasks, 64):  # the UI thread's turn first (uiturn)
            svc = service_names.get(t.service_id)
            node = node_names.get(t.node_id) if t.node_id else None
            live = _task_stats(snap, t, node or "") if t.is_running else None
            how = (snap.is_current(t), t.id in probs.failing, svc, node, live)
            prev = before.get(t.id)
            if prev is not None and prev.task is t and prev.how == how:
                row = prev.row
                if not prev.since <= now < prev.until:
                    row = _aged(row, _state_text(t, now, ages))
                    prev = _Made(t, how, row, now, _until(t, now))
            else:
                row = task_row(snap, t, probs, now, service_names, node_names,
                               _state_text(t, now, ages))
                prev = _Made(t, how, row, now, _until(t, now))
            made[t.id] = prev
            out.append(row)
            until = min(until, prev.until)
        self._made = made
        self._failing = probs.failing
        self._stats = shown
        self._last = (inputs, now, until, out)
        return out

    def _aged_only(self, inputs: tuple[object, ...], now: datetime) -> list[Row]:
        """The last list at a later (or earlier) `now` when nothing but the clock moved:
        the rows whose age text may read differently get their new CURRENT STATE; nothing
        else is looked at (at 20,000 young tasks every age moves each second)."""
        made: dict[str, _Made] = {}
        out: list[Row] = []
        until = _NEVER
        ages: dict[tuple[str, int], str] = {}
        for tid, prev in stepping(self._made.items(), 64):  # the UI thread's turn first
            if not prev.since <= now < prev.until:
                t = prev.task
                prev = _Made(t, prev.how, _aged(prev.row, _state_text(t, now, ages)), now,
                             _until(t, now))
            made[tid] = prev
            out.append(prev.row)
            if prev.until < until:
                until = prev.until
        self._made = made
        self._last = (inputs, now, until, out)
        return out

    _failing: frozenset[str] = frozenset()
    _stats: dict[str, object] = {}  # noqa: RUF012  (replaced whole, never changed)


def _stats_shown(snap: ClusterSnapshot) -> dict[str, object]:
    """What of the live stats the rows show, per node: its containers' samples, or that it
    could not be sampled (a host's own CPU and memory are not in this pane)."""
    return {host: NO_SAMPLE if s.unreachable is not None else s.tasks
            for host, s in snap.stats.items()}


@dataclass(slots=True)
class _Made:
    """A task's row and what it was made from (see TaskRows)."""

    task: Task
    how: tuple[object, ...]
    row: Row
    #: the row's age reads the same from `since` until `until`
    since: datetime
    until: datetime


_NEVER = datetime.max.replace(tzinfo=UTC)


def _state_text(t: Task, now: datetime, ages: dict[tuple[str, int], str]) -> str:
    """`t.current_state_text(now)`, once per state and whole second of age (`ages`): the
    text reads the same for those (tasks made together have the same age)."""
    if t.timestamp is None:
        return t.current_state_text(now)
    key = (t.state, int(max((now - t.timestamp).total_seconds(), 0.0)))
    text = ages.get(key)
    if text is None:
        text = ages[key] = t.current_state_text(now)
    return text


def _until(t: Task, now: datetime) -> datetime:
    return fmt.ago_until(t.timestamp, now) if t.timestamp else _NEVER


def _aged(row: Row, current: str) -> Row:
    """`row` with another CURRENT STATE text (the other cells the very same strings)."""
    cells = row.cells
    return Row(row.key, (*cells[:_CURRENT], current, *cells[_CURRENT + 1:]), row.tags,
               row.problem, row.sort, row.rank, row.history)


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
            ACTIONS, cached=TaskRows)
