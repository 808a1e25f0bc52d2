"""ClusterLink: the connection a UI holds to a cluster — connect, learn, fail over.

    link = ClusterLink(target, trust=ask_user, ssh_config=paths, on_change=redraw)
    status = await link.connect()          # raises ConnectError if no endpoint works
    nodes = await asyncio.to_thread(link.api.nodes)   # the API client blocks: use threads
    ...
    await link.close()

After `connect()` a supervisor task on the running loop pings the engine every
`ping_interval` seconds (round-trip shown as latency) and watches the SSH
connection. When the tunnel or the engine goes away (or the domain layer calls
`report_failure(exc)` and a ping confirms it), the link is marked stale and
reconnects with backoff, trying the other known managers first. Each
successful (re)connect increments `generation`: consumers re-list everything.
`on_change(status)` is called on the loop thread on every change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from swarmtui.connect.endpoint import Endpoint, Target
from swarmtui.connect.engines import EngineConnection
from swarmtui.connect.errors import (
    AllEndpointsFailedError,
    ConnectError,
    NotConnectedError,
    describe_failure,
)
from swarmtui.connect.hostkeys import SessionTrust, TrustCallback
from swarmtui.connect.httpget import EngineReader, filters_param
from swarmtui.connect.linkstatus import (
    LinkState,
    LinkStatus,
    StatusCallback,
    SwarmRole,
    role_from_info,
    role_from_ping,
)
from swarmtui.connect.options import ConnectOptions, PassphraseCallback
from swarmtui.connect.sshconf import inherit_ssh_settings, ssh_config_files
from swarmtui.connect.tunnel import open_engine

if TYPE_CHECKING:
    import docker

log = logging.getLogger(__name__)


def _consume(future: asyncio.Future[Any]) -> None:
    """Retrieve a dropped future's outcome so asyncio does not warn about it."""
    if not future.cancelled():
        future.exception()


def _key(ep: Endpoint) -> tuple[str, str, int | None, str]:
    """Identity of an endpoint regardless of display name or source."""
    return (ep.kind, ep.host, ep.port, ep.path)


