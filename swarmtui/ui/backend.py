"""Backends: where the app's cluster state comes from (harlequin's adapter pattern).

* `ApiBackend` — a docker APIClient on a fixed socket URL (e.g. an OpenSSH -L
  forward in tests). It owns the snapshot, the swarm EventWatcher and the task
  poll, and tracks staleness itself.
* `LinkBackend` — the real thing: a `ClusterLink` (SSH tunnel, reconnect,
  failover). Re-lists everything whenever the link's generation changes.
* `StaticBackend` — a fixed snapshot (recorded API dicts) for snapshot pictures.

All Docker calls run in one refresher thread (a Textual thread worker): event
hints and the poll timer both feed it, so fetches never overlap and the UI
never waits on the network. Results go to the app with `post_message`.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from swarmtui.swarm import fetch
from swarmtui.swarm import format as fmt
from swarmtui.swarm.events import EventWatcher
from swarmtui.swarm.state import KINDS, ClusterSnapshot, build_kind
from swarmtui.ui.messages import ConnectionChanged, LinkView, SnapshotChanged

if TYPE_CHECKING:
    from textual.app import App

ALL = "all"
#: kinds the poll re-lists: tasks have no events, and services' running counts
#: (ServiceStatus) change when tasks start or die, which emits no service event
POLLED = frozenset({"tasks", "services"})
#: a full re-list now and then, in case an event was missed
SAFETY_RELIST_S = 60.0


def merge_kind(kind: str, old: Mapping[str, Any],
               items: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Build models of one kind, reusing the old object when its version did not change.

    Keeps a 20,000-task poll cheap: only tasks that changed are rebuilt.
    """
    if kind == "networks":  # networks have no version index in their list output
        return build_kind(kind, items)
    fresh: list[dict[str, Any]] = []
    out: dict[str, Any] = {}
    for d in items:
        oid = str(d.get("ID") or "")
        prev = old.get(oid) if oid else None
        version = (d.get("Version") or {}).get("Index")
        if prev is not None and version is not None and prev.version == version \
                and _same_status(kind, prev, d):
            out[oid] = prev
        else:
            fresh.append(d)
    out.update(build_kind(kind, fresh))
    return out


def _same_status(kind: str, prev: Any, d: dict[str, Any]) -> bool:
    # ServiceStatus counts and node status are not covered by the version index
    if kind == "services":
        st = d.get("ServiceStatus") or {}
        return (prev.running, prev.desired, prev.completed) == (
            st.get("RunningTasks"), st.get("DesiredTasks"), st.get("CompletedTasks"))
    if kind == "nodes":
        return bool(prev.raw == d)
    return True


class Backend:
    """What the app needs from a cluster connection."""

    label = ""
    read_only = False

    def __init__(self) -> None:
        self.app: App[Any] | None = None
        self.snapshot: ClusterSnapshot | None = None
        self.view = LinkView("connecting")

    def start(self, app: App[Any]) -> None:
        self.app = app

    async def stop(self) -> None:
        return None

    def api(self) -> Any:
        """The current blocking docker APIClient (threads only); raises when not connected."""
        raise fetch.FetchError("there is no connection to a Docker engine")

    def request(self, *kinds: str) -> None:
        """Ask for a re-list of these kinds (or "all") as soon as possible."""

    def _post(self, message: Any) -> None:
        if self.app is not None:
            self.app.post_message(message)

    def _set_view(self, view: LinkView) -> None:
        self.view = view
        self._post(ConnectionChanged(view))


class StaticBackend(Backend):
    """A fixed snapshot, no I/O: for snapshot pictures of the panes."""

    def __init__(self, snapshot: ClusterSnapshot, label: str = "recorded",
                 read_only: bool = False, now: Any = None) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.label = label
        self.read_only = read_only
        self.now = now
        self.view = LinkView("static", endpoint="recording", cluster=label,
                             detail=f"recorded state of {label}")

    def start(self, app: App[Any]) -> None:
        super().start(app)
        self._set_view(self.view)
        assert self.snapshot is not None
        self._post(SnapshotChanged(self.snapshot, frozenset(KINDS)))


