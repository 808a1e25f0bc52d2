"""What this machine's kernel gives a lab, probed by effect (never by module lists).

* IPVS (``/proc/net/ip_vs``): without it the ingress routing mesh and service VIPs
  do not answer — a port published the default way is unreachable on every host.
* VXLAN: overlay networks between lab hosts (a vxlan link made and removed in a
  lab host's network namespace).
* netem: ``tc qdisc add … netem`` on a lab host's eth0 (removed at once); without
  it latency and loss cannot be injected with tc.

Every probe touches only a lab host's own namespace.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from swarmtui.lab.host import HostSpec, run
from swarmtui.lab.preflight import find_binary

IPVS_PROC = "/proc/net/ip_vs"


@dataclass(frozen=True)
class KernelFact:
    """One feature: whether it works here, and what it means for a person using the lab."""

    feature: str
    works: bool
    text: str


def _in_netns(host: HostSpec, *argv: str) -> tuple[bool, str]:
    nsenter = find_binary("nsenter") or "nsenter"
    proc = run([nsenter, f"--net=/run/netns/{host.netns}", *argv], check=False, timeout=10)
    return proc.returncode == 0, (proc.stderr or b"").decode(errors="replace").strip()


def probe_ipvs() -> KernelFact:
    if os.path.exists(IPVS_PROC):
        return KernelFact("ipvs", True, "the ingress routing mesh and service VIPs answer "
                          "(IPVS is there)")
    return KernelFact(
        "ipvs", False,
        f"no IPVS ({IPVS_PROC} is missing): the ingress routing mesh and service VIPs do not "
        "answer — a port published the default way (--publish 8080:80) is unreachable on "
        "every host; publish with --publish mode=host,target=80,published=8080 (answers on "
        "each host running a task) and use --endpoint-mode dnsrr between services")


def probe_vxlan(host: HostSpec) -> KernelFact:
    ip = find_binary("ip") or "ip"
    name = "stlprobe0"
    ok, err = _in_netns(host, ip, "link", "add", name, "type", "vxlan", "id", "4242",
                        "dstport", "4789", "dev", "eth0")
    if ok:
        _in_netns(host, ip, "link", "del", name)
        return KernelFact("vxlan", True, "overlay networks (VXLAN) work across the lab's hosts")
    return KernelFact("vxlan", False, f"no VXLAN ({err or 'ip link add type vxlan failed'}): "
                      "overlay networks cannot span the lab's hosts")


def probe_netem(host: HostSpec) -> KernelFact:
    tc = find_binary("tc")
    if tc is None:
        return KernelFact("netem", False, "tc is not installed (iproute2): latency and loss "
                          "cannot be injected with tc")
    ok, err = _in_netns(host, tc, "qdisc", "add", "dev", "eth0", "root", "netem", "delay", "1ms")
    if ok:
        _in_netns(host, tc, "qdisc", "del", "dev", "eth0", "root")
        return KernelFact("netem", True, "netem works: tc can add latency and loss to a host")
    return KernelFact("netem", False, f"no netem ({err or 'tc qdisc add … netem failed'}): "
                      "latency and loss cannot be injected with tc")


def probe(host: HostSpec) -> list[KernelFact]:
    """Every probe, run in `host`'s network namespace (a lab host that is up)."""
    return [probe_ipvs(), probe_vxlan(host), probe_netem(host)]
