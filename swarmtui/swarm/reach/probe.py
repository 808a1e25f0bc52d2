"""Daemon health: why a node is Down or Unknown, found over SSH, with the fix.

One SSH command gathers every fact at once (the host's clock, who we are, how
the engine is started on this host, and `docker info`'s Swarm section); the
answer is classified, first that applies:

host unreachable / SSH refused / auth failed / host key (from the pool) →
dockerd is not running → the manager is locked (autolock) → the node left the
swarm (or re-joined as another node) → clock skew → the engine answers and is
in the swarm, so the managers do not hear it (the network between them).
"""

from __future__ import annotations

import asyncio
import enum
import shlex
import time
from dataclasses import dataclass

from swarmtui.bootstrap.engine import CONTROLS, DETECT_SCRIPT
from swarmtui.connect.errors import ConnectError
from swarmtui.connect.noderoute import ReachFailure
from swarmtui.connect.nodes import NodePool, NodeUnreachableError

#: clocks further apart than this are reported (raft and TLS certificates need close clocks)
CLOCK_SKEW_LIMIT = 5.0

#: the one command a probe runs. Lines: "key value". How the engine is started here is
#: bootstrap/engine.py's detector (the lab's own script, systemd, OpenRC, sysvinit).
INFO_FORMAT = ("{{.Swarm.NodeID}}|{{.Swarm.LocalNodeState}}|{{.Swarm.ControlAvailable}}|"
               "{{.Swarm.Error}}")
PROBE_SCRIPT = rf"""
echo "uid $(id -u)"
echo "starter $({DETECT_SCRIPT})"
if [ -S /var/run/docker.sock ]; then echo "socket yes"; else echo "socket no"; fi
if command -v docker >/dev/null 2>&1; then
  out=$(docker info --format '{INFO_FORMAT}' 2>&1); echo "inforc $?"
  printf 'info %s\n' "$(printf %s "$out" | tr '\n' ' ')"
else echo "inforc 127"; echo "info docker CLI not installed"; fi
"""


class Cause(enum.StrEnum):
    """What is wrong with a node, as the first screen says it."""

    HOST_UNREACHABLE = "host unreachable"
    SSH_REFUSED = "SSH refused"
    AUTH_FAILED = "SSH login refused"
    HOST_KEY = "host key not accepted"
    DOCKERD_DOWN = "SSH answers but dockerd is not running"
    LOCKED = "manager locked (autolock): needs its unlock key"
    LEFT_SWARM = "dockerd answers but the node left the swarm"
    CLOCK_SKEW = "clock skew"
    NOT_HEARD = "dockerd is running and in the swarm, but the managers do not hear it"
    HEALTHY = "dockerd is running and in the swarm"
    UNKNOWN = "cannot tell"


def start_command(starter: str, as_root: bool) -> str | None:
    """The shell command that starts dockerd on such a host (a kind of bootstrap/engine.py's
    CONTROLS: "lab", "systemd", …); None when the host has none."""
    control = CONTROLS.get(starter)
    if control is None:
        return None
    return control.start if as_root else f"sudo -n sh -c {shlex.quote(control.start)}"


@dataclass(frozen=True)
class HostFacts:
    """What one probe read on the host."""

    clock_offset: float | None  # host clock minus ours, seconds (None: not read)
    clock_uncertainty: float  # ± seconds (half the round trip)
    as_root: bool
    starter: str  # a key of bootstrap/engine.py's CONTROLS, or "none"
    socket: bool
    docker_rc: int
    info: str  # `docker info`'s "NodeID|LocalNodeState|ControlAvailable|Error", or its error

    @property
    def swarm(self) -> dict[str, str]:
        if self.docker_rc != 0:
            return {}
        parts = self.info.strip().split("|", 3)
        parts += [""] * (4 - len(parts))
        return dict(zip(("NodeID", "LocalNodeState", "ControlAvailable", "Error"), parts,
                        strict=True))


@dataclass(frozen=True)
class Diagnosis:
    """The cause of a node's state, in words, and what would fix it."""

    hostname: str
    cause: Cause
    detail: str
    facts: HostFacts | None = None
    seconds: float = 0.0  # what the probe took

    @property
    def text(self) -> str:
        return f"{self.cause}: {self.detail}" if self.detail else str(self.cause)

    @property
    def fix(self) -> str | None:
        """The fix's kind: "start-engine", "unlock" or None."""
        if self.cause is Cause.DOCKERD_DOWN:
            return "start-engine"
        if self.cause is Cause.LOCKED:
            return "unlock"
        return None


def parse_facts(stdout: str, sent: float, received: float) -> HostFacts:
    """Read PROBE_SCRIPT's output, after a line "clock SECONDS" read between our wall clock
    times `sent` and `received`."""
    values: dict[str, str] = {}
    for line in stdout.splitlines():
        key, _, value = line.partition(" ")
        if key and key not in values:
            values[key] = value.strip()
    offset: float | None = None
    try:
        offset = float(values["clock"]) - (sent + received) / 2
    except (KeyError, ValueError):
        offset = None
    starter = values.get("starter", "none")
    starter = starter if starter in CONTROLS else "none"
    try:
        rc = int(values.get("inforc", "127"))
    except ValueError:
        rc = 127
    return HostFacts(offset, (received - sent) / 2, values.get("uid") == "0", starter,
                     values.get("socket") == "yes", rc, values.get("info", ""))