class ApiBackend(Backend):
    """A docker APIClient to one engine; events + task poll in a thread worker."""

    def __init__(self, api: Any = None, *, label: str = "", via: str = "unix",
                 poll_interval: float = 2.0, debounce: float = 0.05,
                 read_only: bool = False) -> None:
        super().__init__()
        self._api = api
        self.label = label
        self.via = via
        self.read_only = read_only
        self.poll_interval = max(0.2, poll_interval)
        self.debounce = debounce
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._dirty: set[str] = {ALL}
        self._dirty_lock = threading.Lock()
        self._watcher: EventWatcher | None = None
        self._watcher_api: Any = None
        self._streams: set[Any] = set()
        self._failures = 0
        # the engine takes ~1 s to serialise 20,000 tasks and as long for 2,000 services
        # with status: list kinds side by side (still one call per kind)
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="swarmtui-list")
        self.last_poll_s = 0.0
        self.poll_count = 0
        self.view = LinkView("connecting", endpoint=label, via=via, cluster=label)

    # ---------------------------------------------------------------- control
    def api(self) -> Any:
        if self._api is None:
            raise fetch.FetchError("there is no connection to a Docker engine")
        return self._api

    def start(self, app: App[Any]) -> None:
        super().start(app)
        self._set_view(self.view)
        app.run_worker(self._refresher, thread=True, exit_on_error=False,
                       group="backend", name="refresher")

    async def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._close_watcher()
        for stream in list(self._streams):
            with contextlib.suppress(Exception):
                stream.close()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def request(self, *kinds: str) -> None:
        with self._dirty_lock:
            self._dirty.update(kinds or (ALL,))
        self._wake.set()

    def register_stream(self, stream: Any) -> Callable[[], None]:
        """Keep a log stream to close on exit; returns its un-register function."""
        self._streams.add(stream)
        return lambda: self._streams.discard(stream)

    # --------------------------------------------------------------- events
    def _ensure_watcher(self, api: Any) -> None:
        if self._watcher is not None and self._watcher.alive and self._watcher_api is api:
            return
        self._close_watcher()
        self._watcher_api = api
        self._watcher = EventWatcher(api, on_event=self._on_event, on_end=self._on_events_end,
                                     types=("node", "service", "network", "secret", "config"))
        self._watcher.start()

    def _close_watcher(self) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.close(timeout=0)

    def _on_event(self, kind: str) -> None:
        if kind in KINDS:
            self.request(kind)

    def _on_events_end(self, error: BaseException | None) -> None:
        # the stream ended: the tunnel or the engine went away; re-list all once back
        if not self._stop.is_set():
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
        while not self._stop.is_set():
            timeout = max(0.0, next_poll - time.monotonic())
            if self._wake.wait(timeout):
                self._wake.clear()
                # debounce a burst of events into one re-list
                self._stop.wait(self.debounce)
            if self._stop.is_set():
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
        try:
            api = self.api()
        except Exception as exc:
            self._failed(exc)
            return False
        try:
            if ALL in kinds or self.snapshot is None:
                t0 = time.monotonic()
                snap = self._full(api)
                self._fresh(time.monotonic() - t0)
                changed = frozenset(KINDS)
            else:
                snap = self.snapshot
                t0 = time.monotonic()
                wanted = sorted(kinds & set(KINDS))
                lists = self._pool.map(lambda k: fetch.list_kind(api, k), wanted)
                for kind, items in zip(wanted, lists, strict=True):
                    snap = snap.with_kind(kind, merge_kind(kind, getattr(snap, kind), items),
                                          fmt.now_utc())
                self._fresh(time.monotonic() - t0)
                changed = frozenset(kinds & set(KINDS))
        except fetch.NotAManagerError:
            self.request(ALL)
            return True
        except Exception as exc:
            self._failed(exc)
            return False
        self.snapshot = snap
        if snap.is_manager:
            self._ensure_watcher(api)
        self._post(SnapshotChanged(snap, changed))
        return True

    def _full(self, api: Any) -> ClusterSnapshot:
        """`fetch.fetch_snapshot`, with the list calls made side by side."""
        old = self.snapshot
        info = fetch.fetch_info(api)
        message = fetch.not_manager_message(info)
        if message:
            return ClusterSnapshot.from_api(info=info, message=message)
        def inspect_swarm() -> Any:
            try:
                return api.inspect_swarm()
            except Exception as exc:  # docker-py raises many types
                raise fetch.FetchError(fetch.describe_error(exc)) from exc

        calls: dict[str, Callable[[], Any]] = {"swarm": inspect_swarm}
        for kind in KINDS:
            calls[kind] = lambda k=kind: fetch.list_kind(api, k)  # type: ignore[misc]
        futures = {name: self._pool.submit(call) for name, call in calls.items()}
        results = {name: f.result() for name, f in futures.items()}
        swarm = results.pop("swarm")
        snap = ClusterSnapshot.from_api(info=info, swarm=swarm if isinstance(swarm, dict) else {},
                                        **results)
        if old is not None:
            # keep unchanged model objects (cheap diffing for big clusters)
            for kind in ("tasks", "services"):
                merged = merge_kind(kind, getattr(old, kind), (o.raw for o in
                                                               getattr(snap, kind).values()))
                snap = snap.with_kind(kind, merged, snap.taken_at)
        return snap

    # ------------------------------------------------------------ staleness
    def _fresh(self, seconds: float) -> None:
        self._failures = 0
        role = self.snapshot.message if self.snapshot is not None else None
        if self.view.state != "connected" or self.view.role_message != role:
            self._set_view(LinkView("connected", endpoint=self.label, via=self.via,
                                    cluster=self.label, latency_ms=seconds * 1000,
                                    role_message=role))

    def _failed(self, exc: BaseException) -> None:
        self._failures += 1
        self._close_watcher()
        since = self.view.stale_since or time.time()
        self._set_view(LinkView("stale", endpoint=self.label, via=self.via, cluster=self.label,
                                stale_since=since,
                                detail=f"retrying {self.label}: {fetch.describe_error(exc)}"))
