"""One Docker Engine connection: an SSH tunnel, a local socket, or TCP(+TLS).

For ssh endpoints: ONE asyncssh connection per host (plus one per ProxyJump
hop), a private local UNIX socket in a 0700 temp dir (sockdir.py: removed on close, on
SIGTERM/SIGHUP, and swept at start once its owner is gone) forwarded with
direct-streamlocal to the remote Docker socket, and a blocking
`docker.APIClient` on it. The API client must be called from threads, never
from the event loop thread (the loop serves the socket).

Pre-flight: one streamlocal channel is opened before success is declared. If
the server refuses it, the reason is kept and each local connection instead
runs `docker system dial-stdio` over an exec channel; if that fails too, both
reasons are reported. The Engine must then answer /_ping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shlex
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncssh
import docker
from docker.constants import DEFAULT_DOCKER_API_VERSION
from docker.tls import TLSConfig
from docker.transport import UnixHTTPAdapter
from docker.utils import version_lt

from swarmtui.connect.endpoint import Endpoint
from swarmtui.connect.errors import (
    AuthFailedError,
    ConnectError,
    EngineNotAnsweringError,
    ForwardingRefusedError,
    HostKeyChangedError,
    HostKeyNotTrustedError,
    HostKeyRevokedError,
    HostUnreachableError,
    SessionHostKeyChangedError,
    SocketPermissionDeniedError,
)
from swarmtui.connect.hostkeys import (
    SessionTrust,
    TrustCallback,
    TrustDecision,
    append_known_host,
    find_host_lines,
    known_hosts_for,
    question_for,
)
from swarmtui.connect.sockdir import make_private_dir, remove_private_dir
from swarmtui.connect.sshconf import SshTarget, jump_chain, resolve_ssh

log = logging.getLogger(__name__)

LostCallback = Callable[[Exception | None], None]


@dataclass
class ConnectOptions:
    """How to connect; shared by every connection of a ClusterLink."""

    trust: TrustCallback  # asked about unknown host keys
    ssh_config: Sequence[Path] = ()  # ssh_config files, ~/.ssh/config first (ssh_config_files())
    connect_timeout: float = 10.0  # seconds for TCP + SSH handshake + auth
    api_timeout: float = 30.0  # seconds per Docker API call through the APIClient
    keepalive_interval: float = 5.0  # SSH keepalive (ServerAliveInterval overrides)
    keepalive_count_max: int = 3
    session_trust: SessionTrust = field(default_factory=SessionTrust)  # ONCE-trusted keys
    #: asked for the passphrase of an encrypted key file that is not in ssh-agent (None:
    #: never ask, such keys are skipped); the answer is kept in memory only
    passphrase: PassphraseCallback | None = None
    #: keys unlocked with a passphrase during this run (in memory only), by file path
    unlocked_keys: dict[str, asyncssh.SSHKey] = field(default_factory=dict)
    #: things a person should know that did not stop the connection (a known_hosts line
    #: skipped, a key that could not be saved); each once
    warnings: list[str] = field(default_factory=list)

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            log.warning("%s", text)
            self.warnings.append(text)


#: `await ask(key_path)` -> the passphrase, or None to skip that key
PassphraseCallback = Callable[[str], Awaitable[str | None]]

DEFAULT_KEY_FILES = ("~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa",
                     "~/.ssh/id_ed25519_sk", "~/.ssh/id_ecdsa_sk")


def _encrypted_key_files(target: SshTarget, unlocked: dict[str, asyncssh.SSHKey]) -> list[str]:
    files = list(target.identity_files) or [str(Path(p).expanduser()) for p in DEFAULT_KEY_FILES
                                             if Path(p).expanduser().is_file()]
    found = []
    for path in files:
        if path in unlocked:
            continue
        try:
            asyncssh.read_private_key(path)
        except asyncssh.KeyImportError as exc:
            if "passphrase" in str(exc).lower():
                found.append(path)
        except OSError:
            continue
    return found


async def _unlock_keys(target: SshTarget, options: ConnectOptions) -> bool:
    """Ask for passphrases of encrypted keys; True if at least one key was unlocked."""
    if options.passphrase is None:
        return False
    unlocked = False
    for path in _encrypted_key_files(target, options.unlocked_keys):
        for _attempt in range(3):
            secret = await options.passphrase(path)
            if secret is None:
                break
            try:
                options.unlocked_keys[path] = asyncssh.read_private_key(path, secret)
            except asyncssh.KeyEncryptionError as exc:
                if "bcrypt" in str(exc):
                    raise AuthFailedError(
                        f"the key {path} is encrypted in OpenSSH's format, which needs the "
                        "Python package bcrypt to decrypt",
                        f"add the key to ssh-agent (ssh-add {path}) or install bcrypt") from exc
                continue  # wrong passphrase: ask again
            except asyncssh.KeyImportError:
                continue  # wrong passphrase: ask again
            unlocked = True
            break
    return unlocked


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
        raise EngineNotAnsweringError(f"the Docker Engine is not answering ({_short(exc)})",
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


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 200 else text[:200] + "…"


def _pick_version(server: str | None) -> str:
    """The lower of the engine's API version and the newest docker-py speaks."""
    if not server:
        return "auto"
    return server if version_lt(server, DEFAULT_DOCKER_API_VERSION) else DEFAULT_DOCKER_API_VERSION