def diagnose(hostname: str, node_id: str, facts: HostFacts, node_state: str = "") -> Diagnosis:
    """Classify what a probe read (pure; see the module docstring for the order).
    `node_state` is the node's state as the managers see it ("down", "ready", …)."""
    if facts.docker_rc != 0:
        text = facts.info.strip()
        low = text.lower()
        if "cannot connect to the docker daemon" in low or "is the docker daemon running" in low \
                or not facts.socket:
            how = start_command(facts.starter, facts.as_root)
            hint = f"start it: {how}" if how else "start it with the host's init system"
            return Diagnosis(hostname, Cause.DOCKERD_DOWN, hint, facts)
        return Diagnosis(hostname, Cause.UNKNOWN, f"docker info failed: {text[:300]}", facts)
    swarm = facts.swarm
    state = str(swarm.get("LocalNodeState", ""))
    if state == "locked":
        return Diagnosis(hostname, Cause.LOCKED, "docker swarm unlock on the node, with the "
                                                 "key from docker swarm unlock-key", facts)
    if state in ("inactive", ""):
        return Diagnosis(hostname, Cause.LEFT_SWARM, "its engine is not in any swarm (docker "
                                                     "swarm leave was run, or its state was "
                                                     "wiped); join it again", facts)
    now_id = str(swarm.get("NodeID", ""))
    if node_id and now_id and not now_id.startswith(node_id) and not node_id.startswith(now_id):
        return Diagnosis(hostname, Cause.LEFT_SWARM, f"it re-joined as another node ({now_id[:12]}"
                                                     "); this entry is stale: remove it", facts)
    if state in ("pending", "error"):
        err = str(swarm.get("Error", "") or state)
        return Diagnosis(hostname, Cause.NOT_HEARD, f"its swarm state is {state}: {err}", facts)
    off = facts.clock_offset
    if off is not None and abs(off) - facts.clock_uncertainty > CLOCK_SKEW_LIMIT:
        way = "ahead of" if off > 0 else "behind"
        return Diagnosis(hostname, Cause.CLOCK_SKEW, f"its clock is {abs(off):.1f} s {way} this "
                                                     "machine's; run NTP (timedatectl "
                                                     "set-ntp true)", facts)
    if node_state in ("down", "unknown", "disconnected"):
        return Diagnosis(hostname, Cause.NOT_HEARD, "check ports 2377/tcp, 7946/tcp+udp and "
                                                    "4789/udp between it and the managers", facts)
    return Diagnosis(hostname, Cause.HEALTHY, "", facts)


_FROM_REACH = {
    ReachFailure.HOST_UNREACHABLE: Cause.HOST_UNREACHABLE,
    ReachFailure.SSH_REFUSED: Cause.SSH_REFUSED,
    ReachFailure.AUTH_FAILED: Cause.AUTH_FAILED,
    ReachFailure.HOST_KEY_CHANGED: Cause.HOST_KEY,
    ReachFailure.HOST_KEY_NOT_TRUSTED: Cause.HOST_KEY,
    ReachFailure.NO_ROUTE: Cause.UNKNOWN,
}


async def probe(pool: NodePool, hostname: str, address: str = "", node_id: str = "",
                node_state: str = "", *, timeout: float = 15.0) -> Diagnosis:
    """Probe one node over SSH. Never raises for what the node does: the answer says it."""
    start = time.perf_counter()
    try:
        await pool.connection(hostname, address, force=True)
        sent = time.time()
        clock = await pool.run(hostname, "date +%s.%N", timeout=timeout)
        received = time.time()
        result = await pool.run(hostname, PROBE_SCRIPT, timeout=timeout)
    except NodeUnreachableError as exc:
        fact = exc.fact
        return Diagnosis(hostname, _FROM_REACH[fact.reason], fact.detail,
                         seconds=time.perf_counter() - start)
    except ConnectError as exc:
        return Diagnosis(hostname, Cause.UNKNOWN, str(exc), seconds=time.perf_counter() - start)
    facts = parse_facts(f"clock {clock.stdout.strip()}\n{result.stdout}", sent, received)
    found = diagnose(hostname, node_id, facts, node_state)
    return Diagnosis(found.hostname, found.cause, found.detail, found.facts,
                     time.perf_counter() - start)


async def probe_many(pool: NodePool, nodes: list[tuple[str, str, str, str]],
                     timeout: float = 15.0) -> list[Diagnosis]:
    """Probe (hostname, address, node_id, node_state) tuples concurrently."""
    return list(await asyncio.gather(*(probe(pool, h, a, i, s, timeout=timeout)
                                       for h, a, i, s in nodes)))
