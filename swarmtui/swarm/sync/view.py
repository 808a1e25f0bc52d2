"""LinkView: what the status bar shows about the connection (the store's staleness state)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LinkView:
    """What the status bar shows about the connection."""

    #: "connecting", "connected", "stale", "failed", "closed", "static"
    state: str
    #: the manager we talk to (label) and how: "ssh", "local", "tcp", …
    endpoint: str = ""
    via: str | None = None
    cluster: str = ""
    latency_ms: float | None = None
    #: time.time() when the data went stale
    stale_since: float | None = None
    #: what is being done about it: "reconnecting to node2", an error, a note
    detail: str = ""
    generation: int = 0
    #: set when the engine is a worker / not in a swarm (a plain sentence)
    role_message: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def stale_for(self, now: float | None = None) -> float | None:
        if self.stale_since is None:
            return None
        return max(0.0, (now or time.time()) - self.stale_since)

    def describe(self, now: float | None = None) -> str:
        if self.state == "connecting":
            return f"connecting to {self.endpoint}…"
        if self.state == "connected":
            lat = f" · {self.latency_ms:.0f} ms" if self.latency_ms is not None else ""
            via = f" via {self.via}" if self.via else ""
            note = f" — {self.detail}" if self.detail else ""
            return f"connected to {self.endpoint}{via}{lat}{note}"
        if self.state == "stale":
            stale = self.stale_for(now) or 0.0
            return f"stale for {stale:.0f} s — {self.detail or 'reconnecting'}"
        if self.state == "failed":
            return f"not connected: {self.detail or 'no endpoint could be reached'}"
        if self.state == "static":
            return self.detail or "recorded cluster state"
        return "connection closed"
