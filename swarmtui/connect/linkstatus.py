"""What a `ClusterLink` reports: its state (`LinkState`), what the connected engine is in
its swarm (`SwarmRole`, from `docker info` or /_ping's Swarm header) and the snapshot
the status bar shows (`LinkStatus`).
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal


class LinkState(enum.StrEnum):
    CONNECTING = "connecting"  # first connection in progress
    CONNECTED = "connected"  # an engine answers
    RECONNECTING = "reconnecting"  # lost it; data on screen is stale; trying again
    FAILED = "failed"  # nothing works and retrying cannot help (or first connect failed)
    CLOSED = "closed"  # close() was called


RoleKind = Literal["manager", "worker", "not-in-swarm", "locked", "pending", "error"]


@dataclass(frozen=True)
class SwarmRole:
    """What the connected engine is in its swarm (from `docker info` → Swarm)."""

    kind: RoleKind
    node_id: str = ""
    node_addr: str = ""  # this node's swarm address (IP)
    manager_addrs: tuple[str, ...] = ()  # "ip:2377" of every manager the engine knows
    cluster_id: str = ""
    error: str = ""  # Swarm.Error, when the node is in the error state

    @property
    def message(self) -> str:
        """A plain sentence for the screen."""
        if self.kind == "manager":
            return "connected to a swarm manager"
        if self.kind == "worker":
            known = ", ".join(self.manager_addrs) or "none known"
            return ("this engine is a swarm WORKER: workers cannot show or change the cluster. "
                    f"Connect to a manager instead; managers it knows: {known}")
        if self.kind == "not-in-swarm":
            return ("this engine is not part of a swarm: initialise a new swarm here, or join "
                    "it to an existing one")
        if self.kind == "locked":
            return ("this manager is LOCKED (autolock): unlock it with the unlock key "
                    "(docker swarm unlock) to use it")
        if self.kind == "pending":
            return "this engine is joining a swarm (pending)"
        return f"this engine's swarm state is in error: {self.error or 'unknown error'}"


def role_from_info(info: dict[str, Any]) -> SwarmRole:
    sw = info.get("Swarm") or {}
    state = sw.get("LocalNodeState") or "inactive"
    managers = tuple(str(m.get("Addr", "")) for m in (sw.get("RemoteManagers") or [])
                     if m.get("Addr"))
    cluster = sw.get("Cluster") or {}
    kind: RoleKind = "not-in-swarm"
    if state == "active":
        kind = "manager" if sw.get("ControlAvailable") else "worker"
    elif state == "locked":
        kind = "locked"
    elif state == "pending":
        kind = "pending"
    elif state == "error":
        kind = "error"
    return SwarmRole(kind, node_id=str(sw.get("NodeID") or ""),
                     node_addr=str(sw.get("NodeAddr") or ""), manager_addrs=managers,
                     cluster_id=str(cluster.get("ID") or ""),
                     error=str(sw.get("Error") or "") if state == "error" else "")


def role_from_ping(swarm_header: str | None, known: SwarmRole | None) -> SwarmRole | None:
    """A role from /_ping's Swarm header, while `docker info` is slow (a manager with no
    leader answers info only after its cluster calls time out). Keeps what was known."""
    kinds: dict[str, RoleKind] = {"active/manager": "manager", "active/worker": "worker",
                                  "inactive": "not-in-swarm", "locked": "locked",
                                  "pending": "pending", "error": "error"}
    kind = kinds.get(swarm_header or "")
    if kind is None:
        return None
    if known is not None:
        return replace(known, kind=kind, node_id="", node_addr="")
    return SwarmRole(kind)


@dataclass(frozen=True)
class LinkStatus:
    """A snapshot for the status bar. `message` is computed live (stale seconds tick)."""

    state: LinkState
    endpoint: str  # label of the connected endpoint (or the one being tried)
    via: str | None  # "ssh", "ssh dial-stdio", "local", "tcp", "tcp+tls"; None if not connected
    latency_ms: float | None  # last /_ping round-trip
    stale_since: float | None  # time.time() when the data went stale; None while fresh
    generation: int  # increments on every successful (re)connect
    cluster: str = ""  # profile / target label
    role: SwarmRole | None = None
    trying: str | None = None  # endpoint being tried while (re)connecting
    error: str | None = None  # the last failure, for a person
    note: str | None = None  # e.g. "failed over from node1: …" or the dial-stdio reason
    retry_in: float | None = None  # seconds until the next attempt, while backing off
    checked_at: float | None = None  # time.time() of the last good /_ping

    def stale_for(self, now: float | None = None) -> float | None:
        if self.stale_since is None:
            return None
        return max(0.0, (time.time() if now is None else now) - self.stale_since)

    def describe(self, now: float | None = None) -> str:
        if self.state is LinkState.CONNECTING:
            return f"connecting to {self.trying or self.endpoint}…"
        if self.state is LinkState.CONNECTED:
            lat = f", {self.latency_ms:.0f} ms" if self.latency_ms is not None else ""
            note = f" — {self.note}" if self.note else ""
            return f"connected to {self.endpoint} via {self.via}{lat}{note}"
        if self.state is LinkState.RECONNECTING:
            stale = self.stale_for(now) or 0.0
            if self.trying:
                doing = f"reconnecting to {self.trying}"
            elif self.retry_in is not None:
                doing = f"retrying in {self.retry_in:.0f} s"
            else:
                doing = "reconnecting"
            why = f" ({self.error})" if self.error and not self.trying else ""
            return f"stale for {stale:.0f} s — {doing}{why}"
        if self.state is LinkState.FAILED:
            return f"not connected: {self.error or 'no endpoint could be reached'}"
        return "connection closed"

    @property
    def message(self) -> str:
        return self.describe()


StatusCallback = Callable[[LinkStatus], None]
