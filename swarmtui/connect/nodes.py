"""The node pool: every node of the swarm over SSH, the way an admin would reach it.

How a node is reached (`resolve_route`, in noderoute.py), first that applies:

1. the profile's node map, `[profiles.NAME.nodes]` hostname = "target" (an
   ssh_config alias, `[user@]host[:port]` or `ssh://…`);
2. an ssh_config `Host` pattern (not just `*`) matching the node's hostname;
3. the node's swarm address (`Status.Addr`) with the manager's ssh_config
   settings: its User, Port, IdentityFile, known_hosts and ProxyJump.

Every connection checks host keys exactly like the manager's (the same trust
callback and the same in-memory ONCE keys: an unknown key is asked once per
host, a changed one refused). One connection per node, opened on first use,
at most `max_connections` open (the least recently used idle one is closed to
make room), and after a failure the node is not tried again before its backoff
delay (longer while many nodes fail: RETRIES_PER_S): meanwhile its `Unreachable` fact
is answered at once. Attempts are within a budget (budget.py): a burst, then a few a
second, the background's in the order the screen asks for (`prefer`). Nothing here
waits longer than the connect timeout, but a background attempt for its turn.

Drive it from one asyncio loop; `call()` runs a coroutine on that loop from a
worker thread (Operations apply from threads).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, TypeVar

from swarmtui.connect.budget import AttemptBudget
from swarmtui.connect.endpoint import Endpoint
from swarmtui.connect.errors import ConnectError, HostUnreachableError, WouldAskError
from swarmtui.connect.noderoute import NodeRoute, ReachFailure, classify, resolve_route
from swarmtui.connect.options import ConnectOptions, LostCallback
from swarmtui.connect.sockdir import make_private_dir, remove_private_dir
from swarmtui.connect.sshconf import alias_for
from swarmtui.connect.sshlib import import_asyncssh

if TYPE_CHECKING:
    import asyncssh
    import docker

T = TypeVar("T")
DOCKER_SOCKET = "/var/run/docker.sock"


async def open_ssh(endpoint: Endpoint, options: ConnectOptions,
                   on_lost: LostCallback | None = None) -> list[asyncssh.SSHClientConnection]:
    """sshopen.open_ssh, asyncssh imported on first use (a start on a local socket has not)."""
    import_asyncssh()
    from swarmtui.connect.sshopen import open_ssh as opened

    return await opened(endpoint, options, on_lost)


def ssh_error() -> type[Exception]:
    """asyncssh.Error (asyncssh is imported by then: a connection is open)."""
    import asyncssh

    return asyncssh.Error


@dataclass(frozen=True)
class Unreachable:
    """A fact: this node could not be reached, why, and when it is tried again."""

    hostname: str
    reason: ReachFailure
    detail: str  # the connection layer's full sentence (what happened — what to do)
    at: float  # monotonic time of the failure
    retry_at: float  # monotonic time before which the node is not tried again

    @property
    def text(self) -> str:
        return f"{self.reason}: {self.detail}"


class NodeUnreachableError(ConnectError):
    """Raised by the pool for a node it cannot reach; carries the `Unreachable` fact."""

    def __init__(self, fact: Unreachable) -> None:
        self.fact = fact
        super().__init__(f"{fact.hostname}: {fact.reason}", fact.detail)
        self.retryable = fact.reason not in _FINAL


_FINAL = (ReachFailure.HOST_KEY_CHANGED, ReachFailure.HOST_KEY_NOT_TRUSTED,
          ReachFailure.AUTH_FAILED, ReachFailure.NO_ROUTE)


@dataclass(frozen=True)
class RemoteResult:
    """A command's outcome on a node."""

    exit_status: int
    stdout: str
    stderr: str
    seconds: float
    stdout_bytes: int  # bytes received (for cost figures)


# --- the pool ----------------------------------------------------------------------------


@dataclass
class _Held:
    conns: list[asyncssh.SSHClientConnection]
    route: NodeRoute
    used_at: float
    busy: int = 0
    sock_dir: str | None = None
    listener: asyncssh.SSHListener | None = None
    api: docker.APIClient | None = None
    sftp: asyncssh.SFTPClient | None = None
    sftp_refused: str | None = None

    @property
    def conn(self) -> asyncssh.SSHClientConnection:
        return self.conns[-1]


@dataclass
class PoolFigures:
    """Counters for benchmarks and the status line."""

    connects: int = 0
    failures: int = 0
    commands: int = 0
    stdout_bytes: int = 0
    closed_for_room: int = 0


#: about how many attempts a second to reach nodes that failed, in all (the backoff's cap
#: grows with the number of them)
RETRIES_PER_S = 2.0


