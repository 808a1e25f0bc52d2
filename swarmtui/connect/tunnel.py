"""One Docker Engine connection: an SSH tunnel, a local socket, or TCP(+TLS).

`open_engine()` opens one engine connection for an endpoint, with no failover
(`link.ClusterLink` does that). The SSH connection is opened by `sshopen`; the
connections themselves (and the ping of a local socket) are in `engines`; how to
connect is a `options.ConnectOptions`.

For ssh endpoints: ONE asyncssh connection per host (plus one per ProxyJump
hop), a private local UNIX socket in a 0700 temp dir (sockdir.py: removed on close, on
SIGTERM/SIGHUP, and swept at start once its owner is gone) forwarded with
direct-streamlocal to the remote Docker socket, the reads (GETs) on it and a blocking
`docker.APIClient` on it (made on first use). The API client must be called from threads, never
from the event loop thread (the loop serves the socket).

Pre-flight: one streamlocal channel is opened before success is declared. If
the server refuses it, the reason is kept and each local connection instead
runs `docker system dial-stdio` over an exec channel; if that fails too, both
reasons are reported. The Engine must then answer /_ping.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import TYPE_CHECKING

from swarmtui.connect.endpoint import Endpoint
from swarmtui.connect.engines import (
    EngineConnection,
    LocalEngine,
    TcpEngine,
    short_error,
    unix_ping,
)
from swarmtui.connect.errors import (
    ConnectError,
    EngineNotAnsweringError,
    HostUnreachableError,
    SocketPermissionDeniedError,
)
from swarmtui.connect.httpget import pick_version
from swarmtui.connect.options import ConnectOptions, LostCallback

if TYPE_CHECKING:
    import docker

log = logging.getLogger(__name__)


async def open_engine(endpoint: Endpoint, options: ConnectOptions,
                      on_lost: LostCallback | None = None) -> EngineConnection:
    """Connect to one endpoint and check the engine answers. Raises ConnectError."""
    try:
        return await _open_engine(endpoint, options, on_lost)
    except ConnectError:
        raise
    except Exception as exc:  # anything unforeseen still reaches the user as a sentence
        log.exception("unexpected error connecting to %s", endpoint.label)
        raise ConnectError(f"{endpoint.label}: unexpected error while connecting: "
                           f"{short_error(exc)}") from exc


async def _open_engine(endpoint: Endpoint, options: ConnectOptions,
                       on_lost: LostCallback | None) -> EngineConnection:
    start = time.perf_counter()
    engine: EngineConnection
    if endpoint.kind == "ssh":
        from swarmtui.connect.sshlib import import_asyncssh

        import_asyncssh()  # on first SSH use (the start imports it earlier: startup.py)
        from swarmtui.connect.sshopen import open_ssh_engine

        engine = await open_ssh_engine(endpoint, options, on_lost)
    elif endpoint.kind == "unix":
        try:
            ping = await unix_ping(endpoint.path, options.connect_timeout)
        except EngineNotAnsweringError as exc:
            if isinstance(exc.__cause__, PermissionError):
                raise SocketPermissionDeniedError("this machine", _whoami(), endpoint.path) from exc
            raise
        engine = LocalEngine(endpoint, pick_version(ping.api_version), options.api_timeout)
        engine.swarm_state = ping.swarm
    else:
        engine = await _open_tcp(endpoint, options)
    engine.connect_ms = (time.perf_counter() - start) * 1000
    return engine


def _whoami() -> str:
    import getpass

    try:
        return getpass.getuser()
    except KeyError:
        return str(os.getuid())


async def _open_tcp(endpoint: Endpoint, options: ConnectOptions) -> TcpEngine:
    import docker
    from docker.tls import TLSConfig

    tls: TLSConfig | bool = False
    scheme = "http"
    if endpoint.tls:
        t = endpoint.tls
        cert = (t.client_cert, t.client_key) if t.client_cert and t.client_key else None
        try:
            tls = TLSConfig(client_cert=cert, ca_cert=t.ca_cert if t.verify else None,
                            verify=t.verify)
        except docker.errors.TLSParameterError as exc:
            raise ConnectError(f"bad TLS settings for {endpoint.label}: {exc}",
                               "check DOCKER_CERT_PATH (ca.pem, cert.pem, key.pem)") from exc
        scheme = "https"
    port = endpoint.port or (2376 if endpoint.tls else 2375)
    url = f"{scheme}://{endpoint.host}:{port}"

    def make(timeout: float) -> docker.APIClient:
        return docker.APIClient(base_url=url, version="auto", tls=tls, timeout=timeout)

    try:
        async with asyncio.timeout(options.connect_timeout + 1):
            api = await asyncio.to_thread(make, options.api_timeout)
    except TimeoutError as exc:
        raise HostUnreachableError(f"no answer from {url} within {options.connect_timeout:g} s",
                                   "is the host up and dockerd listening on TCP?") from exc
    except docker.errors.DockerException as exc:
        raise HostUnreachableError(f"cannot reach the Docker Engine at {url}: {short_error(exc)}",
                                   "check the address, the port, TLS settings "
                                   "(DOCKER_TLS_VERIFY, DOCKER_CERT_PATH)") from exc
    ping_api = docker.APIClient(base_url=url, version=str(api.api_version), tls=tls,
                                timeout=3)
    return TcpEngine(endpoint, api, ping_api)
