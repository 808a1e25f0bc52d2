"""Plain-words summaries of one object for the drill-down screens (Content markup)."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from textual.markup import escape

from swarmtui.swarm import certs
from swarmtui.swarm import format as fmt
from swarmtui.swarm.explain import changed_since_previous, explain_service, rollout, short_change
from swarmtui.swarm.logs import LAST_LINES
from swarmtui.swarm.models import Network, Node, Service
from swarmtui.swarm.reach.probe import Cause
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.swarm.task_model import Task


def _d(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


#: where a detail line's value starts (its label is padded to one less): a value that
#: wraps goes on there (widgets/text.py Hanging)
VALUE_COLUMN = 14


def _line(label: str, value: object) -> str:
    text = "" if value is None else str(value)
    return (f"[b $primary]{label:<{VALUE_COLUMN - 1}}[/] "
            f"{escape(text) if text else '[$text-muted]—[/]'}")


def _ts(ts: datetime | None, now: datetime) -> str:
    if ts is None:
        return ""
    return f"{ts.strftime('%Y-%m-%d %H:%M:%S')} UTC ({fmt.ago(ts, now)})"


def _ns(value: Any) -> str:
    if not isinstance(value, int) or not value:
        return ""
    s = value / 1e9
    return f"{s:g}s" if s < 60 else f"{s / 60:g}m"


def resources_text(res: dict[str, Any]) -> str:
    parts = []
    for title, key in (("limits", "Limits"), ("reservations", "Reservations")):
        r = _d(res.get(key))
        bits = []
        if r.get("NanoCPUs"):
            bits.append(f"{r['NanoCPUs'] / 1e9:g} CPU")
        if r.get("MemoryBytes"):
            bits.append(f"{r['MemoryBytes'] / 2**20:g} MiB")
        if r.get("Pids"):
            bits.append(f"{r['Pids']} pids")
        if bits:
            parts.append(f"{title} {', '.join(bits)}")
    return "; ".join(parts) or "none (no limits, no reservations)"


def update_config_text(cfg: dict[str, Any]) -> str:
    if not cfg:
        return "defaults (1 at a time, no delay, pause on failure, stop-first)"
    at_once = cfg.get("Parallelism", 1) or "all"
    return (f"{at_once} at a time, delay {_ns(cfg.get('Delay')) or '0s'}, "
            f"on failure {cfg.get('FailureAction', 'pause')}, "
            f"monitor {_ns(cfg.get('Monitor')) or '5s'}, "
            f"max failure ratio {cfg.get('MaxFailureRatio', 0)}, "
            f"order {cfg.get('Order', 'stop-first')}")


def _counted_stopping(snap: ClusterSnapshot, s: Service) -> str:
    """Why RUNNING exceeds the replicas (`docker service ls` says "4/3" too): tasks told to
    stop that still report running — often on a node that is Down and cannot confirm."""
    if s.running is None or s.desired is None or s.running <= s.desired:
        return ""
    stopping = [t for t in snap.tasks_of_service(s.id)
                if t.state == "running" and t.desired_state not in ("running", "ready")]
    if not stopping:
        return ""
    down = False
    said = []
    for t in stopping[:3]:
        node = snap.nodes.get(t.node_id or "")
        where = node.name if node is not None else (t.node_id or "no node")[:12]
        if node is not None and node.state != "ready":
            where += f" ({node.status_text})"
            down = True
        said.append(f"{snap.task_name(t)} on {where}")
    more = f" and {len(stopping) - 3} more" if len(stopping) > 3 else ""
    why = ": counted until its node reports back" if down else ""
    return f"  — told to stop, still running: {', '.join(said)}{more}{why}"


def service_summary(snap: ClusterSnapshot, s: Service, now: datetime,
                    last_lines: Sequence[str] | str | None = None) -> str:
    """The service's detail; `last_lines`: what the task behind its cause wrote last (a
    task that keeps exiting), or why that could not be read."""
    tt = _d(s.spec.get("TaskTemplate"))
    cs = _d(tt.get("ContainerSpec"))
    cmd = shlex.join([str(a) for a in (*(cs.get("Command") or []), *(cs.get("Args") or []))])
    ports = ", ".join(p.text for p in s.ports)
    nets = ", ".join(snap.networks[n].name if n in snap.networks else n for n in s.networks)
    replicas = s.replicas_text
    mode = s.mode + (f" ({fmt.count(s.spec_replicas or 0, 'replica')})"
                     if s.mode == "replicated" else "")
    lines = [
        _line("service", f"{s.name}  ({s.id[:12]})"),
        _line("image", s.image_full),
        _line("command", cmd),
        _line("mode", mode),
        _line("running", f"{replicas}" + ("" if s.converged else "  — NOT converged")
              + _counted_stopping(snap, s)),
    ]
    # why it does not converge comes first: the box shows ~8 lines at 80×24
    lines.extend(_why(snap, s, now, last_lines))
    lines += [
        _line("constraints", ", ".join(s.constraints)),
        _line("ports", ports),
        _line("networks", nets),
        _line("update", update_config_text(_d(s.spec.get("UpdateConfig")))),
        _line("resources", resources_text(_d(tt.get("Resources")))),
        _line("restart", _restart_text(_d(tt.get("RestartPolicy")))),
    ]
    progress = rollout(snap, s)
    if progress is not None:
        when = _ts(s.update_started_at, now)
        lines.append(_line("update state", f"{progress.text} (started {when})"))
        for change in changed_since_previous(snap, s):
            lines.append(_line("changed", short_change(change)))
    else:
        lines.append(_line("update state", "never updated"))
    if s.stack:
        lines.append(_line("stack", s.stack))
    lines.append(_line("created", _ts(s.created_at, now)))
    return "\n".join(lines)


def _why(snap: ClusterSnapshot, s: Service, now: datetime,
         last_lines: Sequence[str] | str | None) -> list[str]:
    """Why the service does not converge, and what its failing task wrote last."""
    lines: list[str] = []
    cause = explain_service(snap, s, now)
    if cause is not None:
        lines.append(_line("why", cause.text))
        lines.extend(_line("", detail) for detail in cause.details)
        if cause.task_id and last_lines is not None:
            task = snap.tasks.get(cause.task_id)
            name = snap.task_name(task) if task is not None else cause.task_id[:12]
            if isinstance(last_lines, str):  # why they could not be read
                lines.append(_line("last lines", f"{name}: {last_lines}"))
            else:
                lines.append(_line("last lines", (
                    f"of {name} (docker service logs --tail {LAST_LINES} "
                    f"{cause.task_id[:12]})") if last_lines else f"{name} wrote nothing"))
                lines.extend(_line("", line) for line in last_lines)
    return lines


def _restart_text(rp: dict[str, Any]) -> str:
    if not rp:
        return "any (default)"
    out = str(rp.get("Condition", "any"))
    if rp.get("MaxAttempts"):
        out += f", max {rp['MaxAttempts']} attempts"
    if rp.get("Delay"):
        out += f", delay {_ns(rp['Delay'])}"
    return out


#: the node doctor's causes that F fixes, and how it says so in a node's detail
FIX_HINTS = {str(Cause.DOCKERD_DOWN): " — F starts its engine",
             str(Cause.LOCKED): " — F unlocks it"}


def node_summary(snap: ClusterSnapshot, n: Node, now: datetime) -> str:
    res = _d(_d(n.raw.get("Description")).get("Resources"))
    cpu = f"{res['NanoCPUs'] / 1e9:g} CPU" if res.get("NanoCPUs") else ""
    mem = f"{res['MemoryBytes'] / 2**30:.1f} GiB" if res.get("MemoryBytes") else ""
    mgr = _d(n.raw.get("ManagerStatus"))
    role = n.role + (f", {n.manager_status_text} at {mgr.get('Addr')}" if mgr else "")
    status = n.status_text + (f" — {n.status_message}" if n.status_message else "")
    cause = snap.causes.get(n.id)  # the node doctor's, over SSH: the whole sentence here
    fix = next((hint for c, hint in FIX_HINTS.items() if cause and cause.startswith(c)), "")
    lines = [
        _line("node", f"{n.hostname}  ({n.id[:12]})"),
        _line("status", status),
        *([_line("found by SSH", cause + fix)] if cause else []),
        _line("availability", _availability(n)),
        _line("role", role),
        _line("address", n.address),
        _line("engine", n.engine_version),
        _line("platform", n.platform_text),
        _line("resources", ", ".join(x for x in (cpu, mem) if x)),
        _line("labels", fmt.labels_text(n.labels)),
        _line("engine labels", fmt.labels_text(n.engine_labels)),
        _line("running", fmt.count(snap.running_count(n.id), "task") + _rebalance(snap, n)),
        _line("certificate", certs.node_cert_text(snap, n)),
        _line("updated", _ts(n.updated_at, now)),
    ]
    return "\n".join(lines)


def _availability(n: Node) -> str:
    """A node's availability, and for a drained or paused one what it means for its
    tasks and the command that makes it take them again."""
    undo = f"docker node update --availability active {n.hostname} undoes it"
    if n.availability == "drain":
        return (f"{n.availability_text} — runs no tasks: Swarm moved them to other nodes "
                f"and gives it none; {undo}")
    if n.availability == "pause":
        return f"{n.availability_text} — gets no new tasks, those running stay; {undo}"
    return n.availability_text


def _rebalance(snap: ClusterSnapshot, n: Node) -> str:
    """A Ready node running nothing while a service has several tasks on one other node:
    Swarm places tasks when they start and never moves running ones to a node that joins
    or comes back (the question a node back from Down raises)."""
    if n.state != "ready" or n.availability != "active" or snap.running_count(n.id):
        return ""
    crowded: list[tuple[int, str]] = []
    for s in snap.services.values():
        if s.mode != "replicated" or (s.spec_replicas or 0) < 2 or s.constraints:
            continue
        nodes = [t.node_id for t in snap.tasks_of_service(s.id)
                 if t.is_running and t.wants_running]
        if len(nodes) > len(set(nodes)):
            crowded.append((len(nodes), s.name))
    if not crowded:
        return ""
    name = max(crowded)[1]
    return (f" — Swarm does not move running tasks to a node that joins or comes back; "
            f"docker service update --force {name} spreads {name} again (a rolling "
            f"restart)")


def task_summary(snap: ClusterSnapshot, t: Task, now: datetime) -> str:
    svc = snap.services.get(t.service_id)
    addrs = [f"{att.name} {', '.join(att.addresses)}" for att in t.networks]
    lines = [
        _line("task", f"{snap.task_name(t)}  ({t.id})"),
        _line("service", f"{svc.name} ({svc.id[:12]})" if svc else t.service_id),
        _line("node", snap.node_hostname(t.node_id) or "not assigned to a node"),
        _line("desired", t.desired_text),
        _line("state", t.current_state_text(now)),
        _line("message", t.message),
        _line("error", t.error),
        # the engine says 0 for a container still running: only an ended task has one
        _line("exit code", t.exit_code if t.exit_code is not None and t.is_terminal else ""),
        _line("container", t.container_id or "none"),
        _line("image", _d(t.spec.get("ContainerSpec")).get("Image", t.image)),
        _line("networks", "; ".join(addrs)),
        _line("created", _ts(t.created_at, now)),
        _line("state since", _ts(t.timestamp, now)),
        _line("updated", _ts(t.updated_at, now)),
    ]
    if t.ports:
        lines.append(_line("ports", ", ".join(
            f"{published}:{target}/{proto}" for published, target, proto in t.ports)))
    return "\n".join(lines)


def network_summary(snap: ClusterSnapshot, n: Network, now: datetime) -> str:
    ipam = _d(n.raw.get("IPAM"))
    configs = [c for c in ipam.get("Config") or [] if isinstance(c, dict)]
    cfgs = ", ".join(f"{c.get('Subnet')} via {c.get('Gateway')}" if c.get("Gateway")
                     else str(c.get("Subnet")) for c in configs)
    services = snap.services_on_network.get(n.id, [])
    flags = [w for w, on in (("attachable", n.attachable), ("encrypted", n.encrypted),
                             ("internal", n.internal), ("ingress", n.ingress)) if on]
    lines = [
        _line("network", f"{n.name}  ({n.id[:12]})"),
        _line("driver", f"{n.driver}, scope {n.scope}"),
        _line("flags", ", ".join(flags) or "none"),
        _line("subnets", cfgs),
        _line("services", ", ".join(s.name for s in services) or "none attached"),
        _line("labels", fmt.labels_text(n.labels)),
        _line("created", _ts(n.created_at, now)),
    ]
    return "\n".join(lines)


def tasks_on_network(snap: ClusterSnapshot, net_id: str) -> list[Task]:
    """Tasks that want to run and have an address on this network."""
    out = []
    for t in snap.tasks.values():
        if not t.wants_running:
            continue
        if any(att.network_id == net_id for att in t.networks):
            out.append(t)
    return out