class _OnePoolUnixAdapter(UnixHTTPAdapter):  # type: ignore[misc]
    """docker-py keys its UNIX-socket connection pools by the whole request URL (path and
    query): each new path opens a new connection — through the SSH tunnel a new channel,
    one round trip more (at 300 ms RTT a first call takes 0.6 s instead of 0.3 s) — and
    past 25 URLs whole pools, with their connections, are dropped. One socket, one pool."""

    def get_connection(self, url: str, proxies: Any = None) -> Any:
        return super().get_connection("http+docker://localhost", proxies)


def unix_api_client(socket_path: str, version: str, timeout: float) -> docker.APIClient:
    """A blocking APIClient on a UNIX socket whose connections are kept across calls."""
    api = docker.APIClient(base_url=f"unix://{socket_path}", version=version, timeout=timeout)
    adapter = _OnePoolUnixAdapter(f"http+unix://{socket_path}", timeout)
    api.mount("http+docker://", adapter)
    api._custom_adapter = adapter  # what docker-py falls back to (get_adapter)
    return api


# --- engine connections ------------------------------------------------------------------


class EngineConnection:
    """A live connection to one engine. `api` is a blocking docker APIClient (use threads)."""

    endpoint: Endpoint
    via: str  # "ssh", "ssh dial-stdio", "local", "tcp", "tcp+tls"
    api: docker.APIClient
    base_url: str
    connect_ms: float = 0.0
    #: the engine's Swarm state from the last /_ping ("active/manager", …; None if unknown)
    swarm_state: str | None = None

    async def ping(self, timeout: float = 3.0) -> float:
        """Round-trip of /_ping in ms; raises EngineNotAnsweringError."""
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class LocalEngine(EngineConnection):
    """unix:///path on this machine."""

    def __init__(self, endpoint: Endpoint, api: docker.APIClient) -> None:
        self.endpoint = endpoint
        self.via = "local"
        self.api = api
        self.base_url = f"unix://{endpoint.path}"

    async def ping(self, timeout: float = 3.0) -> float:
        result = await unix_ping(self.endpoint.path, timeout)
        self.swarm_state = result.swarm or self.swarm_state
        return result.ms

    async def close(self) -> None:
        self.api.close()


class TcpEngine(EngineConnection):
    """tcp://host:port, with TLS if configured. Pings through a short-timeout client."""

    def __init__(self, endpoint: Endpoint, api: docker.APIClient,
                 ping_api: docker.APIClient) -> None:
        self.endpoint = endpoint
        self.via = "tcp+tls" if endpoint.tls else "tcp"
        self.api = api
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
            raise EngineNotAnsweringError(f"{self.endpoint.label} is not answering ({_short(exc)})",
                                          "is dockerd running and listening on TCP?") from exc
        return (time.perf_counter() - start) * 1000

    async def close(self) -> None:
        self.api.close()
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
        if hasattr(self, "api"):
            self.api.close()
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
        self.api_version = _pick_version(ping.api_version)
        self.api = unix_api_client(self.local_socket, self.api_version, options.api_timeout)

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
                               f"({_short(exc)})") from exc
        try:
            proc.stdin.write(b"GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n")
            async with asyncio.timeout(10):
                out = await proc.stdout.read(4096)
                err = b""
                if not out:
                    err = await proc.stderr.read(4096)
        except (TimeoutError, asyncssh.Error, OSError) as exc:
            raise ConnectError(f"`docker system dial-stdio` did not answer ({_short(exc)})") \
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


