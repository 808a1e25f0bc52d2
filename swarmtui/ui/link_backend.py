"""LinkBackend: the real connection — a ClusterLink (SSH tunnel, reconnect, failover).

The link drives the status bar; each new link generation (a reconnect, maybe to
another manager) re-lists everything. Fetching is ApiBackend's refresher thread.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from swarmtui.swarm import fetch
from swarmtui.ui.backend import ALL, ApiBackend, Backend
from swarmtui.ui.messages import LinkView

if TYPE_CHECKING:
    from textual.app import App


class LinkBackend(ApiBackend):
    """The real connection: a ClusterLink (SSH tunnel, reconnect with failover)."""

    def __init__(self, link: Any, *, poll_interval: float = 2.0, read_only: bool = False,
                 on_connect_error: Callable[[BaseException], None] | None = None) -> None:
        super().__init__(None, label=link.cluster, via="", poll_interval=poll_interval,
                         read_only=read_only)
        self.link = link
        self._generation = 0
        self._on_connect_error = on_connect_error
        self._remove_listener: Callable[[], None] | None = None

    def api(self) -> Any:
        try:
            return self.link.api
        except Exception as exc:
            raise fetch.FetchError(str(exc)) from exc

    def start(self, app: App[Any]) -> None:
        Backend.start(self, app)
        self._remove_listener = self.link.add_listener(self._on_link)
        self._on_link(self.link.status)
        app.run_worker(self._connect(), exit_on_error=False, group="backend", name="connect")

    async def _connect(self) -> None:
        try:
            await self.link.connect()
        except Exception as exc:
            if self._on_connect_error is not None:
                self._on_connect_error(exc)
            return
        assert self.app is not None
        self.app.run_worker(self._refresher, thread=True, exit_on_error=False,
                            group="backend", name="refresher")

    async def stop(self) -> None:
        await super().stop()
        if self._remove_listener is not None:
            self._remove_listener()
        with contextlib.suppress(Exception):
            await self.link.close()

    def _on_link(self, status: Any) -> None:
        """Link status (loop thread) → status bar; a new generation → re-list everything."""
        state = str(status.state)
        role = status.role
        role_message = role.message if role is not None and role.kind != "manager" else None
        if state == "connected":
            view = LinkView("connected", endpoint=status.endpoint, via=status.via,
                            cluster=status.cluster, latency_ms=status.latency_ms,
                            detail=status.note or "", generation=status.generation,
                            role_message=role_message)
        elif state == "reconnecting":
            doing = (f"reconnecting to {status.trying}" if status.trying else
                     f"retrying in {status.retry_in:.0f} s" if status.retry_in is not None
                     else "reconnecting")
            if status.error and not status.trying:
                doing += f" ({status.error})"
            view = LinkView("stale", endpoint=status.endpoint, cluster=status.cluster,
                            stale_since=status.stale_since, detail=doing,
                            generation=status.generation)
        elif state == "connecting":
            view = LinkView("connecting", endpoint=status.trying or status.endpoint,
                            cluster=status.cluster)
        elif state == "failed":
            view = LinkView("failed", endpoint=status.endpoint, cluster=status.cluster,
                            stale_since=status.stale_since, detail=status.error or "")
        else:
            view = LinkView("closed", endpoint=status.endpoint, cluster=status.cluster)
        self.via = status.via or self.via
        self._set_view(view)
        if state == "connected" and status.generation != self._generation:
            self._generation = status.generation
            self._close_watcher()
            self.request(ALL)

    def _fresh(self, seconds: float) -> None:
        self._failures = 0

    def _failed(self, exc: BaseException) -> None:
        self._failures += 1
        self._close_watcher()
        self.link.report_failure(exc)
