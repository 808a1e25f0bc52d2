"""Why a node cannot take a task: swarmkit's scheduling filters, re-run on a snapshot.

For each node, in the scheduler's order: ready, availability active, resources
(reservations against the node's total minus what its tasks already reserve),
constraints, platform, host-mode ports, max replicas per node. Each filter that
fails gives one reason in plain words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from swarmtui.swarm.explain.constraints import Constraint
from swarmtui.swarm.models import Node, Service
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.swarm.task_model import Task

#: architecture names as nodes report them → as image platforms name them
_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i386": "386", "i686": "386"}


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _n(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


@dataclass(frozen=True)
class Reservation:
    """Reserved (or available) CPU in nano-CPUs and memory in bytes."""

    nano_cpus: int = 0
    memory: int = 0

    @classmethod
    def from_resources(cls, resources: Any) -> Reservation:
        r = _d(_d(resources).get("Reservations"))
        return cls(_n(r.get("NanoCPUs")), _n(r.get("MemoryBytes")))

    def __bool__(self) -> bool:
        return bool(self.nano_cpus or self.memory)


def service_reservation(svc: Service) -> Reservation:
    return Reservation.from_resources(_d(svc.spec.get("TaskTemplate")).get("Resources"))


def node_total(node: Node) -> Reservation:
    r = _d(_d(node.raw.get("Description")).get("Resources"))
    return Reservation(_n(r.get("NanoCPUs")), _n(r.get("MemoryBytes")))


def holds_resources(task: Task) -> bool:
    """A task the scheduler counts on its node: not finished and still wanted."""
    return bool(task.node_id) and not task.is_terminal and task.wants_running


def all_free(snap: ClusterSnapshot) -> dict[str, Reservation]:
    """Node ID → its total minus the reservations of the tasks it holds. Memoized."""
    return snap.memo("explain.node_free", lambda: _all_free(snap))


def node_free(snap: ClusterSnapshot, node: Node) -> Reservation:
    return all_free(snap).get(node.id) or node_total(node)


def sorted_nodes(snap: ClusterSnapshot) -> list[Node]:
    return snap.memo("explain.sorted_nodes",
                     lambda: sorted(snap.nodes.values(), key=lambda n: n.hostname))


def _all_free(snap: ClusterSnapshot) -> dict[str, Reservation]:
    used: dict[str, list[int]] = {}
    for t in snap.tasks.values():
        if not holds_resources(t) or t.node_id is None:
            continue
        r = Reservation.from_resources(t.spec.get("Resources"))
        if r:
            u = used.setdefault(t.node_id, [0, 0])
            u[0] += r.nano_cpus
            u[1] += r.memory
    out = {}
    for node in snap.nodes.values():
        total = node_total(node)
        cpu, mem = used.get(node.id, (0, 0))
        out[node.id] = Reservation(total.nano_cpus - cpu, total.memory - mem)
    return out


def host_ports(svc: Service) -> list[tuple[int, str]]:
    """(published port, protocol) of the service's host-mode ports with a fixed number."""
    return [(p.published, p.protocol) for p in svc.ports if p.mode == "host" and p.published]


def _ports_taken(snap: ClusterSnapshot) -> dict[tuple[str, int, str], dict[str, None]]:
    """(node id, port, protocol) → service ids holding it (tasks on the node, still wanted),
    as an ordered set."""
    taken: dict[tuple[str, int, str], dict[str, None]] = {}
    for svc in snap.services.values():
        ports = host_ports(svc)
        if not ports:
            continue
        for t in snap.tasks_of_service(svc.id):
            if not holds_resources(t) or t.node_id is None:
                continue
            for port, proto in ports:
                taken.setdefault((t.node_id, port, proto), {})[svc.id] = None
    return taken


def ports_taken(snap: ClusterSnapshot) -> dict[tuple[str, int, str], dict[str, None]]:
    return snap.memo("explain.ports_taken", lambda: _ports_taken(snap))


@dataclass
class NodeVerdict:
    """Why one node cannot take a task of the service (empty `reasons`: it can)."""

    node: Node
    #: filter name → reason, in the scheduler's order; filters: "down", "availability",
    #: "resources", "constraint", "platform", "port", "max-per-node"
    reasons: dict[str, str] = field(default_factory=dict)
    #: the constraints this node fails
    failed: list[Constraint] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.reasons


def image_platforms(svc: Service) -> list[tuple[str, str]]:
    """(os, arch) pairs the image offers (Placement.Platforms; empty: any)."""
    placement = _d(_d(svc.spec.get("TaskTemplate")).get("Placement"))
    out = []
    for p in placement.get("Platforms") or []:
        if isinstance(p, dict):
            out.append((str(p.get("OS") or "").lower(), str(p.get("Architecture") or "").lower()))
    return out


def platform_ok(node: Node, platforms: list[tuple[str, str]]) -> bool:
    if not platforms:
        return True
    arch = _ARCH.get(node.arch.lower(), node.arch.lower())
    os_ = node.os.lower()
    return any((not o or o == os_) and (not a or a == arch) for o, a in platforms)


