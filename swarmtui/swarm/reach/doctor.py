"""The cause of every Down node, with no key pressed: probe on each snapshot, keep the answers.

`Doctor.update(snapshot)` starts a probe (in the background, never awaited by
the caller's view) for each node the managers report Down, Unknown or
Disconnected — when it changes state and then at most every `recheck`
seconds — and forgets nodes that are Ready again. `diagnoses` holds the latest
answer per node ID, for the Nodes pane and the first screen's problems.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from swarmtui.connect.budget import background
from swarmtui.connect.nodes import NodePool
from swarmtui.swarm.reach.probe import Diagnosis, probe
from swarmtui.swarm.state import ClusterSnapshot

NOT_UP = ("down", "unknown", "disconnected")


@dataclass
class Doctor:
    pool: NodePool
    #: called on the loop with each new diagnosis
    on_diagnosis: Callable[[str, Diagnosis], None] = lambda node_id, diagnosis: None
    recheck: float = 15.0
    clock: Callable[[], float] = time.monotonic
    diagnoses: dict[str, Diagnosis] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._last: dict[str, tuple[str, float]] = {}  # node id -> (state probed, when)
        self._running: dict[str, asyncio.Task[None]] = {}

    def update(self, snapshot: ClusterSnapshot) -> list[str]:
        """Start the probes this snapshot calls for; the node IDs being probed."""
        started = []
        for node in snapshot.nodes.values():
            if node.state not in NOT_UP:
                self.diagnoses.pop(node.id, None)
                self._last.pop(node.id, None)
                continue
            if node.id in self._running:
                continue
            last = self._last.get(node.id)
            if last and last[0] == node.state and self.clock() - last[1] < self.recheck:
                continue
            self._last[node.id] = (node.state, self.clock())
            task = asyncio.create_task(self._probe(node.id, node.hostname, node.address,
                                                   node.state), name=f"probe-{node.hostname}")
            self._running[node.id] = task
            started.append(node.id)
        for gone in set(self.diagnoses) - set(snapshot.nodes):
            self.diagnoses.pop(gone, None)
        return started

    def probe_again(self) -> None:
        """Probe every node that is not up again at the next snapshot (its route changed)."""
        self._last.clear()

    async def _probe(self, node_id: str, hostname: str, address: str, state: str) -> None:
        try:
            with background():  # its connection waits for its turn (connect/budget.py)
                found = await probe(self.pool, hostname, address, node_id, state)
            self.diagnoses[node_id] = found
            self.on_diagnosis(node_id, found)
        finally:
            self._running.pop(node_id, None)

    async def close(self) -> None:
        for task in list(self._running.values()):
            task.cancel()
        await asyncio.gather(*self._running.values(), return_exceptions=True)
