"""Exec into a task's container on whatever node it runs, over that node's SSH connection.

`find_task` names a task the way people do — `service.slot`, a task ID (or a
unique prefix), or a service name (its first running task) — and finds its
node and container through the manager's API (blocking: call it from a
thread). `exec_in_task` runs `docker exec` there: with a PTY bridged to the
local terminal when stdin is a TTY (raw mode, window size followed), plain
pipes when it is not. The command's exit status is returned.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import signal
import sys
import termios
import tty
from dataclasses import dataclass
from typing import Any

import asyncssh

from swarmtui import audit
from swarmtui.connect.errors import ConnectError
from swarmtui.connect.nodes import NodePool
from swarmtui.swarm.models import Node
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.swarm.task_model import Task

DockerAPI = Any

#: the default command: bash where the image has it, else sh
DEFAULT_SHELL = ("sh", "-c", "command -v bash >/dev/null 2>&1 && exec bash || exec sh")


class TaskNotFoundError(Exception):
    """The task name matches no running task; the message says what was looked for."""


@dataclass(frozen=True)
class TaskPlace:
    """Where a task's container lives."""

    name: str  # service.slot (or service.nodeid for a global service)
    task_id: str
    container_id: str
    hostname: str
    address: str
    node_id: str


def _running_first(tasks: list[Task]) -> list[Task]:
    return sorted(tasks, key=lambda t: (not t.is_running, t.slot or 0,
                                        -(t.timestamp.timestamp() if t.timestamp else 0)))


def find_task(api: DockerAPI, name: str) -> TaskPlace:
    """Resolve `service.slot`, a task ID (prefix) or a service name to a running task."""
    services = {s["ID"]: s["Spec"]["Name"] for s in api.services()}
    by_name = {v: k for k, v in services.items()}
    service_id: str | None = None
    slot: int | None = None
    task_id: str | None = None
    if name in by_name:
        service_id = by_name[name]
    else:
        base, _, tail = name.rpartition(".")
        if base in by_name and tail.isascii() and tail.isdigit():
            service_id, slot = by_name[base], int(tail)
        elif base in by_name and tail:
            service_id, task_id = by_name[base], tail  # service.nodeid or service.slot.taskid
        else:
            task_id = name
    filters: dict[str, Any] = {"desired-state": "running"}
    if service_id:
        filters["service"] = service_id
    tasks = [Task.from_api(t) for t in api.tasks(filters=filters)]
    if slot is not None:
        tasks = [t for t in tasks if t.slot == slot]
    if task_id is not None:
        tasks = [t for t in tasks if t.id.startswith(task_id) or (t.node_id or "") == task_id]
    tasks = [t for t in _running_first(tasks) if t.container_id and t.node_id]
    if not tasks or not tasks[0].is_running:
        raise TaskNotFoundError(f"no running task matches {name!r}: give service.slot "
                                "(docker service ps shows them), a task ID or a service name")
    task = tasks[0]
    assert task.node_id is not None and task.container_id is not None
    node = Node.from_api(api.inspect_node(task.node_id))
    service = services.get(task.service_id, task.service_id[:12])
    label = f"{service}.{task.slot}" if task.slot else f"{service}.{task.node_id}"
    return TaskPlace(label, task.id, task.container_id, node.hostname, node.address, node.id)


def place_of(snapshot: ClusterSnapshot, task_id: str) -> TaskPlace:
    """Where a task of the snapshot runs (for a task row: no API call). Raises
    TaskNotFoundError when it has no running container on a known node."""
    task = snapshot.tasks.get(task_id)
    if task is None or not task.is_running or not task.container_id or not task.node_id:
        raise TaskNotFoundError("exec needs a running task: this one has no running container")
    node = snapshot.nodes.get(task.node_id)
    if node is None:
        raise TaskNotFoundError(f"the task's node {task.node_id[:12]} is not in the node list")
    service = snapshot.services.get(task.service_id)
    name = service.name if service else task.service_id[:12]
    label = f"{name}.{task.slot}" if task.slot else f"{name}.{task.node_id}"
    return TaskPlace(label, task.id, task.container_id, node.hostname, node.address, node.id)


def journal_exec(target: str, cli: str, status: int | None, error: str | None = None,
                 cluster: str = "", refused: bool = False) -> str | None:
    """One audit line for an exec (a shell can change anything: it is journaled like a
    change). `status` None: it did not run. Returns why the journal could not be written."""
    result = "refused" if refused else "error" if status is None else "ok"
    if error is None and status not in (None, 0):
        error = f"exit status {status}"
    try:
        audit.record(audit.AuditEntry(operation="exec", target=target, cli=cli, result=result,
                                      error=error, cluster=cluster))
    except OSError as exc:
        return f"the audit journal could not be written: {exc.strerror or exc}"
    return None


