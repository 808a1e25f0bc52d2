"""Running shell commands on a host: a small protocol and its asyncssh implementation.

The bootstrap code only needs `CommandRunner.run()`; tests and other transports can
provide their own. `SshRunner` runs over an already-open, host-key-checked
`asyncssh.SSHClientConnection` (opening it — and trusting the host key — is the job of
`swarmtui.connect`). When the SSH user is not root, `sudo=True` commands go through
`sudo -S -p ''` fed from a password held in memory only (never stored, never logged, masked
in reprs, redacted from every output); without a password, `sudo -n` (passwordless sudo or a
clear failure).

The password goes first on stdin, followed by a one-time marker line: sudo reads the
password only when it asks for one (not with NOPASSWD, nor with cached credentials), so
the wrapped command first discards stdin up to the marker. What the command reads after
that is exactly the `input` it was given, whether sudo asked or not.
"""

from __future__ import annotations

import asyncio
import secrets
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from swarmtui.secrets import redact

if TYPE_CHECKING:
    import asyncssh

Stream = Literal["stdout", "stderr"]
OutputCallback = Callable[[Stream, str], None]

TIMED_OUT = 124  # like coreutils `timeout`
NO_SUDO = 125
PASSWORD_MASK = "<sudo password redacted>"


class SudoPassword:
    """A sudo password in memory: masked in str() and repr() (so a worker's description,
    a log line or a traceback's locals never show it); `.reveal()` gives it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "SudoPassword(<hidden>)" if self._value else "SudoPassword(<none>)"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


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

    def __init__(self, conn: asyncssh.SSHClientConnection, *,
                 sudo_password: str | SudoPassword | None = None, max_parallel: int = 6) -> None:
        self._conn = conn
        self._password = _reveal(sudo_password)  # memory only
        self._uid: int | None = None
        self._gate = asyncio.Semaphore(max_parallel)  # stay under sshd's MaxSessions (10)

    def set_sudo_password(self, password: str | SudoPassword | None) -> None:
        self._password = _reveal(password)

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

    def wrap_sudo(self, command: str, marker: str) -> tuple[str, bool]:
        """The command line for running `command` as root; True if it reads a password
        (then stdin must be: the password, `marker`, the command's own input)."""
        if self._password:
            # sudo consumed the password line, or did not ask: skip to the marker either way
            skip = (f'while IFS= read -r _swarmtui_l && [ "$_swarmtui_l" != {marker} ]; '
                    "do :; done; unset _swarmtui_l; ")
            return f"sudo -S -p '' sh -c {shlex.quote(skip + command)}", True
        return f"sudo -n sh -c {shlex.quote(command)}", False

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
            marker = f"swarmtui-{secrets.token_hex(16)}"
            line, reads_password = self.wrap_sudo(command, marker)
            if reads_password:
                assert self._password is not None
                input = (self._password.encode() + b"\n" + marker.encode() + b"\n"
                         + (input or b""))
        return await self._raw(line, input, timeout, on_output)

    async def _raw(self, line: str, input: bytes | None, timeout: float,
                   on_output: OutputCallback | None) -> CommandResult:
        import asyncssh  # imported by then: the connection is open

        async with self._gate:
            try:
                return await asyncio.wait_for(self._exec(line, input, on_output), timeout)
            except TimeoutError:
                return CommandResult(TIMED_OUT, "", f"timed out after {timeout:g} s")
            except (asyncssh.Error, OSError) as exc:
                text = redact_text(str(exc), self._password)
                return CommandResult(255, "", f"the SSH connection failed: {text}")

    async def _exec(self, line: str, input: bytes | None,
                    on_output: OutputCallback | None) -> CommandResult:
        """Run `line`; its output comes back (and to `on_output`) with every join token,
        unlock key and the sudo password redacted, even when split across reads."""
        proc = await self._conn.create_process(line, encoding=None)
        try:
            if input:
                proc.stdin.write(input)
            proc.stdin.write_eof()
            chunks: dict[Stream, list[str]] = {"stdout": [], "stderr": []}

            async def pump(name: Stream, reader: asyncssh.SSHReader[bytes]) -> None:
                decoder_buf = b""
                redactor = StreamRedactor(self._password)

                def hand_over(text: str, final: bool = False) -> None:
                    text = redactor.feed(text) + (redactor.flush() if final else "")
                    if text:
                        chunks[name].append(text)
                        if on_output is not None:
                            on_output(name, text)

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
                    hand_over(text)
                hand_over(decoder_buf.decode(errors="replace"), final=True)

            await asyncio.gather(pump("stdout", proc.stdout), pump("stderr", proc.stderr))
            completed = await proc.wait()
        finally:
            proc.close()
        status = completed.exit_status
        if status is None:
            status = 255
        return CommandResult(status, "".join(chunks["stdout"]), "".join(chunks["stderr"]))


def _reveal(password: str | SudoPassword | None) -> str | None:
    if isinstance(password, SudoPassword):
        return password.reveal() or None
    return password or None


# a join token or an unlock key is made of these; a secret split across reads lies in a run
_SECRET_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-")


def redact_text(text: str, password: str | None = None) -> str:
    """`text` with every join token and unlock key masked, and the sudo password."""
    if password:
        text = text.replace(password, PASSWORD_MASK)
    return redact(text)


class StreamRedactor:
    """Redacts a stream that arrives in pieces: a secret split across two pieces is held
    back until it is whole. `feed()` returns what is safe to show now, `flush()` the rest
    at the end."""

    def __init__(self, password: str | None = None) -> None:
        self._password = password or None
        self._held = ""

    def feed(self, text: str) -> str:
        buf = self._held + text
        cut = self._safe_cut(buf)
        self._held = buf[cut:]
        return redact_text(buf[:cut], self._password)

    def flush(self) -> str:
        out, self._held = redact_text(self._held, self._password), ""
        return out

    def _safe_cut(self, buf: str) -> int:
        """The largest index such that no secret (whole, or the start of one still coming)
        spans it: not inside a run of token characters, not inside the password."""
        cut, pw = len(buf), self._password
        while True:
            while cut > 0 and buf[cut - 1] in _SECRET_CHARS:
                cut -= 1
            new = cut
            if pw:
                new = min(new, _partial_suffix_start(buf, pw))
                i = buf.find(pw)
                while i != -1 and i < new:
                    if i + len(pw) > new:
                        new = i
                        break
                    i = buf.find(pw, i + 1)
            if new == cut:
                return cut
            cut = new


def _partial_suffix_start(buf: str, pw: str) -> int:
    """Where the longest suffix of `buf` that is a proper prefix of `pw` starts."""
    for k in range(min(len(pw) - 1, len(buf)), 0, -1):
        if buf.endswith(pw[:k]):
            return len(buf) - k
    return len(buf)