# --- SSH connect with host-key trust ------------------------------------------------------


class _Client(asyncssh.SSHClient):
    """Records the host key the server presented when known_hosts did not trust it."""

    def __init__(self, on_lost: LostCallback | None) -> None:
        self.untrusted_key: asyncssh.SSHKey | None = None
        self.peer_addr: str | None = None
        self._on_lost = on_lost

    def validate_host_public_key(self, host: str, addr: str, port: int,
                                 key: asyncssh.SSHKey) -> bool:
        # Never trusts on its own: the decision is made after the handshake fails,
        # asynchronously, with the user (see _ssh_connect).
        self.untrusted_key = key
        self.peer_addr = addr or None
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if self._on_lost is not None:
            self._on_lost(exc)


async def _ssh_connect(target: SshTarget, options: ConnectOptions,
                       tunnel: asyncssh.SSHClientConnection | None,
                       on_lost: LostCallback | None) -> asyncssh.SSHClientConnection:
    """One checked SSH connection. Asks the trust callback at most once."""
    name = target.known_hosts_name
    asked = False
    unlock_tried = False
    while True:
        client = _Client(on_lost)
        skipped: list[str] = []
        known = known_hosts_for(target.all_known_hosts, options.session_trust, skipped)
        for text in skipped:
            options.warn(text)
        kwargs: dict[str, Any] = {}
        if target.identity_files or options.unlocked_keys:
            kwargs["client_keys"] = [*options.unlocked_keys.values(),
                                     *(f for f in target.identity_files
                                       if f not in options.unlocked_keys)]
            kwargs["ignore_encrypted"] = True
        if target.proxy_command and tunnel is None:
            kwargs["proxy_command"] = target.proxy_command
        try:
            conn = await asyncssh.connect(
                target.connect_as or target.hostname, target.port, username=target.user,
                config=[str(p) for p in target.config_files] or None,
                known_hosts=known, host_key_alias=target.host_key_alias,
                client_factory=lambda c=client: c,
                tunnel=tunnel, connect_timeout=target.connect_timeout or options.connect_timeout,
                keepalive_interval=target.keepalive_interval or options.keepalive_interval,
                keepalive_count_max=options.keepalive_count_max,
                password_auth=False, kbdint_auth=False, **kwargs)
        except asyncssh.HostKeyNotVerifiable as exc:
            key = client.untrusted_key
            if key is None:
                raise HostKeyRevokedError(f"the SSH host key of {target.alias} is not accepted "
                                          f"({exc.reason})",
                                          f"see {target.known_hosts}") from exc
            trusted = options.session_trust.trusted_other_key(name, target.port, key)
            if trusted:
                raise SessionHostKeyChangedError(name, key.get_fingerprint("sha256"),
                                                 trusted) from exc
            lines = [ln for ln in find_host_lines(target.all_known_hosts, name, target.port,
                                                  client.peer_addr) if ln.marker == ""]
            if lines:
                raise HostKeyChangedError(name, key.get_fingerprint("sha256"), str(lines[0].path),
                                     lines[0].line) from exc
            if asked:
                raise HostKeyNotTrustedError(f"the host key of {target.alias} was not accepted") \
                    from exc
            question = question_for(key, name, target.port, client.peer_addr,
                                    target.known_hosts, alias=target.alias,
                                    can_save=target.can_save_keys)
            decision = await options.trust(question)
            asked = True
            if decision is TrustDecision.CANCEL:
                raise HostKeyNotTrustedError(
                    f"the host key of {target.alias} ({question.key_type} "
                    f"{question.fingerprint}) was not trusted; not connecting",
                    f"check the fingerprint with the host's admin, then trust it, or add it "
                    f"to {target.known_hosts}") from exc
            if decision is TrustDecision.SAVE and not target.can_save_keys:
                options.warn(f"the host key of {target.alias} ({question.fingerprint}) is "
                             f"trusted for this run only: UserKnownHostsFile is "
                             f"{target.known_hosts}, so nothing was saved")
                options.session_trust.add(name, target.port, key)
            elif decision is TrustDecision.SAVE:
                try:
                    append_known_host(target.known_hosts, name, target.port, key,
                                      hashed=target.hash_known_hosts)
                except OSError as err:
                    raise ConnectError(f"cannot write {target.known_hosts}: {err}",
                                       "trust the key for this run only instead") from err
            else:
                options.session_trust.add(name, target.port, key)
            continue
        except asyncssh.PermissionDenied as exc:
            if not unlock_tried:
                unlock_tried = True
                if await _unlock_keys(target, options):
                    continue
            raise AuthFailedError(
                f"SSH login to {target.user}@{target.alias} was refused ({exc.reason})",
                "check the user name and that your key is in the host's authorized_keys "
                "(ssh-agent, IdentityFile in ssh_config)") from exc
        except asyncssh.DisconnectError as exc:
            raise HostUnreachableError(f"the SSH server at {target.alias} closed the connection "
                                       f"({exc.reason})", "check sshd on the host") from exc
        except TimeoutError as exc:
            raise HostUnreachableError(f"no SSH answer from {target.alias} ({target.hostname} port "
                                       f"{target.port}) within the connect timeout",
                                       "is the host up and reachable from here?") from exc
        except (OSError, asyncssh.Error) as exc:
            raise HostUnreachableError(f"cannot reach {target.alias} ({target.hostname} port "
                                       f"{target.port}): {_short(exc)}",
                                       "check the host name, that sshd runs there and the network "
                                       "path") from exc
        return conn