def exec_command(container_id: str, command: tuple[str, ...] | list[str], *,
                 tty_: bool) -> str:
    """`docker exec -i[t] CONTAINER CMD…` as one shell-quoted line (stdin always forwarded)."""
    return shlex.join(["docker", "exec", "-it" if tty_ else "-i", container_id, *command])


async def exec_in_task(pool: NodePool, place: TaskPlace, command: tuple[str, ...] | list[str],
                       *, stdin_fd: int = 0, stdout_fd: int = 1, stderr_fd: int = 2) -> int:
    """Run `command` in the task's container; its exit status (255: lost connection)."""
    use_tty = os.isatty(stdin_fd)
    conn = await pool.connection(place.hostname, place.address, force=True)
    line = exec_command(place.container_id, command, tty_=use_tty)
    if use_tty:
        return await _with_pty(conn, line, stdin_fd, stdout_fd)
    return await _with_pipes(conn, line, stdin_fd, stdout_fd, stderr_fd)


async def _pump_in(loop: asyncio.AbstractEventLoop, fd: int,
                   writer: asyncssh.SSHWriter[bytes]) -> None:
    """Copy a local fd to the remote stdin until EOF (reader callbacks: works for ttys,
    pipes and files alike)."""
    queue: asyncio.Queue[bytes] = asyncio.Queue()

    def readable() -> None:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b""
        queue.put_nowait(data)
        if not data:
            loop.remove_reader(fd)

    try:
        loop.add_reader(fd, readable)
    except (PermissionError, OSError):  # a regular file cannot be polled: read it at once
        while data := await asyncio.to_thread(os.read, fd, 65536):
            writer.write(data)
        writer.write_eof()
        return
    try:
        while data := await queue.get():
            writer.write(data)
        writer.write_eof()
    finally:
        loop.remove_reader(fd)


async def _pump_out(reader: asyncssh.SSHReader[bytes], fd: int) -> None:
    while data := await reader.read(65536):
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]


async def _with_pipes(conn: asyncssh.SSHClientConnection, line: str, stdin_fd: int,
                      stdout_fd: int, stderr_fd: int) -> int:
    loop = asyncio.get_running_loop()
    try:
        proc = await conn.create_process(line, encoding=None)
    except (asyncssh.Error, OSError) as exc:
        raise ConnectError(f"docker exec could not be started ({exc})") from exc
    feed = asyncio.ensure_future(_pump_in(loop, stdin_fd, proc.stdin))
    try:
        await asyncio.gather(_pump_out(proc.stdout, stdout_fd),
                             _pump_out(proc.stderr, stderr_fd))
        await proc.wait_closed()
    finally:
        feed.cancel()
        await asyncio.gather(feed, return_exceptions=True)
    return proc.exit_status if proc.exit_status is not None else 255


def _size(fd: int) -> tuple[int, int]:
    try:
        cols, rows = os.get_terminal_size(fd)
    except OSError:
        cols, rows = 80, 24
    return cols, rows


async def _with_pty(conn: asyncssh.SSHClientConnection, line: str, stdin_fd: int,
                    stdout_fd: int) -> int:
    loop = asyncio.get_running_loop()
    cols, rows = _size(stdin_fd)
    try:
        proc = await conn.create_process(line, encoding=None,
                                         term_type=os.environ.get("TERM", "xterm"),
                                         term_size=(cols, rows))
    except (asyncssh.Error, OSError) as exc:
        raise ConnectError(f"docker exec could not be started ({exc})") from exc
    saved = termios.tcgetattr(stdin_fd)

    def resized() -> None:
        c, r = _size(stdin_fd)
        with contextlib.suppress(OSError, asyncssh.Error):
            proc.change_terminal_size(c, r)

    with contextlib.suppress(ValueError, RuntimeError):
        loop.add_signal_handler(signal.SIGWINCH, resized)
    tty.setraw(stdin_fd)
    feed = asyncio.ensure_future(_pump_in(loop, stdin_fd, proc.stdin))
    try:
        await _pump_out(proc.stdout, stdout_fd)
        await proc.wait_closed()
    finally:
        feed.cancel()
        await asyncio.gather(feed, return_exceptions=True)
        termios.tcsetattr(stdin_fd, termios.TCSADRAIN, saved)
        with contextlib.suppress(ValueError, RuntimeError):
            loop.remove_signal_handler(signal.SIGWINCH)
        sys.stdout.flush()
    return proc.exit_status if proc.exit_status is not None else 255
