"""Frozen dataclasses for Swarm objects, built from Engine API dicts.

Each model has ``from_api(d)``; nodes, services and networks keep the raw dict in
``raw`` (for the "inspect" view); tasks, which keep only the fields the app reads, are
in task_model.py. State strings are kept lower-case as the API gives them; ``*_text``
properties give what the docker CLI prints in its columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from swarmtui.swarm import format as fmt

ApiDict = dict[str, Any]


#: the label `docker stack deploy` puts on everything of a stack
STACK_LABEL = "com.docker.stack.namespace"


def _d(value: Any) -> ApiDict:
    """A dict or {} (the API returns null for many empty maps)."""
    return value if isinstance(value, dict) else {}


def _labels(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in _d(value).items()}


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class Versioned:
    """What a node and a service carry alike: the version, their times, their spec and
    the API's whole dict (for the "inspect" view)."""

    #: Version.Index — must be sent back with any update
    version: int
    created_at: datetime | None
    updated_at: datetime | None
    spec: ApiDict = field(repr=False)
    raw: ApiDict = field(repr=False, compare=False)


def _versioned(d: ApiDict) -> dict[str, Any]:
    """The `Versioned` fields of an API object, as keyword arguments."""
    return {"version": _int(_d(d.get("Version")).get("Index")) or 0,
            "created_at": fmt.parse_ts(d.get("CreatedAt")),
            "updated_at": fmt.parse_ts(d.get("UpdatedAt")),
            "spec": _d(d.get("Spec")), "raw": d}


# --------------------------------------------------------------------------- nodes


@dataclass(frozen=True)
class Node(Versioned):
    """A swarm node (`docker node ls` row)."""

    id: str
    hostname: str
    #: "manager" or "worker"
    role: str
    #: "ready", "down", "unknown" or "disconnected"
    state: str
    #: "active", "pause" or "drain"
    availability: str
    #: "leader", "reachable", "unreachable" (or "unknown") for managers; None for workers
    reachability: str | None
    engine_version: str
    #: Status.Addr, or the host part of ManagerStatus.Addr when Status.Addr is 0.0.0.0/empty
    address: str
    os: str
    arch: str
    #: node labels (Spec.Labels, set with `docker node update --label-add`)
    labels: dict[str, str]
    #: engine labels (Description.Engine.Labels, from daemon.json)
    engine_labels: dict[str, str]
    status_message: str

    @classmethod
    def from_api(cls, d: ApiDict) -> Node:
        spec = _d(d.get("Spec"))
        desc = _d(d.get("Description"))
        status = _d(d.get("Status"))
        mstatus = d.get("ManagerStatus")
        reach: str | None = None
        maddr = ""
        if isinstance(mstatus, dict):
            reach = "leader" if mstatus.get("Leader") else str(mstatus.get("Reachability") or "")
            maddr = str(mstatus.get("Addr") or "")
        addr = str(status.get("Addr") or "")
        if (not addr or addr == "0.0.0.0") and maddr:
            addr = maddr.rsplit(":", 1)[0]
        platform = _d(desc.get("Platform"))
        engine = _d(desc.get("Engine"))
        return cls(
            id=str(d.get("ID", "")),
            hostname=str(desc.get("Hostname") or ""),
            role=str(spec.get("Role") or ("manager" if reach else "worker")),
            state=str(status.get("State") or "unknown"),
            availability=str(spec.get("Availability") or "active"),
            reachability=reach or None,
            engine_version=str(engine.get("EngineVersion") or ""),
            address=addr,
            os=str(platform.get("OS") or ""),
            arch=str(platform.get("Architecture") or ""),
            labels=_labels(spec.get("Labels")),
            engine_labels=_labels(engine.get("Labels")),
            status_message=str(status.get("Message") or ""),
            **_versioned(d),
        )

    @property
    def is_manager(self) -> bool:
        """True when the node has a manager status (promoted), whatever its reachability."""
        return self.reachability is not None or self.role == "manager"

    @property
    def is_leader(self) -> bool:
        return self.reachability == "leader"

    @property
    def is_reachable_manager(self) -> bool:
        """A manager that counts towards the Raft majority right now (leader or reachable)."""
        return self.reachability in ("leader", "reachable")

    @property
    def status_text(self) -> str:
        """STATUS column: "Ready", "Down", "Unknown", "Disconnected"."""
        return fmt.pretty(self.state)

    @property
    def availability_text(self) -> str:
        """AVAILABILITY column: "Active", "Pause", "Drain"."""
        return fmt.pretty(self.availability)

    @property
    def manager_status_text(self) -> str:
        """MANAGER STATUS column: "Leader", "Reachable", "Unreachable" or ""."""
        return fmt.pretty(self.reachability)

    @property
    def platform_text(self) -> str:
        """ "linux/x86_64"."""
        return f"{self.os}/{self.arch}" if self.os or self.arch else ""

    @property
    def name(self) -> str:
        """The name a person uses for this node (its hostname, else its ID)."""
        return self.hostname or self.id


