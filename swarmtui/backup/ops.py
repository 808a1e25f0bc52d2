"""Backup, restore and quorum recovery as Operations, run on hosts over the node pool.

They go through the one runner (read-only refused before anything, journaled with
their command line, redacted) and the one confirm + progress flow, like every change.
`apply` runs in a worker thread: it hands the procedure (create.py, restore.py,
rejoin.py; each of its steps journaled with its own command line) to the pool's loop.
`lines` holds the steps as they happen, for the progress view and the wizard.

Backup create guards against the snapshot (the quorum while the engine is stopped:
quorum.backup_verdict); restore and recovery act on hosts whose swarm may be gone, so
they need no manager (`HostsOnly` is their engine source: nothing is asked of the
app's engine).
"""

from __future__ import annotations

import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from swarmtui.backup.create import CreateRequest, CreateResult, create_backup
from swarmtui.backup.manifest import Backup
from swarmtui.backup.quorum import BackupVerdict, backup_verdict, managers_from_nodes
from swarmtui.backup.recover import RecoveryAdvice
from swarmtui.backup.rejoin import (
    Host,
    force_new_cluster_on,
    promote_manager,
    rejoin_manager,
    ssh_name,
)
from swarmtui.backup.restore import RestoreRequest, RestoreResult, autolock_refusal, restore_backup
from swarmtui.backup.steps import Step
from swarmtui.connect.httpget import ApiClientReader, Params
from swarmtui.connect.nodes import NodePool
from swarmtui.secrets import redact
from swarmtui.swarm import format as fmt
from swarmtui.swarm.fetch import FetchError
from swarmtui.swarm.ops.base import DockerAPI, GuardResult, Operation, OperationError
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.swarm.swarmleave import FORCE_NEW_CLUSTER_CONSEQUENCES

T = TypeVar("T")


class _NoEngine(ApiClientReader):
    """What the runner reads before a host procedure: an engine outside any swarm (the
    guard of these operations reads their own facts, not the cluster's lists). A reader
    (fetch reads through `as_reader`) whose /info is empty; nothing else is asked."""

    def __init__(self) -> None:
        super().__init__(None)

    def get(self, path: str, params: Params | None = None) -> bytes:
        if path == "/info":
            return b"{}"
        raise FetchError(f"no engine to ask for {path}: this change acts on hosts over SSH")

    def info(self) -> dict[str, Any]:
        return {}


class HostsOnly:
    """The EngineSource of a procedure that acts on hosts over SSH, not through the app's
    engine (which may be a manager without quorum, or down)."""

    def api(self) -> DockerAPI:
        return _NoEngine()


class HostProcedure(Operation):
    """A procedure on one host over the pool; its steps in `lines` as they happen."""

    kind = "swarm"
    follows_cluster = False
    needs_manager = False
    timeout = 900.0

    def __init__(self, pool: NodePool, host: Host) -> None:
        super().__init__((), (host.hostname,))
        self.pool = pool
        self.host = host
        self._lines: list[str] = []
        self._lock = threading.Lock()

    @property
    def ssh_name(self) -> str:
        return ssh_name(self.pool, self.host)

    @property
    def lines(self) -> list[str]:
        """The steps so far (a copy; any thread), each with its command line."""
        with self._lock:
            return list(self._lines)

    def heard(self, step: Step) -> None:
        text = f"  → {step.name}: $ {redact(step.cli)}" if step.state == "running" \
            else step.line
        with self._lock:
            self._lines.append(text)

    def run_on_pool(self, coro: Coroutine[Any, Any, T]) -> T:
        try:
            return self.pool.call(coro, self.timeout)
        except OperationError:
            raise
        except Exception as exc:  # StepError, EngineControlError, ConnectError, docker's
            raise OperationError(redact(str(exc) or type(exc).__name__)) from exc

    def converged(self, snapshot: ClusterSnapshot) -> tuple[bool, str]:
        return True, "done"


#: said before an autolocked backup of several managers is taken (restore.AUTOLOCK_MANY)
AUTOLOCK_MANY_BACKUP = (
    "autolock is on, with {managers} managers: this backup cannot bring the swarm back "
    "after its quorum is lost (a restore from it is refused: the restored manager would "
    "wait for its old managers, and Docker cannot force a new cluster from an autolocked "
    "raft, moby/moby#36852); for disaster recovery, back up with autolock off")


def verdict_for(snapshot: ClusterSnapshot, hostname: str) -> BackupVerdict | None:
    """The quorum while `hostname`'s engine is stopped for a backup (None: not a node)."""
    managers = managers_from_nodes(n.raw for n in snapshot.nodes.values())
    node = next((n for n in snapshot.nodes.values() if n.hostname == hostname), None)
    if node is None:
        return None
    return backup_verdict(managers, node.id)


