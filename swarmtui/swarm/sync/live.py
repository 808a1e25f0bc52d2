"""ApiStore: a store on a docker APIClient — list calls, events, polls, staleness.

One refresher thread does every list: event hints (debounced) and the poll
timer both feed it, so lists never overlap and the UI never waits on the
network. The task/service poll is re-armed after each poll finishes (a slow
list on a huge cluster polls less often); a full safety re-list runs now and
then in case an event was missed. Each event is also a line of the store's
event log (the events pane), as are the task changes between polls.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from swarmtui.connect.httpget import EngineReader, as_reader
from swarmtui.swarm import fetch
from swarmtui.swarm import format as fmt
from swarmtui.swarm.eventlog import from_event
from swarmtui.swarm.events import EventWatcher
from swarmtui.swarm.state import KINDS, ClusterSnapshot
from swarmtui.swarm.sync import gcpause
from swarmtui.swarm.sync.merge import merge_kind, same_objects
from swarmtui.swarm.sync.store import ALL, STATS, Clock, Store, StoreListener
from swarmtui.swarm.sync.view import LinkView

#: kinds the poll re-lists: tasks have no events, and services' running counts
#: (ServiceStatus) change when tasks start or die, which emits no service event
POLLED = frozenset({"tasks", "services"})
#: a full re-list now and then, in case an event was missed
SAFETY_RELIST_S = 60.0
#: event types that hint at a re-list (tasks have none)
EVENT_TYPES = ("node", "service", "network", "secret", "config")


class ApiStore(Store):
    """A store on a docker APIClient to one engine (e.g. an OpenSSH -L forward in tests)."""

    def __init__(self, api: fetch.DockerAPI = None, *, label: str = "", via: str = "unix",
                 poll_interval: float = 2.0, debounce: float = 0.05,
                 read_only: bool = False, clock: Clock = fmt.now_utc) -> None:
        super().__init__(label=label, read_only=read_only, clock=clock)
        self._api = api
        self._reader = as_reader(api) if api is not None else None
        self.via = via
        self.poll_interval = max(0.2, poll_interval)
        self.debounce = debounce
        self._wake = threading.Event()
        self._dirty: set[str] = {ALL}
        self._dirty_lock = threading.Lock()
        self._watcher: EventWatcher | None = None
        self._watcher_api: fetch.DockerAPI = None
        self._failures = 0
        self._list_started = 0.0
        self._thread: threading.Thread | None = None
        # list kinds side by side (still one call per kind)
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="swarmtui-list")
        #: how long the last poll took (seconds), and how many polls were made
        self.last_poll_s = 0.0
        self.poll_count = 0
        self._view = LinkView("connecting", endpoint=label, via=via, cluster=label)

    # ---------------------------------------------------------------- control
    def api(self) -> fetch.DockerAPI:
        if self._api is None:
            raise fetch.FetchError("there is no connection to a Docker engine")
        return self._walled(self._api)

    def reader(self) -> EngineReader:
        """The engine's reads (lists, events): plain GETs (connect/httpget.py)."""
        if self._reader is None:
            raise fetch.FetchError("there is no connection to a Docker engine")
        return self._reader

    def start(self, listener: StoreListener) -> None:
        super().start(listener)
        self._start_refresher()

    def _start_refresher(self) -> None:
        if self._thread is None and not self._stopped.is_set():
            self._thread = threading.Thread(target=self._refresher, name="swarmtui-store",
                                            daemon=True)
            self._thread.start()

    async def stop(self) -> None:
        await super().stop()
        self._wake.set()
        self._close_watcher()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def request(self, *kinds: str) -> None:
        with self._dirty_lock:
            self._dirty.update(kinds or (ALL,))
        self._wake.set()

    # --------------------------------------------------------------- events
    def _ensure_watcher(self, api: EngineReader) -> None:
        if self._watcher is not None and self._watcher.alive and self._watcher_api is api:
            return
        self._close_watcher()
        self._watcher_api = api
        self._watcher = EventWatcher(api, on_event=self._on_event, on_end=self._on_events_end,
                                     types=EVENT_TYPES, on_raw=self._on_raw_event)
        self._watcher.start()

    def _close_watcher(self) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.close(timeout=0)

    def _on_event(self, kind: str) -> None:
        if kind in KINDS:
            self.request(kind)
        if kind == "services":
            # a service event (an update started, paused, rolled back) is about its tasks:
            # re-list them in the same refresh, so the snapshot that says "paused" also
            # holds the failed task that paused it (tasks have no events of their own)
            self.request("tasks")

    def _on_raw_event(self, event: dict[str, Any]) -> None:
        line = from_event(event)
        if line is not None:
            self._log_events([line])

    def _on_events_end(self, error: BaseException | None) -> None:
        # the stream ended: the tunnel or the engine went away; re-list all once back
        if not self._stopped.is_set():
            self._watcher = None
            self.request(ALL)

    # ------------------------------------------------------------- the loop
    def _take_dirty(self) -> set[str]:
        with self._dirty_lock:
            kinds, self._dirty = self._dirty, set()
        return kinds

    def _refresher(self) -> None:
        next_poll = 0.0
        next_safety = time.monotonic() + SAFETY_RELIST_S
        while not self._stopped.is_set():
            timeout = max(0.0, next_poll - time.monotonic())
            if self._wake.wait(timeout):
                self._wake.clear()
                if self._snapshot is not None:  # the first list waits for no burst
                    # debounce a burst of events into one re-list
                    self._stopped.wait(self.debounce)
            if self._stopped.is_set():
                break
            kinds = self._take_dirty()
            now = time.monotonic()
            polled = now >= next_poll
            if polled:
                kinds |= POLLED
            if now >= next_safety:
                kinds.add(ALL)
                next_safety = now + SAFETY_RELIST_S
            if not kinds:
                continue
            ok = self._refresh(kinds)
            done = time.monotonic()
            if ok:
                # re-armed after the poll finished; slow lists (huge clusters) poll less often
                if polled:
                    self.last_poll_s = done - now
                    next_poll = done + max(self.poll_interval, 3 * self.last_poll_s)
                    self.poll_count += 1
            else:
                with self._dirty_lock:
                    self._dirty |= kinds | {ALL}
                next_poll = done + min(self.poll_interval * 2 ** min(self._failures, 3), 10.0)

    def _refresh(self, kinds: set[str]) -> bool:
        old = self._snapshot
        if old is not None and kinds <= {STATS}:
            self._publish(old, frozenset(kinds))  # new live stats only: nothing to list
            return True
        big = old is None or len(old.tasks) + len(old.services) >= gcpause.BIG
        with gcpause.paused(big):
            return self._refresh_now(kinds, old)

    def _refresh_now(self, kinds: set[str], old: ClusterSnapshot | None) -> bool:
        try:
            api = self.reader()
        except Exception as exc:
            self._failed(exc)
            return False
        try:
            t0 = self._list_started = time.monotonic()
            if ALL in kinds or old is None:
                snap = fetch.fetch_snapshot(api, old, pool=self._pool,
                                            first_view=self._first_view if old is None else None)
                changed = frozenset(KINDS)
            else:
                snap, changed = self._relist(api, old, sorted(kinds & set(KINDS)))
            self._fresh(time.monotonic() - t0, snap)
        except fetch.NotAManagerError:
            self.request(ALL)
            return True
        except Exception as exc:
            self._failed(exc)
            return False
        if snap.is_manager:
            self._ensure_watcher(api)
        self._publish(snap, changed)
        return True

    def _relist(self, api: EngineReader, old: ClusterSnapshot,
                wanted: list[str]) -> tuple[ClusterSnapshot, frozenset[str]]:
        """Re-list some kinds; when the quorum was lost meanwhile, a snapshot that says so."""
        try:
            lists = list(self._pool.map(lambda k: fetch.iter_kind(api, k), wanted))
        except fetch.NoLeaderError:
            return fetch.fetch_snapshot(api, old), frozenset(KINDS)
        snap, at = old, fmt.now_utc()
        changed = []
        for kind, items in zip(wanted, lists, strict=True):
            before = getattr(snap, kind)
            objects = merge_kind(kind, before, items)
            # a new snapshot even so (its time, its health's ages), but only the kinds
            # whose objects changed are said to: an unchanged poll rebuilds no row
            snap = snap.with_kind(kind, objects, at)
            if not same_objects(before, objects):
                changed.append(kind)
        return snap, frozenset(changed)

    def _first_view(self, snap: ClusterSnapshot) -> None:
        """Everything but the tasks (issue 17): the header and the panes need not wait."""
        self._fresh(time.monotonic() - self._list_started, snap)
        self._publish(snap, frozenset(KINDS) - {"tasks"})

    # ------------------------------------------------------------ staleness
    def _fresh(self, seconds: float, snap: ClusterSnapshot) -> None:
        self._failures = 0
        role = snap.message.split("\n")[0] if snap.message else None  # the headline
        if self._view.state != "connected" or self._view.role_message != role:
            self._set_view(LinkView("connected", endpoint=self.label, via=self.via,
                                    cluster=self.label, latency_ms=seconds * 1000,
                                    role_message=role))

    def _failed(self, exc: BaseException) -> None:
        self._failures += 1
        self._close_watcher()
        since = self._view.stale_since or time.time()
        self._set_view(LinkView("stale", endpoint=self.label, via=self.via, cluster=self.label,
                                stale_since=since,
                                detail=f"retrying {self.label}: {fetch.describe_error(exc)}"))
