"""Engine connections, once open: a local socket, TCP(+TLS) or an SSH tunnel (forwarded
unix socket, or `docker system dial-stdio` when forwarding is refused), each with its
reads (`reader`: plain GETs, connect/httpget.py), its blocking `docker.APIClient` (made
on first use: importing docker-py is 0.1 s of a CPU-bound start), a ping and close; and
the ping of a local unix socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import asyncssh

from swarmtui.connect.endpoint import Endpoint
from swarmtui.connect.errors import (
    ConnectError,
    EngineNotAnsweringError,
    ForwardingRefusedError,
    SocketPermissionDeniedError,
)
from swarmtui.connect.httpget import ApiClientReader, EngineHTTP, EngineReader, pick_version
from swarmtui.connect.options import ConnectOptions
from swarmtui.connect.sockdir import remove_private_dir
from swarmtui.connect.sshconf import SshTarget

if TYPE_CHECKING:
    import docker

# --- ping over a local unix socket --------------------------------------------------------


@dataclass(frozen=True)
class PingResult:
    ms: float  # round-trip time
    api_version: str | None  # the engine's API-Version header
    swarm: str | None  # the Swarm header: "active/manager", "active/worker", "inactive", …


async def unix_ping(path: str, timeout: float) -> PingResult:
    """GET /_ping on a local UNIX socket."""
    start = time.perf_counter()
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_unix_connection(path)
            writer.write(b"GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n")
            head = await reader.readuntil(b"\r\n\r\n")
    except TimeoutError as exc:
        raise EngineNotAnsweringError(
            f"the Docker Engine did not answer /_ping within {timeout:g} s",
            "it may be stopping, overloaded or hung") from exc
    except asyncio.IncompleteReadError as exc:
        raise EngineNotAnsweringError("the Docker Engine is not answering (the socket closed "
                                      "without a reply)", "is dockerd running on the host?") \
            from exc
    except (OSError, asyncio.LimitOverrunError) as exc:
        raise EngineNotAnsweringError(f"the Docker Engine is not answering ({short_error(exc)})",
                                      "is dockerd running on the host?") from exc
    finally:
        if writer is not None:
            writer.close()
    elapsed = (time.perf_counter() - start) * 1000
    lines = head.decode("latin-1").split("\r\n")
    status = lines[0].split()
    if len(status) < 2 or status[1] != "200":
        raise EngineNotAnsweringError(f"the Docker Engine answered /_ping with {lines[0]!r}",
                                      "the daemon may be starting or shutting down")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return PingResult(elapsed, headers.get("api-version"), headers.get("swarm"))


def short_error(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 200 else text[:200] + "…"


def unix_api_client(socket_path: str, version: str, timeout: float) -> docker.APIClient:
    """A blocking APIClient on a UNIX socket whose connections are kept across calls."""
    import docker
    from docker.transport import UnixHTTPAdapter

    class OnePoolUnixAdapter(UnixHTTPAdapter):  # type: ignore[misc]
        """docker-py keys its UNIX-socket connection pools by the whole request URL (path
        and query): each new path opens a new connection — through the SSH tunnel a new
        channel, one round trip more (at 300 ms RTT a first call takes 0.6 s instead of
        0.3 s) — and past 25 URLs whole pools, with their connections, are dropped. One
        socket, one pool."""

        def get_connection(self, url: str, proxies: Any = None) -> Any:
            return super().get_connection("http+docker://localhost", proxies)

    api = docker.APIClient(base_url=f"unix://{socket_path}", version=version, timeout=timeout)
    adapter = OnePoolUnixAdapter(f"http+unix://{socket_path}", timeout)
    api.mount("http+docker://", adapter)
    api._custom_adapter = adapter  # what docker-py falls back to (get_adapter)
    return api


# --- engine connections ------------------------------------------------------------------


class EngineConnection:
    """A live connection to one engine: `reader` for the reads (plain GETs; any thread),
    `api` a blocking docker APIClient (use threads) made on first use."""

    endpoint: Endpoint
    via: str  # "ssh", "ssh dial-stdio", "local", "tcp", "tcp+tls"
    base_url: str
    reader: EngineReader
    connect_ms: float = 0.0
    #: the engine's Swarm state from the last /_ping ("active/manager", …; None if unknown)
    swarm_state: str | None = None
    _api: docker.APIClient | None = None
    #: the unix socket, API version and timeout `api` is made with (on first use)
    _api_args: tuple[str, str, float] | None = None

    @property
    def api(self) -> docker.APIClient:
        """The blocking docker APIClient (call from threads; the first call imports
        docker-py, once per process)."""
        with _api_lock:
            if self._api is None:
                if self._api_args is None:
                    raise ConnectError("the engine connection is not open yet")
                self._api = unix_api_client(*self._api_args)
            return self._api

    def _on_socket(self, path: str, version: str, timeout: float) -> None:
        """Reads and API calls go to the unix socket `path`."""
        self.reader = EngineHTTP(path, version, timeout)
        self._api_args = (path, version, timeout)

    def _close_clients(self) -> None:
        if self._api is not None:
            self._api.close()
        reader = getattr(self, "reader", None)
        if isinstance(reader, EngineHTTP):
            reader.close()

    async def ping(self, timeout: float = 3.0) -> float:
        """Round-trip of /_ping in ms; raises EngineNotAnsweringError."""
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


_api_lock = threading.Lock()


class LocalEngine(EngineConnection):
    """unix:///path on this machine."""

    def __init__(self, endpoint: Endpoint, version: str, timeout: float) -> None:
        self.endpoint = endpoint
        self.via = "local"
        self.base_url = f"unix://{endpoint.path}"
        self._on_socket(endpoint.path, version, timeout)

    async def ping(self, timeout: float = 3.0) -> float:
        result = await unix_ping(self.endpoint.path, timeout)
        self.swarm_state = result.swarm or self.swarm_state
        return result.ms

    async def close(self) -> None:
        self._close_clients()


