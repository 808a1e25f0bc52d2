"""The lab's network on this machine: its address range (a /24 of 100.64.0.0/16 per lab),
the bridge and FORWARD rule, one network namespace and veth per host, and the `ip` /
`iptables` commands that build and remove them."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import subprocess

from swarmtui.lab.host import HostSpec, run
from swarmtui.lab.preflight import LabError, find_binary

NET_BASE = ipaddress.ip_network("100.64.0.0/16")


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    return run([find_binary("ip") or "ip", *args], check=check)


def iptables(*args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    return run([find_binary("iptables") or "iptables", "-w", "5", *args], check=check)


def network(slot: int) -> ipaddress.IPv4Network:
    return ipaddress.IPv4Network((int(NET_BASE.network_address) + slot * 256, 24))


def free_slot(name: str) -> int:
    """A /24 of NET_BASE no lab on this machine uses, preferring the same one per name."""
    used: set[int] = set()
    out = ip("-j", "addr", "show", check=False).stdout
    with contextlib.suppress(ValueError):
        for link in json.loads(out or b"[]"):
            for addr in link.get("addr_info", []):
                try:
                    a = ipaddress.ip_address(addr.get("local", ""))
                except ValueError:
                    continue
                if a in NET_BASE:
                    used.add((int(a) - int(NET_BASE.network_address)) // 256)
    # a stable preference per name, so a lab tends to keep its range
    start = sum(name.encode()) % 200
    for k in range(256):
        slot = (start + k) % 256
        if slot not in used:
            return slot
    raise LabError("no free address range for another lab (256 labs already up?)")


def make_network(name: str, bridge: str, rule_comment: str, net: ipaddress.IPv4Network,
                 hosts: list[HostSpec]) -> None:
    """The lab bridge (with its FORWARD rule) and one namespace + veth per host."""
    gateway = str(next(net.hosts()))
    ip("link", "add", bridge, "type", "bridge")
    ip("addr", "add", f"{gateway}/{net.prefixlen}", "dev", bridge)
    ip("link", "set", bridge, "up")
    # A dockerd in the root namespace sets FORWARD to DROP; with br_netfilter,
    # traffic between lab hosts on the bridge would be dropped (shared/LAB.md).
    iptables(
        "-I",
        "FORWARD",
        "1",
        "-i",
        bridge,
        "-o",
        bridge,
        "-m",
        "comment",
        "--comment",
        rule_comment,
        "-j",
        "ACCEPT",
    )
    for h in hosts:
        peer = f"stp-{name}-{h.index}"
        ip("netns", "add", h.netns)
        ip("link", "add", h.veth, "type", "veth", "peer", "name", peer)
        ip("link", "set", h.veth, "master", bridge, "up")
        ip("link", "set", peer, "netns", h.netns)
        ip("-n", h.netns, "link", "set", peer, "name", "eth0")
        ip("-n", h.netns, "addr", "add", f"{h.address}/{h.prefix}", "dev", "eth0")
        ip("-n", h.netns, "link", "set", "eth0", "up")
        ip("-n", h.netns, "link", "set", "lo", "up")
