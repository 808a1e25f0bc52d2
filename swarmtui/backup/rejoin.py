"""A lost quorum, recovered over the node pool: probe, force a new cluster, re-join.

* `probe_pool` reads every manager's raft file names and times (recover.PROBE) over the
  pool's connections (no engine needed) and ranks them (recover.RecoveryAdvice).
* `force_new_cluster_on` starts the chosen manager's engine if it is down, then
  `docker swarm init --force-new-cluster --advertise-addr ADDR` there, and waits until
  it is the leader.
* `rejoin_manager` brings one old manager back beside a leader (after a forced new
  cluster, or after a restore): on the leader `docker node rm --force` of its stale
  entry (demoted first if it is still a raft member); on the host, its engine stopped,
  its swarm directory moved aside (kept), the engine started, and a join as a manager
  (the join token read on the leader, sent in the API body: never in an argv); then it
  is waited for as a Ready, Reachable manager.
* `standings` reads on the leader where each old manager stands: a manager already, a
  Ready worker of the new cluster — the entry its engine says is its own — (`promote_manager`:
  its old entries removed, then `docker node promote` there), or anything else
  (`rejoin_manager`).

Every step is timed and journaled with the command it stands for (steps.Steps).
"""

from __future__ import annotations

import asyncio
import shlex
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import docker.errors

from swarmtui.backup.recover import PROBE, RaftState, RecoveryAdvice, parse_probe, rank_managers
from swarmtui.backup.remote import SLOW
from swarmtui.backup.steps import Listener, StepError, Steps
from swarmtui.bootstrap.engine import detect_engine_control, start_engine, stop_engine
from swarmtui.bootstrap.remote import CommandResult, SshRunner
from swarmtui.connect.errors import ConnectError
from swarmtui.connect.nodes import NodePool


@dataclass(frozen=True)
class Host:
    """A manager's host as the node pool reaches it: its node hostname and swarm address."""

    hostname: str
    address: str = ""


async def _runner(pool: NodePool, host: Host) -> SshRunner:
    return SshRunner(await pool.connection(host.hostname, host.address, force=True))


def ssh_name(pool: NodePool, host: Host) -> str:
    try:
        return pool.route(host.hostname, host.address).ssh_name
    except ConnectError:
        return host.hostname


async def probe_one(pool: NodePool, host: Host) -> RaftState:
    """One manager's raft state over its pool connection (an unreachable host: its error)."""
    try:
        runner = await _runner(pool, host)
        res = await runner.run(PROBE, sudo=True, timeout=30)
    except ConnectError as exc:
        return RaftState(host.hostname, error=str(exc).removeprefix(f"{host.hostname}: "))
    if not res.ok:
        return RaftState(host.hostname, error=f"the probe failed: {res.output or res.exit_status}")
    return parse_probe(host.hostname, res.stdout)


async def probe_pool(pool: NodePool, hosts: list[Host]) -> RecoveryAdvice:
    """Probe every manager at once; ranked freshest first, with what to do."""
    states = await asyncio.gather(*(probe_one(pool, h) for h in hosts))
    return RecoveryAdvice(tuple(rank_managers(states)))


async def _sh(runner: SshRunner, command: str, what: str, timeout: float = 60) -> CommandResult:
    res = await runner.run(command, sudo=True, timeout=timeout)
    if not res.ok:
        raise StepError(f"{what}: `{command}` failed (exit {res.exit_status}): "
                        f"{res.output.strip()[-400:] or 'no output'}")
    return res


async def _engine_up(runner: SshRunner) -> bool:
    return (await runner.run("timeout 10 docker version >/dev/null 2>&1", sudo=True,
                             timeout=20)).ok


async def _wait_engine(runner: SshRunner, deadline_s: float) -> str:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        res = await runner.run("docker info --format '{{.Swarm.LocalNodeState}}'", sudo=True,
                               timeout=20)
        if res.ok and res.stdout.strip():
            return f"swarm {res.stdout.strip()}"
        await asyncio.sleep(0.5)
    raise StepError(f"the engine did not answer within {deadline_s:g} s")


async def _address(runner: SshRunner, given: str) -> str:
    if given:
        return given
    res = await runner.run("echo $SSH_CONNECTION", timeout=15)
    parts = res.stdout.split()
    if len(parts) >= 3:
        return parts[2]
    raise StepError("cannot tell the host's address: give the advertise address")


