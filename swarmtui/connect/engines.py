"""Engine connections, once open: a local socket or TCP(+TLS) (the SSH tunnel is in
sshengine.py), each with its reads (`reader`: plain GETs, connect/httpget.py), its
blocking `docker.APIClient` (made on first use: importing docker-py is 0.1 s of a
CPU-bound start), a ping and close; and the ping of a local unix socket. No asyncssh
here: a start on a local socket or TCP never imports it (~0.2 s of CPU, issue 17).
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from swarmtui.connect.endpoint import Endpoint
from swarmtui.connect.errors import ConnectError, EngineNotAnsweringError
from swarmtui.connect.httpget import ApiClientReader, EngineHTTP, EngineReader

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
    #: why direct-streamlocal was not used (an SSH tunnel on `docker system dial-stdio`)
    fallback_reason: str | None = None
    #: an SSH tunnel's login: the user and port its ssh_config gave
    ssh_login: tuple[str, int] | None = None
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
