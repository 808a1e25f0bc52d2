"""LinkStore: the real connection — a store on a ClusterLink (SSH tunnel, reconnect, failover).

The link drives the status bar; each new link generation (a reconnect, maybe to
another manager) re-lists everything. The lists are ApiStore's refresher thread.
The link itself lives on the UI's asyncio loop: `start` must be called there.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping

from swarmtui.connect.httpget import EngineReader
from swarmtui.connect.link import ClusterLink
from swarmtui.connect.linkstatus import LinkState, LinkStatus
from swarmtui.swarm import fetch
from swarmtui.swarm import format as fmt
from swarmtui.swarm.state import KINDS, ClusterSnapshot
from swarmtui.swarm.sync.live import ApiStore
from swarmtui.swarm.sync.store import ALL, STATS, Clock, Store, StoreListener
from swarmtui.swarm.sync.view import LinkView

ALL_KINDS = frozenset(KINDS)


def link_view(status: LinkStatus) -> LinkView:
    """The status bar's view of a link status."""
    state = status.state
    role = status.role
    role_message = role.message if role is not None and role.kind != "manager" else None
    if state == LinkState.CONNECTED:
        return LinkView("connected", endpoint=status.endpoint, via=status.via,
                        cluster=status.cluster, latency_ms=status.latency_ms,
                        detail=status.note or "", generation=status.generation,
                        role_message=role_message)
    if state == LinkState.RECONNECTING:
        doing = (f"reconnecting to {status.trying}" if status.trying else
                 f"retrying in {status.retry_in:.0f} s" if status.retry_in is not None
                 else "reconnecting")
        if status.error and not status.trying:
            doing += f" ({status.error})"
        return LinkView("stale", endpoint=status.endpoint, cluster=status.cluster,
                        stale_since=status.stale_since, detail=doing,
                        generation=status.generation)
    if state == LinkState.CONNECTING:
        return LinkView("connecting", endpoint=status.trying or status.endpoint,
                        cluster=status.cluster)
    if state == LinkState.FAILED:
        return LinkView("failed", endpoint=status.endpoint, cluster=status.cluster,
                        stale_since=status.stale_since, detail=status.error or "")
    return LinkView("closed", endpoint=status.endpoint, cluster=status.cluster)


class LinkStore(ApiStore):
    """The real connection: a ClusterLink (SSH tunnel, reconnect with failover). Once
    connected (with `reach_when_shown`: once the first view is on screen, `shown`) it owns
    a node pool made from the link's options (the same SSH settings and host-key trust),
    `node_map` the profile's `[profiles.NAME.nodes]`."""

    def __init__(self, link: ClusterLink, *, poll_interval: float = 2.0,
                 read_only: bool = False, clock: Clock = fmt.now_utc,
                 node_map: Mapping[str, str] | None = None,
                 stats_interval: float = 0.0, reach_when_shown: bool = False) -> None:
        super().__init__(None, label=link.cluster, via="", poll_interval=poll_interval,
                         read_only=read_only, clock=clock)
        self.link = link
        self._generation = 0
        self._remove_listener: Callable[[], None] | None = None
        self._connecting: asyncio.Task[None] | None = None
        #: why the first connection failed (told to a listener that comes later, too)
        self._connect_error: Exception | None = None
        #: the link connected, and whether the node pool may be made then: with
        #: `reach_when_shown`, not before the first view is on screen (`shown`)
        self._connected = False
        self._reach_wanted = not reach_when_shown
        self.node_map = dict(node_map or {})
        self.stats_interval = stats_interval

    def api(self) -> fetch.DockerAPI:
        try:
            api = self.link.api
        except Exception as exc:
            raise fetch.FetchError(str(exc)) from exc
        return self._walled(api)

    def reader(self) -> EngineReader:
        try:
            return self.link.reader
        except Exception as exc:
            raise fetch.FetchError(str(exc)) from exc

    def learned_managers(self) -> list[str]:
        return self.link.learned_manager_urls()

    def begin(self) -> None:
        """On the loop the UI will run on: listen to the link, connect, then start listing —
        before anyone listens (swarmtui/startup.py starts it while the UI is imported)."""
        if self._connecting is not None:
            return
        self._remove_listener = self.link.add_listener(self._on_link)
        self._on_link(self.link.status)
        self._connecting = asyncio.get_running_loop().create_task(self._connect())

    def start(self, listener: StoreListener) -> None:
        """On the UI's loop: the listener hears the link's state, then what `begin` (called
        here if it was not) has found so far, then every change."""
        Store.start(self, listener)  # the link's state (ApiStore's refresher waits for a link)
        self.begin()
        if self._snapshot is not None:
            listener.on_snapshot(self._snapshot, ALL_KINDS)
        if self._connect_error is not None:
            listener.on_connect_failed(self._connect_error)

    async def _connect(self) -> None:
        try:
            await self.link.connect()
        except Exception as exc:
            self._connect_error = exc
            if self._listener is not None and not self._stopped.is_set():
                self._listener.on_connect_failed(exc)
            return
        self._connected = True
        self._reach_out()
        self._start_refresher()

    def shown(self) -> None:
        self._reach_wanted = True
        self._reach_out()

    def _reach_out(self) -> None:
        """Once connected (and, with `reach_when_shown`, once the first view is on screen):
        the node pool, made from the link's options — SSH to every node for the doctor,
        live stats and the managers' probes. In the early start (startup.py) the link
        connects while the UI is still imported, and the stats' first samples (three
        nodes' SSH handshakes) then took ~0.1-0.17 s of CPU from the one core the first
        view was built on. What was listed meanwhile goes to the pool at once."""
        if not (self._connected and self._reach_wanted) or self.reach is not None \
                or self.link.options is None or self._stopped.is_set():
            return
        from swarmtui.connect.nodes import NodePool
        from swarmtui.swarm.reach.watch import NodeReach

        self.attach_reach(NodeReach(NodePool(self.link.options, manager=self.link.endpoint,
                                             node_map=self.node_map),
                                    stats_interval=self.stats_interval))
        if self._snapshot is not None:
            self.request(STATS)  # published again with the pool: the managers' probes

    async def stop(self) -> None:
        await super().stop()
        if self._remove_listener is not None:
            self._remove_listener()
        if self._connecting is not None and not self._connecting.done():
            self._connecting.cancel()
        with contextlib.suppress(Exception):
            await self.link.close()

    def _on_link(self, status: LinkStatus) -> None:
        """Link status (loop thread) → status bar; a new generation → re-list everything."""
        self.via = status.via or self.via
        self._set_view(link_view(status))
        if status.state == LinkState.CONNECTED and status.generation != self._generation:
            self._generation = status.generation
            if self.reach is not None:  # after a failover, nodes are reached the new way
                self.reach.follow_manager(self.link.endpoint)
            self._close_watcher()
            self.request(ALL)

    def _fresh(self, seconds: float, snap: ClusterSnapshot) -> None:
        self._failures = 0

    def _failed(self, exc: BaseException) -> None:
        self._failures += 1
        self._close_watcher()
        if not self._stopped.is_set():  # a list cut short by stop() is no link failure
            self.link.report_failure(exc)