async def _wait_for(what: str, check: Callable[[], Awaitable[tuple[bool, str]]],
                    deadline_s: float) -> str:
    """Call `check` until it says done; its last sentence."""
    end = time.monotonic() + deadline_s
    last = ""
    while time.monotonic() < end:
        ok, last = await check()
        if ok:
            return last
        await asyncio.sleep(0.5)
    raise StepError(f"{what} did not happen within {deadline_s:g} s ({last or 'no answer'})")


async def force_new_cluster_on(pool: NodePool, host: Host, advertise_addr: str = "",
                               listener: Listener | None = None,
                               deadline_s: float = 120) -> str:
    """Force a new cluster on `host` (its engine started first if it is down); the
    leader's advertise address. Raises StepError, EngineControlError, ConnectError."""
    name = ssh_name(pool, host)
    steps = Steps("recover.force-new-cluster", host.hostname, f"ssh://{name}", listener)
    runner = await steps.run("connect over SSH", f"ssh {name}", _runner(pool, host))
    await steps.run("check root access", "sudo -n true", _root(runner))
    if not await _engine_up(runner):
        control = await steps.run("find how the engine is run", "ps -p 1",
                                  detect_engine_control(runner), lambda c: c.label)
        await steps.run("start the engine", f"ssh {name} {shlex.quote(control.start)}",
                        start_engine(runner, control))
        await steps.run("wait for the engine", "docker info", _wait_engine(runner, deadline_s),
                        lambda s: s)
    addr = await steps.run("find the advertise address", "echo $SSH_CONNECTION",
                           _address(runner, advertise_addr), lambda a: a)
    fnc = (f"docker swarm init --force-new-cluster --advertise-addr {shlex.quote(addr)} "
           "--listen-addr 0.0.0.0:2377")
    await steps.run("force a new cluster", f"ssh {name} {fnc}",
                    _sh(runner, fnc, "force-new-cluster", SLOW))

    async def leader() -> tuple[bool, str]:
        res = await runner.run("docker node ls --filter role=manager --format "
                               "'{{.Self}} {{.Status}} {{.ManagerStatus}}'", sudo=True,
                               timeout=30)
        lines = res.stdout.split("\n") if res.ok else []
        return "true Ready Leader" in lines, (res.output.strip()[-200:] or "no answer")

    await steps.run(f"wait until {host.hostname} is the Ready leader", "docker node ls",
                    _wait_for("the leader", leader, deadline_s), lambda s: "Ready, Leader")
    return addr


async def _root(runner: SshRunner) -> str:
    if await runner.is_root():
        return "root"
    res = await runner.run("true", sudo=True, timeout=20)
    if not res.ok:
        raise StepError("this user cannot run commands as root without a password (sudo -n): "
                        "stopping and starting the engine needs root. Nothing was changed")
    return "sudo -n"


