"""The SSH tunnel to a Docker socket: one asyncssh connection (after its ProxyJump hops),
the remote socket forwarded to a private local one (direct-streamlocal), or each local
connection piped through `docker system dial-stdio` when the server refuses forwarding.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex

import asyncssh

from swarmtui.connect.endpoint import Endpoint
from swarmtui.connect.engines import EngineConnection, short_error, unix_ping
from swarmtui.connect.errors import (
    ConnectError,
    EngineNotAnsweringError,
    ForwardingRefusedError,
    SocketPermissionDeniedError,
)
from swarmtui.connect.httpget import pick_version
from swarmtui.connect.options import ConnectOptions
from swarmtui.connect.sockdir import remove_private_dir
from swarmtui.connect.sshconf import SshTarget


class SshEngine(EngineConnection):
    """A Docker socket reached through one SSH connection."""

    def __init__(self, endpoint: Endpoint, target: SshTarget,
                 conns: list[asyncssh.SSHClientConnection], tmpdir: str,
                 owns_conns: bool = True) -> None:
        self.endpoint = endpoint
        self.target = target
        self.ssh_login = (target.user, target.port)
        self.via = "ssh"
        self._conns = conns  # [jump hops..., the host]; closed in reverse order
        self._owns_conns = owns_conns  # False: borrowed, the lender closes them
        self._tmpdir = tmpdir
        self.local_socket = os.path.join(tmpdir, "docker.sock")
        self.base_url = f"unix://{self.local_socket}"
        self._listener: asyncssh.SSHListener | None = None
        self._server: asyncio.AbstractServer | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self.api_version = "auto"

    @property
    def conn(self) -> asyncssh.SSHClientConnection:
        return self._conns[-1]

    async def ping(self, timeout: float = 3.0) -> float:
        result = await unix_ping(self.local_socket, timeout)
        self.swarm_state = result.swarm or self.swarm_state
        return result.ms

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.close()
            with contextlib.suppress(Exception):
                await self._listener.wait_closed()
        if self._server is not None:
            self._server.close()
        for task in list(self._pipes):
            task.cancel()
        if self._pipes:
            await asyncio.gather(*self._pipes, return_exceptions=True)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
        self._close_clients()
        for c in reversed(self._conns if self._owns_conns else []):
            c.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(c.wait_closed(), 2)
        remove_private_dir(self._tmpdir)

    # --- set-up ---------------------------------------------------------------------

    async def start(self, options: ConnectOptions) -> None:
        remote = self.endpoint.path
        host = self.target.alias
        try:
            reader, writer = await self.conn.open_unix_connection(remote)
            writer.close()
            self._listener = await self.conn.forward_local_path(self.local_socket, remote)
        except asyncssh.ChannelOpenError as exc:
            refused = (f"the SSH server refused to forward {remote} (direct-streamlocal: "
                       f"{exc.reason or 'open failed'})")
            await self._diagnose(refused)
            self.fallback_reason = refused
            try:
                await self._start_dial_stdio()
            except ConnectError as exc2:
                if isinstance(exc2, SocketPermissionDeniedError | EngineNotAnsweringError):
                    raise
                raise ForwardingRefusedError(host, [refused, exc2.what]) from exc2
            self.via = "ssh dial-stdio"
        try:
            ping = await unix_ping(self.local_socket, options.connect_timeout)
        except EngineNotAnsweringError as exc:
            raise EngineNotAnsweringError(f"{self.endpoint.label}: {exc.what}", exc.hint) from exc
        self.swarm_state = ping.swarm
        self.api_version = pick_version(ping.api_version)
        self._on_socket(self.local_socket, self.api_version, options.api_timeout)

    async def _diagnose(self, refused: str) -> None:
        """Find out why the socket could not be opened: missing? permission? (exec channel)."""
        path = shlex.quote(self.endpoint.path)
        script = (f"if [ ! -e {path} ]; then echo missing; elif [ -r {path} ] && [ -w {path} ]; "
                  "then echo ok; else echo denied; fi")
        try:
            result = await asyncio.wait_for(self.conn.run(script, check=False), 10)
        except (asyncssh.Error, OSError, TimeoutError):
            return  # exec refused too: the dial-stdio attempt will say so
        out = str(result.stdout or "").strip()
        if out == "denied":
            raise SocketPermissionDeniedError(self.target.alias, self.target.user,
                                              self.endpoint.path)
        if out == "missing":
            raise EngineNotAnsweringError(
                f"there is no Docker socket at {self.endpoint.path} on {self.target.alias}",
                "is Docker installed and running there? (or give the socket path: "
                "ssh://host/path/to/docker.sock)")

    def _dial_command(self) -> str:
        return f"docker -H {shlex.quote('unix://' + self.endpoint.path)} system dial-stdio"

    async def _start_dial_stdio(self) -> None:
        # pre-flight: one dial-stdio process must answer /_ping
        try:
            proc = await self.conn.create_process(self._dial_command(), encoding=None)
        except (asyncssh.Error, OSError) as exc:
            raise ConnectError(f"`docker system dial-stdio` could not be started "
                               f"({short_error(exc)})") from exc
        try:
            proc.stdin.write(b"GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n")
            async with asyncio.timeout(10):
                out = await proc.stdout.read(4096)
                err = b""
                if not out:
                    err = await proc.stderr.read(4096)
        except (TimeoutError, asyncssh.Error, OSError) as exc:
            raise ConnectError(f"`docker system dial-stdio` did not answer ({short_error(exc)})") \
                from exc
        finally:
            proc.close()
        if b" 200 " not in out.split(b"\r\n", 1)[0]:
            text = err.decode(errors="replace").strip() or out[:200].decode(errors="replace")
            if "permission denied" in text.lower():
                raise SocketPermissionDeniedError(self.target.alias, self.target.user,
                                             self.endpoint.path)
            if "cannot connect to the docker daemon" in text.lower():
                raise EngineNotAnsweringError(
                    f"the Docker Engine on {self.target.alias} is not running ({text})",
                    "start dockerd there (systemctl start docker)")
            if "not found" in text.lower():
                text = f"the docker CLI is not installed on {self.target.alias} ({text})"
            raise ConnectError(f"`docker system dial-stdio` failed: {text or 'no output'}")
        self._server = await asyncio.start_unix_server(self._pipe_dial_stdio,
                                                       path=self.local_socket)

    async def _pipe_dial_stdio(self, reader: asyncio.StreamReader,
                               writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._pipes.add(task)
        proc: asyncssh.SSHClientProcess[bytes] | None = None
        try:
            proc = await self.conn.create_process(self._dial_command(), encoding=None)

            async def upstream() -> None:
                assert proc is not None
                while data := await reader.read(65536):
                    proc.stdin.write(data)
                proc.stdin.write_eof()

            async def downstream() -> None:
                assert proc is not None
                while data := await proc.stdout.read(65536):
                    writer.write(data)
                    await writer.drain()

            up = asyncio.ensure_future(upstream())
            try:
                await downstream()
            finally:
                up.cancel()
                await asyncio.gather(up, return_exceptions=True)
        except (asyncssh.Error, OSError, asyncio.CancelledError):
            pass
        finally:
            if proc is not None:
                proc.close()
            writer.close()
            self._pipes.discard(task)
