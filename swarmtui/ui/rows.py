"""Pane columns and rows: a ClusterSnapshot turned into table rows (no widgets here).

Column texts match the docker CLI (`node ls`, `service ls`, `service ps`,
`network ls`) so the lab tests can compare field by field. Extra columns come
after the CLI's, with lower priority, so they give way first at 80 columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from swarmtui.swarm import format as fmt
from swarmtui.swarm.health import Health
from swarmtui.swarm.models import Node, Service, Task
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.ui.widgets.table import Column, Row

NODE_COLUMNS = [
    Column("hostname", "HOSTNAME", 0, 10, 30),
    Column("status", "STATUS", 0, 6, 12),
    Column("availability", "AVAILABILITY", 1, 6, 12),
    Column("manager", "MANAGER STATUS", 1, 11, 14),
    Column("tasks", "TASKS", 2, 5, 7, right=True),
    Column("address", "ADDRESS", 3, 13, 39),
    Column("engine", "ENGINE VERSION", 4, 10, 20),
    Column("platform", "OS/ARCH", 5, 12, 20),
    Column("labels", "LABELS", 6, 10, 60, grow=True),
    Column("id", "ID", 7, 12, 12),
]
SERVICE_COLUMNS = [
    Column("name", "NAME", 0, 14, 40),
    Column("mode", "MODE", 3, 10, 14),
    Column("replicas", "REPLICAS", 0, 8, 30),
    Column("image", "IMAGE", 1, 14, 50, grow=True),
    Column("ports", "PORTS", 2, 14, 40),
    Column("update", "UPDATE", 1, 8, 18),
    Column("stack", "STACK", 5, 8, 20),
    Column("id", "ID", 6, 12, 12),
]
TASK_COLUMNS = [
    Column("name", "NAME", 0, 16, 45),
    Column("node", "NODE", 1, 6, 25),
    Column("desired", "DESIRED", 3, 8, 9),
    Column("current", "CURRENT STATE", 0, 24, 34),
    Column("error", "ERROR", 1, 16, 200, grow=True),
    Column("exit", "EXIT", 4, 4, 5, right=True),
    Column("image", "IMAGE", 5, 12, 40),
    Column("id", "ID", 6, 12, 12),
]
NETWORK_COLUMNS = [
    Column("name", "NAME", 0, 12, 30),
    Column("driver", "DRIVER", 1, 7, 10),
    Column("scope", "SCOPE", 2, 5, 6),
    Column("attachable", "ATTACHABLE", 4, 10, 10),
    Column("encrypted", "ENCRYPTED", 4, 9, 9),
    Column("subnets", "SUBNETS", 3, 14, 40),
    Column("services", "SERVICES", 1, 12, 80, grow=True),
    Column("id", "ID", 6, 12, 12),
]
STACK_COLUMNS = [
    Column("name", "STACK", 0, 10, 30),
    Column("services", "SERVICES", 0, 8, 8, right=True),
    Column("converged", "CONVERGED", 0, 9, 9, right=True),
    Column("failing", "FAILING TASKS", 1, 13, 13, right=True),
    Column("names", "SERVICE NAMES", 2, 13, 200, grow=True),
]
COLUMNS = {
    "nodes": NODE_COLUMNS,
    "services": SERVICE_COLUMNS,
    "tasks": TASK_COLUMNS,
    "networks": NETWORK_COLUMNS,
    "stacks": STACK_COLUMNS,
}
NODE_STATE_TAG = {"ready": "node-ready", "down": "node-down", "disconnected": "node-down",
                  "unknown": "node-down"}
TASK_STATE_TAG = {
    "running": "task-running", "failed": "task-failed", "rejected": "task-failed",
    "orphaned": "task-failed", "pending": "task-pending", "new": "task-pending",
    "allocated": "task-pending", "assigned": "task-pending", "accepted": "task-pending",
    "preparing": "task-pending", "ready": "task-pending", "starting": "task-pending",
    "shutdown": "task-shutdown", "complete": "task-shutdown", "remove": "task-shutdown",
}


def node_row(snap: ClusterSnapshot, n: Node, probs: Health) -> Row:
    running = snap.running_count(n.id)
    mgr_tag = ("manager-leader" if n.is_leader else
               "manager-unreachable" if n.is_manager and not n.is_reachable_manager else None)
    avail_tag = "draining" if n.availability in ("drain", "pause") else None
    return Row(
        n.id,
        (n.hostname, n.status_text, n.availability_text, n.manager_status_text, str(running),
         n.address, n.engine_version, n.platform_text, fmt.labels_text(n.labels),
         fmt.short_id(n.id)),
        (None, NODE_STATE_TAG.get(n.state), avail_tag, mgr_tag, None, None, None, None, None,
         None),
        problem=n.id in probs.ids or n.state != "ready" or mgr_tag == "manager-unreachable",
        sort=(None, None, None, None, running),
    )


def service_row(s: Service, probs: Health) -> Row:
    tag = "converged" if s.converged else "unconverged"
    upd = s.update_text
    upd_tag = "updating" if s.update_state in ("updating", "rollback_started") else (
        "unconverged" if s.update_state in ("paused", "rollback_paused") else None)
    return Row(
        s.id,
        (s.name, s.mode_text, s.replicas_text, s.image, s.ports_text, upd, s.stack or "",
         fmt.short_id(s.id)),
        (None, None, tag, None, None, upd_tag, None, None),
        problem=s.id in probs.ids or not s.converged,
        sort=(None, None, (s.running or 0, s.desired or 0)),
    )


def task_row(snap: ClusterSnapshot, t: Task, probs: Health, now: datetime,
             service_names: dict[str, str], node_names: dict[str, str]) -> Row:
    svc = service_names.get(t.service_id) or t.service_id[:12]
    name = fmt.task_name(svc, t.slot, t.node_id)
    current = snap.is_current(t)
    if not current:
        name = " \\_ " + name
    created = t.created_at.timestamp() if t.created_at else 0.0
    node = node_names.get(t.node_id, t.node_id) if t.node_id else ""
    exit_code = "" if t.exit_code is None or (t.exit_code == 0 and not t.is_terminal) \
        else str(t.exit_code)
    failing = t.id in probs.failing
    ts = t.timestamp.timestamp() if t.timestamp else 0.0
    return Row(
        t.id,
        (name, node, t.desired_text, t.current_state_text(now), t.error, exit_code, t.image,
         fmt.short_id(t.id)),
        # history that is not a current problem is muted; what matters stays loud
        (None, None, None,
         TASK_STATE_TAG.get(t.state) if current or failing else "task-shutdown",
         ("task-failed" if failing or (current and t.error) else "muted") if t.error else None,
         None, None, None),
        problem=failing,
        sort=(None, None, None, (t.state, -ts), None, t.exit_code if t.exit_code is not None
              else -1),
        # the CLI's order: service, slot (global tasks: node ID), newest first
        rank=(svc, t.slot or 0, "" if t.slot else (t.node_id or ""), 0 if current else 1,
              -created),
        history=not current,
    )


def network_row(snap: ClusterSnapshot, net_id: str) -> Row:
    n = snap.networks[net_id]
    services = snap.services_on_network.get(n.id, [])
    return Row(
        n.id,
        (n.name, n.driver, n.scope, _yes(n.attachable), _yes(n.encrypted),
         ", ".join(n.subnets), ", ".join(s.name for s in services), fmt.short_id(n.id)),
        (None,) * 8,
        problem=False,
    )


def stack_row(snap: ClusterSnapshot, name: str, services: list[Service], probs: Health) -> Row:
    converged = sum(1 for s in services if s.converged)
    ids = {s.id for s in services}
    failing = sum(1 for tid in probs.failing if snap.tasks[tid].service_id in ids)
    ok = converged == len(services) and not failing
    return Row(
        name,
        (name, str(len(services)), f"{converged}/{len(services)}", str(failing),
         ", ".join(s.name for s in services)),
        (None, None, "converged" if converged == len(services) else "unconverged",
         "task-failed" if failing else None, None),
        problem=not ok,
        sort=(None, len(services), converged, failing),
    )


def _yes(flag: bool) -> str:
    return "true" if flag else "false"


def rows_for(kind: str, snap: ClusterSnapshot, probs: Health,
             now: datetime | None = None, tasks: Iterable[Task] | None = None) -> list[Row]:
    """All rows of one pane."""
    now = now or fmt.now_utc()
    if kind == "nodes":
        return [node_row(snap, n, probs) for n in snap.nodes.values()]
    if kind == "services":
        return [service_row(s, probs) for s in snap.services.values()]
    if kind == "tasks":
        service_names = {s.id: s.name for s in snap.services.values()}
        node_names = {n.id: n.hostname for n in snap.nodes.values()}
        source = snap.live_tasks if tasks is None else [t for t in tasks if snap.is_live(t)]
        return [task_row(snap, t, probs, now, service_names, node_names) for t in source]
    if kind == "networks":
        return [network_row(snap, nid) for nid in snap.networks]
    if kind == "stacks":
        return [stack_row(snap, name, svcs, probs) for name, svcs in snap.stacks.items()]
    raise ValueError(kind)
