"""Open checked SSH connections for the wizards: to a new host (bootstrap) and to one
chosen engine (unlock a locked manager, force-new-cluster).

The new host is reached exactly as swarmtui reaches managers — ssh_config applied, the
host key checked against known_hosts and, when unknown, the same trust prompt (the app's
trust callback); ProxyJump hops get the same checks. Nothing here disables host-key
checking: it uses `swarmtui.connect.sshopen.open_ssh`, the connect step of every tunnel.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import asyncssh

from swarmtui.connect.endpoint import parse_endpoint
from swarmtui.connect.engines import EngineConnection
from swarmtui.connect.errors import ConnectError, EndpointError
from swarmtui.connect.options import ConnectOptions
from swarmtui.connect.sshconf import resolve_ssh, ssh_config_files
from swarmtui.connect.tunnel import open_engine

if TYPE_CHECKING:
    from swarmtui.ui.app import SwarmApp


@dataclass
class HostConnection:
    """An SSH connection to one host (plus its ProxyJump hops, closed together)."""

    label: str
    user: str
    conns: list[asyncssh.SSHClientConnection] = field(default_factory=list)

    @property
    def conn(self) -> asyncssh.SSHClientConnection:
        return self.conns[-1]

    async def close(self) -> None:
        for c in reversed(self.conns):
            c.close()
            with contextlib.suppress(Exception):
                await c.wait_closed()
        self.conns.clear()


def options_for(trust: Any, ssh_config_extra: Sequence[str]) -> ConnectOptions:
    return ConnectOptions(trust=trust, ssh_config=ssh_config_files(ssh_config_extra))


async def open_host(target: str, *, trust: Any, ssh_config_extra: Sequence[str] = ()
                    ) -> HostConnection:
    """`target`: an ssh_config alias or `[user@]host[:port]` (or ssh://…). Raises
    ConnectError (a sentence saying what to do) — EndpointError for bad input."""
    from swarmtui.connect import sshopen

    text = target.strip()
    if not text:
        raise EndpointError("no host was given",
                            "type an ssh_config alias or user@host[:port]")
    endpoint = parse_endpoint(text, source="wizard")
    if endpoint.kind != "ssh":
        raise EndpointError(f"{text!r} is not an SSH host",
                            "the bootstrap wizard reaches hosts over SSH: alias or user@host")
    options = options_for(trust, ssh_config_extra)
    target_ssh = resolve_ssh(endpoint, options.ssh_config)
    host = HostConnection(label=target_ssh.alias, user=target_ssh.user)
    host.conns.extend(await sshopen.open_ssh(endpoint, options))
    return host


async def open_engine_at(target: str, *, trust: Any,
                         ssh_config_extra: Sequence[str] = ()) -> EngineConnection:
    """A Docker Engine connection to one node (ssh alias, user@host, ssh://, tcp://…)."""
    text = target.strip()
    if not text:
        raise EndpointError("no node was given", "type the node's ssh alias or user@host")
    endpoint = parse_endpoint(text, source="wizard")
    return await open_engine(endpoint, options_for(trust, ssh_config_extra))


def describe(exc: BaseException) -> str:
    """A sentence for the screen (ConnectErrors already are)."""
    if isinstance(exc, ConnectError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


class LocalRunner:
    """A CommandRunner on this machine (for an engine reached on its local socket)."""

    async def run(self, command: str, *, sudo: bool = False, input: bytes | None = None,  # noqa: A002
                  timeout: float = 60, on_output: Any = None) -> Any:
        import asyncio

        from swarmtui.bootstrap.remote import TIMED_OUT, CommandResult

        proc = await asyncio.create_subprocess_shell(
            command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        try:
            out, err = await asyncio.wait_for(proc.communicate(input), timeout)
        except TimeoutError:
            proc.kill()
            return CommandResult(TIMED_OUT, "", f"timed out after {timeout:g} s")
        return CommandResult(proc.returncode or 0, out.decode(errors="replace"),
                             err.decode(errors="replace"))


def engine_runner(app: SwarmApp) -> Any:
    """A CommandRunner on the host of the app's engine, when one can be had: the
    ClusterLink's own SSH connection, or this machine for a local socket. Else None."""
    from swarmtui.bootstrap.remote import SshRunner
    from swarmtui.swarm.sync.link import LinkStore

    if not isinstance(app.store, LinkStore):
        return None
    try:
        engine = app.store.link.engine
    except Exception:  # not connected
        return None
    conn = getattr(engine, "conn", None)
    if conn is not None:
        return SshRunner(conn)
    if getattr(getattr(engine, "endpoint", None), "kind", "") == "unix":
        return LocalRunner()
    return None
