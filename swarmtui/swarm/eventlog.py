"""The events pane's domain: swarm events and the task changes seen between polls, bounded.

Swarm sends events for nodes, services, networks, secrets and configs (with the
changed fields as ``Attributes``: ``replicas.old``/``replicas.new``, ``image.old``…),
none for tasks; task changes are found by comparing two snapshots (state per task
ID). Both become :class:`EventLine` in one :class:`EventLog` that keeps the last N.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from swarmtui.swarm.state import ClusterSnapshot

DEFAULT_SIZE = 2000


@dataclass(frozen=True)
class EventLine:
    at: datetime
    #: "node", "service", "network", "secret", "config" or "task"
    kind: str
    #: "create", "update", "remove", or for tasks the new state
    action: str
    object_id: str
    name: str
    #: what changed, in words: "replicas 3 → 5", "running → failed: task: non-zero exit (3)"
    change: str

    @property
    def text(self) -> str:
        return f"{self.kind} {self.name} {self.action}" + (f": {self.change}" if self.change
                                                          else "")

    def matches(self, needle: str) -> bool:
        n = needle.lower()
        return not n or n in self.text.lower() or n in self.object_id.lower()


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _changes(attrs: Mapping[str, Any]) -> str:
    """ "replicas 3 → 5, image a → b" from Attributes' X.old / X.new pairs."""
    out = []
    for key in sorted(k[:-4] for k in attrs if k.endswith(".new")):
        old, new = attrs.get(f"{key}.old"), attrs.get(f"{key}.new")
        if old != new:
            out.append(f"{key} {old if old not in (None, '') else '(none)'} → {new}")
    return ", ".join(out)


def from_event(event: Mapping[str, Any]) -> EventLine | None:
    """An Engine API event dict (scope swarm) as a line; None for what is not one."""
    kind = str(event.get("Type") or event.get("type") or "")
    if kind not in ("node", "service", "network", "secret", "config"):
        return None
    actor = _d(event.get("Actor"))
    attrs = _d(actor.get("Attributes"))
    nano = event.get("timeNano")
    secs = nano / 1e9 if isinstance(nano, int) else float(event.get("time") or 0)
    oid = str(actor.get("ID") or "")
    return EventLine(datetime.fromtimestamp(secs, UTC), kind,
                     str(event.get("Action") or event.get("status") or ""), oid,
                     str(attrs.get("name") or oid[:12]), _changes(attrs))


def task_changes(old: ClusterSnapshot, new: ClusterSnapshot) -> list[EventLine]:
    """Tasks that appeared or changed state between two snapshots, oldest change first."""
    out = []
    for t in new.tasks.values():
        if t.service_id not in new.services:
            continue
        before = old.tasks.get(t.id)
        if before is not None and before.state == t.state:
            continue
        was = before.state if before is not None else "new"
        why = t.error if t.state in ("failed", "rejected") and t.error else ""
        where = f" on {new.node_hostname(t.node_id)}" if t.node_id else ""
        change = f"{was} → {t.state}{where}" + (f": {why}" if why else "")
        out.append(EventLine(t.timestamp or new.taken_at, "task", t.state, t.id,
                             new.task_name(t), change))
    return sorted(out, key=lambda e: e.at)


class EventLog:
    """The last `size` lines, oldest first; not thread-safe (one owner: the store thread)."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._lines: deque[EventLine] = deque(maxlen=size)

    def add(self, lines: Iterable[EventLine]) -> None:
        self._lines.extend(lines)

    def __len__(self) -> int:
        return len(self._lines)

    def lines(self, needle: str = "") -> list[EventLine]:
        return [e for e in self._lines if e.matches(needle)]
