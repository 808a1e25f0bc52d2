"""Health and quorum maths: the header counts and the "what is wrong" list.

Quorum: Raft needs a majority ⌊N/2⌋+1 of the N managers to be reachable; the
swarm tolerates ⌊(N−1)/2⌋ manager failures.

**Failing tasks** (the header count and the task problems) are chosen so that a
crash-looping or stuck service shows up, and healthy history does not:

* a task the orchestrator still wants up (desired running/ready) whose state is
  failed, rejected or orphaned;
* a task the orchestrator still wants up stuck before a node (new/allocated/
  pending) *with an error* — e.g. "no suitable node (…)";
* for a slot whose newest task is not running: the newest *failed/rejected*
  task of that slot (the crash of a restart loop; counted once per slot).

Old failures of slots that are now running again are history, not problems — unless
the slot failed less than `RESTART_LOOP_S` ago: a crash loop caught between two crashes
is still a crash loop (its last failure counts, and its service says "restarting"), so
that the header and the problems do not blink with each restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from swarmtui.swarm import certs
from swarmtui.swarm import format as fmt
from swarmtui.swarm.explain import explain_all
from swarmtui.swarm.state import ClusterSnapshot, newest_first
from swarmtui.swarm.task_model import UNSCHEDULED_STATES, Task

SEVERITIES = ("critical", "warning", "info")
FAILED_STATES = frozenset({"failed", "rejected", "orphaned"})


def fault_tolerance(managers: int) -> int:
    """How many managers may fail with the swarm still working: ⌊(N−1)/2⌋ (0 for N ≤ 2)."""
    return max((managers - 1) // 2, 0)


def majority(managers: int) -> int:
    """Managers that must be reachable for Raft to make progress: ⌊N/2⌋+1 (0 for N=0)."""
    return managers // 2 + 1 if managers > 0 else 0


def has_quorum(managers: int, reachable: int) -> bool:
    return managers > 0 and reachable >= majority(managers)


@dataclass(frozen=True)
class Summary:
    """Counts for the health header."""

    cluster_name: str
    #: hostname of the leader, "" when no leader is known
    leader: str
    managers_total: int
    managers_reachable: int
    #: ⌊(N−1)/2⌋ for the managers in the cluster
    tolerance: int
    #: reachable managers ≥ majority
    quorum: bool
    nodes_ready: int
    nodes_total: int
    services_converged: int
    services_total: int
    failing_tasks: int
    #: the snapshot's reason for empty lists (worker, no swarm…), else None
    message: str | None


@dataclass(frozen=True)
class Problem:
    """One line of "what is wrong", for a tired person."""

    #: "critical", "warning" or "info"
    severity: str
    #: "quorum", "manager", "node", "service", "task", "managers", "update", "swarm",
    #: "certificate"
    kind: str
    #: the ID of the node/service/task concerned ("" for cluster-wide problems)
    object_id: str
    text: str
    #: the facts behind it (for a service: one line per node that cannot take its tasks…)
    details: tuple[str, ...] = ()

    @property
    def rank(self) -> int:
        return SEVERITIES.index(self.severity)


#: a slot running again less than this long after a failure is still restarting
RESTART_LOOP_S = 120.0


def restarting(snap: ClusterSnapshot, now: datetime) -> list[Task]:
    """The last failure of each slot that runs again, with the same task spec, but failed
    less than RESTART_LOOP_S before `now` (a crash loop between two crashes), newest
    first. Once per snapshot and clock (assess and its problems both ask)."""
    return list(snap.memo(f"health.restarting@{now.isoformat()}",
                          lambda: _restarting(snap, now)))


def _restarting(snap: ClusterSnapshot, now: datetime) -> list[Task]:
    out = []
    services = snap.services
    for service_id, slots in snap.task_slots.items():
        if service_id not in services:
            continue
        for tasks in slots.values():
            newest = tasks[0]
            if len(tasks) < 2 or not (newest.is_running and newest.wants_running):
                continue
            failed = tasks[1]  # of the same spec: a fixed image or command is no loop
            if failed.state == "failed" and failed.spec == newest.spec \
                    and failed.timestamp is not None \
                    and (now - failed.timestamp).total_seconds() < RESTART_LOOP_S:
                out.append(failed)
    return sorted(out, key=newest_first)


def failing_tasks(snap: ClusterSnapshot) -> list[Task]:
    """Tasks that count as failing (see module docstring), newest first. Memoized."""
    return list(snap.memo("health.failing_tasks", lambda: _failing_tasks(snap)))


def _failing_tasks(snap: ClusterSnapshot) -> list[Task]:
    out: dict[str, Task] = {}
    services = snap.services
    for service_id, slots in snap.task_slots.items():
        if service_id not in services:
            continue  # a removed service's tasks (snap.is_live)
        for tasks in slots.values():  # each slot's tasks, newest first
            for t in tasks:
                if t.wants_running and (
                    t.state in FAILED_STATES or (t.state in UNSCHEDULED_STATES and t.error)
                ):
                    out[t.id] = t
            newest = tasks[0]
            if newest.is_running or not newest.wants_running:
                continue
            crashed = next((t for t in tasks if t.state in ("failed", "rejected")), None)
            if crashed is not None:
                out[crashed.id] = crashed
    return sorted(out.values(), key=newest_first)


def summarize(snap: ClusterSnapshot, failing: int | None = None,
              looping: frozenset[str] = frozenset()) -> Summary:
    """Counts for the header: leader, managers, tolerance, nodes, services, failing tasks
    (`failing`, else the clock-free `failing_tasks`); the services in `looping` (restarting
    between two crashes) are not counted as converged."""
    managers = snap.managers
    reachable = sum(1 for m in managers if m.is_reachable_manager)
    leader = snap.leader
    services = [s for s in snap.services.values()]
    return Summary(
        cluster_name=snap.cluster_name,
        leader=leader.hostname if leader else "",
        managers_total=len(managers),
        managers_reachable=reachable,
        tolerance=fault_tolerance(len(managers)),
        quorum=has_quorum(len(managers), reachable) if managers else False,
        nodes_ready=sum(1 for n in snap.nodes.values() if n.state == "ready"),
        nodes_total=len(snap.nodes),
        services_converged=sum(1 for s in services if s.converged and s.id not in looping),
        services_total=len(services),
        failing_tasks=len(failing_tasks(snap)) if failing is None else failing,
        message=snap.message,
    )


def task_problem_text(snap: ClusterSnapshot, task: Task) -> str:
    """E.g. "task api.2 failed: task: non-zero exit (3)"."""
    name = snap.task_name(task)
    what = task.error or task.message or task.state
    if task.exit_code and "exit" not in what:
        what = f"{what} (exit code {task.exit_code})"
    return f"task {name} {task.state}: {what}"


def problems(snap: ClusterSnapshot, now: datetime | None = None) -> list[Problem]:
    """Everything wrong with the cluster, most severe first, in plain words.

    Without `now`: the problems of the snapshot's one assessment (see :func:`of`).
    """
    if now is None:
        return list(of(snap).problems)
    return _problems(snap, now)


@dataclass(frozen=True)
class Health:
    """Everything the header and the panes need to know about what is wrong, once per snapshot."""

    summary: Summary
    #: most severe first
    problems: tuple[Problem, ...]
    #: IDs of the failing tasks (see the module docstring)
    failing: frozenset[str]
    #: IDs of every node, service and task with a problem (the "problems only" filter)
    ids: frozenset[str]
    #: the clock the ages in the problem texts were computed with
    at: datetime


def assess(snap: ClusterSnapshot, now: datetime) -> Health:
    """Compute the health of a snapshot (the store does it once, in its thread)."""
    probs = _problems(snap, now)
    looping = restarting(snap, now)
    failing_list = failing_tasks(snap) + looping
    failing = frozenset(t.id for t in failing_list)
    ids = {p.object_id for p in probs if p.object_id}
    for t in failing_list:
        ids.add(t.service_id)
    summary = summarize(snap, len(failing), frozenset(t.service_id for t in looping))
    return Health(summary, tuple(probs), failing, frozenset(ids) | failing, now)


def assessed(snap: ClusterSnapshot, now: datetime) -> Health:
    """The snapshot's health, computed with `now` the first time it is asked for."""
    return snap.memo("health", lambda: assess(snap, now))


