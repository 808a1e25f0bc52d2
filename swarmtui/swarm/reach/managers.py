"""The managers' own states when the quorum is lost, probed over SSH (the node pool).

When no manager answers with a leader, the API cannot say why: a manager may be down,
its dockerd stopped, or — with autolock — restarted and LOCKED, waiting for its unlock
key. `ManagerWatch` probes every manager the store last saw (probe.PROBE_SCRIPT, one
command each, at once) while the quorum is lost, at most every `recheck` seconds, and
keeps one `Diagnosis` per hostname; `state_word` says it the way the first screen does:

* "down (…)"                   — SSH does not answer, or refuses us;
* "dockerd not running"        — SSH answers, the engine does not;
* "LOCKED"                     — the engine answers, its swarm is locked (autolock);
* "answering without a leader" — the engine runs and is in the swarm;
* "not in the swarm"           — the engine runs and left the swarm (or was wiped).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence

from swarmtui.connect.nodes import NodePool
from swarmtui.swarm.noleader import PROBED
from swarmtui.swarm.reach.probe import Cause, Diagnosis, probe_many

_DOWN = {Cause.HOST_UNREACHABLE: "down (no SSH answer)",
         Cause.SSH_REFUSED: "down (SSH refused)",
         Cause.AUTH_FAILED: "unreachable (SSH login refused)",
         Cause.HOST_KEY: "unreachable (host key not accepted)"}


def state_word(diagnosis: Diagnosis) -> str:
    """A manager's state in the first screen's words (see the module docstring)."""
    cause = diagnosis.cause
    if cause in _DOWN:
        return _DOWN[cause]
    if cause is Cause.DOCKERD_DOWN:
        return "dockerd not running"
    if cause is Cause.LOCKED:
        return "LOCKED"
    if cause is Cause.LEFT_SWARM:
        return "not in the swarm"
    if cause in (Cause.HEALTHY, Cause.NOT_HEARD, Cause.CLOCK_SKEW):
        return "answering without a leader"
    return f"cannot tell ({diagnosis.detail[:80]})" if diagnosis.detail else "cannot tell"


def locked(states: Mapping[str, Diagnosis]) -> list[str]:
    """The hostnames whose manager is locked, sorted."""
    return sorted(h for h, d in states.items() if d.cause is Cause.LOCKED)


def stopped(states: Mapping[str, Diagnosis]) -> list[str]:
    """The hostnames whose manager's engine is stopped (SSH answers, dockerd does not): its
    raft state is on its disk, and starting the engine brings the manager back."""
    return sorted(h for h, d in states.items() if d.cause is Cause.DOCKERD_DOWN)


def first_steps(states: Mapping[str, Diagnosis], start_key: str, unlock_key: str) -> str:
    """What brings the quorum back with no new cluster: the stopped engines started, the
    locked managers unlocked ("" when neither helps)."""
    down, shut = stopped(states), locked(states)
    steps = []
    if down:
        steps.append(f"start the engine of {', '.join(down)} ({start_key})")
    if shut:
        steps.append(f"unlock {', '.join(shut)} with the swarm's unlock key ({unlock_key})")
    if not steps:
        return ""
    said = " and ".join(steps)
    return (said[:1].upper() + said[1:] + ": once a majority answers, the swarm heals with "
            "no new cluster.")


def states_line(states: Mapping[str, Diagnosis], at: str) -> str:
    """The first screen's line for the probed managers ("" when none was probed)."""
    if not states:
        return ""
    said = "; ".join(f"{h} {state_word(states[h])}" for h in sorted(states))
    line = f"{PROBED} at {at} UTC): {said}."
    steps = first_steps(states, "Q, then ctrl+t", "Q, then ctrl+l")
    return f"{line} {steps}" if steps else line


class ManagerWatch:
    """Probe the managers while the quorum is lost (drive it from the pool's loop)."""

    def __init__(self, pool: NodePool, on_change: Callable[[], None], *,
                 recheck: float = 15.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.pool = pool
        self.on_change = on_change
        self.recheck = recheck
        self.clock = clock
        #: hostname → its latest diagnosis (replaced, never changed)
        self.states: dict[str, Diagnosis] = {}
        self.probed_at = ""  # wall-clock time of the last probe, HH:MM:SS
        self._hosts: tuple[tuple[str, str], ...] = ()
        self._last = float("-inf")
        self._task: asyncio.Task[None] | None = None

    def follow(self, hosts: Sequence[tuple[str, str]]) -> None:
        """The managers to watch, (hostname, address); none: the quorum is back."""
        hosts = tuple(hosts)
        if not hosts:
            self._hosts = ()
            if self.states:
                self.states = {}
                self.on_change()
            return
        changed = hosts != self._hosts
        self._hosts = hosts
        if self._task is not None or (not changed and self.clock() - self._last < self.recheck):
            return
        self._last = self.clock()
        self._task = asyncio.get_running_loop().create_task(self._probe(hosts),
                                                            name="probe-managers")

    def again(self) -> None:
        """Probe at the next `follow` (a manager was just unlocked or started)."""
        self._last = float("-inf")

    async def _probe(self, hosts: tuple[tuple[str, str], ...]) -> None:
        try:
            found = await probe_many(self.pool, [(h, a, "", "") for h, a in hosts])
        finally:
            self._task = None
        if not self._hosts:  # the quorum came back meanwhile
            return
        before = {h: state_word(d) for h, d in self.states.items()}
        self.states = {d.hostname: d for d in found}
        self.probed_at = time.strftime("%H:%M:%S", time.gmtime())
        if {h: state_word(d) for h, d in self.states.items()} != before:
            self.on_change()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
