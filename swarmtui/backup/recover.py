"""A swarm that lost its quorum: recognise it, and find the manager to recover from.

`swarm.noleader.quorum_lost(text)` reads the Engine's error ("The swarm does not have a
leader", "rpc error … context deadline exceeded", "raft: no elected cluster leader").
`probe_managers` then looks at each manager's raft directory over SSH (the engine may be
down; only the file names and times are read, never the encrypted content): the newest snapshot's
term and index and the newest WAL segment's first index come from the file names
(`%016x-%016x.snap`, `%016x-%016x.wal`), and the last write's age from the host's own
clock (so clock skew between hosts does not matter). `rank_managers` orders them,
freshest first: that manager is the one to `docker swarm init --force-new-cluster` on.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass

from swarmtui.backup.remote import HostSession
from swarmtui.connect.endpoint import Endpoint
from swarmtui.connect.errors import ConnectError
from swarmtui.connect.options import ConnectOptions

#: one command, run as root (the raft directory is 0700): the host's clock, then each file
PROBE = (
    "root=$(timeout 5 docker info --format '{{.DockerRootDir}}' 2>/dev/null) "
    "|| root=/var/lib/docker; "
    "[ -n \"$root\" ] || root=/var/lib/docker; r=$root/swarm/raft; "
    "echo \"now $(date +%s.%N)\"; "
    "if timeout 5 docker version >/dev/null 2>&1; then echo 'engine up'; "
    "else echo 'engine down'; fi; "
    "[ -d \"$r\" ] || { echo 'raft none'; exit 0; }; "
    "for f in \"$r\"/snap-v3-encrypted/*.snap \"$r\"/wal-v3-encrypted/*.wal; do "
    "[ -f \"$f\" ] && echo \"file $(basename \"$f\") $(stat -c %Y \"$f\")\"; done; true"
)

_NAME = re.compile(r"^([0-9a-f]{16})-([0-9a-f]{16})\.(snap|wal)$")


@dataclass(frozen=True)
class RaftState:
    """What one manager's raft directory says about how far its log went."""

    host: str
    snapshot_term: int = -1  # -1: no snapshot
    snapshot_index: int = -1
    wal_index: int = -1  # first index of the newest WAL segment (-1: no WAL)
    last_write_age: float | None = None  # seconds since the newest raft file was written
    engine_up: bool = False
    error: str = ""  # why it could not be read (unreachable, no raft directory)

    @property
    def readable(self) -> bool:
        return not self.error and self.wal_index >= 0

    @property
    def key(self) -> tuple[int, int, int, float]:
        """Larger is fresher: snapshot index, then term, then WAL, then the latest write."""
        age = self.last_write_age if self.last_write_age is not None else float("inf")
        return (self.snapshot_index, self.snapshot_term, self.wal_index, -age)

    @property
    def summary(self) -> str:
        if self.error:
            return f"{self.host}: {self.error}"
        snap = (f"snapshot term {self.snapshot_term} index {self.snapshot_index}"
                if self.snapshot_index >= 0 else "no snapshot")
        age = (f"last raft write {self.last_write_age:.0f} s ago"
               if self.last_write_age is not None else "no raft write time")
        engine = "engine up" if self.engine_up else "engine down"
        return f"{self.host}: {snap}, WAL from index {self.wal_index}, {age}, {engine}"


def parse_probe(host: str, output: str) -> RaftState:
    """The PROBE's output as a RaftState (never raises: a bad line is ignored)."""
    now: float | None = None
    engine_up = False
    snap: tuple[int, int] = (-1, -1)
    wal = -1
    newest: float | None = None
    for line in output.splitlines():
        word, _, rest = line.strip().partition(" ")
        if word == "now":
            try:
                now = float(rest)
            except ValueError:
                now = None
        elif word == "engine":
            engine_up = rest.strip() == "up"
        elif word == "raft" and rest.strip() == "none":
            return RaftState(host, engine_up=engine_up,
                             error="no raft directory (not a manager, or wiped)")
        elif word == "file":
            name, _, mtime = rest.rpartition(" ")
            m = _NAME.match(name)
            if m is None:
                continue
            a, b = int(m.group(1), 16), int(m.group(2), 16)
            if m.group(3) == "snap":
                snap = max(snap, (b, a))  # by index, then term
            else:
                wal = max(wal, b)
            try:
                t = float(mtime)
            except ValueError:
                continue
            newest = t if newest is None else max(newest, t)
    if wal < 0:
        return RaftState(host, engine_up=engine_up, error="no raft log found")
    age = max(0.0, now - newest) if now is not None and newest is not None else None
    return RaftState(host, snapshot_term=snap[1], snapshot_index=snap[0], wal_index=wal,
                     last_write_age=age, engine_up=engine_up)


def rank_managers(states: Sequence[RaftState]) -> list[RaftState]:
    """Readable managers freshest first, then the unreadable ones (in the given order)."""
    readable = sorted((s for s in states if s.readable), key=lambda s: s.key, reverse=True)
    return readable + [s for s in states if not s.readable]


@dataclass(frozen=True)
class RecoveryAdvice:
    ranked: tuple[RaftState, ...]

    @property
    def best(self) -> RaftState | None:
        return self.ranked[0] if self.ranked and self.ranked[0].readable else None

    @property
    def text(self) -> str:
        best = self.best
        if best is None:
            return ("no manager's raft state could be read: bring a manager's host back, "
                    "or restore a backup (`swarmtui backup restore`)")
        tied = [s.host for s in self.ranked[1:] if s.readable and s.key[:3] == best.key[:3]]
        line = (f"{best.host} has the most recent raft state ({best.summary.split(': ', 1)[1]})"
                f": force a new cluster there (`docker swarm init --force-new-cluster`), "
                "then re-join or re-promote the others")
        if tied:
            line += (f"; {', '.join(tied)} have the same snapshot and WAL segment, so this "
                     "rests on the time of the last raft write (a manager still running "
                     "without quorum keeps writing election terms, which the file times "
                     "cannot tell from log entries)")
        return line


async def probe_manager(endpoint: Endpoint, options: ConnectOptions) -> RaftState:
    """One manager's raft state over SSH; an unreachable host is a RaftState with its error."""
    label = endpoint.label.removeprefix("ssh://")
    try:
        host = await HostSession.open(endpoint, options)
    except ConnectError as exc:
        return RaftState(label, error=str(exc))
    try:
        res = await host.runner.run(PROBE, sudo=True, timeout=30)
    finally:
        await host.close()
    if not res.ok:
        return RaftState(label, error=f"the probe failed: {res.output or res.exit_status}")
    return parse_probe(label, res.stdout)


async def probe_managers(endpoints: Sequence[Endpoint], options: ConnectOptions
                         ) -> RecoveryAdvice:
    """Probe every manager at once; the ranking and what to do."""
    states = await asyncio.gather(*(probe_manager(ep, options) for ep in endpoints))
    return RecoveryAdvice(tuple(rank_managers(states)))
