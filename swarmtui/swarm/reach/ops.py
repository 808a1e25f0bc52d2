"""Changes made on a node over its SSH connection, as Operations.

They go through the same runner as every other change (read-only, journal,
redaction), and show the `ssh NODE …` line a person would type. `apply` runs
in a worker thread: it hands its coroutine to the pool's loop (`NodePool.call`).
"""

from __future__ import annotations

import time

from swarmtui.connect.errors import ConnectError
from swarmtui.connect.nodes import NodePool
from swarmtui.secrets import redact
from swarmtui.swarm import format as fmt
from swarmtui.swarm.models import Node
from swarmtui.swarm.ops.base import (
    READ_ONLY_BLOCK,
    DockerAPI,
    GuardResult,
    Operation,
    OperationError,
)
from swarmtui.swarm.ops.nodes import RemoveNode
from swarmtui.swarm.reach.probe import Diagnosis, start_command
from swarmtui.swarm.state import ClusterSnapshot


class NodeOperation(Operation):
    """An Operation on one node's host, over the node pool."""

    kind = "node"

    def __init__(self, pool: NodePool, hostname: str, address: str, node_id: str) -> None:
        super().__init__((node_id,), (hostname,))
        self.pool = pool
        self.hostname = hostname
        self.address = address
        self.node_id = node_id

    def ssh_line(self, command: str) -> str:
        return ssh_line(self.pool, self.hostname, self.address, command)

    def _node_known(self, snapshot: ClusterSnapshot) -> GuardResult:
        if self.node_id and self.node_id not in snapshot.nodes:
            return GuardResult(blocks=(f"{self.hostname} is no longer a node of the swarm",))
        return GuardResult()

    def run_remote(self, command: str, *, input: str | None = None, timeout: float = 90) -> str:
        return run_remote(self.pool, self.hostname, self.address, command, input=input,
                          timeout=timeout)


def ssh_line(pool: NodePool, hostname: str, address: str, command: str) -> str:
    """`ssh NODE COMMAND`, NODE written as the pool reaches it."""
    try:
        name = pool.route(hostname, address).ssh_name
    except ConnectError:
        name = hostname
    return f"ssh {name} {command}"


def run_remote(pool: NodePool, hostname: str, address: str, command: str, *,
               input: str | None = None, timeout: float = 90) -> str:
    """Run `command` on the node from a worker thread; its stdout, or OperationError."""
    try:
        result = pool.call(pool.run(hostname, command, address=address, input=input,
                                    timeout=timeout, force=True), timeout + 15)
    except ConnectError as exc:
        raise OperationError(redact(str(exc))) from exc
    if result.exit_status != 0:
        err = (result.stderr or result.stdout).strip() or f"exit status {result.exit_status}"
        raise OperationError(redact(f"{hostname}: {err[-500:]}"))
    return result.stdout


class StartEngine(NodeOperation):
    """(Re)start dockerd on a node whose engine is not running, the host's own way."""

    name = "start engine"
    timeout = 90.0
    needs_manager = False  # over SSH: a swarm without quorum needs it most

    def __init__(self, pool: NodePool, hostname: str, address: str, node_id: str,
                 starter: str, as_root: bool) -> None:
        super().__init__(pool, hostname, address, node_id)
        self.starter = starter
        self.command = start_command(starter, as_root)

    @classmethod
    def from_diagnosis(cls, pool: NodePool, diagnosis: Diagnosis, address: str,
                       node_id: str) -> StartEngine:
        """`node_id` "": a manager of a swarm without quorum (no node list to wait on)."""
        facts = diagnosis.facts
        starter = facts.starter if facts else "none"
        return cls(pool, diagnosis.hostname, address, node_id, starter,
                   facts.as_root if facts else False)

    @property
    def cli(self) -> str:
        return self.ssh_line(self.command or "systemctl restart docker")

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        result = self._node_known(snapshot)
        if self.command is None:
            return result + GuardResult(blocks=(
                f"swarmtui cannot tell how the engine is started on {self.hostname} (no "
                "systemd, no /etc/init.d/docker); start dockerd there by hand",))
        node = snapshot.nodes.get(self.node_id)
        warn: tuple[str, ...] = ()
        if node is not None and node.state == "ready":
            warn = (f"{self.hostname} is Ready: restarting its engine restarts its "
                    "containers",)
        return result + GuardResult(warnings=warn, preview=(
            f"runs {self.command} on {self.hostname} ({self.starter})",
            "then waits until the swarm reports the node Ready" if self.node_id else
            "its manager rejoins the raft with the state on its disk"))

    def apply(self, api: DockerAPI) -> str:
        assert self.command is not None
        self.run_remote(self.command)
        return f"the engine on {self.hostname} was started ({self.starter})"

    def converged(self, snapshot: ClusterSnapshot) -> tuple[bool, str]:
        if not self.node_id:  # no quorum, no node list: the manager's own probe says
            return True, f"the engine on {self.hostname} is started"
        node = snapshot.nodes.get(self.node_id)
        if node is None:
            return False, f"{self.hostname} is not in the node list"
        if node.state == "ready":
            return True, f"{self.hostname} is Ready"
        return False, f"{self.hostname} is {node.status_text}; waiting for Ready"