async def open_ssh(endpoint: Endpoint, options: ConnectOptions,
                   on_lost: LostCallback | None = None) -> list[asyncssh.SSHClientConnection]:
    """Connect to an SSH endpoint through its ProxyJump hops, every host key checked with
    the same trust callback. Returns the connections, hops first; the last one reaches the
    endpoint's host. The caller closes them (last first). Raises ConnectError."""
    target = resolve_ssh(endpoint, options.ssh_config)
    conns: list[asyncssh.SSHClientConnection] = []
    try:
        tunnel: asyncssh.SSHClientConnection | None = None
        for hop_target in jump_chain(target, options.ssh_config):
            tunnel = await _ssh_connect(hop_target, options, tunnel, None)
            conns.append(tunnel)
        conns.append(await _ssh_connect(target, options, tunnel, on_lost))
    except BaseException:
        for conn in reversed(conns):
            conn.close()
        raise
    return conns


async def _open_ssh(endpoint: Endpoint, options: ConnectOptions,
                    on_lost: LostCallback | None) -> SshEngine:
    target = resolve_ssh(endpoint, options.ssh_config)
    conns = await open_ssh(endpoint, options, on_lost)
    engine = SshEngine(endpoint, target, conns, make_private_dir())
    try:
        await engine.start(options)
    except BaseException:
        await engine.close()
        raise
    return engine


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
                           f"{_short(exc)}") from exc


async def _open_engine(endpoint: Endpoint, options: ConnectOptions,
                       on_lost: LostCallback | None) -> EngineConnection:
    start = time.perf_counter()
    engine: EngineConnection
    if endpoint.kind == "ssh":
        engine = await _open_ssh(endpoint, options, on_lost)
    elif endpoint.kind == "unix":
        try:
            ping = await unix_ping(endpoint.path, options.connect_timeout)
        except EngineNotAnsweringError as exc:
            if isinstance(exc.__cause__, PermissionError):
                raise SocketPermissionDeniedError("this machine", _whoami(), endpoint.path) from exc
            raise
        api = unix_api_client(endpoint.path, _pick_version(ping.api_version),
                              options.api_timeout)
        engine = LocalEngine(endpoint, api)
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
        raise HostUnreachableError(f"cannot reach the Docker Engine at {url}: {_short(exc)}",
                                   "check the address, the port, TLS settings "
                                   "(DOCKER_TLS_VERIFY, DOCKER_CERT_PATH)") from exc
    ping_api = docker.APIClient(base_url=url, version=str(api.api_version), tls=tls,
                                timeout=3)
    return TcpEngine(endpoint, api, ping_api)
