"""`docker swarm init` on a blocking `docker.APIClient`: the options (validated, with their
CLI line), the result, and the candidate advertise addresses of a host.
"""

from __future__ import annotations

import ipaddress
import json
import re
import shlex
from dataclasses import dataclass
from typing import Any, Literal

import docker
import docker.errors

from swarmtui.secrets import Secret
from swarmtui.swarm.swarmkeys import JoinTokens, get_unlock_key, join_tokens
from swarmtui.swarm.swarmspec import SwarmSpecError, docker_errors

# ----------------------------------------------------------------------------- init


@dataclass(frozen=True)
class AddressCandidate:
    interface: str
    address: str  # without prefix length
    family: Literal[4, 6]

    def __str__(self) -> str:
        return f"{self.address} ({self.interface})"


_SKIP_IFACES = re.compile(r"^(lo|docker0|docker_gwbridge|veth.*|br-.*|vx-.*|cni.*|flannel.*)$")


def parse_ip_addr_json(text: str) -> list[AddressCandidate]:
    """Candidate advertise addresses from `ip -j addr show`: global unicast addresses of
    interfaces other than loopback and Docker's own bridges/veths."""
    try:
        links = json.loads(text or "[]")
    except ValueError:
        return []
    out: list[AddressCandidate] = []
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict):
            continue
        name = str(link.get("ifname", ""))
        flags = link.get("flags", ["UP"])
        if _SKIP_IFACES.match(name) or not isinstance(flags, list) or "UP" not in flags:
            continue
        infos = link.get("addr_info", [])
        for a in infos if isinstance(infos, list) else []:
            if not isinstance(a, dict) or a.get("scope") != "global":
                continue
            try:
                addr = ipaddress.ip_address(str(a.get("local", "")))
            except ValueError:
                continue
            if addr.is_loopback or addr.is_link_local:
                continue
            out.append(AddressCandidate(name, str(addr), 4 if addr.version == 4 else 6))
    out.sort(key=lambda c: (c.family, c.interface))
    return out


async def candidate_advertise_addresses(runner: Any) -> list[AddressCandidate]:
    """A host's candidate advertise addresses, read over a bootstrap CommandRunner
    (`swarmtui.bootstrap.remote.CommandRunner`). Several → warn the user to choose."""
    result = await runner.run("ip -j addr show")
    return parse_ip_addr_json(result.stdout) if result.exit_status == 0 else []


@dataclass(frozen=True)
class InitOptions:
    advertise_addr: str | None = None  # address or interface, optional :port
    listen_addr: str = "0.0.0.0:2377"
    data_path_port: int | None = None  # 1024..49151; None → 4789
    default_addr_pool: tuple[str, ...] = ()  # CIDRs
    subnet_size: int | None = None  # mask length of networks cut from the pool
    autolock: bool = False

    def validate(self) -> list[str]:
        errors: list[str] = []
        if self.data_path_port is not None and not 1024 <= self.data_path_port <= 49151:
            errors.append(f"data path port {self.data_path_port} is out of range: "
                          "use 1024-49151 (the default is 4789)")
        pools: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for cidr in self.default_addr_pool:
            try:
                pools.append(ipaddress.ip_network(cidr, strict=True))
            except ValueError:
                errors.append(f"default address pool {cidr!r} is not a network in CIDR form "
                              "(e.g. 10.20.0.0/16)")
        if self.subnet_size is not None:
            if not 1 <= self.subnet_size <= 29:
                errors.append(f"subnet size /{self.subnet_size} is out of range: use 1-29 "
                              "(the default is 24)")
            for p in pools:
                if p.prefixlen > self.subnet_size:
                    errors.append(f"subnet size /{self.subnet_size} is larger than the pool "
                                  f"{p} itself")
        if not self.listen_addr.strip():
            errors.append("the listen address is empty; the default is 0.0.0.0:2377")
        return errors

    def cli(self) -> str:
        args = ["docker", "swarm", "init"]
        if self.advertise_addr:
            args += ["--advertise-addr", self.advertise_addr]
        if self.listen_addr and self.listen_addr != "0.0.0.0:2377":
            args += ["--listen-addr", self.listen_addr]
        if self.data_path_port:
            args += ["--data-path-port", str(self.data_path_port)]
        for pool in self.default_addr_pool:
            args += ["--default-addr-pool", pool]
        if self.subnet_size is not None:
            args += ["--default-addr-pool-mask-length", str(self.subnet_size)]
        if self.autolock:
            args.append("--autolock")
        return shlex.join(args)


@dataclass(frozen=True)
class InitResult:
    node_id: str
    tokens: JoinTokens
    unlock_key: Secret | None  # with autolock: store it safely, it is needed after restarts
    cli: str


def init_swarm(api: docker.APIClient, options: InitOptions) -> InitResult:
    """`docker swarm init …` on the engine behind `api`."""
    errors = options.validate()
    if errors:
        raise SwarmSpecError("Cannot initialise the swarm: " + "; ".join(errors))
    spec = api.create_swarm_spec(autolock_managers=True) if options.autolock else None
    kwargs: dict[str, Any] = {}
    if options.default_addr_pool:
        kwargs["default_addr_pool"] = list(options.default_addr_pool)
    if options.subnet_size is not None:
        kwargs["subnet_size"] = options.subnet_size
    if options.data_path_port:
        kwargs["data_path_port"] = options.data_path_port
    with docker_errors("docker swarm init",
                        "If this engine is already in a swarm, leave it first"):
        node_id = str(api.init_swarm(advertise_addr=options.advertise_addr,
                                     listen_addr=options.listen_addr, swarm_spec=spec, **kwargs))
    key = get_unlock_key(api) if options.autolock else None
    return InitResult(node_id=node_id, tokens=join_tokens(api), unlock_key=key, cli=options.cli())