class BackupCreate(HostProcedure):
    """`swarmtui backup create MANAGER`: stop its engine, archive its swarm directory to
    this machine, start it again (only while the quorum holds without it, unless forced)."""

    name = "backup create"
    needs_manager = True
    timeout = 600.0

    def __init__(self, pool: NodePool, host: Host, output: Path, *, force: bool = False,
                 store_unlock_key: bool = False) -> None:
        super().__init__(pool, host)
        self.output = output
        self.force = force
        self.store_unlock_key = store_unlock_key
        self.result: CreateResult | None = None

    @property
    def title(self) -> str:
        return f"back up {self.host.hostname}"

    @property
    def cli(self) -> str:
        extra = (" --force" if self.force else "") + \
            (" --store-unlock-key" if self.store_unlock_key else "")
        return f"swarmtui backup create {self.ssh_name} --output {self.output}{extra}"

    @property
    def confirm_text(self) -> str | None:
        return self.host.hostname if self.force else None

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        verdict = verdict_for(snapshot, self.host.hostname)
        if verdict is None:
            return GuardResult(blocks=(f"{self.host.hostname} is not a node of this swarm",))
        preview = (verdict.summary,
                   f"on {self.host.hostname}: stop the engine, tar its swarm directory to "
                   f"{self.output} (mode 0600, with a manifest), start the engine, wait until "
                   "it is Ready and Reachable")
        warnings = verdict.warnings
        if snapshot.autolock and verdict.managers > 1:
            warnings += (AUTOLOCK_MANY_BACKUP.format(managers=verdict.managers),)
        if not verdict.allowed:
            why = verdict.block
            if verdict.safe_instead:
                why += f"; back up {', '.join(verdict.safe_instead)} instead"
            if not self.force:
                return GuardResult(blocks=(why,), preview=preview)
            return GuardResult(warnings=(f"FORCED: {why}", *warnings), preview=preview)
        return GuardResult(warnings=warnings, preview=preview)

    def apply(self, api: DockerAPI) -> str:
        req = CreateRequest(self.pool.route(self.host.hostname, self.host.address).endpoint,
                            self.pool.options, self.output, force=self.force,
                            store_unlock_key=self.store_unlock_key)
        res = self.run_on_pool(create_backup(req, self.heard))
        self.result = res
        if res.refused:
            raise OperationError(f"refused: {res.refused}")
        assert res.backup is not None
        took = sum(s.seconds for s in res.steps)
        notes = "".join(f"; {n}" for n in res.notes)
        return (f"backup of {self.host.hostname} written in {took:.1f} s: "
                f"{res.backup.archive_path}{notes}")


class BackupRestore(HostProcedure):
    """`swarmtui backup restore HOST ARCHIVE`: the archive in place of HOST's swarm
    directory (the old one kept), then a new cluster forced there."""

    name = "backup restore"
    timeout = 600.0

    def __init__(self, pool: NodePool, host: Host, backup: Backup, *, force: bool = False,
                 advertise_addr: str = "", unlock_key: str = "") -> None:
        super().__init__(pool, host)
        self.backup = backup
        self.force = force
        self.advertise_addr = advertise_addr
        self._key = unlock_key.strip()
        self.result: RestoreResult | None = None

    @property
    def title(self) -> str:
        return f"restore {self.backup.manifest.archive} on {self.host.hostname}"

    @property
    def cli(self) -> str:
        name = self.backup.manifest.archive.removesuffix(".tar.gz")
        extra = (" --force" if self.force else "") + \
            (f" --advertise-addr {self.advertise_addr}" if self.advertise_addr else "") + \
            (" --unlock-key-file FILE" if self._key else "")
        return f"swarmtui backup restore {self.ssh_name} {name}{extra}"

    @property
    def confirm_text(self) -> str | None:
        return self.host.hostname

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        m = self.backup.manifest
        key = self._key or _stored(self.backup)
        why = autolock_refusal(m, key)
        if why:
            return GuardResult(blocks=(why,))
        if not self.backup.archive_path.is_file():
            return GuardResult(blocks=(f"the archive {self.backup.archive_path} is missing",))
        preview = (
            f"the swarm {m.swarm_id[:12]} as {m.hostname} saw it at {m.created}",
            f"on {self.host.hostname}: stop the engine, move its swarm directory aside (kept), "
            "unpack the archive, start the engine"
            + (", unlock it and turn autolock off" if m.autolock else "")
            + ", docker swarm init --force-new-cluster",
            "then re-join the other managers (the recovery wizard's re-join step)")
        return GuardResult(warnings=(
            f"{self.host.hostname} leaves any swarm it is in and becomes the single manager "
            "of the restored one" + (" (forced over a working swarm)" if self.force else ""),),
            preview=preview)

    def apply(self, api: DockerAPI) -> str:
        req = RestoreRequest(self.pool.route(self.host.hostname, self.host.address).endpoint,
                             self.pool.options, self.backup, force=self.force,
                             advertise_addr=self.advertise_addr, unlock_key=self._key)
        res = self.run_on_pool(restore_backup(req, self.heard))
        self.result = res
        if res.refused:
            raise OperationError(f"refused: {res.refused}")
        took = sum(s.seconds for s in res.steps)
        names = ", ".join(str(s.get("Spec", {}).get("Name", "?")) for s in res.services)
        notes = "".join(f"; {n}" for n in res.notes)
        nodes = fmt.count(len(res.nodes), "node")
        return (f"restored on {self.host.hostname} in {took:.1f} s: {nodes}, "
                f"services {names or 'none'}, {fmt.count(len(res.networks), 'swarm network')}"
                f"{notes}")


