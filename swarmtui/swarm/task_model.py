"""Tasks as the app keeps them: only the fields it reads, specs shared within a list,
strings copied out of the JSON decoder's memory (at 100,000 tasks the API dicts were most
of the memory); `Task.as_api` rebuilds an API-shaped dict for the inspect view. The
other swarm objects are in models.py.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from swarmtui.swarm import format as fmt
from swarmtui.swarm.models import ApiDict, _d, _int

#: Task states in lifecycle order (the engine's TaskState enum).
TASK_STATES = (
    "new",
    "allocated",
    "pending",
    "assigned",
    "accepted",
    "preparing",
    "ready",
    "starting",
    "running",
    "complete",
    "shutdown",
    "failed",
    "rejected",
    "remove",
    "orphaned",
)
TERMINAL_STATES = frozenset({"complete", "shutdown", "failed", "rejected", "remove", "orphaned"})
#: States that mean "not yet on a node": scheduling may be stuck here (e.g. "no suitable node").
UNSCHEDULED_STATES = frozenset({"new", "allocated", "pending"})


@dataclass(frozen=True, slots=True)
class NetAttachment:
    """A task's address on a network (NetworksAttachments: the network's ID, its name)."""

    network_id: str
    name: str
    addresses: tuple[str, ...]


def _own(text: str) -> str:
    """A copy of a string the JSON decoder made. What a task keeps is copied: the decoder's
    strings sit among the list's short-lived objects, and one kept string holds its whole
    memory pool (at 100,000 tasks: ~4× the memory the tasks need, never given back)."""
    return text.encode().decode()


class SpecPool:
    """Task specs shared within one list: the tasks of a service mostly carry equal specs,
    and 100,000 copies of one dict are what held most of a big list's memory. A spec kept
    is a fresh copy (see `_own`)."""

    #: distinct specs kept per service (a few updates' worth of history)
    PER_SERVICE = 8

    def __init__(self) -> None:
        self._by_service: dict[str, list[ApiDict]] = {}

    def share(self, service_id: str, spec: ApiDict) -> ApiDict:
        """An equal spec seen before in this list, else `spec` (remembered)."""
        seen = self._by_service.setdefault(service_id, [])
        for known in seen:
            if known == spec:
                return known
        if len(seen) >= self.PER_SERVICE:
            return spec
        own: ApiDict = json.loads(json.dumps(spec))
        seen.append(own)
        return own


_intern = sys.intern


@dataclass(frozen=True, slots=True)
class Task:
    """A task (`docker service ps` row). Its name needs the service name: see state.task_name.

    Only what the app reads is kept (not the API dict: at 100,000 tasks that was most of
    the memory); `inspect` fetches the whole object (:meth:`as_api` until it comes)."""

    id: str
    service_id: str
    #: slot number for replicated services; None for global ones (which use node_id)
    slot: int | None
    node_id: str | None
    desired_state: str
    state: str
    #: Status.Timestamp — when the task entered `state` (the CLI's "… ago")
    timestamp: datetime | None
    message: str
    error: str
    exit_code: int | None
    container_id: str | None
    image: str
    version: int
    created_at: datetime | None
    #: UpdatedAt as the API gives it (parsed on use: `updated_at`)
    updated: str
    #: the task's Spec (equal specs of one list are one shared dict: do not change it)
    spec: ApiDict = field(repr=False, compare=False)
    #: NetworksAttachments: network, name, addresses
    networks: tuple[NetAttachment, ...] = field(repr=False, compare=False)
    #: Status.PortStatus.Ports as (published, target, protocol)
    ports: tuple[tuple[Any, Any, Any], ...] = field(repr=False, compare=False)
    #: (service id, slot or node id): tasks with the same key replace one another
    slot_key: tuple[str, str] = field(repr=False, compare=False)
    #: sort key, newest first (creation time, then version index): state.newest_first
    newest_key: tuple[float, int] = field(repr=False, compare=False)

    @classmethod
    def from_api(cls, d: ApiDict, pool: SpecPool | None = None) -> Task:
        status = _d(d.get("Status"))
        cstatus = status.get("ContainerStatus")
        spec = _d(d.get("Spec"))
        image = _d(spec.get("ContainerSpec")).get("Image")
        slot = _int(d.get("Slot")) or None
        service_id = _intern(str(d.get("ServiceID") or ""))
        node_id = d.get("NodeID")
        node_id = _intern(str(node_id)) if node_id else None
        created_at = fmt.parse_ts(d.get("CreatedAt"))
        version = _int(_d(d.get("Version")).get("Index")) or 0
        if isinstance(cstatus, dict) and cstatus:
            exit_code = _int(cstatus.get("ExitCode"))
            cid = cstatus.get("ContainerID")
            container_id = _own(str(cid)) if cid else None
        else:
            exit_code = container_id = None
        attachments = d.get("NetworksAttachments")
        port_status = status.get("PortStatus")
        return cls(
            id=_own(str(d.get("ID", ""))),
            service_id=service_id,
            slot=slot,
            node_id=node_id,
            desired_state=_intern(str(d.get("DesiredState") or "")),
            state=_intern(str(status.get("State") or "")),
            timestamp=fmt.parse_ts(status.get("Timestamp")),
            message=_intern(str(status.get("Message") or "")),
            error=_intern(str(status.get("Err") or "")),
            exit_code=exit_code,
            container_id=container_id,
            image=_intern(fmt.strip_digest(str(image))) if image else "",
            version=version,
            created_at=created_at,
            updated=_own(str(d.get("UpdatedAt") or "")),
            spec=pool.share(service_id, spec) if pool is not None else spec,
            networks=_attachments(attachments) if attachments else (),
            ports=_port_status(port_status) if port_status else (),
            slot_key=(service_id, str(slot) if slot else (node_id or "")),
            newest_key=(-(created_at.timestamp() if created_at else 0.0), -version),
        )

    @property
    def updated_at(self) -> datetime | None:
        return fmt.parse_ts(self.updated)

    def as_api(self) -> ApiDict:
        """What the snapshot keeps, in the API's shape (inspect shows it until the engine's
        whole object comes)."""
        status: ApiDict = {"Timestamp": _iso(self.timestamp), "State": self.state,
                           "Message": self.message}
        if self.error:
            status["Err"] = self.error
        if self.container_id or self.exit_code is not None:
            status["ContainerStatus"] = {"ContainerID": self.container_id,
                                         "ExitCode": self.exit_code}
        if self.ports:
            status["PortStatus"] = {"Ports": [
                {"PublishedPort": p, "TargetPort": t, "Protocol": proto}
                for p, t, proto in self.ports]}
        out: ApiDict = {"ID": self.id, "Version": {"Index": self.version},
                        "CreatedAt": _iso(self.created_at), "UpdatedAt": self.updated or None,
                        "Spec": self.spec, "ServiceID": self.service_id}
        if self.slot:
            out["Slot"] = self.slot
        if self.node_id:
            out["NodeID"] = self.node_id
        out["Status"] = status
        out["DesiredState"] = self.desired_state
        if self.networks:
            out["NetworksAttachments"] = [
                {"Network": {"ID": n.network_id, "Spec": {"Name": n.name}},
                 "Addresses": list(n.addresses)} for n in self.networks]
        return out

    @property
    def desired_text(self) -> str:
        """DESIRED STATE column: "Running", "Shutdown", "Ready"."""
        return fmt.pretty(self.desired_state)

    def current_state_text(self, now: datetime | None = None) -> str:
        """CURRENT STATE column: "Running 5 seconds ago"."""
        return fmt.current_state(self.state, self.timestamp, now)

    @property
    def is_running(self) -> bool:
        return self.state == "running"

    @property
    def wants_running(self) -> bool:
        """The orchestrator wants this task up (desired running, or ready during a restart)."""
        return self.desired_state in ("running", "ready")

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL_STATES


def _attachments(value: Any) -> tuple[NetAttachment, ...]:
    out = []
    for att in value if isinstance(value, list) else ():
        net = _d(_d(att).get("Network"))
        out.append(NetAttachment(str(net.get("ID") or ""),
                                 str(_d(net.get("Spec")).get("Name") or ""),
                                 tuple(str(a) for a in _d(att).get("Addresses") or [])))
    return tuple(out)


def _port_status(value: Any) -> tuple[tuple[Any, Any, Any], ...]:
    return tuple((p.get("PublishedPort"), p.get("TargetPort"), p.get("Protocol"))
                 for p in _d(value).get("Ports") or [] if isinstance(p, dict))


def _iso(ts: datetime | None) -> str | None:
    return ts.isoformat().replace("+00:00", "Z") if ts else None
