"""The placement map: services × nodes, each cell the running / wanted tasks there.

Sparse (only the cells that hold a task), built once per snapshot in one pass over
the current tasks, so it stays cheap at 100 nodes × 500 services. Tasks not yet on
a node (Pending) count in the service's ``unplaced``; the view decides how to draw.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from swarmtui.swarm.state import ClusterSnapshot

FAILED = frozenset({"failed", "rejected", "orphaned"})


@dataclass
class Cell:
    """Tasks of one service on one node (current tasks only, not history)."""

    running: int = 0
    #: tasks the orchestrator wants up here (desired running/ready)
    wanted: int = 0
    #: wanted here but failed/rejected last
    failing: int = 0

    @property
    def state(self) -> str:
        """ "running", "starting" (wanted, not all running yet), "failing", "stopping"."""
        if self.failing:
            return "failing"
        if self.running < self.wanted:
            return "starting"
        if self.running > self.wanted:
            return "stopping"
        return "running"

    @property
    def text(self) -> str:
        return f"{self.running}/{self.wanted}"


@dataclass(frozen=True)
class PlacementMap:
    #: node IDs, hostnames sorted
    nodes: tuple[str, ...]
    #: service IDs, names sorted
    services: tuple[str, ...]
    #: (service id, node id) → cell; missing = no task of that service there
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    #: service id → tasks wanted but not on any node yet
    unplaced: dict[str, int] = field(default_factory=dict)

    def cell(self, service_id: str, node_id: str) -> Cell | None:
        return self.cells.get((service_id, node_id))

    def filtered(self, snap: ClusterSnapshot, text: str) -> PlacementMap:
        """Only services and nodes whose name contains `text` (either axis matching keeps
        the whole row or column)."""
        t = text.lower()
        if not t:
            return self
        svc = tuple(s for s in self.services if t in snap.services[s].name.lower())
        nodes = tuple(n for n in self.nodes if t in snap.nodes[n].name.lower())
        if svc and not nodes:
            nodes = self.nodes
        elif nodes and not svc:
            svc = tuple(s for s in self.services
                        if any((s, n) in self.cells for n in nodes))
        return PlacementMap(nodes, svc, self.cells, self.unplaced)


def placement_map(snap: ClusterSnapshot) -> PlacementMap:
    """The map for a snapshot. Memoized per snapshot."""
    return snap.memo("placement_map", lambda: _build(snap))


def _build(snap: ClusterSnapshot) -> PlacementMap:
    cells: dict[tuple[str, str], Cell] = {}
    unplaced: dict[str, int] = {}
    current = snap.current_task_ids
    for t in snap.tasks.values():
        if t.id not in current or t.service_id not in snap.services:
            continue
        if not t.node_id:
            if t.wants_running:
                unplaced[t.service_id] = unplaced.get(t.service_id, 0) + 1
            continue
        if not (t.wants_running or t.is_running):
            continue
        c = cells.get((t.service_id, t.node_id))
        if c is None:
            c = cells[(t.service_id, t.node_id)] = Cell()
        if t.is_running:
            c.running += 1
        if t.wants_running:
            c.wanted += 1
            if t.state in FAILED:
                c.failing += 1
    nodes = tuple(n.id for n in sorted(snap.nodes.values(), key=lambda n: n.hostname))
    services = tuple(s.id for s in sorted(snap.services.values(), key=lambda s: s.name))
    return PlacementMap(nodes, services, cells, unplaced)