def _stored(backup: Backup) -> str:
    path = backup.unlock_key_path
    return path.read_text(encoding="utf-8").strip() if path and path.is_file() else ""


class ForceNewClusterOn(HostProcedure):
    """The recovery's first step: a new one-manager cluster on the freshest manager."""

    name = "recover: force-new-cluster"
    timeout = 300.0

    def __init__(self, pool: NodePool, host: Host, advice: RecoveryAdvice | None = None,
                 advertise_addr: str = "") -> None:
        super().__init__(pool, host)
        self.advice = advice
        self.advertise_addr = advertise_addr or host.address
        self.leader_addr = ""

    @property
    def title(self) -> str:
        return f"force a new cluster on {self.host.hostname}"

    @property
    def cli(self) -> str:
        return (f"ssh {self.ssh_name} docker swarm init --force-new-cluster --advertise-addr "
                f"{self.advertise_addr or '$ADDR'}")

    @property
    def confirm_text(self) -> str | None:
        return self.host.hostname

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        why: tuple[str, ...] = ()
        warn: tuple[str, ...] = (FORCE_NEW_CLUSTER_CONSEQUENCES,)
        if self.advice is not None:
            best = self.advice.best
            why = (self.advice.text,)
            if best is not None and best.host != self.host.hostname:
                warn = (f"{self.host.hostname} is not the manager with the most recent raft "
                        f"state ({best.host} is): what only {best.host} holds is lost", *warn)
        return GuardResult(warnings=warn, preview=(
            *why, f"on {self.host.hostname}: start the engine if it is down, force a new "
            "cluster, wait until it is the Ready leader"))

    def apply(self, api: DockerAPI) -> str:
        self.leader_addr = self.run_on_pool(force_new_cluster_on(
            self.pool, self.host, self.advertise_addr, self.heard))
        return (f"{self.host.hostname} is the leader of a new one-manager cluster "
                f"(advertising {self.leader_addr}); re-join the other managers next")


class RejoinManager(HostProcedure):
    """The recovery's next steps: an old manager back beside the new leader."""

    name = "recover: re-join manager"
    timeout = 300.0

    def __init__(self, pool: NodePool, leader: Host, leader_addr: str, host: Host) -> None:
        super().__init__(pool, host)
        self.leader = leader
        self.leader_addr = leader_addr

    @property
    def title(self) -> str:
        return f"re-join {self.host.hostname} as a manager"

    @property
    def cli(self) -> str:
        return (f"ssh {ssh_name(self.pool, self.leader)} docker node rm --force "
                f"{self.host.hostname}; "
                f"ssh {self.ssh_name} docker swarm join --token <manager token> "
                f"{self.leader_addr or self.leader.hostname}:2377")

    @property
    def confirm_text(self) -> str | None:
        return self.host.hostname

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        if self.host.hostname == self.leader.hostname:
            return GuardResult(blocks=(f"{self.host.hostname} is the leader already",))
        return GuardResult(
            warnings=(f"{self.host.hostname}'s engine is restarted and its swarm state "
                      "replaced (the old one is moved aside, kept): its containers restart",),
            preview=(f"on {self.leader.hostname}: drop {self.host.hostname}'s old entry "
                     "(rm --force; demoted first if still a raft member)",
                     f"on {self.host.hostname}: stop the engine, move its swarm directory "
                     "aside, start the engine, join as a manager (the token in the API "
                     "body, never in an argv)",
                     f"then wait until {self.host.hostname} is a Ready, Reachable manager"))

    def apply(self, api: DockerAPI) -> str:
        return self.run_on_pool(rejoin_manager(self.pool, self.leader, self.leader_addr,
                                               self.host, self.heard))


class PromoteManager(HostProcedure):
    """The recovery's next step for an old manager that is a Ready worker of the new
    cluster (re-joined as a worker by hand, or demoted): promote it on the leader."""

    name = "recover: promote manager"
    timeout = 180.0

    def __init__(self, pool: NodePool, leader: Host, host: Host, node_id: str) -> None:
        super().__init__(pool, host)
        self.leader = leader
        self.node_id = node_id

    @property
    def title(self) -> str:
        return f"promote {self.host.hostname} to a manager"

    @property
    def cli(self) -> str:
        return f"ssh {ssh_name(self.pool, self.leader)} docker node promote {self.host.hostname}"

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        return GuardResult(preview=(
            f"on {self.leader.hostname}: docker node promote {self.host.hostname} (a Ready "
            "worker of this cluster: nothing restarts)",
            f"then wait until {self.host.hostname} is a Ready, Reachable manager"))

    def apply(self, api: DockerAPI) -> str:
        return self.run_on_pool(promote_manager(self.pool, self.leader, self.host,
                                                self.node_id, self.heard))
