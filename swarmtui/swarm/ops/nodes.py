"""Node operations: promote, demote, drain/activate/pause, remove (labels: node_labels.py).

All of them accept several nodes at once (except remove); the quorum preview is
computed over the combined change.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from swarmtui.swarm import format as fmt
from swarmtui.swarm.fetch import describe_error
from swarmtui.swarm.models import Node
from swarmtui.swarm.ops.base import (
    DockerAPI,
    GuardResult,
    Operation,
    OperationError,
    Spec,
    update_node_spec,
)
from swarmtui.swarm.ops.placement import drain_preview, landing, pending_reason, pending_tasks
from swarmtui.swarm.ops.quorum import quorum_preview
from swarmtui.swarm.state import ClusterSnapshot


class NodeOperation(Operation):
    """Base for operations on one or more nodes (given as Node models)."""

    kind = "node"

    def __init__(self, nodes: Sequence[Node]) -> None:
        if not nodes:
            raise ValueError("select at least one node")
        self.nodes = tuple(nodes)
        super().__init__(tuple(n.id for n in nodes), tuple(n.name for n in nodes))

    def _live(self, snapshot: ClusterSnapshot) -> tuple[list[Node], list[str]]:
        """The targets as they are in `snapshot`, and blocks for those that are gone."""
        live = [snapshot.nodes[i] for i in self.target_ids if i in snapshot.nodes]
        gone = [
            f"{label} is no longer in the swarm"
            for i, label in zip(self.target_ids, self.target_labels, strict=True)
            if i not in snapshot.nodes
        ]
        return live, gone

    def _joined(self, words: Sequence[str]) -> str:
        """One CLI line per node, joined with && (the CLI updates one node per command)."""
        return " && ".join(fmt.cli_join(*words, n) for n in self.target_labels)


# --------------------------------------------------------------------- roles


class _ChangeRole(NodeOperation):
    """Promote or demote: every target gets `role` (full spec, with its version)."""

    #: the role the targets get
    role = ""

    @property
    def cli(self) -> str:
        return fmt.cli_join("docker", "node", self.name, *self.target_labels)

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        live, blocks = self._live(snapshot)
        to_manager = self.role == "manager"
        todo = [n for n in live if n.is_manager != to_manager]
        warnings = [f"{n.name} is already a {self.role}" for n in live
                    if n.is_manager == to_manager]
        if live and not todo:
            blocks.append(f"nothing to do: every selected node is already a {self.role}")
        q = quorum_preview(snapshot, promote=todo) if to_manager else \
            quorum_preview(snapshot, demote=todo)
        if not (blocks or q.blocks):  # what it would risk, only for a change that can go
            warnings += self._risks(snapshot, todo, connected_node_id)
        was = "worker" if to_manager else "manager"
        preview = [f"{n.name}: {was} → {self.role}" for n in todo] + list(q.lines)
        return GuardResult(tuple(blocks) + q.blocks, tuple(warnings) + q.warnings, tuple(preview))

    def _risks(self, snapshot: ClusterSnapshot, todo: list[Node],
               connected_node_id: str | None) -> list[str]:
        """Warnings of this direction (none for promote)."""
        return []

    def apply(self, api: DockerAPI) -> str:
        for nid in self.target_ids:
            update_node_spec(api, nid, _set_role(self.role), before_write=self.before_write)
        return f"{self.name}d {self.target}"


class PromoteNodes(_ChangeRole):
    """`docker node promote NODE…`: make workers managers."""

    name = "promote"
    role = "manager"

    def converged(self, snapshot: ClusterSnapshot) -> tuple[bool, str]:
        waiting = []
        for nid, label in zip(self.target_ids, self.target_labels, strict=True):
            n = snapshot.nodes.get(nid)
            if n is None:
                return True, f"{label} left the swarm"
            if not n.is_reachable_manager:
                waiting.append(f"{label}: {n.manager_status_text or 'not yet a manager'}")
        if waiting:
            return False, "waiting for " + "; ".join(waiting)
        return True, f"{self.target}: manager, Reachable"


class DemoteNodes(_ChangeRole):
    """`docker node demote NODE…`: make managers workers."""

    name = "demote"
    role = "worker"

    def _risks(self, snapshot: ClusterSnapshot, todo: list[Node],
               connected_node_id: str | None) -> list[str]:
        warnings = []
        if connected_node_id and any(n.id == connected_node_id for n in todo):
            warnings.append(
                f"{snapshot.node_hostname(connected_node_id)} is the manager swarmtui is "
                "connected through: once demoted it cannot show the swarm; connect to "
                "another manager"
            )
        if any(n.is_leader for n in todo):
            warnings.append("the leader is demoted: a new leader is elected (a few seconds)")
        return warnings

    def converged(self, snapshot: ClusterSnapshot) -> tuple[bool, str]:
        waiting = []
        for nid, label in zip(self.target_ids, self.target_labels, strict=True):
            n = snapshot.nodes.get(nid)
            if n is not None and n.is_manager:
                waiting.append(f"{label} still {n.manager_status_text or 'a manager'}")
        if waiting:
            return False, "waiting: " + "; ".join(waiting)
        return True, f"{self.target}: worker"


def _set_role(role: str) -> Callable[[Spec], None]:
    def mutate(spec: Spec) -> None:
        spec["Role"] = role

    return mutate


# --------------------------------------------------------------- availability

_AVAIL_NAMES = {"drain": "drain", "active": "activate", "pause": "pause"}


class SetAvailability(NodeOperation):
    """`docker node update --availability drain|active|pause NODE`."""

    def __init__(self, nodes: Sequence[Node], availability: str) -> None:
        if availability not in _AVAIL_NAMES:
            raise ValueError(f"availability must be one of {', '.join(_AVAIL_NAMES)}")
        super().__init__(nodes)
        self.availability = availability
        self.name = _AVAIL_NAMES[availability]
        #: services whose tasks were on the node(s) when guarded (drain convergence)
        self.moved_service_ids: tuple[str, ...] = ()
        self.timeout = 90.0 if availability == "drain" else 30.0

    @property
    def cli(self) -> str:
        return self._joined(["docker", "node", "update", "--availability", self.availability])

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        live, blocks = self._live(snapshot)
        todo = [n for n in live if n.availability != self.availability]
        warnings = [f"{n.name} is already {n.availability_text}" for n in live if n not in todo]
        if live and not todo:
            blocks.append(f"nothing to do: already {fmt.pretty(self.availability)}")
        preview: list[str] = []
        if self.availability == "drain":
            dp = drain_preview(snapshot, [n.id for n in todo], connected_node_id)
            self.moved_service_ids = tuple(
                s.id
                for m in dp.moves
                if m.mode != "global"
                for s in [snapshot.service_by_name(m.service)]
                if s is not None
            )
            preview.extend(dp.lines)
            warnings.extend(dp.warnings)
        elif self.availability == "pause":
            for n in todo:
                preview.append(
                    f"{n.name}: its {fmt.count(snapshot.running_count(n.id), 'running task')} "
                    f"{fmt.plural(snapshot.running_count(n.id), 'stays', 'stay')}; "
                    "no new task is scheduled on it"
                )
        else:
            for n in todo:
                preview.append(
                    f"{n.name} accepts new tasks again (running services are not rebalanced "
                    "by themselves: `docker service update --force SERVICE` does it)"
                )
                preview.extend(landing(snapshot, n))
        return GuardResult(tuple(blocks), tuple(warnings), tuple(preview))

    def apply(self, api: DockerAPI) -> str:
        for nid in self.target_ids:
            update_node_spec(
                api, nid, _set_availability(self.availability), before_write=self.before_write
            )
        return f"{self.name}: {self.target}"

    def converged(self, snapshot: ClusterSnapshot) -> tuple[bool, str]:
        for nid, label in zip(self.target_ids, self.target_labels, strict=True):
            n = snapshot.nodes.get(nid)
            if n is None:
                return True, f"{label} left the swarm"
            if n.availability != self.availability:
                return False, f"{label} is still {n.availability_text}"
        if self.availability != "drain":
            return True, f"{self.target}: {fmt.pretty(self.availability)}"
        still = [
            snapshot.task_name(t)
            for nid in self.target_ids
            for t in snapshot.tasks_of_node(nid)
            if t.state in ("running", "starting")
        ]
        # a task that cannot be placed is said at once (the drain keeps waiting: the
        # cause can pass, a node coming back or freeing up)
        stuck = [s for sid in self.moved_service_ids for s in pending_tasks(snapshot, sid)]
        if still or stuck:
            said = [f"still running on {self.target}: {', '.join(sorted(still))}"] if still \
                else []
            return False, "; ".join(said + stuck)
        for sid in self.moved_service_ids:
            svc = snapshot.services.get(sid)
            if svc is None or svc.converged:
                continue
            why = pending_reason(snapshot, sid)
            return False, f"{svc.name}: {svc.running}/{svc.desired} running elsewhere{why}"
        return True, f"{self.target} drained: no running tasks; the services run elsewhere"


def _set_availability(value: str) -> Callable[[Spec], None]:
    def mutate(spec: Spec) -> None:
        spec["Availability"] = value

    return mutate


# -------------------------------------------------------------------- remove


class RemoveNode(NodeOperation):
    """`docker node rm [--force] NODE`: forget a node that has left or is Down.

    A manager is demoted first (`docker node demote NODE && docker node rm NODE`), with
    the quorum preview and blocks of a demotion. A Ready node must leave the swarm itself
    first (`docker swarm leave` on it). ``force`` is only accepted for a node that is not
    Ready (Down / Unknown / Disconnected).
    """

    name = "node-rm"
    timeout = 45.0
    #: how long the demotion of a manager may take before the removal is tried anyway
    demote_wait = 30.0

    def __init__(self, node: Node, force: bool = False) -> None:
        super().__init__([node])
        self.force = force
        self.demote_first = node.is_manager

    @property
    def cli(self) -> str:
        flags = ["--force"] if self.force else []
        rm = fmt.cli_join("docker", "node", "rm", *flags, *self.target_labels)
        if self.demote_first:
            return f"{fmt.cli_join('docker', 'node', 'demote', *self.target_labels)} && {rm}"
        return rm

    @property
    def confirm_text(self) -> str | None:
        return self.target_labels[0]

    @staticmethod
    def force_offered(node: Node) -> bool:
        """--force is offered only for a node that is not Ready."""
        return node.state != "ready"

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        live, blocks = self._live(snapshot)
        if not live:
            return GuardResult(blocks=tuple(blocks))
        n = live[0]
        warnings: list[str] = []
        preview = [f"{n.name} ({n.status_text}) is removed from the node list"]
        if n.is_manager:
            q = quorum_preview(snapshot, demote=[n])
            preview.insert(0, f"{n.name} is a manager: it is demoted first, then removed")
            blocks.extend(q.blocks)
            warnings.extend(q.warnings)
            preview.extend(q.lines)
        if len(snapshot.nodes) == 1:
            blocks.append(f"{n.name} is the last node of the swarm: leave the swarm instead "
                          "(docker swarm leave --force on it)")
        if n.state == "ready":
            blocks.extend(self._ready_blocks(n))
        elif n.state in ("unknown", "disconnected") and not self.force:
            warnings.append(f"{n.name} is {n.status_text}: the engine may need --force")
        running = snapshot.running_count(n.id)
        if running:
            warnings.append(f"{n.name} still reports {fmt.count(running, 'running task')}")
        if connected_node_id == n.id:
            blocks.append(f"{n.name} is the node swarmtui is connected through")
        return GuardResult(tuple(blocks), tuple(warnings), tuple(preview))

    def _ready_blocks(self, n: Node) -> tuple[str, ...]:
        """Why a Ready node cannot be removed as it is (LeaveAndRemoveNode has it leave)."""
        return (f"{n.name} is Ready (its engine is up): run `docker swarm leave` on {n.name} "
                "first, or wait until it is Down"
                + (" — --force is only offered for a node that is Down" if self.force else ""),)

    def apply(self, api: DockerAPI) -> str:
        return self._rm(api, "demoted to worker" if self._demote(api) else "")

    def _demote(self, api: DockerAPI) -> bool:
        """Demote a manager and wait (bounded) until the engine says it is a worker."""
        nid = self.target_ids[0]
        demoted = False
        if self.demote_first:
            update_node_spec(api, nid, _set_role("worker"), before_write=self.before_write)
            demoted = True
            deadline = time.monotonic() + self.demote_wait
            while time.monotonic() < deadline:
                try:
                    info = api.inspect_node(nid)
                except Exception:  # noqa: BLE001 - the removal below says what is wrong
                    break
                if info.get("Spec", {}).get("Role") == "worker" and not info.get("ManagerStatus"):
                    break
                time.sleep(0.5)
        return demoted

    def _rm(self, api: DockerAPI, done: str) -> str:
        """`docker node rm`; `done` says what was already changed ("demoted to worker")."""
        try:
            api.remove_node(self.target_ids[0], force=self.force)
        except Exception as exc:
            what = f"removing {self.target} failed: {describe_error(exc)}"
            if done:
                what = f"HALF-APPLIED: {self.target} was {done}, but {what}"
            raise OperationError(what) from exc
        return f"{done + ', then ' if done else ''}removed node {self.target}"

    def converged(self, snapshot: ClusterSnapshot) -> tuple[bool, str]:
        if self.target_ids[0] in snapshot.nodes:
            return False, f"{self.target} is still listed"
        return True, f"{self.target} removed"