# ------------------------------------------------------------------------ services

SERVICE_MODES = ("replicated", "global", "replicated-job", "global-job")


@dataclass(frozen=True)
class Port:
    """A published port of a service endpoint."""

    target: int
    published: int | None
    #: "tcp", "udp" or "sctp"
    protocol: str
    #: "ingress" or "host"
    mode: str

    @classmethod
    def from_api(cls, d: ApiDict) -> Port:
        return cls(
            target=_int(d.get("TargetPort")) or 0,
            published=_int(d.get("PublishedPort")),
            protocol=str(d.get("Protocol") or "tcp"),
            mode=str(d.get("PublishMode") or "ingress"),
        )

    def as_tuple(self) -> tuple[int, int | None, str, str]:
        return (self.target, self.published, self.protocol, self.mode)

    @property
    def text(self) -> str:
        """ "*:8080->80/tcp" (ingress) or "8080:80/tcp (host)"."""
        if self.mode == "ingress":
            return f"*:{self.published}->{self.target}/{self.protocol}"
        pub = self.published if self.published else ""
        return f"{pub}:{self.target}/{self.protocol} (host)"


@dataclass(frozen=True)
class Service(Versioned):
    """A swarm service (`docker service ls` row). Counts come from ServiceStatus."""

    id: str
    name: str
    #: "replicated", "global", "replicated-job" or "global-job"
    mode: str
    #: ServiceStatus.DesiredTasks (falls back to Spec replicas when status is absent)
    desired: int | None
    #: ServiceStatus.RunningTasks (None when the list was made without status=True)
    running: int | None
    completed: int | None
    #: Spec.Mode.Replicated.Replicas (replicated only)
    spec_replicas: int | None
    #: ReplicatedJob.TotalCompletions (replicated-job only)
    total_completions: int | None
    max_per_node: int
    #: the image without its "@sha256:…" digest
    image: str
    #: the image exactly as in the spec (may carry a digest)
    image_full: str
    ports: tuple[Port, ...]
    #: UpdateStatus.State: "updating", "paused", "completed", "rollback_started",
    #: "rollback_paused", "rollback_completed", or None when never updated
    update_state: str | None
    update_message: str
    update_started_at: datetime | None
    update_completed_at: datetime | None
    #: com.docker.stack.namespace label, None outside a stack
    stack: str | None
    labels: dict[str, str]
    constraints: tuple[str, ...]
    #: network IDs (or names as given in the spec) the tasks attach to
    networks: tuple[str, ...]

    @classmethod
    def from_api(cls, d: ApiDict) -> Service:
        spec = _d(d.get("Spec"))
        modes = _d(spec.get("Mode"))
        tt = _d(spec.get("TaskTemplate"))
        cs = _d(tt.get("ContainerSpec"))
        placement = _d(tt.get("Placement"))
        status = d.get("ServiceStatus")
        spec_replicas: int | None = None
        total: int | None = None
        if "Global" in modes:
            mode = "global"
        elif "ReplicatedJob" in modes:
            mode = "replicated-job"
            rj = _d(modes.get("ReplicatedJob"))
            total = _int(rj.get("TotalCompletions"))
            spec_replicas = _int(rj.get("MaxConcurrent"))
        elif "GlobalJob" in modes:
            mode = "global-job"
        else:
            mode = "replicated"
            spec_replicas = _int(_d(modes.get("Replicated")).get("Replicas"))
            if spec_replicas is None:
                spec_replicas = 1
        if isinstance(status, dict):
            running: int | None = _int(status.get("RunningTasks")) or 0
            desired: int | None = _int(status.get("DesiredTasks")) or 0
            completed: int | None = _int(status.get("CompletedTasks")) or 0
        else:
            running = completed = None
            desired = spec_replicas if mode == "replicated" else None
        endpoint = _d(d.get("Endpoint"))
        ports_src = endpoint.get("Ports") or _d(spec.get("EndpointSpec")).get("Ports") or []
        ports = tuple(Port.from_api(p) for p in ports_src if isinstance(p, dict))
        us = _d(d.get("UpdateStatus"))
        labels = _labels(spec.get("Labels"))
        nets_src = tt.get("Networks") or spec.get("Networks") or []
        networks = tuple(
            str(n.get("Target")) for n in nets_src if isinstance(n, dict) and n.get("Target")
        )
        image_full = str(cs.get("Image") or "")
        return cls(
            id=str(d.get("ID", "")),
            name=str(spec.get("Name") or ""),
            mode=mode,
            desired=desired,
            running=running,
            completed=completed,
            spec_replicas=spec_replicas,
            total_completions=total,
            max_per_node=_int(placement.get("MaxReplicas")) or 0,
            image=fmt.strip_digest(image_full),
            image_full=image_full,
            ports=ports,
            update_state=str(us["State"]) if us.get("State") else None,
            update_message=str(us.get("Message") or ""),
            update_started_at=fmt.parse_ts(us.get("StartedAt")),
            update_completed_at=fmt.parse_ts(us.get("CompletedAt")),
            stack=labels.get(STACK_LABEL),
            labels=labels,
            constraints=tuple(str(c) for c in placement.get("Constraints") or []),
            networks=networks,
            **_versioned(d),
        )

    @property
    def mode_text(self) -> str:
        """MODE column as `docker service ls`: "replicated", "global", "replicated job"…"""
        return self.mode.replace("-", " ")

    @property
    def is_job(self) -> bool:
        return self.mode.endswith("-job")

    @property
    def replicas_text(self) -> str:
        """REPLICAS column exactly as `docker service ls`: "2/3", "3/3 (max 1 per node)"…"""
        return fmt.replicas_text(
            self.mode,
            self.running,
            self.desired,
            completed=self.completed,
            total_completions=self.total_completions,
            max_per_node=self.max_per_node,
        )

    @property
    def ports_text(self) -> str:
        """PORTS column as `docker service ls`: "*:8080->80/tcp" (ingress ports only)."""
        return fmt.ports_text(p.as_tuple() for p in self.ports)

    @property
    def ports_cell(self) -> str:
        """The Services pane's PORTS: the CLI's, then the host-mode ports it leaves out
        ("8080:80/tcp (host)": a port published the way the lab needs shows too)."""
        host = [p.text for p in self.ports if p.mode == "host"]
        return ", ".join(x for x in (self.ports_text, *host) if x)

    @property
    def converged(self) -> bool:
        """Running tasks equal desired (jobs: never "unconverged" once they ran)."""
        if self.running is None or self.desired is None:
            return True
        if self.is_job:
            return True
        return self.running >= self.desired

    @property
    def update_text(self) -> str:
        """ "updating", "paused", "rolled back", "completed", "rollback started"… or ""."""
        names = {
            "rollback_started": "rolling back",
            "rollback_paused": "rollback paused",
            "rollback_completed": "rolled back",
        }
        if not self.update_state:
            return ""
        return names.get(self.update_state, self.update_state)

    def network_ids(self, ids_by_name: Mapping[str, str]) -> frozenset[str]:
        """The networks this service's tasks attach to — the one rule for "services on a
        network": its spec's networks (by ID or name) and its endpoint's virtual IPs."""
        ids = {ids_by_name.get(n, n) for n in self.networks}
        for vip in _d(self.raw.get("Endpoint")).get("VirtualIPs") or []:
            if isinstance(vip, dict) and vip.get("NetworkID"):
                ids.add(str(vip["NetworkID"]))
        return frozenset(ids)