class TcpEngine(EngineConnection):
    """tcp://host:port, with TLS if configured. Pings through a short-timeout client."""

    def __init__(self, endpoint: Endpoint, api: docker.APIClient,
                 ping_api: docker.APIClient) -> None:
        self.endpoint = endpoint
        self.via = "tcp+tls" if endpoint.tls else "tcp"
        self._api = api
        self.reader = ApiClientReader(api)
        self._ping_api = ping_api
        self.base_url = str(api.base_url)

    async def ping(self, timeout: float = 3.0) -> float:
        start = time.perf_counter()
        try:
            async with asyncio.timeout(timeout):
                await asyncio.to_thread(self._ping_api.ping)
        except TimeoutError as exc:
            raise EngineNotAnsweringError(f"{self.endpoint.label} did not answer /_ping in "
                                          f"{timeout:g} s") from exc
        except Exception as exc:
            raise EngineNotAnsweringError(
                f"{self.endpoint.label} is not answering ({short_error(exc)})",
                "is dockerd running and listening on TCP?") from exc
        return (time.perf_counter() - start) * 1000

    async def close(self) -> None:
        self._close_clients()
        self._ping_api.close()


class SshEngine(EngineConnection):
    """A Docker socket reached through one SSH connection."""

    def __init__(self, endpoint: Endpoint, target: SshTarget,
                 conns: list[asyncssh.SSHClientConnection], tmpdir: str,
                 owns_conns: bool = True) -> None:
        self.endpoint = endpoint
        self.target = target
        self.via = "ssh"
        self._conns = conns  # [jump hops..., the host]; closed in reverse order
        self._owns_conns = owns_conns  # False: borrowed, the lender closes them
        self._tmpdir = tmpdir
        self.local_socket = os.path.join(tmpdir, "docker.sock")
        self.base_url = f"unix://{self.local_socket}"
        self._listener: asyncssh.SSHListener | None = None
        self._server: asyncio.AbstractServer | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self.fallback_reason: str | None = None  # why direct-streamlocal was not used
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
