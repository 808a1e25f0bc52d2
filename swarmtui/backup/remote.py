"""One host reached over SSH for a backup or a restore: shell commands, byte streams (tar)
and the Docker Engine API, all through ONE SSH connection with the app's host-key trust.

The API socket forward is opened only while the engine is up; it survives the engine
being stopped and started (each API connection opens a new SSH channel).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import shlex
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import asyncssh
import docker

from swarmtui.backup.steps import StepError
from swarmtui.bootstrap.remote import CommandResult, SshRunner
from swarmtui.connect.endpoint import Endpoint
from swarmtui.connect.errors import ConnectError
from swarmtui.connect.options import ConnectOptions
from swarmtui.connect.sockdir import make_private_dir
from swarmtui.connect.sshconf import resolve_ssh
from swarmtui.connect.sshengine import SshEngine
from swarmtui.connect.sshopen import open_ssh

T = TypeVar("T")
CHUNK = 256 * 1024
#: seconds for API calls that wait on raft (unlock, init --force-new-cluster)
SLOW = 180.0


class HostSession:
    """SSH to one host: `runner` for shell commands, `api()` for the engine."""

    def __init__(self, endpoint: Endpoint, options: ConnectOptions,
                 conns: list[asyncssh.SSHClientConnection]) -> None:
        self.endpoint = endpoint
        self.options = options
        self._conns = conns
        self.runner = SshRunner(conns[-1])
        self._engine: SshEngine | None = None

    @classmethod
    async def open(cls, endpoint: Endpoint, options: ConnectOptions) -> HostSession:
        """Connect (host keys checked as everywhere in swarmtui). Raises ConnectError."""
        if endpoint.kind != "ssh":
            raise ConnectError(f"{endpoint.label} is not reached over SSH: a backup or restore "
                               "stops the engine and reads its files on the host",
                               "give ssh://[user@]host or an ssh_config alias")
        return cls(endpoint, options, await open_ssh(endpoint, options))

    @property
    def conn(self) -> asyncssh.SSHClientConnection:
        return self._conns[-1]

    async def api(self) -> docker.APIClient:
        """The engine's API (opens the socket forward the first time). Raises ConnectError
        if the engine does not answer."""
        if self._engine is None:
            engine = SshEngine(self.endpoint, resolve_ssh(self.endpoint, self.options.ssh_config),
                               self._conns, make_private_dir(), owns_conns=False)
            try:
                await engine.start(self.options)
            except BaseException:
                await engine.close()
                raise
            self._engine = engine
        return self._engine.api

    async def call(self, fn: Callable[[docker.APIClient], T], timeout: float | None = None
                   ) -> T:
        """Run one blocking API call in a thread; `timeout` for a call known to be slow
        (unlocking or re-forming a swarm waits for its raft to start)."""
        api = await self.api()
        if timeout is None:
            return await asyncio.to_thread(fn, api)
        assert self._engine is not None
        slow = docker.APIClient(base_url=self._engine.base_url, version=api.api_version,
                                timeout=timeout)
        try:
            return await asyncio.to_thread(fn, slow)
        finally:
            slow.close()

    async def wait_info(self, deadline_s: float) -> dict[str, Any]:
        """`docker info` once the engine answers (it is starting: retried until the
        deadline). Raises StepError."""
        end = time.monotonic() + deadline_s
        last = ""
        while time.monotonic() < end:
            try:
                info: dict[str, Any] = await self.call(lambda api: api.info())
                return info
            except Exception as exc:  # connection refused, engine starting, …
                last = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            await asyncio.sleep(0.3)
        raise StepError(f"the engine did not answer within {deadline_s:g} s ({last})")

    async def check_root(self) -> str:
        """Root, or passwordless sudo; else StepError (before anything is stopped)."""
        if await self.runner.is_root():
            return "root"
        res = await self.runner.run("true", sudo=True, timeout=20)
        if not res.ok:
            raise StepError(
                f"{self.endpoint.label} does not let this user run commands as root without "
                "a password (sudo -n): stopping the engine and reading /var/lib/docker/swarm "
                "need root; log in as root or allow passwordless sudo. Nothing was changed")
        return "sudo -n"

    async def sudo_line(self, command: str) -> str:
        """`command` as the host's root (sudo -n when the SSH user is not root)."""
        if await self.runner.is_root():
            return command
        return f"sudo -n sh -c {shlex.quote(command)}"  # no password is ever asked here

    async def stream_to(self, command: str, dest: int, timeout: float = 1800
                        ) -> tuple[CommandResult, int, str]:
        """Run `command` as root, its stdout written to the open file `dest`.
        Returns (result without stdout, bytes written, sha256 hex)."""
        digest = hashlib.sha256()
        size = 0
        proc = await self.conn.create_process(await self.sudo_line(command), encoding=None)
        try:
            proc.stdin.write_eof()

            async def pump_out() -> None:
                nonlocal size
                while data := await proc.stdout.read(CHUNK):
                    digest.update(data)
                    size += len(data)
                    await asyncio.to_thread(_write_all, dest, data)

            async def pump_err() -> bytes:
                data: bytes = await proc.stderr.read()
                return data

            async with asyncio.timeout(timeout):
                _, err = await asyncio.gather(pump_out(), pump_err())
                done = await proc.wait()
        finally:
            proc.close()
        status = done.exit_status if done.exit_status is not None else 255
        return CommandResult(status, "", err.decode(errors="replace")), size, digest.hexdigest()

    async def stream_from(self, command: str, source: Path, timeout: float = 1800
                          ) -> CommandResult:
        """Run `command` as root with the file `source` on its stdin."""
        proc = await self.conn.create_process(await self.sudo_line(command), encoding=None)
        try:
            async with asyncio.timeout(timeout):
                with source.open("rb") as fh:
                    while data := await asyncio.to_thread(fh.read, CHUNK):
                        proc.stdin.write(data)
                        await proc.stdin.drain()
                proc.stdin.write_eof()
                out, err = await asyncio.gather(proc.stdout.read(), proc.stderr.read())
                done = await proc.wait()
        finally:
            proc.close()
        status = done.exit_status if done.exit_status is not None else 255
        return CommandResult(status, out.decode(errors="replace"), err.decode(errors="replace"))

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.close()
            self._engine = None
        for c in reversed(self._conns):
            c.close()
        for c in reversed(self._conns):
            with contextlib.suppress(TimeoutError, OSError, asyncssh.Error):
                await asyncio.wait_for(c.wait_closed(), 2)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]
