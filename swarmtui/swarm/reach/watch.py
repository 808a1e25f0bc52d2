"""NodeReach: the store's one node pool and doctor, on a loop of their own.

The store hands it every snapshot it publishes (`update`, from the store's thread:
nothing waits); the doctor probes Down/Unknown nodes over SSH on this loop, in its
own thread — never the UI's. When a new cause is found `on_change` is called (from
that thread), and the store folds `causes()` into its next snapshot.
Operations on a node (StartEngine, UnlockManager) use `pool`; its loop is bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable

from swarmtui.connect.nodes import NodePool
from swarmtui.swarm.reach.doctor import Doctor
from swarmtui.swarm.reach.probe import Diagnosis
from swarmtui.swarm.state import ClusterSnapshot


class NodeReach:
    """One NodePool and its Doctor, run in a background thread with its own asyncio loop."""

    def __init__(self, pool: NodePool, *, recheck: float = 15.0) -> None:
        self.pool = pool
        self.on_change: Callable[[], None] = lambda: None
        self._loop = asyncio.new_event_loop()
        pool.bind(self._loop)
        self.doctor = Doctor(pool, on_diagnosis=self._found, recheck=recheck)
        self._lock = threading.Lock()
        self._causes: dict[str, str] = {}
        self._diagnoses: dict[str, Diagnosis] = {}
        self._thread = threading.Thread(target=self._loop.run_forever, name="swarmtui-reach",
                                        daemon=True)
        self._thread.start()

    def update(self, snapshot: ClusterSnapshot) -> None:
        """Start the probes a snapshot calls for (any thread; returns at once)."""
        if self._loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # closing
            self._loop.call_soon_threadsafe(self._update, snapshot)

    def _update(self, snapshot: ClusterSnapshot) -> None:
        self.doctor.update(snapshot)
        with self._lock:
            gone = set(self._diagnoses) - set(self.doctor.diagnoses)
            for node_id in gone:
                self._diagnoses.pop(node_id, None)
                self._causes.pop(node_id, None)
        if gone:
            self.on_change()

    def _found(self, node_id: str, diagnosis: Diagnosis) -> None:
        with self._lock:
            changed = self._causes.get(node_id) != diagnosis.text
            self._diagnoses[node_id] = diagnosis
            self._causes[node_id] = diagnosis.text
        if changed:
            self.on_change()

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
            await self.doctor.close()
            await self.pool.close()

        if self._loop.is_running():
            with contextlib.suppress(Exception):
                await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(shut(), self._loop))
            self._loop.call_soon_threadsafe(self._loop.stop)
            await asyncio.to_thread(self._thread.join, 5)
        if not self._loop.is_running():
            self._loop.close()
