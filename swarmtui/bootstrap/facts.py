"""Look before touching: facts about a host and the checklist they make.

`assess()` is a pure function from a `Probe` (the raw outputs `probe.probe_host()`
collected) and the `ClusterContext` to `HostFacts` with a checklist of `Check`s (pass /
warn / fail, with a reason). The outputs are read by the pure parsers of `hostparse`
(OS, docker, reachability, clock) and `firewall`, so recorded outputs from real
distributions make unit tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from swarmtui.bootstrap.firewall import SWARM_PORTS, FirewallFacts, parse_firewall, port_key
from swarmtui.bootstrap.hostparse import (
    DockerFacts,
    OsInfo,
    Reach,
    daemon_down_reason,
    parse_clock,
    parse_docker,
    parse_os_release,
    parse_reach,
    parse_route_src,
    parse_timesync,
    parse_version,
)
from swarmtui.bootstrap.probe import ClusterContext, Probe

Status = Literal["pass", "warn", "fail"]
CLOCK_WARN_SECONDS = 3.0


@dataclass(frozen=True)
class Check:
    name: str  # stable key: os, arch, kernel, privileges, docker-installed, …
    title: str  # what a checklist row says
    status: Status
    reason: str


# ----------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class HostFacts:
    os: OsInfo
    arch: str
    kernel: str
    user: str
    uid: int | None
    sudo_ok: bool
    tools: frozenset[str]
    systemd: bool
    docker: DockerFacts
    cluster_engine_version: str
    hostname: str
    hostname_taken_by: str  # node ID of another node with this hostname
    taken_hostnames: frozenset[str]  # hostnames of the swarm's other nodes
    clock_offset: float | None
    clock_uncertainty: float
    ntp: tuple[bool | None, bool | None]
    firewall: FirewallFacts
    reach: tuple[Reach, ...]
    advertise_addr: str  # the address this host uses towards the manager
    ip_forward: str  # "1", "0" or "missing"
    bridge_nf: str  # "1", "0" or "missing" (br_netfilter not loaded)
    member_of_cluster: bool  # its NodeID is a node of this cluster
    checks: tuple[Check, ...]

    @property
    def is_root(self) -> bool:
        return self.uid == 0

    @property
    def reachable_manager(self) -> str:
        for r in self.reach:
            if r.reachable:
                return r.addr
        return ""

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)


def assess(probe: Probe, cluster: ClusterContext) -> HostFacts:
    """Pure: raw probe outputs + the cluster → facts and the checklist."""
    os_info = parse_os_release(probe.out("os_release"))
    uname = probe.out("uname").split()
    arch = uname[0] if uname else ""
    kernel = uname[1] if len(uname) > 1 else ""
    id_lines = probe.out("id").splitlines()
    user = id_lines[0].strip() if id_lines else ""
    try:
        uid: int | None = int(id_lines[1]) if len(id_lines) > 1 else None
    except ValueError:
        uid = None
    tools = frozenset(probe.out("tools").split())
    systemd = probe.out("systemd").strip() == "systemd"
    docker = parse_docker(probe)
    hostname = probe.out("hostname").strip()
    taken_by = next((nid for nid, name in cluster.hostnames.items()
                     if name == hostname and nid != docker.node_id), "")
    member = bool(docker.node_id) and docker.node_id in cluster.hostnames
    offset, uncertainty = parse_clock(probe, cluster)
    firewall = parse_firewall(probe.out("firewall")) if "firewall" in probe.results else \
        FirewallFacts("unknown", {port_key(p, pr): "unknown" for p, pr in SWARM_PORTS},
                      detail="not probed")
    reach = tuple(parse_reach(a, probe.results.get(f"reach:{a}")) for a in cluster.manager_addrs)
    route_src = ""
    for a in cluster.manager_addrs:
        route_src = parse_route_src(probe.out(f"route:{a}"))
        if route_src:
            break
    sysctl = (probe.out("sysctl").split() + ["missing", "missing"])[:2]
    facts = HostFacts(
        os=os_info, arch=arch, kernel=kernel, user=user, uid=uid, sudo_ok=probe.ok("sudo"),
        tools=tools, systemd=systemd, docker=docker,
        cluster_engine_version=cluster.engine_version, hostname=hostname,
        hostname_taken_by=taken_by,
        taken_hostnames=frozenset(n for i, n in cluster.hostnames.items() if i != docker.node_id),
        clock_offset=offset, clock_uncertainty=uncertainty,
        ntp=parse_timesync(probe.out("timesync")) if probe.ok("timesync") else (None, None),
        firewall=firewall, reach=reach, advertise_addr=route_src, ip_forward=sysctl[0],
        bridge_nf=sysctl[1], member_of_cluster=member, checks=(),
    )
    return _with_checks(facts, cluster)


def _with_checks(f: HostFacts, cluster: ClusterContext) -> HostFacts:
    from dataclasses import replace

    return replace(f, checks=tuple(make_checks(f, cluster)))


def make_checks(f: HostFacts, cluster: ClusterContext) -> list[Check]:
    c: list[Check] = []
    add = c.append

    # operating system, architecture, kernel
    if f.os.family == "unknown":
        add(Check("os", "Operating system", "warn",
                  f"{f.os.pretty_name or 'unknown'}: not a distribution the plan knows how to "
                  "install Docker on; install it by hand"))
    else:
        add(Check("os", "Operating system", "pass", f"{f.os.pretty_name} ({f.os.family} family)"))
    if f.arch in ("x86_64", "aarch64", "amd64", "arm64"):
        add(Check("arch", "Architecture", "pass", f.arch))
    else:
        add(Check("arch", "Architecture", "warn",
                  f"{f.arch or 'unknown'}: images built for amd64/arm64 will not run here"))
    kv = parse_version(f.kernel)
    if kv and kv >= (4, 0):
        add(Check("kernel", "Kernel", "pass", f.kernel))
    else:
        add(Check("kernel", "Kernel", "warn",
                  f"{f.kernel or 'unknown'}: overlay networks need a 4.x kernel or newer"))

    # privileges
    if f.is_root:
        add(Check("privileges", "Privileges", "pass", "logged in as root"))
    elif f.sudo_ok:
        add(Check("privileges", "Privileges", "pass", f"{f.user} can use sudo"))
    else:
        add(Check("privileges", "Privileges", "fail",
                  f"{f.user or 'this user'} is not root and sudo did not work (no sudo, or a "
                  "password is needed: enter it, it is kept in memory only)"))

    # docker
    d = f.docker
    if d.installed:
        add(Check("docker-installed", "Docker installed", "pass", f"Docker {d.version}"))
        hv, cv = parse_version(d.version), parse_version(cluster.engine_version)
        if not cv:
            add(Check("docker-version", "Docker version", "warn",
                      "the cluster's engine version is unknown"))
        elif hv[:2] == cv[:2]:
            add(Check("docker-version", "Docker version", "pass",
                      f"{d.version}, same release as the cluster ({cluster.engine_version})"))
        else:
            older = "older" if hv < cv else "newer"
            add(Check("docker-version", "Docker version", "warn",
                      f"{d.version} is {older} than the cluster's {cluster.engine_version}; "
                      "mixed versions work but upgrade to match when you can"))
    else:
        add(Check("docker-installed", "Docker installed", "fail",
                  "Docker is not installed; the plan installs it from the distribution"))
    if d.daemon_running:
        enabled = "" if d.service_enabled is None else (
            ", enabled at boot" if d.service_enabled else ", but NOT enabled at boot")
        add(Check("docker-daemon", "Docker daemon", "pass" if d.service_enabled is not False
                  else "warn", f"running{enabled}"))
    elif d.installed:
        add(Check("docker-daemon", "Docker daemon", "fail",
                  f"not running: {daemon_down_reason(d.error)}"))
    else:
        add(Check("docker-daemon", "Docker daemon", "fail", "not installed"))
    if f.is_root:
        add(Check("docker-socket", "Access to the Docker socket", "pass", "root"))
    elif d.socket_access:
        add(Check("docker-socket", "Access to the Docker socket", "pass",
                  f"{f.user} can use /var/run/docker.sock"))
    elif not d.daemon_running and "permission denied" not in d.error.lower():
        add(Check("docker-socket", "Access to the Docker socket", "warn",
                  "unknown while the daemon is not running; the plan uses sudo"))
    else:
        add(Check("docker-socket", "Access to the Docker socket", "warn",
                  f"{f.user} cannot use /var/run/docker.sock (not in the docker group); "
                  "the plan runs docker with sudo"))

    # hostname
    if f.hostname_taken_by:
        add(Check("hostname", "Hostname", "fail",
                  f"{f.hostname!r} is already the hostname of node "
                  f"{f.hostname_taken_by[:12]} in this swarm; choose another"))
    elif f.hostname in ("", "localhost", "localhost.localdomain"):
        add(Check("hostname", "Hostname", "warn",
                  f"{f.hostname or '(empty)'}: give the host a real hostname"))
    else:
        add(Check("hostname", "Hostname", "pass", f"{f.hostname}, unique in the swarm"))

    # clock
    if f.clock_offset is None:
        add(Check("clock", "Clock offset to the manager", "warn",
                  "could not compare the clocks"))
    elif abs(f.clock_offset) - f.clock_uncertainty > CLOCK_WARN_SECONDS:
        add(Check("clock", "Clock offset to the manager", "warn",
                  f"{f.clock_offset:+.1f} s from the manager: Swarm's TLS certificates break "
                  "on clock skew; turn on time sync"))
    else:
        add(Check("clock", "Clock offset to the manager", "pass",
                  f"{f.clock_offset:+.2f} s (±{f.clock_uncertainty:.2f} s)"))

    # firewall
    fw = f.firewall
    names = {"none": "no firewall filters inbound traffic", "unknown": fw.detail or "unknown"}
    add(Check("firewall", "Firewall", "warn" if fw.kind == "unknown" else "pass",
              names.get(fw.kind, f"{fw.kind}" + (f" ({fw.detail})" if fw.detail else ""))))
    closed = fw.closed
    unknown = [p for p, s in fw.ports.items() if s == "unknown"]
    if closed:
        add(Check("firewall-ports", "Swarm ports open", "warn",
                  f"closed in {fw.kind}: {', '.join(closed)}; the plan opens them"))
    elif unknown:
        add(Check("firewall-ports", "Swarm ports open", "warn",
                  f"could not tell for {', '.join(unknown)}"))
    else:
        add(Check("firewall-ports", "Swarm ports open", "pass",
                  "2377/tcp, 7946/tcp+udp, 4789/udp open"))

    # reaching the manager
    if not f.reach:
        add(Check("manager-reachable", "Reaches a manager on 2377/tcp", "fail",
                  "no manager address known for this swarm"))
    elif f.reachable_manager:
        add(Check("manager-reachable", "Reaches a manager on 2377/tcp", "pass",
                  f"{f.reachable_manager} reachable"))
    elif all(r.reachable is None for r in f.reach):
        add(Check("manager-reachable", "Reaches a manager on 2377/tcp", "warn",
                  f.reach[0].detail))
    else:
        details = "; ".join(f"{r.addr}: {r.detail}" for r in f.reach)
        add(Check("manager-reachable", "Reaches a manager on 2377/tcp", "fail",
                  f"cannot reach any manager: {details}"))

    # kernel settings
    if f.ip_forward == "1":
        add(Check("ip-forward", "IP forwarding", "pass", "net.ipv4.ip_forward = 1"))
    else:
        add(Check("ip-forward", "IP forwarding", "warn",
                  f"net.ipv4.ip_forward = {f.ip_forward}: containers on overlay networks "
                  "cannot reach out; the plan turns it on"))
    if f.bridge_nf == "1":
        add(Check("bridge-netfilter", "Bridge netfilter", "pass",
                  "net.bridge.bridge-nf-call-iptables = 1"))
    else:
        why = "br_netfilter is not loaded" if f.bridge_nf == "missing" else \
            f"net.bridge.bridge-nf-call-iptables = {f.bridge_nf}"
        add(Check("bridge-netfilter", "Bridge netfilter", "warn",
                  f"{why}: service load balancing needs it; the plan turns it on"))

    # swarm membership
    state = d.swarm_state
    if not d.daemon_running:
        add(Check("swarm", "Swarm membership", "warn" if d.installed else "pass",
                  "unknown while the daemon is not running" if d.installed
                  else "not in a swarm (Docker is not installed)"))
    elif state == "inactive":
        add(Check("swarm", "Swarm membership", "pass", "not in a swarm yet"))
    elif state == "active" and f.member_of_cluster:
        role = "manager" if d.is_manager else "worker"
        add(Check("swarm", "Swarm membership", "pass",
                  f"already a {role} of this swarm (node {d.node_id[:12]})"))
    elif state == "active":
        add(Check("swarm", "Swarm membership", "fail",
                  "already in ANOTHER swarm; it must leave it first (`docker swarm leave`)"))
    elif state == "locked":
        add(Check("swarm", "Swarm membership", "fail",
                  "a locked manager: unlock it with the swarm's unlock key"))
    elif state == "pending":
        add(Check("swarm", "Swarm membership", "warn",
                  "a join is in progress; wait, or `docker swarm leave --force` and retry"))
    else:
        add(Check("swarm", "Swarm membership", "fail",
                  f"swarm state {state or 'unknown'}; see `docker info`"))
    return c