@dataclass
class Placement:
    """Every node's verdict for one placement shape, and what follows from them.

    Services of the same shape (constraints, reservation, platforms; no host port, no
    max per node) share one Placement per snapshot: do not change it.
    """

    nodes: list[NodeVerdict]
    #: words already worked out for this shape, by blocking filter
    texts: dict[str, str] = field(default_factory=dict)

    @cached_property
    def details(self) -> tuple[str, ...]:
        return tuple(f"{v.node.name}: {'; '.join(v.reasons.values()) or 'could take it'}"
                     for v in self.nodes)

    @cached_property
    def any_ok(self) -> bool:
        return any(v.ok for v in self.nodes)

    @cached_property
    def blocking(self) -> str:
        """The filter every node fails (else the most common one); "" when a node is ok."""
        if self.any_ok:
            return ""
        counts: dict[str, int] = {}
        for v in self.nodes:
            for k in v.reasons:
                counts[k] = counts.get(k, 0) + 1
        everywhere = [k for k, c in counts.items() if c == len(self.nodes)]
        return everywhere[0] if everywhere else max(counts, key=lambda k: counts[k])


def placement(
    snap: ClusterSnapshot, svc: Service, constraints: Iterable[Constraint]
) -> Placement:
    """Every node of the swarm through every filter, hostnames sorted."""
    cons = list(constraints)
    if svc.max_per_node or host_ports(svc):
        return Placement(_verdicts(snap, svc, cons))  # depends on the service's own tasks
    key = (tuple(cons), service_reservation(svc), tuple(image_platforms(svc)))
    cache: dict[object, Placement] = snap.memo("explain.placements", dict)
    if key not in cache:
        cache[key] = Placement(_verdicts(snap, svc, cons))
    return cache[key]


def _verdicts(snap: ClusterSnapshot, svc: Service, cons: list[Constraint]) -> list[NodeVerdict]:
    want = service_reservation(svc)
    platforms = image_platforms(svc)
    ports = host_ports(svc)
    taken = ports_taken(snap) if ports else {}
    per_node: dict[str, int] = {}
    if svc.max_per_node:
        for t in snap.tasks_of_service(svc.id):
            if holds_resources(t) and t.node_id:
                per_node[t.node_id] = per_node.get(t.node_id, 0) + 1
    free_of = all_free(snap) if want else {}
    out = []
    for node in sorted_nodes(snap):
        v = NodeVerdict(node)
        if node.state != "ready":
            v.reasons["down"] = f"is {node.status_text}"
        if node.availability != "active":
            word = "drained" if node.availability == "drain" else "paused"
            v.reasons["availability"] = f"is {word}"
        if want:
            free = free_of.get(node.id) or node_total(node)
            short = []
            if want.memory and free.memory < want.memory:
                short.append(f"{gib(free.memory)} memory free")
            if want.nano_cpus and free.nano_cpus < want.nano_cpus:
                short.append(f"{cpus(free.nano_cpus)} CPUs free")
            if short:
                v.reasons["resources"] = "has only " + " and ".join(short)
        whys = []
        for c in cons:
            why = c.why_not(node)
            if why:
                v.failed.append(c)
                whys.append(f"{c.text}: {why}")
        if whys:
            v.reasons["constraint"] = "; ".join(whys)
        if platforms and not platform_ok(node, platforms):
            offered = ", ".join(f"{o}/{a}" for o, a in platforms)
            v.reasons["platform"] = f"is {node.platform_text}, the image is for {offered}"
        for port, proto in ports:
            holding = taken.get((node.id, port, proto))
            if holding:
                v.reasons["port"] = f"port {port}/{proto} is taken by " + _holders(
                    snap, svc, holding)
                break
        if svc.max_per_node and per_node.get(node.id, 0) >= svc.max_per_node:
            v.reasons["max-per-node"] = f"already runs {per_node[node.id]}"
        out.append(v)
    return out


def _holders(snap: ClusterSnapshot, svc: Service, holding: dict[str, None]) -> str:
    """The services holding a port: the first three names (others counted)."""
    others = []
    for s in holding:
        if s != svc.id and s in snap.services:
            others.append(s)
            if len(others) == 3:
                break
    if not others:
        return svc.name
    names = sorted(snap.services[s].name for s in others)
    more = len(holding) - (svc.id in holding) - len(names)
    return ", ".join(names) + (f" and {more} more" if more else "")


def gib(n: int) -> str:
    """Bytes for people: "512 MiB", "23.6 GiB"."""
    if abs(n) >= 1 << 30:
        return f"{n / (1 << 30):.1f} GiB".replace(".0 ", " ")
    if abs(n) >= 1 << 20:
        return f"{n / (1 << 20):.0f} MiB"
    return f"{n} B"


def cpus(nano: int) -> str:
    return f"{nano / 1e9:.2f}".rstrip("0").rstrip(".")
