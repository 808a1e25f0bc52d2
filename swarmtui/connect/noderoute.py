"""How a node is reached over SSH, and why it could not be: the route rules and the
failure classes of the node pool (nodes.py).

The route, first that applies: the profile's node map (`[profiles.NAME.nodes]`
hostname = "target"); an ssh_config `Host` pattern (not just `*`) matching the
node's hostname; the node's swarm address with the manager's ssh_config settings.
"""

from __future__ import annotations

import enum
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from swarmtui.connect.endpoint import Endpoint, parse_endpoint
from swarmtui.connect.errors import (
    AuthFailedError,
    ConnectError,
    EndpointError,
    HostKeyChangedError,
    HostKeyNotTrustedError,
    HostKeyRevokedError,
)
from swarmtui.connect.sshconf import file_stamp

RouteSource = Literal["profile", "ssh_config", "address"]


class ReachFailure(enum.StrEnum):
    """Why a node could not be reached over SSH (what the Nodes pane says)."""

    HOST_UNREACHABLE = "host unreachable"
    SSH_REFUSED = "SSH refused"
    AUTH_FAILED = "auth failed"
    HOST_KEY_CHANGED = "host key changed"
    HOST_KEY_NOT_TRUSTED = "host key not trusted"
    NO_ROUTE = "no way to reach it"


@dataclass(frozen=True)
class NodeRoute:
    """How one node is reached: the endpoint, and which rule chose it."""

    hostname: str
    endpoint: Endpoint
    source: RouteSource

    @property
    def describe(self) -> str:
        how = {"profile": "the profile's node map", "ssh_config": "an ssh_config Host",
               "address": "its swarm address with the manager's SSH settings"}[self.source]
        return f"{self.hostname} as {self.endpoint.label}, from {how}"

    @property
    def ssh_name(self) -> str:
        """What a person types after `ssh` to reach the node the same way."""
        ep = self.endpoint
        if self.source == "address" and ep.config_host:
            return f"-o HostName={ep.host} {ep.config_host}"
        user = f"{ep.user}@" if ep.user else ""
        port = f" -p {ep.port}" if ep.port else ""
        return f"{user}{ep.host}{port}"


def _glob(pattern: str, name: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, name, flags=re.IGNORECASE) is not None


def ssh_config_has_host(files: Sequence[Path], hostname: str) -> bool:
    """True when a `Host` line of the files names `hostname` with a pattern other than `*`
    (and no negated pattern of that line excludes it), as OpenSSH would match it."""
    for path in files:
        for pats in _host_lines(path):
            if any(p.startswith("!") and _glob(p[1:], hostname) for p in pats):
                continue
            if any(not p.startswith("!") and p != "*" and _glob(p, hostname) for p in pats):
                return True
    return False


#: each file's `Host` patterns, by (path, its stamp): read again only when it changed (the
#: pool asks on every connection attempt: at 1,000 nodes, many a second)
_HOSTS: dict[tuple[Path, tuple[int, int] | None], list[list[str]]] = {}


def _host_lines(path: Path) -> list[list[str]]:
    key = (path, file_stamp(path))
    found = _HOSTS.get(key)
    if found is None:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
        found = []
        for raw in text.splitlines():
            parts = raw.strip().replace("=", " ", 1).split()
            if len(parts) >= 2 and parts[0].lower() == "host":
                found.append(parts[1:])
        if len(_HOSTS) >= 256:
            _HOSTS.clear()
        _HOSTS[key] = found
    return found


def resolve_route(hostname: str, address: str, *, node_map: Mapping[str, str],
                  ssh_config: Sequence[Path], manager: Endpoint | None) -> NodeRoute:
    """The way to one node (see the module docstring for the order). Raises EndpointError
    when there is none (a bad node-map entry, or no address and no alias)."""
    mapped = node_map.get(hostname)
    if mapped:
        ep = parse_endpoint(mapped if "://" in mapped else f"ssh://{mapped}",
                            source=f"node map {hostname}", env={})
        if ep.kind != "ssh":
            raise EndpointError(f"the node map entry for {hostname} ({mapped!r}) is not an "
                                "SSH target", "write an ssh_config alias or ssh://user@host")
        return NodeRoute(hostname, replace(ep, name=hostname), "profile")
    if hostname and ssh_config_has_host(ssh_config, hostname):
        return NodeRoute(hostname, Endpoint("ssh", host=hostname, source="ssh_config",
                                            name=hostname), "ssh_config")
    if not address or address in ("0.0.0.0", "127.0.0.1"):
        raise EndpointError(f"{hostname}: the swarm gives no address for it and no ssh_config "
                            "Host matches its name",
                            f"add it to the profile: [profiles.NAME.nodes] {hostname} = "
                            "\"user@host\"")
    if manager is not None and manager.kind == "ssh":
        return NodeRoute(hostname, manager.with_host(address, name=hostname), "address")
    return NodeRoute(hostname, Endpoint("ssh", host=address, source="address", name=hostname),
                     "address")


def classify(exc: ConnectError) -> ReachFailure:
    """The reason class of a connection failure."""
    if isinstance(exc, HostKeyChangedError):
        return ReachFailure.HOST_KEY_CHANGED
    if isinstance(exc, HostKeyNotTrustedError | HostKeyRevokedError):
        return ReachFailure.HOST_KEY_NOT_TRUSTED
    if isinstance(exc, AuthFailedError):
        return ReachFailure.AUTH_FAILED
    if isinstance(exc, EndpointError):
        return ReachFailure.NO_ROUTE
    cause = exc.__cause__
    ssh = sys.modules.get("asyncssh")  # not imported: the cause is no asyncssh error
    if isinstance(cause, ConnectionRefusedError) or (
            ssh is not None and isinstance(cause, ssh.DisconnectError)):
        return ReachFailure.SSH_REFUSED
    text = f"{exc} {cause or ''}".lower()  # through a ProxyJump: "Connection refused"
    if "refused" in text or "closed the connection" in text:
        return ReachFailure.SSH_REFUSED
    return ReachFailure.HOST_UNREACHABLE
