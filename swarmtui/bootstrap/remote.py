"""Running shell commands on a host: a small protocol and its asyncssh implementation.

The bootstrap code only needs `CommandRunner.run()`; tests and other transports can
provide their own. `SshRunner` runs over an already-open, host-key-checked
`asyncssh.SSHClientConnection` (opening it — and trusting the host key — is the job of
`swarmtui.connect`). When the SSH user is not root, `sudo=True` commands go through
`sudo -S -p ''` fed from a password held in memory only (never stored, never logged);
without a password, `sudo -n` (passwordless sudo or a clear failure).
"""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

import asyncssh

Stream = Literal["stdout", "stderr"]
OutputCallback = Callable[[Stream, str], None]

TIMED_OUT = 124  # like coreutils `timeout`
NO_SUDO = 125


@dataclass(frozen=True)
class CommandResult:
    exit_status: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.exit_status == 0

    @property
    def output(self) -> str:
        """stdout and stderr together, for showing a failure."""
        return "\n".join(s for s in (self.stdout.rstrip(), self.stderr.rstrip()) if s)


class CommandRunner(Protocol):
    async def run(
        self,
        command: str,
        *,
        sudo: bool = False,
        input: bytes | None = None,
        timeout: float = 60,
        on_output: OutputCallback | None = None,
    ) -> CommandResult:
        """Run `command` with the host's POSIX shell; `sudo` runs it as root. Never raises
        for a non-zero exit: that is in the result. `on_output` gets output as it comes."""
        ...


class SshRunner:
    """A CommandRunner over one asyncssh connection (channels are multiplexed)."""

    def __init__(self, conn: asyncssh.SSHClientConnection, *, sudo_password: str | None = None,
                 max_parallel: int = 6) -> None:
        self._conn = conn
        self._password = sudo_password  # memory only
        self._uid: int | None = None
        self._gate = asyncio.Semaphore(max_parallel)  # stay under sshd's MaxSessions (10)

    def set_sudo_password(self, password: str | None) -> None:
        self._password = password

    @property
    def has_sudo_password(self) -> bool:
        return bool(self._password)

    async def is_root(self) -> bool:
        if self._uid is None:
            res = await self._raw("id -u", None, 15, None)
            try:
                self._uid = int(res.stdout.strip())
            except ValueError:
                self._uid = -1
        return self._uid == 0

    def wrap_sudo(self, command: str) -> tuple[str, bool]:
        """The command line for running `command` as root; True if it reads a password."""
        inner = shlex.quote(command)
        if self._password:
            return f"sudo -S -p '' sh -c {inner}", True
        return f"sudo -n sh -c {inner}", False

    async def run(
        self,
        command: str,
        *,
        sudo: bool = False,
        input: bytes | None = None,
        timeout: float = 60,
        on_output: OutputCallback | None = None,
    ) -> CommandResult:
        line = command
        if sudo and not await self.is_root():
            line, reads_password = self.wrap_sudo(command)
            if reads_password:
                assert self._password is not None
                input = self._password.encode() + b"\n" + (input or b"")
        return await self._raw(line, input, timeout, on_output)

    async def _raw(self, line: str, input: bytes | None, timeout: float,
                   on_output: OutputCallback | None) -> CommandResult:
        async with self._gate:
            try:
                return await asyncio.wait_for(self._exec(line, input, on_output), timeout)
            except TimeoutError:
                return CommandResult(TIMED_OUT, "", f"timed out after {timeout:g} s")
            except (asyncssh.Error, OSError) as exc:
                return CommandResult(255, "", f"the SSH connection failed: {exc}")

    async def _exec(self, line: str, input: bytes | None,
                    on_output: OutputCallback | None) -> CommandResult:
        proc = await self._conn.create_process(line, encoding=None)
        try:
            if input:
                proc.stdin.write(input)
            proc.stdin.write_eof()
            chunks: dict[Stream, list[str]] = {"stdout": [], "stderr": []}

            async def pump(name: Stream, reader: asyncssh.SSHReader[bytes]) -> None:
                decoder_buf = b""
                while True:
                    data = await reader.read(4096)
                    if not data:
                        break
                    decoder_buf += data
                    # hand over whole UTF-8 sequences only
                    try:
                        text = decoder_buf.decode()
                        decoder_buf = b""
                    except UnicodeDecodeError as exc:
                        if exc.start == 0 and len(decoder_buf) > 8:
                            text, decoder_buf = decoder_buf.decode(errors="replace"), b""
                        else:
                            text = decoder_buf[: exc.start].decode()
                            decoder_buf = decoder_buf[exc.start:]
                    if text:
                        chunks[name].append(text)
                        if on_output is not None:
                            on_output(name, text)
                if decoder_buf:
                    text = decoder_buf.decode(errors="replace")
                    chunks[name].append(text)
                    if on_output is not None:
                        on_output(name, text)

            await asyncio.gather(pump("stdout", proc.stdout), pump("stderr", proc.stderr))
            completed = await proc.wait()
        finally:
            proc.close()
        status = completed.exit_status
        if status is None:
            status = 255
        return CommandResult(status, "".join(chunks["stdout"]), "".join(chunks["stderr"]))