async def rejoin_manager(pool: NodePool, leader: Host, leader_addr: str, node: Host,
                         listener: Listener | None = None, deadline_s: float = 120) -> str:
    """Re-join `node` as a manager of the swarm `leader` leads (see the module docstring).
    Raises StepError, EngineControlError, ConnectError."""
    lname, nname = ssh_name(pool, leader), ssh_name(pool, node)
    steps = Steps("recover.rejoin", node.hostname, f"ssh://{nname}", listener)
    lrun = await steps.run(f"connect to {leader.hostname}", f"ssh {lname}",
                           _runner(pool, leader))
    nrun = await steps.run(f"connect to {node.hostname}", f"ssh {nname}", _runner(pool, node))
    if not leader_addr:
        got = await _sh(lrun, "docker info --format '{{.Swarm.NodeAddr}}'",
                        "reading the leader's address")
        leader_addr = got.stdout.strip()
    await steps.run("check root access", "sudo -n true", _root(nrun))
    listed = await _sh(lrun, "docker node ls --format '{{.ID}} {{.Hostname}} {{.Self}}'",
                       "listing the nodes")
    # the node's old entries; and the leader's, when it was restored from another node's
    # backup (it took that node's identity: its own old entry is left behind)
    stale = [(p[0], p[1]) for p in (ln.split() for ln in listed.stdout.splitlines())
             if len(p) == 3 and p[1] in (node.hostname, leader.hostname) and p[2] != "true"]
    for node_id, hostname in stale:
        # after a forced new cluster the old managers are no raft members: rm --force
        # takes them; a manager still in raft must be demoted first
        drop = (f"docker node rm --force {node_id} || {{ docker node demote {node_id} && "
                f"docker node rm --force {node_id}; }}")
        await steps.run(f"drop {hostname}'s old entry on {leader.hostname}",
                        f"ssh {lname} '{drop}'", _sh(lrun, drop, "removing the old entry"))
    root_res = await nrun.run("timeout 5 docker info --format '{{.DockerRootDir}}' "
                              "2>/dev/null", sudo=True, timeout=20)
    root = root_res.stdout.strip() if root_res.ok and root_res.stdout.strip() \
        else "/var/lib/docker"
    control = await steps.run("find how the engine is run", "ps -p 1",
                              detect_engine_control(nrun), lambda c: c.label)
    if await _engine_up(nrun):
        await steps.run("stop the engine", f"ssh {nname} {shlex.quote(control.stop)}",
                        stop_engine(nrun, control))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    swarm_dir = shlex.quote(f"{root}/swarm")
    aside = f"{root}/swarm.before-rejoin-{stamp}"
    move = f"if [ -e {swarm_dir} ]; then mv {swarm_dir} {shlex.quote(aside)}; echo moved; fi"
    await steps.run(f"move {root}/swarm aside", f"ssh {nname} '{move}'",
                    _sh(nrun, move, "moving the old swarm state aside"),
                    lambda r: f"to {aside}" if "moved" in r.stdout else "none there")
    await steps.run("start the engine", f"ssh {nname} {shlex.quote(control.start)}",
                    start_engine(nrun, control))
    await steps.run("wait for the engine", "docker info", _wait_engine(nrun, deadline_s),
                    lambda s: s)
    target = f"{leader_addr}:2377"

    async def join() -> str:
        # the token through the leader's API (a shell's output is redacted, and no argv
        # ever holds it), into the node's API body
        lapi = await pool.engine_api(leader.hostname, leader.address)
        swarm = await asyncio.to_thread(lapi.inspect_swarm)
        token = str((swarm.get("JoinTokens") or {}).get("Manager", ""))
        addr = await _address(nrun, node.address)
        api = await pool.engine_api(node.hostname, node.address)
        try:
            await asyncio.to_thread(api.join_swarm, remote_addrs=[target], join_token=token,
                                    listen_addr="0.0.0.0:2377", advertise_addr=addr)
        except docker.errors.APIError as exc:
            if not joining_in_background(exc):
                raise
            # the engine goes on joining by itself: the next step waits for Ready, Reachable
            return f"{addr} (the join goes on in the background)"
        return addr

    await steps.run(f"join {leader.hostname}'s swarm as a manager",
                    f"ssh {nname} docker swarm join --token <manager token> {target}",
                    join(), lambda a: f"advertising {a}")

    async def back() -> tuple[bool, str]:
        res = await lrun.run("docker node ls --format '{{.Hostname}} {{.Status}} "
                             "{{.ManagerStatus}}'", sudo=True, timeout=30)
        rows = [ln for ln in res.stdout.splitlines() if ln.split(" ", 1)[0] == node.hostname]
        return (f"{node.hostname} Ready Reachable" in rows,
                "; ".join(rows) or f"{node.hostname} not listed yet")

    await steps.run(f"wait until {node.hostname} is a Ready, Reachable manager",
                    f"ssh {lname} docker node ls", _wait_for("the re-join", back, deadline_s),
                    lambda s: "Ready, Reachable")
    return f"{node.hostname} is a manager again (its old swarm state kept at {aside})"


def joining_in_background(exc: docker.errors.APIError) -> bool:
    """The engine's 503 "Timeout was reached before node joined. The attempt to join the
    swarm will continue in the background" (moby's errSwarmJoinTimeoutReached): not a
    failure, the node keeps joining (seen on a loaded machine)."""
    return exc.status_code == 503 and "continue in the background" in str(exc)


@dataclass(frozen=True)
class Standing:
    """Where an old manager stands beside the new leader, and what brings it back."""

    host: Host
    action: str  # "manager" (nothing to do), "promote" (a worker of this cluster), "rejoin"
    node_id: str = ""  # its entry in this cluster (promote)
    #: promote: every Ready worker entry of its hostname (a node that left a moment ago
    #: still reads Ready for a few seconds: the host's own node ID tells which is it)
    candidates: tuple[str, ...] = ()

    @property
    def words(self) -> str:
        if self.action == "manager":
            return "a manager of this cluster"
        if self.action == "promote":
            return "a worker of this cluster: promote"
        return "to re-join (leave, then join as a manager)"


