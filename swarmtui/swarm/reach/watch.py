"""NodeReach: the store's one node pool, doctor and stats sampler, on a loop of their own.

The store hands it every snapshot it publishes (`update`, from the store's thread:
nothing waits); the doctor probes Down/Unknown nodes over SSH on this loop, in its
own thread — never the UI's. When a new cause is found `on_change` is called (from
that thread), and the store folds `causes()` into its next snapshot. Likewise the
sampler (when `stats_interval` > 0) samples every Ready node; `on_stats` is called
(at most every STATS_COALESCE seconds) and the store folds `stats()` in.
Operations on a node (StartEngine, UnlockManager, PruneNodes) use `pool`; its loop is
bound. Screens read a node over the pool with `submit` (a concurrent future).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import Future
from typing import TypeVar

from swarmtui.connect.endpoint import Endpoint
from swarmtui.connect.nodes import NodePool
from swarmtui.swarm.reach.doctor import Doctor
from swarmtui.swarm.reach.managers import ManagerWatch, states_line
from swarmtui.swarm.reach.probe import Diagnosis
from swarmtui.swarm.reach.stats import NodeStats, Sampler
from swarmtui.swarm.state import ClusterSnapshot

T = TypeVar("T")
#: samples of several nodes land within this many seconds of each other: one publication
STATS_COALESCE = 0.3


class NodeReach:
    """One NodePool and its Doctor, run in a background thread with its own asyncio loop."""

    def __init__(self, pool: NodePool, *, recheck: float = 15.0,
                 stats_interval: float = 0.0) -> None:
        self.pool = pool
        self.on_change: Callable[[], None] = lambda: None
        self.on_stats: Callable[[], None] = lambda: None
        self._loop = asyncio.new_event_loop()
        pool.bind(self._loop)
        self.doctor = Doctor(pool, on_diagnosis=self._found, recheck=recheck)
        #: while the quorum is lost: each manager's own state, probed over SSH
        self.managers = ManagerWatch(pool, lambda: self.on_change(), recheck=recheck)
        self._lock = threading.Lock()
        self._causes: dict[str, str] = {}
        self._diagnoses: dict[str, Diagnosis] = {}
        #: hostname → latest sample; replaced (never changed) on each sample
        self._stats: dict[str, NodeStats] = {}
        self._stats_due = False
        self.sampler = (Sampler(pool, self._sampled, interval=stats_interval)
                        if stats_interval > 0 else None)
        self._thread = threading.Thread(target=self._loop.run_forever, name="swarmtui-reach",
                                        daemon=True)
        self._thread.start()
        if self.sampler is not None:
            self._loop.call_soon_threadsafe(self.sampler.start)

    def update(self, snapshot: ClusterSnapshot) -> None:
        """Start the probes a snapshot calls for (any thread; returns at once)."""
        if self._loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # closing
            self._loop.call_soon_threadsafe(self._update, snapshot)

    def _update(self, snapshot: ClusterSnapshot) -> None:
        self.doctor.update(snapshot)
        if self.sampler is not None:
            self.sampler.follow(snapshot)
            with self._lock:
                if set(self._stats) - set(self.sampler.nodes):  # no longer Ready: no figures
                    self._stats = {h: s for h, s in self._stats.items()
                                   if h in self.sampler.nodes}
        with self._lock:
            gone = set(self._diagnoses) - set(self.doctor.diagnoses)
            for node_id in gone:
                self._diagnoses.pop(node_id, None)
                self._causes.pop(node_id, None)
        if gone:
            self.on_change()

    def prefer(self, hostnames: Sequence[str]) -> None:
        """The nodes on screen, first first: sampled and probed before the others while
        many wait for a connection (any thread)."""
        self.pool.prefer(hostnames)

    def watch_managers(self, hosts: Sequence[tuple[str, str]]) -> None:
        """The quorum is lost: probe these managers (hostname, address) over SSH; none:
        it is back (any thread; returns at once)."""
        if self._loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # closing
            self._loop.call_soon_threadsafe(self.managers.follow, tuple(hosts))

    def managers_of(self, known: Sequence[tuple[str, str]], snap: ClusterSnapshot
                    ) -> tuple[tuple[str, str], ...]:
        """The managers to probe (hostname, address): those the store last listed, else
        (a start while the quorum is lost) the engine's own list of manager addresses,
        each named by its ssh_config alias when one has that HostName."""
        if known:
            return tuple(known)
        addresses = dict.fromkeys(a.rsplit(":", 1)[0] for a in snap.remote_managers)
        return tuple(sorted((self.pool.name_for(a), a) for a in addresses if a))

    def managers_line(self) -> str:
        """The first screen's line on the probed managers ("" before a probe answered)."""
        return states_line(self.managers.states, self.managers.probed_at)

    def probe_managers_again(self) -> None:
        """A manager was just unlocked or started: probe them at the next snapshot."""
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self.managers.again)

    def follow_manager(self, manager: Endpoint | None) -> None:
        """The store failed over to another manager: the pool rebuilds the routes made from
        the old one's settings, and the doctor probes every Down node again through them
        (any thread; returns at once)."""
        if self._loop.is_closed():
            return

        async def follow() -> None:
            if await self.pool.follow_manager(manager):
                self.doctor.probe_again()

        with contextlib.suppress(RuntimeError):  # closing
            asyncio.run_coroutine_threadsafe(follow(), self._loop)

    def _found(self, node_id: str, diagnosis: Diagnosis) -> None:
        with self._lock:
            changed = self._causes.get(node_id) != diagnosis.text
            self._diagnoses[node_id] = diagnosis
            self._causes[node_id] = diagnosis.text
        if changed:
            self.on_change()

    # --- live stats ------------------------------------------------------------------

    def _sampled(self, stats: NodeStats) -> None:
        with self._lock:
            last = self._stats.get(stats.hostname)
            if last is not None and stats.unreachable is not None \
                    and last.unreachable == stats.unreachable:
                # the same failure again changes nothing shown: no new snapshot (1,000
                # nodes without SSH made the store publish, and every pane showing stats
                # rebuild, several times a second)
                return
            self._stats = {**self._stats, stats.hostname: stats}
        if not self._stats_due:
            self._stats_due = True
            self._loop.call_later(STATS_COALESCE, self._tell_stats)

    def _tell_stats(self) -> None:
        self._stats_due = False
        self.on_stats()

    def stats(self) -> dict[str, NodeStats]:
        """hostname → its latest sample. The same object until a new sample lands (do not
        change it): a store compares it by identity."""
        with self._lock:
            return self._stats

    def history(self, hostname: str) -> list[NodeStats]:
        """The node's recent samples, oldest first (any thread)."""
        return self.sampler.history(hostname) if self.sampler is not None else []

    @property
    def stats_paused(self) -> bool:
        return self.sampler is not None and self.sampler.paused

    def pause_stats(self, paused: bool) -> None:
        """Stop or resume sampling (any thread)."""
        if self.sampler is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(
                    self.sampler.pause if paused else self.sampler.resume)

    def submit(self, coro: Coroutine[object, object, T]) -> Future[T]:
        """Run a coroutine on the pool's loop (a node's detail, a prune plan, dead-task
        logs): await it with `asyncio.wrap_future` from another loop."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def causes(self) -> dict[str, str]:
        """node ID → why it is not up, in words (a copy)."""
        with self._lock:
            return dict(self._causes)

    def diagnosis(self, node_id: str) -> Diagnosis | None:
        with self._lock:
            return self._diagnoses.get(node_id)

    async def close(self) -> None:
        """Stop the probes, close every node connection, end the thread."""
        if self._loop.is_closed():
            return

        async def shut() -> None:
            if self.sampler is not None:
                await self.sampler.stop()
            await self.doctor.close()
            await self.managers.close()
            await self.pool.close()

        if self._loop.is_running():
            with contextlib.suppress(Exception):
                await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(shut(), self._loop))
            self._loop.call_soon_threadsafe(self._loop.stop)
            await asyncio.to_thread(self._thread.join, 5)
        if not self._loop.is_running():
            self._loop.close()