def of(snap: ClusterSnapshot) -> Health:
    """The snapshot's health: as the store computed it, else now (snapshots made elsewhere)."""
    return assessed(snap, fmt.now_utc())


def _cause(snap: ClusterSnapshot, node_id: str) -> str:
    """" — CAUSE" when the node doctor found why the node is not up."""
    cause = snap.causes.get(node_id)
    return f" — {cause}" if cause else ""


#: how the node doctor's cause of a locked manager begins (swarm/reach/probe.py Cause.LOCKED)
LOCKED_CAUSE = "manager locked"


def is_locked(snap: ClusterSnapshot, node_id: str) -> bool:
    """The node doctor found this manager locked (restarted with autolock on)."""
    return snap.causes.get(node_id, "").startswith(LOCKED_CAUSE)


def _problems(snap: ClusterSnapshot, now: datetime) -> list[Problem]:
    out: list[Problem] = []
    if snap.message:
        out.append(Problem("critical", "swarm", "", snap.message))
        return out

    managers = snap.managers
    n = len(managers)
    reachable = [m for m in managers if m.is_reachable_manager]
    r = len(reachable)
    if n and r < majority(n):
        out.append(
            Problem(
                "critical",
                "quorum",
                "",
                f"the swarm has lost quorum: only {r} of {n} managers are reachable "
                f"(it needs {majority(n)}) — no changes can be made until managers come back",
            )
        )
    elif n and not snap.leader:
        out.append(Problem("critical", "quorum", "", "no manager is the leader right now"))

    spare = r - majority(n)  # how many more reachable managers may be lost
    for m in sorted(managers, key=lambda m: m.hostname):
        if m.is_reachable_manager:
            continue
        state = m.manager_status_text or "Unknown"
        cause = _cause(snap, m.id)
        if is_locked(snap, m.id):  # said as what it is: the key is what it waits for
            state, cause = "LOCKED by autolock", " — F on its row unlocks it with the key"
        down = (
            f" (node {m.status_text}"
            + (f" since {fmt.short_age(m.updated_at, now)})" if m.updated_at else ")")
            if m.state != "ready"
            else ""
        )
        if r < majority(n):
            tail = "the swarm has no quorum"
        elif spare == 0:
            tail = "1 more manager loss and the swarm loses quorum"
        else:
            tail = f"the swarm can lose {spare} more manager{'s' if spare != 1 else ''}"
        out.append(
            Problem(
                "critical" if spare <= 0 else "warning",
                "manager",
                m.id,
                f"manager {m.name} is {state}{down} — {tail}{cause}",
            )
        )

    for node in sorted(snap.nodes.values(), key=lambda x: x.hostname):
        if node.is_manager and not node.is_reachable_manager:
            continue  # already said above
        if node.state != "ready":
            since = f" since {fmt.short_age(node.updated_at, now)}" if node.updated_at else ""
            msg = f" ({node.status_message})" if node.status_message else ""
            out.append(
                Problem(
                    "critical" if node.is_manager else "warning",
                    "node",
                    node.id,
                    f"{node.name} is {node.status_text}{since}{msg}{_cause(snap, node.id)}",
                )
            )

    out.extend(_service_problems(snap, now))
    out.extend(Problem(sev, "certificate", "", text) for sev, text in certs.warnings(snap, now))

    if n and n % 2 == 0:
        out.append(
            Problem(
                "warning",
                "managers",
                "",
                f"even number of managers ({n}): tolerates {fault_tolerance(n)} "
                f"failure{'s' if fault_tolerance(n) != 1 else ''}, add or remove one",
            )
        )
    elif n > 7:
        out.append(
            Problem(
                "info",
                "managers",
                "",
                f"{n} managers: more than 7 slows every write down; 5 or 7 is usually enough",
            )
        )
    elif n == 1 and len(snap.nodes) > 1:
        out.append(
            Problem(
                "info",
                "managers",
                "",
                f"only one manager ({managers[0].name}): if it fails the swarm cannot be managed; "
                "3 managers tolerate 1 failure",
            )
        )

    for node in sorted(snap.nodes.values(), key=lambda x: x.hostname):
        if node.state == "ready" and node.availability in ("drain", "pause"):
            word = "drained" if node.availability == "drain" else "paused"
            out.append(
                Problem("info", "node", node.id, f"{node.name} is {word}: it takes no new tasks")
            )

    out.sort(key=lambda p: p.rank)  # stable: keeps the order within a severity
    return out


