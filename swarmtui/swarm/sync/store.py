"""The store: the one owner of "the current snapshot", and what listens to it.

A store publishes immutable `ClusterSnapshot`s, each with its health computed
once (``health.assessed``, with the store's clock) in the thread that built it,
before any listener sees it. Listeners implement :class:`StoreListener`; the UI
has one adapter that turns these calls into Textual messages.

Variants: :class:`StaticStore` (a recorded snapshot and a fixed now, for
pictures), ``live.ApiStore`` (a fixed docker APIClient) and ``link.LinkStore``
(a ClusterLink: SSH tunnel, reconnect, failover).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from swarmtui.connect.readonly import refuse_writes
from swarmtui.secrets import Secret
from swarmtui.swarm import fetch, health, noleader
from swarmtui.swarm import format as fmt
from swarmtui.swarm.eventlog import EventLine, EventLog, task_changes
from swarmtui.swarm.logs import (
    LAST_LINES,
    TAIL,
    LogStream,
    MergedLogs,
    open_service_logs,
    task_log_tail,
)
from swarmtui.swarm.models import ApiDict
from swarmtui.swarm.state import KINDS, ClusterSnapshot
from swarmtui.swarm.sync.view import LinkView

if TYPE_CHECKING:
    from swarmtui.swarm import swarmkeys, swarmspec
    from swarmtui.swarm.ops.base import GuardResult, Operation
    from swarmtui.swarm.reach.watch import NodeReach

#: "re-list every kind"
ALL = "all"
#: not a kind to list: the node pool has new live stats (fold them into the snapshot)
STATS = "stats"
#: A clock: now, as an aware UTC datetime
Clock = Callable[[], datetime]


class StoreListener(Protocol):
    """What a store tells its listener (from the store's threads: hand over thread-safely)."""

    def on_snapshot(self, snapshot: ClusterSnapshot, kinds: frozenset[str]) -> None:
        """A new snapshot; `kinds` changed (a poll whose lists changed nothing says none:
        only its time, and the ages of its health, are new). Its health is computed."""

    def on_link(self, view: LinkView) -> None:
        """The connection's state changed (connected, stale, reconnecting…)."""

    def on_connect_failed(self, error: BaseException) -> None:
        """The first connection failed; no snapshot will come."""


class Store:
    """The cluster as the app sees it: the current snapshot, the link's state, reads."""

    #: the cluster's label (profile, target, "lab/node1")
    label = ""
    #: set when the connection itself is read-only
    read_only = False

    def __init__(self, *, label: str = "", read_only: bool = False,
                 clock: Clock = fmt.now_utc) -> None:
        self.label = label
        self.read_only = read_only
        self._clock = clock
        self._listener: StoreListener | None = None
        self._snapshot: ClusterSnapshot | None = None
        self._view = LinkView("connecting", endpoint=label, cluster=label)
        self._stopped = threading.Event()
        self._streams: set[LogStream] = set()
        self._streams_lock = threading.Lock()
        #: the node pool and doctor (causes of Down nodes), when nodes can be reached
        self.reach: NodeReach | None = None
        # the events pane's log: swarm events and task changes between snapshots
        self._events = EventLog()
        self._events_lock = threading.Lock()
        self._events_added = 0
        #: the snapshot of the last task list (task changes are found against it)
        self._last_tasks: ClusterSnapshot | None = None
        self._known_managers: tuple[tuple[str, str], ...] = ()

    # ------------------------------------------------------------- reading
    @property
    def snapshot(self) -> ClusterSnapshot | None:
        """The current snapshot (None until the first list)."""
        return self._snapshot

    @property
    def known_managers(self) -> tuple[tuple[str, str], ...]:
        """(hostname, address) of the managers the last snapshot that listed any saw
        (kept when the quorum is lost and the lists fail: the recovery probes them)."""
        return self._known_managers

    def learned_managers(self) -> list[str]:
        """Endpoint strings of managers learned from the swarm beyond the ones given (the
        link's; none for a recorded state): what `remember_managers` can add to a profile."""
        return []

    @property
    def view(self) -> LinkView:
        """The connection's state, for the status bar."""
        return self._view

    @property
    def live(self) -> bool:
        """False for a recorded state (no engine to ask)."""
        return True

    def now(self) -> datetime:
        """The store's clock (ages, problem texts); fixed for a recorded state."""
        return self._clock()

    @property
    def events_added(self) -> int:
        """How many lines the event log has taken so far (grows by one per line)."""
        return self._events_added

    def events(self) -> tuple[int, list[EventLine]]:
        """The event log (bounded): how many lines it has taken so far, and the lines it
        keeps, newest first (a copy; any thread). The newest line is number `added`."""
        with self._events_lock:
            added, lines = self._events_added, self._events.lines()
        lines.reverse()
        return added, lines

    def _log_events(self, lines: list[EventLine]) -> None:
        if not lines:
            return
        with self._events_lock:
            self._events.add(lines)
            self._events_added += len(lines)

    # ------------------------------------------------------------- control
    def attach_reach(self, reach: NodeReach) -> None:
        """Own this node pool: every snapshot goes to its doctor, its causes come back in
        the next snapshot (a new cause asks for a node re-list)."""
        self.reach = reach
        reach.on_change = lambda: self.request("nodes")
        reach.on_stats = lambda: self.request(STATS)
        if self._snapshot is not None:
            reach.update(self._snapshot)

    def start(self, listener: StoreListener) -> None:
        """Begin: the listener hears the link's state and every snapshot from now on."""
        self._listener = listener
        listener.on_link(self._view)

    def shown(self) -> None:
        """The listener's first view of a snapshot is on screen (the UI's loop)."""

    async def stop(self) -> None:
        """Stop every thread and close every stream; the listener hears nothing more."""
        self._stopped.set()
        with self._streams_lock:
            streams = list(self._streams)
        for stream in streams:
            stream.close()
        if self.reach is not None:
            await self.reach.close()

    def request(self, *kinds: str) -> None:
        """Ask for a re-list of these kinds (or "all") as soon as possible."""

    # ------------------------------------------------ calls on the engine
    def api(self) -> fetch.DockerAPI:
        """The current blocking docker APIClient (threads only); raises FetchError when
        there is no connection. For the one runner of changes, and the store's own reads."""
        raise fetch.FetchError("there is no connection to a Docker engine")

    def _walled(self, api: fetch.DockerAPI) -> fetch.DockerAPI:
        """In read-only mode the client itself refuses writes (connect/readonly.py): a
        second wall below the runner's refusal."""
        return refuse_writes(api) if self.read_only else api

    def check(self, op: Operation) -> GuardResult:
        """What `op.check_io` finds against the engine and the current snapshot (an image
        on the nodes, its registry) for the confirmation (blocking: call from a thread).
        Raises FetchError when there is no connection or no snapshot yet."""
        snapshot = self._snapshot
        if snapshot is None:
            raise fetch.FetchError("no snapshot of the cluster yet")
        return op.check_io(self.api(), snapshot)

    def inspect(self, kind: str, object_id: str) -> ApiDict:
        """`docker KIND inspect ID` (blocking: call from a thread). Raises FetchError."""
        return fetch.inspect_object(self.api(), kind, object_id)

    def swarm_inspect(self) -> swarmspec.SwarmInspect:
        """`docker swarm inspect` (blocking: call from a thread)."""
        from swarmtui.swarm import swarmspec  # docker-py: on first use (connect/httpget.py)

        return swarmspec.inspect(self.api())

    def join_tokens(self) -> swarmkeys.JoinTokens:
        """The join tokens and a manager's address (blocking: call from a thread)."""
        from swarmtui.swarm import swarmkeys

        return swarmkeys.join_tokens(self.api())

    def unlock_key(self) -> Secret | None:
        """`docker swarm unlock-key` (blocking: call from a thread)."""
        from swarmtui.swarm import swarmkeys

        return swarmkeys.get_unlock_key(self.api())

    def engine_facts(self) -> dict[str, Any]:
        """Name, swarm state and manager counts of the engine the store reads (blocking)."""
        from swarmtui.swarm import swarmleave

        return swarmleave.node_facts(self.api())

    def service_logs(self, service_id: str, tty: bool = False, tail: int | None = TAIL,
                     since: datetime | None = None) -> LogStream:
        """Follow a service's logs (blocking open: call from a thread) from `since` (or
        its last `tail` lines; None: all). The stream is closed when the store stops.
        Raises FetchError."""
        try:
            raw = open_service_logs(self.api(), service_id, tty, tail, since)
        except fetch.FetchError:
            raise
        except Exception as exc:  # docker-py raises many types
            raise fetch.FetchError(fetch.describe_error(exc)) from exc
        stream = LogStream(raw, on_close=self._forget_stream)
        with self._streams_lock:
            self._streams.add(stream)
        if self._stopped.is_set():
            stream.close()
        return stream

    def task_logs(self, task_id: str, tail: int = LAST_LINES) -> list[str]:
        """The last lines a task wrote (blocking: call from a thread). Raises FetchError."""
        try:
            return task_log_tail(self.api(), task_id, tail)
        except fetch.FetchError:
            raise
        except Exception as exc:  # docker-py raises many types
            raise fetch.FetchError(fetch.describe_error(exc)) from exc

    def merged_logs(self, service_ids: list[str], tail: int | None = TAIL,
                    since: datetime | None = None) -> MergedLogs:
        """The follow streams of these services, merged (not started: `.start()`)."""
        snap = self._snapshot
        services = []
        for sid in service_ids:
            svc = snap.services.get(sid) if snap is not None else None
            tty = bool(((svc.spec.get("TaskTemplate") or {}).get("ContainerSpec") or {}
                        ).get("TTY")) if svc is not None else False
            services.append((sid, tty))
        return MergedLogs(self.service_logs, services, tail, since)

    def _forget_stream(self, stream: LogStream) -> None:
        with self._streams_lock:
            self._streams.discard(stream)

    # ---------------------------------------------------------- publishing
    def _publish(self, snap: ClusterSnapshot, kinds: frozenset[str]) -> None:
        """The doctor's causes, health once, here (the store's thread), then the snapshot
        becomes current (and goes to the doctor)."""
        if self.reach is not None:
            causes = self.reach.causes()
            if causes != snap.causes:
                snap = replace(snap, causes=causes)
            stats = self.reach.stats()
            if stats is not snap.stats:
                snap = snap.with_stats(stats)
            lost = noleader.is_lost(snap.message)
            self.reach.watch_managers(self.reach.managers_of(self._known_managers, snap)
                                      if lost else ())
            if lost:  # what the API cannot say: each manager's own state, over SSH
                snap = replace(snap, message=noleader.with_probed(
                    snap.message or "", self.reach.managers_line()))
        health.assessed(snap, self.now())
        if self._stopped.is_set():
            return
        if "tasks" in kinds:
            # task changes between consecutive task lists (the first list is no change)
            if self._last_tasks is not None:
                self._log_events(task_changes(self._last_tasks, snap))
            self._last_tasks = snap
        self._snapshot = snap
        if snap.managers:
            self._known_managers = tuple((n.hostname, n.address) for n in
                                         sorted(snap.managers, key=lambda n: n.hostname))
        if self.reach is not None and kinds != {STATS}:  # new stats change no node or task
            self.reach.update(snap)
        if self._listener is not None:
            self._listener.on_snapshot(snap, kinds)

    def _set_view(self, view: LinkView) -> None:
        self._view = view
        if self._listener is not None and not self._stopped.is_set():
            self._listener.on_link(view)


class StaticStore(Store):
    """A fixed snapshot and a fixed now, no I/O: for pictures of the panes."""

    def __init__(self, snapshot: ClusterSnapshot, label: str = "recorded",
                 read_only: bool = False, now: datetime | None = None) -> None:
        fixed = now or snapshot.taken_at
        super().__init__(label=label, read_only=read_only, clock=lambda: fixed)
        self._recorded = snapshot
        self._view = LinkView("static", endpoint="recording", cluster=label,
                              detail=f"recorded state of {label}")
        health.assessed(snapshot, fixed)

    @property
    def live(self) -> bool:
        return False

    def start(self, listener: StoreListener) -> None:
        super().start(listener)
        self._publish(self._recorded, frozenset(KINDS))

