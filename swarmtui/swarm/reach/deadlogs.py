"""Dead-task logs: a failed task's container logs, exit code and OOMKilled, from its node.

`docker service logs` is often empty for a task that died at once; the
container usually still sits on its node (until the task history limit or a
prune removes it). Read through the node's own engine, over the pool's
forwarded socket. When the container is gone, say so plainly.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import docker.errors

from swarmtui.connect.errors import ConnectError
from swarmtui.connect.nodes import NodePool
from swarmtui.secrets import redact
from swarmtui.swarm import format as fmt


@dataclass(frozen=True)
class DeadTaskLogs:
    """What the node still knows about a task's container."""

    hostname: str
    container_id: str
    gone: bool  # the container no longer exists on the node
    exit_code: int | None = None
    oom_killed: bool = False
    error: str = ""  # State.Error
    finished_at: str = ""
    logs: str = ""  # the last lines, stdout and stderr interleaved as written
    message: str = ""  # a sentence for the screen

    def cli(self, tail: int) -> str:
        short = self.container_id[:12]
        return (f"ssh {self.hostname} docker logs --tail {tail} {short}; "
                f"ssh {self.hostname} docker inspect --format '{{{{json .State}}}}' {short}")


def _read(api: Any, hostname: str, container_id: str, tail: int) -> DeadTaskLogs:
    try:
        info = api.inspect_container(container_id)
    except docker.errors.NotFound:
        return DeadTaskLogs(hostname, container_id, True, message=(
            f"the container {container_id[:12]} is gone from {hostname} (removed by the "
            "task history limit or a prune): its logs are lost; only the task's error in "
            "the swarm remains"))
    state = info.get("State") or {}
    raw = api.logs(container_id, stdout=True, stderr=True, tail=tail, timestamps=False)
    text = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
    code = state.get("ExitCode")
    oom = bool(state.get("OOMKilled"))
    what = f"exited with code {code}" if isinstance(code, int) else "state unknown"
    if oom:
        what += ", killed by the kernel for lack of memory (OOMKilled)"
    lines = text.count("\n") + (1 if text and not text.endswith("\n") else 0)
    return DeadTaskLogs(hostname, container_id, False, code if isinstance(code, int) else None,
                        oom, str(state.get("Error") or ""), str(state.get("FinishedAt") or ""),
                        redact(text), f"{container_id[:12]} on {hostname} {what}; "
                                      f"last {fmt.count(lines, 'line')} of its output")


async def dead_task_logs(pool: NodePool, hostname: str, address: str, container_id: str,
                         tail: int = 100) -> DeadTaskLogs:
    """The container's logs and end state from its node. Raises ConnectError when the node
    cannot be reached (NodeUnreachableError says why)."""
    api = await pool.engine_api(hostname, address)
    try:
        return await asyncio.to_thread(_read, api, hostname, container_id, tail)
    except docker.errors.DockerException as exc:
        raise ConnectError(f"{hostname}: reading the container failed: {exc}") from exc