def _service_problems(snap: ClusterSnapshot, now: datetime) -> list[Problem]:
    out: list[Problem] = []
    failing = failing_tasks(snap)
    by_service: dict[str, list[Task]] = {}
    for t in failing:
        by_service.setdefault(t.service_id, []).append(t)
    looping: dict[str, list[Task]] = {}
    for t in restarting(snap, now):
        looping.setdefault(t.service_id, []).append(t)
    causes = explain_all(snap, now)
    for svc in sorted(snap.services.values(), key=lambda s: s.name):
        tasks = by_service.get(svc.id, [])
        cause = causes.get(svc.id)
        if not svc.converged:
            if cause is not None and cause.kind != "update":
                detail, details = f" — {cause.text}", cause.details
            else:
                detail = f" — {task_problem_text(snap, tasks[0])}" if tasks else ""
                details = ()
            severity = "critical" if (svc.running or 0) == 0 else "warning"
            out.append(
                Problem(
                    severity,
                    "service",
                    svc.id,
                    f"service {svc.name}: {svc.running}/{svc.desired} running{detail}",
                    details,
                )
            )
        elif svc.id in looping and not tasks:
            last = looping[svc.id][0]
            ago = fmt.short_age(last.timestamp, now) if last.timestamp else ""
            out.append(
                Problem(
                    "warning",
                    "service",
                    svc.id,
                    f"service {svc.name}: {svc.running}/{svc.desired} running, but "
                    f"restarting — task {snap.task_name(last)} failed"
                    + (f" {ago} ago" if ago else "") + f": {last.error or last.message}",
                )
            )
        elif tasks:
            out.append(
                Problem(
                    "warning",
                    "task",
                    tasks[0].id,
                    f"service {svc.name}: {task_problem_text(snap, tasks[0])}",
                )
            )
        if cause is not None and cause.kind == "update":
            severity = "info" if svc.update_state == "rollback_completed" else "warning"
            out.append(Problem(severity, "update", svc.id, f"service {svc.name}: {cause.text}",
                               cause.details))
    return out