# ------------------------------------------------------------------------ networks


@dataclass(frozen=True)
class Network:
    """A network as listed by a manager (`docker network ls`: local and swarm scope)."""

    id: str
    name: str
    driver: str
    #: "swarm", "local" or "global"
    scope: str
    attachable: bool
    #: overlay with the "encrypted" driver option (IPsec between nodes)
    encrypted: bool
    internal: bool
    ingress: bool
    subnets: tuple[str, ...]
    labels: dict[str, str]
    created_at: datetime | None
    raw: ApiDict = field(repr=False, compare=False)

    @classmethod
    def from_api(cls, d: ApiDict) -> Network:
        options = _d(d.get("Options"))
        ipam = _d(d.get("IPAM"))
        subnets = tuple(
            str(c["Subnet"])
            for c in ipam.get("Config") or []
            if isinstance(c, dict) and c.get("Subnet")
        )
        return cls(
            id=str(d.get("Id") or d.get("ID") or ""),
            name=str(d.get("Name") or ""),
            driver=str(d.get("Driver") or ""),
            scope=str(d.get("Scope") or ""),
            attachable=bool(d.get("Attachable")),
            encrypted="encrypted" in options,
            internal=bool(d.get("Internal")),
            ingress=bool(d.get("Ingress")),
            subnets=subnets,
            labels=_labels(d.get("Labels")),
            created_at=fmt.parse_ts(d.get("Created")),
            raw=d,
        )