@dataclass
class NodePool:
    """Per-node SSH connections (see the module docstring)."""

    options: ConnectOptions
    manager: Endpoint | None = None
    node_map: Mapping[str, str] = field(default_factory=dict)
    max_connections: int = 8
    connect_timeout: float = 5.0
    backoff_initial: float = 1.0
    backoff_max: float = 30.0
    clock: Callable[[], float] = time.monotonic
    figures: PoolFigures = field(default_factory=PoolFigures)
    #: connection attempts: this many at once, then `attempts_per_s` (budget.py)
    attempt_burst: int = 16
    attempts_per_s: float = 8.0

    def __post_init__(self) -> None:
        self.budget = AttemptBudget(self.attempt_burst, self.attempts_per_s)
        self._held: dict[str, _Held] = {}
        self._facts: dict[str, Unreachable] = {}
        self._fails: dict[str, int] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._addresses: dict[str, str] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- facts -------------------------------------------------------------------

    def route(self, hostname: str, address: str = "") -> NodeRoute:
        """How `hostname` is reached (raises EndpointError)."""
        if address:
            self._addresses[hostname] = address
        return resolve_route(hostname, address or self._addresses.get(hostname, ""),
                             node_map=self.node_map, ssh_config=self.options.ssh_config,
                             manager=self.manager)

    def name_for(self, address: str) -> str:
        """A manager known only by its address: its ssh_config alias, else the address."""
        return alias_for(address, self.options.ssh_config) or address

    def unreachable(self, hostname: str) -> Unreachable | None:
        """The last failure of this node, while it stands (None once it was reached)."""
        return self._facts.get(hostname)

    def is_connected(self, hostname: str) -> bool:
        held = self._held.get(hostname)
        return held is not None and not held.conn.is_closed()

    async def follow_manager(self, manager: Endpoint | None) -> list[str]:
        """The store failed over to `manager`: routes that came from the old manager's
        settings are made again from the new one's (a connection on an old route is
        closed, its failure and backoff forgotten). The hostnames whose route changed."""
        if manager == self.manager:
            return []
        self.manager = manager
        changed = []
        for hostname in set(self._held) | set(self._facts):
            held = self._held.get(hostname)
            old = held.route if held is not None else None
            try:
                new: NodeRoute | None = self.route(hostname)
            except ConnectError:
                new = None
            if held is None or new != old:
                changed.append(hostname)
                self.forget(hostname)
                if held is not None:
                    await self._drop(hostname)
        return sorted(changed)

    def prefer(self, hostnames: Sequence[str]) -> None:
        """The nodes a person sees first (the cursor's, the marked, those on screen): their
        background attempts go first (any thread)."""
        self.budget.order = {h: i for i, h in enumerate(hostnames)}

    def forget(self, hostname: str) -> None:
        """Drop a node's failure (and its backoff): the next use tries at once."""
        self._facts.pop(hostname, None)
        self._fails.pop(hostname, None)

    # --- connections -------------------------------------------------------------

    async def connection(self, hostname: str, address: str = "", *,
                         force: bool = False) -> asyncssh.SSHClientConnection:
        """The node's live connection, opened if needed. Raises NodeUnreachableError at
        once while the node is in backoff (unless `force`)."""
        self._loop = asyncio.get_running_loop()
        held = self._held.get(hostname)
        if held is not None and not held.conn.is_closed():
            held.used_at = self.clock()
            return held.conn
        lock = self._locks.setdefault(hostname, asyncio.Lock())
        async with lock:
            held = self._held.get(hostname)
            if held is not None and not held.conn.is_closed():
                return held.conn
            if held is not None:
                await self._drop(hostname)
            fact = self._facts.get(hostname)
            if fact is not None and not force and (
                    fact.reason in _FINAL or self.clock() < fact.retry_at):
                raise NodeUnreachableError(fact)
            return await self._open(hostname, address)

    async def _open(self, hostname: str, address: str) -> asyncssh.SSHClientConnection:
        try:
            route = self.route(hostname, address)
            await self.budget.take(hostname)
            options = replace(self.options,
                              connect_timeout=min(self.options.connect_timeout,
                                                  self.connect_timeout))
            await self._make_room()
            box: list[_Held] = []
            within = options.connect_timeout * 3 + 1  # a jump hop, the host, auth
            try:
                async with asyncio.timeout(within):
                    conns = await open_ssh(route.endpoint, options,
                                           on_lost=lambda _exc: self._lost(hostname, box))
            except TimeoutError as exc:
                raise HostUnreachableError(f"no SSH answer from {hostname} within "
                                           f"{within:g} s", "is the host up?") from exc
        except WouldAskError:
            raise  # nothing was tried that failed (options.unasked): no fact, no backoff
        except ConnectError as exc:
            self.figures.failures += 1
            fails = self._fails.get(hostname, 0) + 1
            self._fails[hostname] = fails
            now = self.clock()
            # many nodes out of reach (1,000 without SSH): each is tried less often, so
            # the attempts stay near RETRIES_PER_S in all (each one parses the ssh_config
            # in asyncssh and holds the GIL meanwhile: keystrokes waited on them)
            spread = len(self._facts) / RETRIES_PER_S
            delay = max(min(self.backoff_max, self.backoff_initial * 2 ** (fails - 1)), spread)
            fact = Unreachable(hostname, classify(exc), str(exc), now, now + delay)
            self._facts[hostname] = fact
            raise NodeUnreachableError(fact) from exc
        self.figures.connects += 1
        self._facts.pop(hostname, None)
        self._fails.pop(hostname, None)
        held = _Held(conns, route, self.clock())
        box.append(held)
        self._held[hostname] = held
        return conns[-1]

    def _lost(self, hostname: str, box: list[_Held]) -> None:
        if box and self._held.get(hostname) is box[0]:
            self._held.pop(hostname, None)
            self._close_held(box[0])

    async def _make_room(self) -> None:
        live = {h: x for h, x in self._held.items() if not x.conn.is_closed()}
        if len(live) < self.max_connections:
            return
        idle = sorted((x.used_at, h) for h, x in live.items() if x.busy == 0)
        if idle:
            self.figures.closed_for_room += 1
            await self._drop(idle[0][1])

    async def _drop(self, hostname: str) -> None:
        held = self._held.pop(hostname, None)
        if held is None:
            return
        self._close_held(held)
        for c in reversed(held.conns):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(c.wait_closed(), 2)

    @staticmethod
    def _close_held(held: _Held) -> None:
        if held.sftp is not None:
            held.sftp.exit()
        if held.api is not None:
            held.api.close()
        if held.listener is not None:
            held.listener.close()
        for c in reversed(held.conns):
            c.close()
        if held.sock_dir:
            remove_private_dir(held.sock_dir)

    async def close(self) -> None:
        for hostname in list(self._held):
            await self._drop(hostname)

    # --- using a node --------------------------------------------------------------

    async def run(self, hostname: str, command: str, *, address: str = "",
                  input: str | None = None, timeout: float = 30.0,
                  force: bool = False) -> RemoteResult:
        """Run a shell command on the node (no PTY). Raises NodeUnreachableError, or
        ConnectError when the command cannot be started or does not end in `timeout`."""
        conn = await self.connection(hostname, address, force=force)
        held = self._held[hostname]
        held.busy += 1
        start = time.perf_counter()
        try:
            async with asyncio.timeout(timeout):
                result = await conn.run(command, input=input, check=False)
        except TimeoutError as exc:
            raise ConnectError(f"{hostname}: the command did not end within {timeout:g} s",
                               "the node may be overloaded") from exc
        except (ssh_error(), OSError) as exc:
            raise ConnectError(f"{hostname}: the command could not be run over SSH ({exc})") \
                from exc
        finally:
            held.busy -= 1
            held.used_at = self.clock()
        out = _text(result.stdout)
        self.figures.commands += 1
        self.figures.stdout_bytes += len(out.encode())
        status = result.exit_status if result.exit_status is not None else 255
        return RemoteResult(status, out, _text(result.stderr), time.perf_counter() - start,
                            len(out.encode()))

    async def engine_api(self, hostname: str, address: str = "") -> docker.APIClient:
        """A blocking docker APIClient for the node's own engine, through a local socket
        forwarded over the node's connection (call its methods from threads)."""
        await self.connection(hostname, address)
        held = self._held[hostname]
        if held.api is not None:
            return held.api
        held.sock_dir = held.sock_dir or make_private_dir()
        local = os.path.join(held.sock_dir, "docker.sock")
        try:
            held.listener = await held.conn.forward_local_path(local, DOCKER_SOCKET)
        except (ssh_error(), OSError) as exc:
            raise ConnectError(f"{hostname}: the SSH server refused to forward the Docker "
                               f"socket ({exc})",
                               "allow AllowStreamLocalForwarding in its sshd_config") from exc
        import docker  # on first use: docker-py is 0.1 s of the start's CPU (httpget.py)

        held.api = await asyncio.to_thread(docker.APIClient, base_url=f"unix://{local}",
                                           version="1.41", timeout=30)
        return held.api

    async def sftp(self, hostname: str, address: str = "") -> asyncssh.SFTPClient | None:
        """The node's SFTP session (one long-lived channel: reading a file costs the node no
        fork), or None when its server offers no SFTP subsystem (then use `run`)."""
        await self.connection(hostname, address)
        held = self._held[hostname]
        if held.sftp is None and held.sftp_refused is None:
            try:
                held.sftp = await held.conn.start_sftp_client()
            except (ssh_error(), OSError) as exc:
                held.sftp_refused = str(exc) or type(exc).__name__
        return held.sftp

    def call(self, coro: Coroutine[object, object, T], timeout: float = 120.0) -> T:
        """Run a coroutine on the pool's loop from another thread and wait for it."""
        if self._loop is None:
            coro.close()
            raise ConnectError("the node pool is not running yet")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Name the loop `call()` uses before anything was opened on it."""
        self._loop = loop


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return str(value)
