"""Why a service is not converged, in plain words, from one snapshot.

The engine says "no suitable node (scheduling constraints not satisfied on 3
nodes)"; this module says which constraint, which node and why. Causes are
tried from the most specific to the least: an update paused or rolled back,
secrets/configs that do not exist, tasks that cannot be placed (constraints,
resources, platform, host ports, max replicas per node, no node ready), an
image no node has, tasks that keep exiting.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from swarmtui.swarm import format as fmt
from swarmtui.swarm.explain import scheduling as sched
from swarmtui.swarm.explain.constraints import Preference, parse_all
from swarmtui.swarm.explain.updates import (
    changed_since_previous,
    failed_update,
    named_message,
    short_change,
)
from swarmtui.swarm.models import Service
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.swarm.task_model import UNSCHEDULED_STATES, Task

IMAGE_ERRORS = re.compile(
    r"no such image|pull access denied|manifest unknown|manifest for .* not found|"
    r"repository does not exist|not found: manifest|failed to resolve reference|"
    r"error pulling image|requested access to the resource is denied",
    re.IGNORECASE,
)
REGISTRY_UNREACHABLE = re.compile(
    r"dial tcp|no such host|i/o timeout|connection refused|TLS handshake timeout|"
    r"network is unreachable|server misbehaving",
    re.IGNORECASE,
)
EXIT_RE = re.compile(r"non-zero exit \((\d+)\)")


@dataclass(frozen=True)
class Explanation:
    """A cause for one service, for its first-screen line and its detail."""

    service_id: str
    #: "update", "secret", "constraint", "resources", "platform", "port",
    #: "max-per-node", "no-node", "pending" (the engine's words: the snapshot shows a node
    #: that could take it), "image", "exit", "starting"
    kind: str
    #: one line: the cause, e.g. "no node meets node.labels.zone==a (…)"
    text: str
    #: the detail: one line per node or per fact behind the cause
    details: tuple[str, ...] = ()
    #: the task behind the cause (a task that keeps exiting: its last log lines go in
    #: the detail), "" when none
    task_id: str = ""


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _names(items: Iterable[str], limit: int = 4) -> str:
    names = sorted(items)
    if len(names) > limit:
        return ", ".join(names[:limit]) + f" and {len(names) - limit} more"
    return ", ".join(names)


def stuck_tasks(snap: ClusterSnapshot, svc: Service) -> list[Task]:
    """Current tasks the orchestrator wants up that are not running, newest first."""
    return [t for t in snap.current_tasks(svc.id)
            if t.wants_running and not t.is_running]


def explain_service(snap: ClusterSnapshot, svc: Service, now: datetime) -> Explanation | None:
    """The cause of `svc` not being converged (or of its update stopping); None when fine."""
    update = _update_cause(snap, svc)
    if update is not None:
        return update
    if svc.converged:
        return None
    for cause in (_missing_objects, _placement_cause, _image_cause, _exit_cause):
        found = cause(snap, svc)
        if found is not None:
            return found
    return _starting(snap, svc, now)


# ------------------------------------------------------------------ objects


def _missing_objects(snap: ClusterSnapshot, svc: Service) -> Explanation | None:
    cs = _d(_d(svc.spec.get("TaskTemplate")).get("ContainerSpec"))
    missing = []
    kinds = (("secret", "Secrets", snap.secrets), ("config", "Configs", snap.configs))
    for kind, key, have in kinds:
        for ref in cs.get(key) or []:
            ref = _d(ref)
            oid = str(ref.get(f"{kind.capitalize()}ID") or "")
            name = str(ref.get(f"{kind.capitalize()}Name") or oid)
            if oid and oid not in have:
                missing.append(f"{kind} {name}")
    if not missing:
        return None
    return Explanation(svc.id, "secret", f"needs {_names(missing)}, which no longer exist"
                       + ("s" if len(missing) == 1 else ""))


# ---------------------------------------------------------------- placement


def _placement_cause(snap: ClusterSnapshot, svc: Service) -> Explanation | None:
    pending = [t for t in stuck_tasks(snap, svc) if t.state in UNSCHEDULED_STATES]
    if not pending:
        return None
    constraints, bad = parse_all(svc.constraints)
    if bad:
        return Explanation(svc.id, "constraint", bad[0])
    where = sched.placement(snap, svc, constraints)
    if not where.nodes:
        return Explanation(svc.id, "no-node", "the swarm lists no node")
    details = where.details + _preference_notes(snap, svc)
    if where.any_ok:
        # a node could take it as far as the snapshot shows: the engine's words, then
        failed = next((t for t in pending if t.error), None)
        if failed is None:
            return None
        return Explanation(svc.id, "pending",
                           f"task {snap.task_name(failed)} {failed.state}: {failed.error}",
                           details)
    kind = where.blocking
    text = where.texts.get(kind)
    if text is None:
        text = _placement_text(snap, svc, kind, where.nodes)
        if kind not in _OWN:
            where.texts[kind] = text  # the same words for every service of this shape
    return Explanation(svc.id, _KIND.get(kind, kind), text, details)


def _preference_notes(snap: ClusterSnapshot, svc: Service) -> tuple[str, ...]:
    """Spread preferences never block a task; say how they group the nodes."""
    placement = _d(_d(svc.spec.get("TaskTemplate")).get("Placement"))
    notes = []
    for raw in placement.get("Preferences") or []:
        pref = Preference.from_api(raw)
        if pref is None:
            continue
        groups: dict[str, list[str]] = {}
        for n in sched.sorted_nodes(snap):
            groups.setdefault(pref.value(n) or "(no such label)", []).append(n.name)
        notes.append(f"spread over {pref.descriptor} (never blocks a task): " + "; ".join(
            f"{value}: {_names(names)}" for value, names in sorted(groups.items())))
    return tuple(notes)


_KIND = {"down": "no-node", "availability": "no-node"}
#: causes whose words depend on the service itself, not only on its placement shape
_OWN = frozenset({"port", "max-per-node"})


def _placement_text(
    snap: ClusterSnapshot, svc: Service, kind: str, verdicts: list[sched.NodeVerdict]
) -> str:
    if kind in ("down", "availability"):
        return "no node is Ready and Active (" + _names(
            f"{v.node.name} {v.reasons.get('down') or v.reasons['availability']}"
            for v in verdicts) + ")"
    if kind == "constraint":
        return _constraint_text(verdicts)
    if kind == "resources":
        want = sched.service_reservation(svc)
        parts = []
        for attr, unit, amount in (("memory", " of memory", sched.gib),
                                   ("nano_cpus", " CPUs", sched.cpus)):
            need = getattr(want, attr)
            if not need:
                continue
            best = max(verdicts, key=lambda v: getattr(sched.node_free(snap, v.node), attr))
            most = getattr(sched.node_free(snap, best.node), attr)
            if most < need:
                parts.append(f"reserves {amount(need)}{unit}; the most free on any node is "
                             f"{amount(most)} ({best.node.name})")
        return "; ".join(parts) or "not enough free resources on any node"
    if kind == "platform":
        return verdicts[0].reasons["platform"].replace("is ", "no node matches: ", 1)
    if kind == "port":
        ports = ", ".join(f"{p}/{proto}" for p, proto in sched.host_ports(svc))
        on = [v.node.name for v in verdicts if "port" in v.reasons]
        holders = sorted({v.reasons["port"].split(" is taken by ", 1)[1]
                          for v in verdicts if "port" in v.reasons})
        return (f"host-mode port {ports} is already taken on {_names(on)} "
                f"(by {', '.join(holders)})")
    if kind == "max-per-node":
        fit = [v for v in verdicts if set(v.reasons) == {"max-per-node"}]
        wanted = fmt.count(svc.desired, "replica") if svc.desired is not None else "more"
        return (f"at most {svc.max_per_node} per node and only {fmt.count(len(fit), 'node')} "
                f"can run it: {wanted} wanted")
    return "; ".join(next(iter(verdicts)).reasons.values())


def _constraint_text(verdicts: list[sched.NodeVerdict]) -> str:
    # name the constraints that fail on most nodes; for each, why per node (grouped)
    failing: dict[str, list[sched.NodeVerdict]] = {}
    for v in verdicts:
        for c in v.failed:
            failing.setdefault(c.text, []).append(v)
    parts = []
    for text, vs in sorted(failing.items(), key=lambda kv: -len(kv[1])):
        c = next(c for c in vs[0].failed if c.text == text)
        by_reason: dict[str, list[str]] = {}
        for v in vs:
            by_reason.setdefault(c.why_not(v.node) or "", []).append(v.node.name)
        why = "; ".join(f"{_names(names)}: {reason}" for reason, names in by_reason.items())
        parts.append(f"{text} ({why})")
    head = "no node meets " if len(parts) == 1 else "no node meets all of "
    return head + ", ".join(parts)


# -------------------------------------------------------------------- image


def _image_cause(snap: ClusterSnapshot, svc: Service) -> Explanation | None:
    tasks = [t for t in snap.tasks_of_service(svc.id)
             if t.image == svc.image and t.error and IMAGE_ERRORS.search(t.error)]
    if not tasks:
        return None
    nodes = sorted({snap.node_hostname(t.node_id) for t in tasks if t.node_id})
    unreachable = [t for t in tasks if REGISTRY_UNREACHABLE.search(t.error)]
    last = tasks[0].error
    where = f" on {_names(nodes)}" if nodes else ""
    if unreachable:
        text = f"image {svc.image} is not{where} and no registry could be reached ({last})"
    else:
        text = f"image {svc.image} is not{where} and no registry gave it ({last})"
    seen: dict[str, str] = {}
    for t in tasks:
        seen.setdefault(snap.node_hostname(t.node_id) or "(no node)", t.error)
    details = tuple(f"{node}: {error}" for node, error in sorted(seen.items()))
    return Explanation(svc.id, "image", text, details)


# --------------------------------------------------------------------- exit


@dataclass(frozen=True)
class RestartPolicy:
    condition: str
    max_attempts: int
    delay_ns: int

    @classmethod
    def of(cls, svc: Service) -> RestartPolicy:
        rp = _d(_d(svc.spec.get("TaskTemplate")).get("RestartPolicy"))
        attempts = rp.get("MaxAttempts")
        delay = rp.get("Delay")
        return cls(str(rp.get("Condition") or "any"),
                   attempts if isinstance(attempts, int) else 0,
                   delay if isinstance(delay, int) else 5 * 10**9)

    @property
    def text(self) -> str:
        limit = f"max {self.max_attempts}" if self.max_attempts else "no limit"
        return f"{self.condition}, {limit}, every {self.delay_ns / 1e9:g}s"


def _exit_cause(snap: ClusterSnapshot, svc: Service) -> Explanation | None:
    by_slot: dict[tuple[str, str], list[Task]] = {}
    for t in snap.tasks_of_service(svc.id):  # newest first
        by_slot.setdefault(t.slot_key, []).append(t)
    worst: tuple[Task, int] | None = None
    for tasks in by_slot.values():
        if tasks[0].is_running:
            continue
        failures = [t for t in tasks if t.state == "failed"]
        if failures and (worst is None or len(failures) > worst[1]):
            worst = (failures[0], len(failures))
    if worst is None:
        return None
    task, count = worst
    code = task.exit_code
    m = EXIT_RE.search(task.error)
    if m:
        code = int(m.group(1))
    policy = RestartPolicy.of(svc)
    name = snap.task_name(task)
    how = f"exiting with code {code}" if code else f"failing ({task.error or task.message})"
    history = int(_d(_d(snap.swarm.get("Spec")).get("Orchestration")).get(
        "TaskHistoryRetentionLimit") or 5)
    seen = fmt.count(count, "failure") + (" or more" if count >= history else "")
    if policy.condition == "none":
        left = "restart policy none: the slot stays down"
    elif policy.max_attempts:
        remaining = max(policy.max_attempts - (count - 1), 0)
        left = (f"{fmt.count(remaining, 'restart')} left" if remaining
                else "no restarts left: the slot stays down")
        left += f" ({policy.text})"
    else:
        left = f"restarting every {policy.delay_ns / 1e9:g}s, no limit"
    text = f"task {name} keeps {how}: {seen}, {left}"
    details = (f"last failure on {snap.node_hostname(task.node_id) or '?'}: "
               f"{task.error or task.message}",
               f"restart policy: {policy.text}")
    return Explanation(svc.id, "exit", text, details, task.id)


# ------------------------------------------------------------------- update


def _update_cause(snap: ClusterSnapshot, svc: Service) -> Explanation | None:
    state = svc.update_state
    if state not in ("paused", "rollback_paused", "rollback_completed", "rollback_started"):
        return None
    words = {"paused": "update paused", "rollback_paused": "rollback paused",
             "rollback_completed": "update rolled back",
             "rollback_started": "update failed, rolling back"}[state]
    msg, t = named_message(snap, svc)  # "task web.2", not its ID
    text = msg if msg.startswith(words) else words + (f": {msg}" if msg else "")
    if t is not None and t.error:
        text += f" — {t.state}: {t.error}"
    changes = changed_since_previous(snap, svc)
    details = tuple(f"changed: {short_change(c)}" for c in changes)
    if not changes and state.startswith("rollback"):
        # after a rollback the engine keeps no PreviousSpec: the failed spec is in the
        # task history (a task of another spec that failed)
        failed = failed_update(snap, svc)
        if failed is not None:
            task, undone = failed
            text += f" — task {snap.task_name(task)} {task.state}: {task.error}" \
                if task.error and task.error not in text else ""
            details = tuple(f"the failed update changed: {short_change(c)}" for c in undone)
    if changes and state == "paused":
        text += " — changed since it last worked: " + "; ".join(
            short_change(c) for c in changes[:3])
    return Explanation(svc.id, "update", text, details)


# ------------------------------------------------------------------ starting


def _starting(snap: ClusterSnapshot, svc: Service, now: datetime) -> Explanation | None:
    stuck = stuck_tasks(snap, svc)
    if not stuck:
        return None
    t = stuck[0]
    since = ""
    if t.timestamp:
        since = f" for {fmt.short_age(t.timestamp, now)}"
    where = f" on {snap.node_hostname(t.node_id)}" if t.node_id else ""
    what = f": {t.error}" if t.error else ""
    return Explanation(svc.id, "starting",
                       f"{fmt.count(len(stuck), 'task')} not running yet — {snap.task_name(t)} "
                       f"{t.state}{where}{since}{what}")