def standings_from(listed: str, leader: str, hosts: list[Host]) -> list[Standing]:
    """Each host (not the leader) by the leader's `docker node ls --format '{{.ID}}
    {{.Hostname}} {{.Status}} {{.ManagerStatus}}'`: a Ready manager is one already, a
    Ready worker is promoted, anything else (down, unreachable, not listed) re-joins."""
    rows: dict[str, list[list[str]]] = {}
    for line in listed.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            rows.setdefault(parts[1], []).append(parts)
    out = []
    for host in hosts:
        if host.hostname == leader:
            continue
        mine = rows.get(host.hostname, [])
        ready = [p for p in mine if p[2] == "Ready"]
        if any(len(p) > 3 and p[3] in ("Reachable", "Leader") for p in ready):
            out.append(Standing(host, "manager"))
        elif ready and all(len(p) == 3 for p in ready):
            out.append(Standing(host, "promote", ready[-1][0], tuple(p[0] for p in ready)))
        else:
            out.append(Standing(host, "rejoin"))
    return out


LIST_NODES = "docker node ls --format '{{.ID}} {{.Hostname}} {{.Status}} {{.ManagerStatus}}'"


def stale_entries(listed: str, hostname: str, keep: str) -> list[str]:
    """The IDs of `hostname`'s entries in LIST_NODES' output other than `keep` (the one its
    engine says is its own): a former manager re-joined as a worker leaves its old entry
    behind, Ready for a few seconds, then Down."""
    return [p[0] for p in (ln.split() for ln in listed.splitlines())
            if len(p) >= 3 and p[1] == hostname and p[0] != keep]


async def standings(pool: NodePool, leader: Host, hosts: list[Host]) -> list[Standing]:
    """Where each old manager stands, read on the leader over SSH (a worker to promote:
    which entry is it, asked on the host)."""
    lrun = await _runner(pool, leader)
    listed = await _sh(lrun, LIST_NODES, "listing the nodes")
    found = standings_from(listed.stdout, leader.hostname, hosts)
    return [await _own_entry(pool, s) if s.action == "promote" else s for s in found]


async def _own_entry(pool: NodePool, standing: Standing) -> Standing:
    """The entry the host's engine says is its own (`docker info`): that one is promoted;
    none of them: it re-joins. Unreadable: as listed."""
    try:
        run = await _runner(pool, standing.host)
        res = await run.run("docker info --format '{{.Swarm.NodeID}}'", sudo=True, timeout=20)
    except ConnectError:
        return standing
    own = res.stdout.strip()
    if not res.ok or not own:
        return standing
    if own in standing.candidates:
        return replace(standing, node_id=own)
    return Standing(standing.host, "rejoin")


async def promote_manager(pool: NodePool, leader: Host, node: Host, node_id: str,
                          listener: Listener | None = None, deadline_s: float = 120) -> str:
    """`docker node promote` on the leader for an old manager that is a Ready worker of the
    new cluster, then wait until it is a Ready, Reachable manager."""
    lname = ssh_name(pool, leader)
    steps = Steps("recover.promote", node.hostname, f"ssh://{lname}", listener)
    lrun = await steps.run(f"connect to {leader.hostname}", f"ssh {lname}",
                           _runner(pool, leader))
    listed = await _sh(lrun, LIST_NODES, "listing the nodes")
    for old in stale_entries(listed.stdout, node.hostname, node_id):
        # its entry as the old manager: after a forced new cluster no raft member
        drop = (f"docker node rm --force {old} || {{ docker node demote {old} && "
                f"docker node rm --force {old}; }}")
        await steps.run(f"drop {node.hostname}'s old entry on {leader.hostname}",
                        f"ssh {lname} '{drop}'", _sh(lrun, drop, "removing the old entry"))
    promote = f"docker node promote {shlex.quote(node_id)}"
    await steps.run(f"promote {node.hostname}", f"ssh {lname} docker node promote "
                    f"{node.hostname}", _sh(lrun, promote, "promoting"))

    async def back() -> tuple[bool, str]:
        res = await lrun.run(LIST_NODES, sudo=True, timeout=30)
        rows = [ln for ln in res.stdout.splitlines() if ln.startswith(f"{node_id} ")]
        return (any(ln.endswith(" Ready Reachable") for ln in rows),
                "; ".join(rows) or f"{node.hostname} not listed")

    await steps.run(f"wait until {node.hostname} is a Ready, Reachable manager",
                    f"ssh {lname} docker node ls", _wait_for("the promotion", back, deadline_s),
                    lambda s: "Ready, Reachable")
    return f"{node.hostname} is a manager again (promoted)"