class UnlockManager(NodeOperation):
    """`docker swarm unlock` on a locked manager, the key given on stdin (never in argv)."""

    name = "unlock"

    def __init__(self, pool: NodePool, hostname: str, address: str, node_id: str,
                 key: str) -> None:
        super().__init__(pool, hostname, address, node_id)
        self._key = key.strip()

    @property
    def cli(self) -> str:
        return self.ssh_line("docker swarm unlock") + "   # the unlock key typed at its prompt"

    def guard(self, snapshot: ClusterSnapshot, *, read_only: bool = False,
              connected_node_id: str | None = None) -> GuardResult:
        # A locked manager may be the only one: no manager check, only read-only.
        if read_only:
            return GuardResult(blocks=(READ_ONLY_BLOCK,))
        return self._guard(snapshot, connected_node_id)

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        if not self._key.startswith("SWMKEY-1-"):
            return GuardResult(blocks=("an unlock key starts with SWMKEY-1- (docker swarm "
                                       "unlock-key on another manager shows it)",))
        return GuardResult(preview=(f"unlocks the manager {self.hostname}; the key travels "
                                    "on the command's stdin, never in its argv",))

    def apply(self, api: DockerAPI) -> str:
        self.run_remote("docker swarm unlock", input=self._key + "\n")
        return f"{self.hostname} is unlocked"

    def converged(self, snapshot: ClusterSnapshot) -> tuple[bool, str]:
        node = snapshot.nodes.get(self.node_id)
        if node is None or not snapshot.nodes:
            return True, f"{self.hostname} is unlocked"
        if node.is_reachable_manager:
            return True, f"{self.hostname} is a reachable manager again"
        return False, f"{self.hostname}: manager {node.manager_status_text or 'unreachable'}"


class LeaveAndRemoveNode(RemoveNode):
    """Remove a Ready node from the manager's session: `docker swarm leave` on the node over
    its SSH connection, then `docker node rm` once the managers see it Down.

    A manager is demoted first, with RemoveNode's quorum preview and blocks (the last
    manager, losing the majority, the node swarmtui is connected through, the last node).
    """

    name = "node-leave-rm"
    timeout = 60.0
    #: how long the managers may take to see the node Down after it left
    down_wait = 45.0

    def __init__(self, pool: NodePool, node: Node) -> None:
        super().__init__(node)
        self.pool = pool
        self.hostname = node.hostname
        self.address = node.address
        #: the steps so far, as they happen (the progress view shows them while it runs)
        self.lines: list[str] = []

    @property
    def title(self) -> str:
        return f"remove node {self.target} (it leaves the swarm first)"

    @property
    def cli(self) -> str:
        leave = ssh_line(self.pool, self.hostname, self.address, "docker swarm leave")
        rm = fmt.cli_join("docker", "node", "rm", *self.target_labels)
        demote = fmt.cli_join("docker", "node", "demote", *self.target_labels)
        return f"{demote + ' && ' if self.demote_first else ''}{leave} && {rm}"

    def _ready_blocks(self, n: Node) -> tuple[str, ...]:
        return ()

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        result = super()._guard(snapshot, connected_node_id)
        node = snapshot.nodes.get(self.target_ids[0])
        if node is None or node.state != "ready":
            return result
        removed = f"{node.name} ({node.status_text}) is removed from the node list"
        running = snapshot.running_count(node.id)
        tasks = f"its {fmt.count(running, 'running task')}" if running else "its tasks"
        warnings = tuple(w for w in result.warnings if " running task" not in w)
        return GuardResult(result.blocks, warnings, tuple(
            p for p in result.preview if p != removed) + (
            f"{self.hostname} leaves the swarm itself (docker swarm leave over SSH): "
            f"{tasks} stop there and are rescheduled on the other nodes",
            f"then, once the managers see it Down, {self.hostname} is removed"))

    def apply(self, api: DockerAPI) -> str:
        if self.demote_first:
            self.lines.append(f"→ {fmt.cli_join('docker', 'node', 'demote', self.target)}")
        done = "demoted to worker" if self._demote(api) else ""
        if done:
            self.lines.append(f"✔ {self.target} is a worker")
        leave = ssh_line(self.pool, self.hostname, self.address, "docker swarm leave")
        self.lines.append(f"→ {leave}")
        try:
            run_remote(self.pool, self.hostname, self.address, "docker swarm leave")
        except OperationError as exc:
            if done:
                raise OperationError(f"HALF-APPLIED: {self.target} was {done}, but "
                                     f"docker swarm leave failed: {exc}") from exc
            raise
        done = f"{done} and left the swarm" if done else "left the swarm"
        self.lines.append(f"✔ {self.target} left the swarm; waiting until the managers see "
                          f"it Down (up to {self.down_wait:.0f} s)")
        deadline = time.monotonic() + self.down_wait
        while time.monotonic() < deadline:
            try:
                info = api.inspect_node(self.target_ids[0])
            except Exception:  # noqa: BLE001 - the removal below says what is wrong
                break
            if info.get("Status", {}).get("State") == "down":
                break
            time.sleep(0.5)
        self.lines.append(f"→ {fmt.cli_join('docker', 'node', 'rm', self.target)}")
        return self._rm(api, done)
