"""Where tasks can run: placement constraints, the drain preview, and the tasks the
scheduler could not place (what a drain, scale or update waiting on them says).

Constraints are matched as swarmkit matches them (swarm/explain/constraints.py).
A constraint that does not parse is assumed satisfiable (the preview then errs on
the side of "another node can take it"; the engine decides).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from swarmtui.swarm.explain.constraints import Constraint, ConstraintError
from swarmtui.swarm.explain.scheduling import host_ports, ports_taken
from swarmtui.swarm.models import Node, Service
from swarmtui.swarm.state import ClusterSnapshot


def constraint_ok(node: Node, constraint: str) -> bool:
    """Whether `node` satisfies one constraint ("node.role==manager"); unparsable → True."""
    try:
        return Constraint.parse(constraint).matches(node)
    except ConstraintError:
        return True


def node_can_run(node: Node, service: Service) -> bool:
    """Ready, Active and satisfying every constraint of the service."""
    return (
        node.state == "ready"
        and node.availability == "active"
        and all(constraint_ok(node, c) for c in service.constraints)
    )


def eligible_nodes(
    snapshot: ClusterSnapshot, service: Service, excluding: Iterable[str] = ()
) -> list[Node]:
    """Nodes that could take a task of `service`, leaving out the `excluding` IDs."""
    skip = set(excluding)
    return sorted(
        (n for n in snapshot.nodes.values() if n.id not in skip and node_can_run(n, service)),
        key=lambda n: n.hostname,
    )


@dataclass(frozen=True)
class ServiceMove:
    """Tasks of one service running on the drained node(s)."""

    service: str
    mode: str
    tasks: tuple[str, ...]
    #: running tasks of the service on other nodes now
    running_elsewhere: int
    desired: int
    #: hostnames of nodes that could take the tasks
    can_go_to: tuple[str, ...]

    @property
    def destination(self) -> str:
        """Where the tasks go, in English: "moves to node2", "moves to one of node2,
        node3" (one task), "move to any of node2, node3" (several: the scheduler spreads
        them)."""
        verb = "moves" if len(self.tasks) == 1 else "move"
        nodes = ", ".join(self.can_go_to)
        if len(self.can_go_to) == 1:
            return f"{verb} to {nodes}"
        return f"{verb} to {'one' if len(self.tasks) == 1 else 'any'} of {nodes}"

    @property
    def drops_to_zero(self) -> bool:
        """A replicated service whose every running task is on the drained node(s)."""
        return self.mode == "replicated" and self.running_elsewhere == 0 and self.desired > 0


@dataclass(frozen=True)
class DrainPreview:
    nodes: tuple[str, ...]
    moves: tuple[ServiceMove, ...] = ()
    #: Active + Ready nodes left after the drain (any service)
    active_left: tuple[str, ...] = ()
    connected_through: bool = False
    warnings: tuple[str, ...] = field(default=())

    @property
    def lines(self) -> tuple[str, ...]:
        names = ", ".join(self.nodes)
        if not self.moves:
            return (f"no task is running on {names}: nothing moves",)
        out = []
        for m in self.moves:
            tasks = ", ".join(m.tasks)
            if m.mode == "global":
                out.append(f"{m.service} (global): {tasks} stops — global tasks do not move")
            elif m.can_go_to:
                out.append(f"{m.service}: {tasks} {m.destination}")
            else:
                them = "it (it stays" if len(m.tasks) == 1 else "them (they stay"
                out.append(f"{m.service}: {tasks} — no other node can take {them} Pending)")
        return tuple(out)


def _host_ports_busy(snapshot: ClusterSnapshot, service: Service,
                     nodes: Iterable[Node]) -> set[str]:
    """Hostnames among `nodes` where a host-mode port of `service` is already held (by
    any service's task there, its own included): the scheduler puts no task there."""
    ports = host_ports(service)
    if not ports:
        return set()
    taken = ports_taken(snapshot)
    return {n.hostname for n in nodes
            if any((n.id, port, proto) in taken for port, proto in ports)}


def _full(snapshot: ClusterSnapshot, service: Service, nodes: Iterable[Node]) -> set[str]:
    """Hostnames among `nodes` that already run `service.max_per_node` of its tasks
    (--replicas-max-per-node): the scheduler puts no more there."""
    if not service.max_per_node:
        return set()
    per_node: dict[str, int] = {}
    for t in snapshot.tasks_of_service(service.id):
        if t.node_id and t.wants_running and (t.is_running or t.state == "starting"):
            per_node[t.node_id] = per_node.get(t.node_id, 0) + 1
    return {n.hostname for n in nodes if per_node.get(n.id, 0) >= service.max_per_node}


def landing(snapshot: ClusterSnapshot, node: Node) -> list[str]:
    """What activating `node` places on it at once: the Pending tasks (no node could take
    them) that it can run — "web.1 is Pending: no suitable node (…) — it lands on node2"."""
    out = []
    for svc in sorted(snapshot.services.values(), key=lambda s: s.name):
        pending = [t for t in snapshot.current_tasks(svc.id)
                   if t.wants_running and t.state == "pending"]
        if not pending:
            continue
        if node.state != "ready" or not all(constraint_ok(node, c) for c in svc.constraints):
            continue
        if _full(snapshot, svc, [node]) or _host_ports_busy(snapshot, svc, [node]):
            continue
        for t in pending:
            why = f": {t.error}" if t.error else ""
            out.append(f"{snapshot.task_name(t)} is Pending{why} — it lands on {node.name}")
    return out


def _service_name(snapshot: ClusterSnapshot, service_id: str) -> str:
    svc = snapshot.services.get(service_id)
    return svc.name if svc else service_id


def drain_preview(
    snapshot: ClusterSnapshot, node_ids: Iterable[str], connected_node_id: str | None = None
) -> DrainPreview:
    """Which tasks of which services move off the nodes, and whether anything can take them."""
    ids = [i for i in node_ids if i in snapshot.nodes]
    names = tuple(snapshot.nodes[i].name for i in ids)
    by_service: dict[str, list[str]] = {}
    for nid in ids:
        for t in snapshot.running_tasks_on_node(nid):
            by_service.setdefault(t.service_id, []).append(snapshot.task_name(t))
    moves: list[ServiceMove] = []
    warnings: list[str] = []
    for sid, tasks in sorted(by_service.items(), key=lambda kv: _service_name(snapshot, kv[0])):
        svc = snapshot.services.get(sid)
        if svc is None:
            continue
        elsewhere = sum(
            1
            for t in snapshot.tasks_of_service(sid)
            if t.is_running and t.wants_running and t.node_id not in ids
        )
        fit = eligible_nodes(snapshot, svc, excluding=ids)
        busy = _host_ports_busy(snapshot, svc, fit)  # host-mode: one task per node and port
        full = _full(snapshot, svc, fit)  # --replicas-max-per-node reached
        targets = tuple(n.hostname for n in fit if n.hostname not in busy | full)
        move = ServiceMove(
            service=svc.name,
            mode=svc.mode,
            tasks=tuple(sorted(tasks)),
            running_elsewhere=elsewhere,
            desired=svc.desired or 0,
            can_go_to=targets,
        )
        moves.append(move)
        if move.mode == "global":
            continue
        if move.drops_to_zero:
            warnings.append(
                f"{svc.name} drops to zero running tasks until they restart elsewhere "
                "(a short outage)"
            )
        if not targets and busy:
            ports = ", ".join(f"{port}/{proto}" for port, proto in host_ports(svc))
            warnings.append(
                f"no other node can take {svc.name}'s tasks: its host-mode port {ports} is "
                f"already in use on {', '.join(sorted(busy))}; they will stay Pending"
            )
        elif not targets and full:
            warnings.append(
                f"no other node can take {svc.name}'s tasks: at most {svc.max_per_node} per "
                f"node, and {', '.join(sorted(full))} already run that many; they will stay "
                "Pending until a node can take them"
            )
        elif not targets:
            warnings.append(
                f"no other Active node can run {svc.name} (constraints: "
                f"{', '.join(svc.constraints) or 'none'}): its tasks will stay Pending"
            )
    active_left = tuple(
        sorted(
            n.hostname
            for n in snapshot.nodes.values()
            if n.id not in ids and n.state == "ready" and n.availability == "active"
        )
    )
    if not active_left:
        warnings.append("no other node is Active and Ready: nothing can take the tasks")
    connected = bool(connected_node_id and connected_node_id in ids)
    if connected:
        warnings.append(
            f"{snapshot.nodes[connected_node_id].name if connected_node_id else ''} is the "
            "node swarmtui is connected through: its tasks stop, the connection stays"
        )
    return DrainPreview(
        nodes=names,
        moves=tuple(moves),
        active_left=active_left,
        connected_through=connected,
        warnings=tuple(warnings),
    )


def pending_tasks(snapshot: ClusterSnapshot, service_id: str) -> list[str]:
    """ "web.1 pending: no suitable node (…)" for each current task of the service that
    the scheduler could not place (a task on its way, with no error yet, is not one)."""
    return [f"{snapshot.task_name(t)} {t.state}: {t.error}"
            for t in snapshot.current_tasks(service_id)
            if t.wants_running and not t.is_running and t.error and not t.is_terminal]


def pending_reason(snapshot: ClusterSnapshot, service_id: str) -> str:
    """ " — pending: no suitable node (…)" from the service's current tasks, or ""."""
    for t in snapshot.current_tasks(service_id):
        if t.wants_running and not t.is_running and (t.error or t.state == "pending"):
            return f" — {t.state}: {t.error or t.message}"
    return ""
