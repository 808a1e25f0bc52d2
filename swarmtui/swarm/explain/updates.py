"""Rolling updates from a snapshot: how far an update has got, and what it changed.

A task is *updated* when its spec is the service's current task template (the
updater's own rule: a task whose spec differs is "dirty" and gets replaced).
During a rollback the service's spec is already the previous one, so the same
count says how many tasks are back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from swarmtui.swarm.models import Service
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.swarm.task_model import Task

if TYPE_CHECKING:
    from swarmtui.swarm.create.diff import SpecChange

#: keys of a task spec the engine fills in or leaves out without a change of spec
_IGNORED = frozenset({"Runtime"})


def _clean(value: Any) -> Any:
    """Drop empty values (absent, {}, [], "", None, 0-free maps) so equal specs compare equal."""
    if isinstance(value, dict):
        out = {k: _clean(v) for k, v in value.items() if k not in _IGNORED}
        return {k: v for k, v in out.items() if v not in (None, {}, [], "")}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def task_is_current(svc_template: Any, task: Task) -> bool:
    """The task runs the service's current task template."""
    return bool(_clean(task.spec) == svc_template)


@dataclass(frozen=True)
class Rollout:
    """An update (or rollback) of one service, as far as the snapshot shows it."""

    service_id: str
    #: UpdateStatus.State: "updating", "paused", "completed", "rollback_started", …
    state: str
    #: tasks running the current spec
    updated: int
    #: tasks wanted (desired replicas, or the slots of a global service)
    total: int
    message: str
    started_at: datetime | None
    completed_at: datetime | None

    @property
    def rolling_back(self) -> bool:
        return self.state.startswith("rollback")

    @property
    def paused(self) -> bool:
        return self.state.endswith("paused")

    @property
    def active(self) -> bool:
        return self.state in ("updating", "rollback_started")

    @property
    def short(self) -> str:
        """For a table column: "updating 1/3", "paused 0/1", "rolling back 2/3", "rolled back"."""
        count = f"{self.updated}/{self.total}"
        return {
            "updating": f"updating {count}",
            "paused": f"paused {count}",
            "completed": "completed",
            "rollback_started": f"rolling back {count}",
            "rollback_paused": f"rollback paused {count}",
            "rollback_completed": "rolled back",
        }.get(self.state, self.state)

    @property
    def text(self) -> str:
        """ "updating: 1 of 3 updated", "paused at 1 of 3: <reason>", "rolled back: 3 of 3"."""
        count = f"{self.updated} of {self.total}"
        reason = f": {self.message}" if self.message else ""
        return {
            "updating": f"updating: {count} updated",
            "paused": f"update paused at {count} updated{reason}",
            "completed": f"update completed: {count} updated",
            "rollback_started": f"rolling back: {count} back on the previous spec",
            "rollback_paused": f"rollback paused at {count}{reason}",
            "rollback_completed": f"rolled back: {count} on the previous spec{reason}",
        }.get(self.state, f"{self.state}: {count}")


def rollout(snap: ClusterSnapshot, svc: Service) -> Rollout | None:
    """Progress of the service's last update; None when it was never updated."""
    if not svc.update_state:
        return None
    template = _clean(svc.spec.get("TaskTemplate") or {})
    current = [t for t in snap.current_tasks(svc.id) if t.desired_state == "running"]
    updated = sum(1 for t in current if t.is_running and task_is_current(template, t))
    total = svc.desired if svc.desired is not None else len(current)
    return Rollout(svc.id, svc.update_state, updated, total, named_message(snap, svc)[0],
                   svc.update_started_at, svc.update_completed_at)


#: the task an UpdateStatus.Message names ("… early termination of task <25-char ID>")
_TASK_ID = re.compile(r"\btask ([a-z0-9]{25})\b")


def named_message(snap: ClusterSnapshot, svc: Service) -> tuple[str, Task | None]:
    """The engine's UpdateStatus.Message with its task named as `docker service ps` names
    it ("… early termination of task web.2", not the task's ID), and that task (None
    when the message names none the snapshot holds: a task the history limit dropped
    since is said as such, by its short ID)."""
    msg = svc.update_message
    found = _TASK_ID.search(msg)
    if found is None:
        return msg, None
    task_id = found.group(1)
    task = snap.tasks.get(task_id)
    if task is None:
        return msg.replace(task_id, f"{task_id[:12]} (gone from the task history)"), None
    return msg.replace(task_id, snap.task_name(task)), task


def changed_since_previous(snap: ClusterSnapshot, svc: Service) -> list[SpecChange]:
    """What the last update changed: PreviousSpec → Spec, names for IDs (empty if none)."""
    previous = svc.raw.get("PreviousSpec")
    if not isinstance(previous, dict):
        return []
    from swarmtui.swarm.create.diff import spec_diff

    names = {n.id: n.name for n in snap.networks.values()}
    names.update({s.id: s.name for s in snap.secrets.values()})
    names.update({c.id: c.name for c in snap.configs.values()})
    return spec_diff(previous, svc.spec, names=names)


def short_change(change: SpecChange) -> str:
    """ "image: busybox:latest → nosuchimage:2" (the common spec prefixes left out)."""
    path = change.path
    for prefix in ("TaskTemplate.ContainerSpec.", "TaskTemplate."):
        if path.startswith(prefix):
            path = path[len(prefix):]
            break
    path = path[:1].lower() + path[1:]
    return f"{path}: {change.old} → {change.new}"


def failed_update(snap: ClusterSnapshot, svc: Service) -> tuple[Task, list[SpecChange]] | None:
    """The newest failed task of another spec than the service's, and what that spec
    changed from the current one (after a rollback, the update that was undone)."""
    from swarmtui.swarm.create.diff import spec_diff

    template = _clean(svc.spec.get("TaskTemplate") or {})
    for t in snap.tasks_of_service(svc.id):  # newest first
        if t.state in ("failed", "rejected") and not task_is_current(template, t):
            undone = spec_diff({"TaskTemplate": template},
                               {"TaskTemplate": _clean(t.spec)})
            return t, undone
    return None


def paused_cause(snap: ClusterSnapshot, svc: Service, named: Task | None = None) -> str:
    """Why an update paused: the newest failed or rejected task on the new spec, with its
    error ("task web.1 rejected: No such image: nosuchimage:2"; "rejected: …" alone when
    it is of the slot of `named`, the task the engine's message already names), or ""."""
    template = _clean(svc.spec.get("TaskTemplate") or {})
    said = snap.task_name(named) if named is not None else None
    for t in snap.tasks_of_service(svc.id):  # newest first
        if t.state in ("failed", "rejected") and task_is_current(template, t):
            name = snap.task_name(t)
            who = "" if name == said else f"task {name} "
            return f"{who}{t.state}: {t.error or t.message or 'no error given'}"
    return ""


def pace(svc: Service) -> str:
    """How long a rolling update takes per batch, from the spec: "1 task at a time, each
    given up to 10 s to stop, 0 s between batches"."""
    uc = svc.spec.get("UpdateConfig") or {}
    cs = (svc.spec.get("TaskTemplate") or {}).get("ContainerSpec") or {}
    grace_ns = cs.get("StopGracePeriod")
    grace = int(grace_ns) / 1e9 if grace_ns is not None else 10.0  # the engine's default
    par = int(uc.get("Parallelism", 1) or 0)
    delay = int(uc.get("Delay") or 0) / 1e9
    at_once = "all tasks at once" if par == 0 else f"{par} task{'s' if par != 1 else ''} " \
                                                   "at a time"
    return f"{at_once}, each given up to {grace:g} s to stop, {delay:g} s between batches"