class ClusterLink:
    """Connects to the first endpoint that works; learns managers; reconnects and fails over.

    Drive it from one asyncio loop (the UI's). `api` is a blocking docker
    APIClient: call it from worker threads only. `report_failure` may be called
    from any thread.
    """

    def __init__(
        self,
        target: Target | Sequence[Endpoint],
        *,
        trust: TrustCallback,
        ssh_config: Sequence[str | Path] = (),
        on_change: StatusCallback | None = None,
        ping_interval: float = 2.0,
        ping_timeout: float = 3.0,
        info_timeout: float = 2.0,
        refresh_interval: float = 15.0,
        passphrase: PassphraseCallback | None = None,
        connect_timeout: float = 10.0,
        api_timeout: float = 30.0,
        backoff_initial: float = 0.5,
        backoff_max: float = 10.0,
        failover: bool = True,
    ) -> None:
        if isinstance(target, Target):
            self._given = list(target.endpoints)
            self.cluster = target.label
            self.profile = target.profile
        else:
            self._given = list(target)
            self.cluster = self._given[0].label if self._given else ""
            self.profile = None
        if not self._given:
            raise ConnectError("no endpoint to connect to", "give a target or a profile")
        self._ssh_config_extra = list(ssh_config)
        self._options: ConnectOptions | None = None
        self._trust = trust
        self._passphrase = passphrase
        self._listeners: list[StatusCallback] = [on_change] if on_change else []
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        #: how long a (re)connect waits for `docker info` before going on without it
        self.info_timeout = info_timeout
        #: how often `docker info` is re-read while connected (role changes, new managers)
        self.refresh_interval = refresh_interval
        self._info_at = 0.0
        self._info_task: asyncio.Task[None] | None = None
        self._connect_timeout = connect_timeout
        self._api_timeout = api_timeout
        self._backoff = (backoff_initial, backoff_max)
        self._failover = failover
        self._engine: EngineConnection | None = None
        self._learned: dict[str, Endpoint] = {}  # manager host address -> endpoint
        # where an endpoint leads (its node's swarm address), once seen; keyed by _key(ep)
        self._addr_of: dict[tuple[str, str, int | None, str], str] = {}
        self._role: SwarmRole | None = None
        self.generation = 0
        self._status = LinkStatus(LinkState.CONNECTING, self._given[0].label, None, None, None,
                                  0, cluster=self.cluster)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._failure_hint: str | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._closing: set[asyncio.Task[None]] = set()  # old engines being closed: awaited
        self._helpers: set[asyncio.Task[None]] = set()  # best-effort lookups: cancelled
        self._closed = False

    # --- public surface --------------------------------------------------------------

    @property
    def status(self) -> LinkStatus:
        return self._status

    @property
    def engine(self) -> EngineConnection:
        """The current engine connection; raises NotConnectedError while there is none."""
        if self._engine is None:
            raise NotConnectedError(f"not connected ({self._status.describe()})",
                                    "wait for the connection to come back")
        return self._engine

    @property
    def api(self) -> docker.APIClient:
        """The current blocking docker APIClient (call from threads). Changes on reconnect."""
        return self.engine.api

    @property
    def reader(self) -> EngineReader:
        """The current engine's reads (GETs; call from threads). Changes on reconnect."""
        return self.engine.reader

    @property
    def role(self) -> SwarmRole | None:
        return self._role

    @property
    def endpoint(self) -> Endpoint | None:
        return self._engine.endpoint if self._engine else None

    @property
    def options(self) -> ConnectOptions | None:
        """How this link connects (trust callback, ONCE-trusted keys, ssh_config files),
        once `connect()` has run: the node pool connects to nodes the same way."""
        return self._options

    def manager_endpoints(self) -> list[Endpoint]:
        """Every manager endpoint known: the given ones first, then the learned ones."""
        given_addrs = {self._addr_of.get(_key(g)) for g in self._given}
        learned = [ep for addr, ep in self._learned.items() if addr not in given_addrs]
        return [*self._given, *learned]

    def learned_manager_urls(self) -> list[str]:
        """Endpoint strings of managers learned from the swarm, for `remember_managers`."""
        given_addrs = {self._addr_of.get(_key(g)) for g in self._given}
        return [ep.url for addr, ep in self._learned.items() if addr not in given_addrs]

    def add_listener(self, callback: StatusCallback) -> Callable[[], None]:
        """Call `callback(status)` on every change (on the loop thread). Returns a remover."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    async def connect(self) -> LinkStatus:
        """First connection: each endpoint in order. Raises AllEndpointsFailedError if none works.
        On success a supervisor task keeps the link alive until `close()`."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        try:
            files = ssh_config_files(self._ssh_config_extra)
        except ConnectError as exc:
            self._set(state=LinkState.FAILED, trying=None, error=str(exc))
            raise
        self._options = ConnectOptions(
            trust=self._trust, ssh_config=files,
            connect_timeout=self._connect_timeout, api_timeout=self._api_timeout,
            session_trust=SessionTrust(), passphrase=self._passphrase)
        self._given = inherit_ssh_settings(self._given, self._options.ssh_config)
        failures: list[tuple[str, ConnectError]] = []
        for ep in self._given:
            self._set(state=LinkState.CONNECTING, trying=ep.label, endpoint=ep.label)
            try:
                await self._attach(ep, note=None)
            except ConnectError as exc:
                failures.append((ep.label, exc))
                if self._closed:
                    break
                continue
            if self._closed:  # close() was called while we were connecting
                engine, self._engine = self._engine, None
                if engine is not None:
                    await engine.close()
                raise NotConnectedError("the connection was closed while connecting")
            self._supervisor = asyncio.create_task(self._supervise(), name="swarmtui-link")
            return self._status
        err = AllEndpointsFailedError(failures)
        self._set(state=LinkState.FAILED, trying=None, error=str(err))
        raise err

    def report_failure(self, exc: BaseException | None = None) -> None:
        """Tell the link an API call failed (any thread). A ping decides if it is really lost."""
        self._failure_hint = (f"an API call failed ({describe_failure(exc)})" if exc
                              else "a reconnect was asked for")
        loop, wake = self._loop, self._wake
        if loop is None or wake is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            wake.set()
        else:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(wake.set)

    def reconnect_now(self) -> None:
        """Skip the current backoff wait (e.g. the user pressed "retry")."""
        self.report_failure(None)

    async def close(self) -> None:
        """Stop the supervisor, close the engine (listeners, sockets, SSH). Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._supervisor
        engine, self._engine = self._engine, None
        if engine is not None:
            await engine.close()
        for task in list(self._helpers):
            task.cancel()
        if self._helpers:
            await asyncio.gather(*self._helpers, return_exceptions=True)
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
        self._set(state=LinkState.CLOSED, via=None, latency_ms=None, trying=None)

    # --- internals -------------------------------------------------------------------

    def _set(self, **changes: Any) -> None:
        self._status = replace(self._status, **changes)
        for cb in list(self._listeners):
            try:
                cb(self._status)
            except Exception:  # a listener must not break the link
                log.exception("link status listener failed")

    def _on_lost(self, engine_ref: list[EngineConnection | None]) -> Callable[[Exception | None],
                                                                                None]:
        def lost(exc: Exception | None) -> None:
            if engine_ref[0] is not None and engine_ref[0] is self._engine and not self._closed:
                self._failure_hint = f"the SSH connection was lost ({describe_failure(exc)})"
                if self._wake is not None:
                    self._wake.set()

        return lost

    async def _attach(self, ep: Endpoint, note: str | None) -> None:
        assert self._options is not None
        ref: list[EngineConnection | None] = [None]
        engine = await open_engine(ep, self._options, on_lost=self._on_lost(ref))
        info_call = asyncio.ensure_future(asyncio.to_thread(engine.reader.get_json, "/info"))
        role: SwarmRole | None = None
        try:
            info = await asyncio.wait_for(asyncio.shield(info_call), self.info_timeout)
            role = role_from_info(info)
        except TimeoutError:
            # e.g. a manager whose swarm has no leader yet: the engine answers /_ping, so
            # connect now and read `docker info` in the background
            role = role_from_ping(engine.swarm_state, self._role)
        except BaseException as exc:  # an error, or close() cancelling a reconnect
            info_call.add_done_callback(_consume)
            await engine.close()  # never leave a tunnel (and its socket dir) behind
            if isinstance(exc, Exception):
                raise ConnectError(f"{ep.label}: the engine did not answer `docker info` "
                                   f"({exc})", "is dockerd healthy there?") from exc
            raise
        ref[0] = engine
        old, self._engine = self._engine, engine
        if old is not None:
            self._close_later(old)
        self.generation += 1
        self._info_at = time.monotonic()
        if info_call.done():
            self._apply_info(ep, engine, role)
        else:
            self._role = role
            self._info_task = self._background(self._late_info(ep, engine, info_call),
                                               self._helpers)
        if engine.fallback_reason:
            extra = f"using docker dial-stdio because {engine.fallback_reason}"
            note = f"{note}; {extra}" if note else extra
        if self._options.warnings:  # a known_hosts line skipped, a key not saved
            extra = "; ".join(self._options.warnings)
            note = f"{note}; {extra}" if note else extra
        latency = None
        with contextlib.suppress(ConnectError):
            latency = await engine.ping(self.ping_timeout)
        self._set(state=LinkState.CONNECTED, endpoint=ep.label, via=engine.via,
                  latency_ms=latency, stale_since=None, generation=self.generation,
                  role=self._role, trying=None, error=None, note=note, retry_in=None,
                  checked_at=time.time() if latency is not None else None)

    def _apply_info(self, ep: Endpoint, engine: EngineConnection, role: SwarmRole | None) -> None:
        self._role = role
        if role is None:
            return
        if role.node_addr:
            self._addr_of[_key(ep)] = role.node_addr
        if role.kind == "manager":
            self._learn_managers(ep, role, engine.ssh_login)
            if any(learned.name is None for learned in self._learned.values()):
                self._background(self._name_managers(engine), self._helpers)

    async def _late_info(self, ep: Endpoint, engine: EngineConnection,
                         call: asyncio.Future[dict[str, Any]]) -> None:
        try:
            info = await call
        except Exception:
            return
        if engine is not self._engine:
            return
        self._apply_info(ep, engine, role_from_info(info))
        if self._role != self._status.role:
            self._set(role=self._role)

    def _learn_managers(self, ep: Endpoint, role: SwarmRole,
                        login: tuple[str, int] | None) -> None:
        """Remember every manager address `docker info` lists, reached like `ep` (`login`:
        the user and port its ssh_config gave, SshEngine.ssh_login)."""
        if ep.kind == "unix":
            return  # a local socket cannot be moved to another host
        origin = ep
        if ep.kind == "ssh" and login is not None:
            user, port = login
            origin = replace(ep, user=user, port=port if port != 22 else None)
        current = {full.rsplit(":", 1)[0].strip("[]") for full in role.manager_addrs}
        if current:  # forget managers that were demoted or removed
            self._learned = {a: e for a, e in self._learned.items() if a in current}
        for full in role.manager_addrs:
            addr = full.rsplit(":", 1)[0].strip("[]")
            if addr == role.node_addr or addr in self._learned:
                continue
            if addr in self._addr_of.values():
                continue
            self._learned[addr] = origin.with_host(addr, name=None)

    async def _name_managers(self, engine: EngineConnection) -> None:
        """Best effort, in the background: hostnames for learned managers (node list).
        Without a leader the node list can block for seconds: never hold up a connect."""
        try:
            nodes = await asyncio.wait_for(
                asyncio.to_thread(engine.reader.get_json, "/nodes",
                                  {"filters": filters_param({"role": "manager"})}), 30)
        except Exception:
            return
        for n in nodes:
            addr = ((n.get("ManagerStatus") or {}).get("Addr") or "").rsplit(":", 1)[0]
            host = (n.get("Description") or {}).get("Hostname")
            if addr in self._learned and host:
                self._learned[addr] = replace(self._learned[addr], name=host)

    def _candidates(self, failed: Endpoint | None) -> list[Endpoint]:
        if not self._failover:
            return [failed] if failed else list(self._given)
        order = self.manager_endpoints()
        if failed is not None:
            failed_addr = self._addr_of.get(_key(failed))
            order = [e for e in order if _key(e) != _key(failed) and
                     (failed_addr is None or self._addr_of.get(_key(e)) != failed_addr)
                     and (failed_addr is None or e.host != failed_addr)]
            order.append(failed)
        return order

    def _close_later(self, engine: EngineConnection) -> None:
        self._background(engine.close(), self._closing)

    @staticmethod
    def _background(coro: Coroutine[Any, Any, None],
                    into: set[asyncio.Task[None]]) -> asyncio.Task[None]:
        task = asyncio.create_task(coro)
        into.add(task)
        task.add_done_callback(into.discard)
        return task

    def _maybe_refresh_info(self, engine: EngineConnection) -> None:
        """Re-read `docker info` now and then: a role change, managers promoted later."""
        if time.monotonic() - self._info_at < self.refresh_interval:
            return
        if self._info_task is not None and not self._info_task.done():
            return
        self._info_at = time.monotonic()
        call = asyncio.ensure_future(asyncio.to_thread(engine.reader.get_json, "/info"))
        self._info_task = self._background(self._late_info(engine.endpoint, engine, call),
                                           self._helpers)

    async def _wait_wake(self, timeout: float) -> bool:
        assert self._wake is not None
        try:
            await asyncio.wait_for(self._wake.wait(), timeout)
        except TimeoutError:
            return False
        self._wake.clear()
        return True

    async def _supervise(self) -> None:
        try:
            await self._supervise_loop()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug must not leave a "connected" link nobody watches
            log.exception("the link supervisor failed")
            engine, self._engine = self._engine, None
            if engine is not None:
                self._close_later(engine)
            self._set(state=LinkState.FAILED, via=None, latency_ms=None, trying=None,
                      error=f"internal error in the connection supervisor: {exc}",
                      stale_since=self._status.stale_since or time.time())

    async def _supervise_loop(self) -> None:
        while not self._closed:
            engine = self._engine
            assert engine is not None
            woke = await self._wait_wake(self.ping_interval)
            try:
                latency = await engine.ping(self.ping_timeout)
            except Exception as exc:
                reason = describe_failure(exc)
                if woke and self._failure_hint:
                    reason = f"{self._failure_hint}; then {reason}"
                await self._recover(engine.endpoint, reason)
                continue
            self._failure_hint = None
            self._maybe_refresh_info(engine)
            self._set(latency_ms=latency, checked_at=time.time())

    async def _recover(self, failed: Endpoint, reason: str) -> None:
        """Reconnect with backoff until it works (or close()). Other managers first."""
        old = self._engine
        self._engine = None
        if old is not None:
            self._close_later(old)
        self._set(state=LinkState.RECONNECTING, stale_since=self._status.stale_since or time.time(),
                  via=None, latency_ms=None, error=f"{failed.label}: {reason}", trying=None)
        delay = self._backoff[0]
        while not self._closed:
            failures: list[tuple[str, ConnectError]] = []
            for ep in self._candidates(failed):
                self._set(trying=ep.label, retry_in=None)
                try:
                    note = None
                    if _key(ep) != _key(failed):
                        note = f"failed over from {failed.label}: {reason}"
                    await self._attach(ep, note=note)
                    return
                except ConnectError as exc:
                    failures.append((ep.label, exc))
                    log.info("reconnect to %s failed: %s", ep.label, exc)
            err = AllEndpointsFailedError(failures)
            if err.retryable:
                self._set(state=LinkState.RECONNECTING, trying=None, error=str(err),
                          retry_in=delay)
                await self._wait_wake(delay)
                delay = min(delay * 2, self._backoff[1])
            else:
                # retrying cannot help (a changed host key, a refused trust): wait for
                # reconnect_now() / report_failure() instead of asking again and again
                self._set(state=LinkState.FAILED, trying=None, error=str(err), retry_in=None)
                await self._wait_wake(24 * 3600)
