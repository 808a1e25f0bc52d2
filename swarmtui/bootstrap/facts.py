"""Look before touching: facts about a host, probed over a CommandRunner.

`probe_host()` runs read-only commands (a few in parallel over one SSH connection) and
keeps their raw outputs in a `Probe`; `assess()` is a pure function from a `Probe` and the
`ClusterContext` to `HostFacts` with a checklist of `Check`s (pass / warn / fail, with a
reason). Every parser here is a pure function over command output, so recorded outputs
from real distributions make unit tests.
"""

from __future__ import annotations

import asyncio
import re
import shlex
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from swarmtui.bootstrap.remote import CommandResult, CommandRunner

Status = Literal["pass", "warn", "fail"]
PortState = Literal["open", "closed", "unknown"]
FirewallKind = Literal["firewalld", "ufw", "nftables", "iptables", "none", "unknown"]
OsFamily = Literal["debian", "fedora", "rhel", "amzn", "suse", "unknown"]

SWARM_PORTS: tuple[tuple[int, str], ...] = ((2377, "tcp"), (7946, "tcp"), (7946, "udp"),
                                            (4789, "udp"))
CLOCK_WARN_SECONDS = 3.0
PREFIX = 'export LC_ALL=C PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"; '
TOOLS = ("apt-get", "dnf", "yum", "zypper", "systemctl", "hostnamectl", "timedatectl", "ufw",
         "firewall-cmd", "nft", "iptables", "sudo", "bash", "nc", "busybox", "timeout", "ip",
         "modprobe", "sysctl", "chronyd", "ntpd")


@dataclass(frozen=True)
class Check:
    name: str  # stable key: os, arch, kernel, privileges, docker-installed, …
    title: str  # what a checklist row says
    status: Status
    reason: str


# ----------------------------------------------------------------------------- cluster side


@dataclass(frozen=True)
class ClusterContext:
    """What the probes compare against, read from a manager (see `read_cluster`)."""

    manager_addrs: tuple[str, ...]  # "ip:2377" of every manager, the one we talk to first
    engine_version: str  # the manager's engine version
    hostnames: Mapping[str, str]  # node ID → hostname, for uniqueness
    cluster_id: str = ""
    manager_clock_offset: float | None = None  # manager clock − local clock, seconds
    manager_clock_uncertainty: float = 0.0


def parse_rfc3339(text: str) -> float | None:
    """Docker's SystemTime (RFC 3339 with nanoseconds) → epoch seconds."""
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$", text.strip())
    if not m:
        return None
    tz = "+00:00" if m.group(3) == "Z" else m.group(3)
    base = datetime.fromisoformat(m.group(1) + tz).timestamp()
    frac = float("0." + m.group(2)) if m.group(2) else 0.0
    return base + frac


def read_cluster(api: Any) -> ClusterContext:
    """Blocking (docker.APIClient on a manager): call it from a thread."""
    before = time.time()
    info = api.info()
    after = time.time()
    swarm = info.get("Swarm") or {}
    own = swarm.get("NodeID", "")
    remotes = swarm.get("RemoteManagers") or []
    addrs = [r["Addr"] for r in remotes if r.get("NodeID") == own and r.get("Addr")]
    addrs += [r["Addr"] for r in remotes if r.get("NodeID") != own and r.get("Addr")]
    nodes = api.nodes()
    manager_time = parse_rfc3339(str(info.get("SystemTime", "")))
    return ClusterContext(
        manager_addrs=tuple(addrs),
        engine_version=str(info.get("ServerVersion", "")),
        hostnames={n["ID"]: (n.get("Description") or {}).get("Hostname", "") for n in nodes},
        cluster_id=str((swarm.get("Cluster") or {}).get("ID", "")),
        manager_clock_offset=None if manager_time is None else manager_time - (before + after) / 2,
        manager_clock_uncertainty=(after - before) / 2,
    )


# ----------------------------------------------------------------------------- raw probes


@dataclass
class Probe:
    """Raw outputs of the probe commands, by key; what unit tests record."""

    results: dict[str, CommandResult] = field(default_factory=dict)
    clock_before: float = 0.0  # local time just before `date` ran on the host
    clock_after: float = 0.0

    def out(self, key: str) -> str:
        r = self.results.get(key)
        return r.stdout if r is not None else ""

    def ok(self, key: str) -> bool:
        r = self.results.get(key)
        return r is not None and r.exit_status == 0


FIREWALL_SCRIPT = """\
echo '### ufw'; command -v ufw >/dev/null 2>&1 && ufw status verbose 2>&1
echo '### firewalld'; if command -v firewall-cmd >/dev/null 2>&1; then \
firewall-cmd --state 2>&1; echo '## zone'; firewall-cmd --get-default-zone 2>&1; \
echo '## ports'; firewall-cmd --list-ports 2>&1; \
echo '## services'; firewall-cmd --list-services 2>&1; fi
echo '### iptables'; command -v iptables >/dev/null 2>&1 && iptables -S INPUT 2>&1
echo '### nft'; command -v nft >/dev/null 2>&1 && nft list ruleset 2>&1
true"""


def split_hostport(addr: str, default_port: int = 2377) -> tuple[str, int]:
    if addr.startswith("["):
        host, _, rest = addr[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else default_port
    if addr.count(":") == 1:
        host, port = addr.split(":")
        return host, int(port)
    return addr, default_port


def reach_script(host: str, port: int, timeout: int = 5) -> str:
    h, p = shlex.quote(host), str(int(port))
    t = int(timeout)
    return (
        f"h={h}; p={p}; "
        "if command -v bash >/dev/null 2>&1; then "
        "if command -v timeout >/dev/null 2>&1; then "
        f"timeout {t} bash -c 'exec 3<>/dev/tcp/'\"$h\"'/'\"$p\" 2>&1; rc=$?; "
        "else bash -c 'exec 3<>/dev/tcp/'\"$h\"'/'\"$p\" 2>&1; rc=$?; fi; "
        "echo \"via=bash rc=$rc\"; "
        f"elif command -v nc >/dev/null 2>&1; then nc -z -w {t} \"$h\" \"$p\" 2>&1; "
        "echo \"via=nc rc=$?\"; "
        f"elif command -v busybox >/dev/null 2>&1; then busybox nc -w {t} \"$h\" \"$p\" "
        "</dev/null 2>&1; echo \"via=busybox rc=$?\"; "
        "else echo via=none; fi"
    )


async def probe_host(runner: CommandRunner, cluster: ClusterContext) -> Probe:
    """Run every probe (read-only) and return the raw outputs."""
    probe = Probe()

    async def run(key: str, command: str, sudo: bool = False, timeout: float = 30) -> None:
        probe.results[key] = await runner.run(PREFIX + command, sudo=sudo, timeout=timeout)

    async def clock() -> None:
        probe.clock_before = time.time()
        await run("date", "date +%s.%N")
        probe.clock_after = time.time()

    await clock()  # alone, so its round trip is short and the offset precise
    await asyncio.gather(
        run("os_release", "cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release"),
        run("uname", "uname -m; uname -r"),
        run("id", "id -un; id -u; id -Gn"),
        run("hostname", "hostname 2>/dev/null || uname -n"),
        run("tools", "for t in " + " ".join(TOOLS)
            + "; do command -v $t >/dev/null 2>&1 && echo $t; done; true"),
        run("systemd", "test -d /run/systemd/system && echo systemd || echo none"),
        run("dockerd_version", "dockerd --version"),
        run("docker_cli", "docker --version"),
        run("docker_info_user", "docker info --format '{{json .}}'"),
        run("sudo", "true", sudo=True, timeout=20),
        run("sysctl", "cat /proc/sys/net/ipv4/ip_forward 2>/dev/null || echo missing; "
            "cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null || echo missing"),
        run("timesync", "timedatectl show -p NTP -p NTPSynchronized"),
        run("service", "test -d /run/systemd/system && { systemctl is-enabled docker 2>&1; "
            "systemctl is-active docker 2>&1; }; true"),
    )
    # These need root (or benefit from it): only once we know sudo works.
    sudo_ok = probe.ok("sudo")
    later = [run("firewall", FIREWALL_SCRIPT, sudo=sudo_ok)]
    if not probe.ok("docker_info_user") and sudo_ok:
        later.append(run("docker_info", "docker info --format '{{json .}}'", sudo=True))
    for addr in cluster.manager_addrs:
        host, port = split_hostport(addr)
        later.append(run(f"reach:{addr}", reach_script(host, port), timeout=20))
        later.append(run(f"route:{addr}", f"ip -o route get {shlex.quote(host)}"))
    await asyncio.gather(*later)
    return probe


# ----------------------------------------------------------------------------- parsers


@dataclass(frozen=True)
class OsInfo:
    id: str
    id_like: tuple[str, ...]
    version_id: str
    pretty_name: str
    family: OsFamily


def parse_os_release(text: str) -> OsInfo:
    values: dict[str, str] = {}
    for line in text.splitlines():
        if "=" not in line or line.lstrip().startswith("#"):
            continue
        k, _, v = line.partition("=")
        try:
            parts = shlex.split(v)
        except ValueError:
            parts = [v.strip("'\"")]
        values[k.strip()] = parts[0] if parts else ""
    os_id = values.get("ID", "").lower()
    like = tuple(values.get("ID_LIKE", "").lower().split())
    family: OsFamily = "unknown"
    names = (os_id, *like)
    if os_id == "fedora":
        family = "fedora"
    elif os_id == "amzn":
        family = "amzn"
    elif any(n in ("debian", "ubuntu") for n in names):
        family = "debian"
    elif any(n in ("rhel", "centos", "rocky", "almalinux", "ol") for n in names) or \
            "fedora" in like:
        family = "rhel"
    elif any(n.startswith(("sles", "suse", "opensuse")) for n in names):
        family = "suse"
    return OsInfo(os_id, like, values.get("VERSION_ID", ""),
                  values.get("PRETTY_NAME", values.get("NAME", os_id or "unknown")), family)


def parse_version(text: str) -> tuple[int, ...]:
    """'Docker version 20.10.24+dfsg1, build 5d6db84' or '20.10.24' → (20, 10, 24)."""
    m = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    if not m:
        return ()
    return tuple(int(g) for g in m.groups() if g is not None)


def version_text(text: str) -> str:
    m = re.search(r"version\s+([0-9][^\s,]*)", text)
    if m:
        return m.group(1)
    m = re.search(r"\d+\.\d+(?:\.\d+)?[^\s,]*", text)
    return m.group(0) if m else text.strip()


@dataclass(frozen=True)
class DockerFacts:
    installed: bool
    version: str  # engine version ('' if unknown)
    daemon_running: bool
    socket_access: bool  # the SSH user can talk to /var/run/docker.sock itself
    swarm_state: str  # inactive, pending, active, locked, error; '' if unknown
    node_id: str
    node_addr: str
    is_manager: bool
    service_enabled: bool | None  # systemd unit enabled; None without systemd
    error: str  # why the daemon could not be asked


def parse_docker(probe: Probe) -> DockerFacts:
    import json

    installed = probe.ok("dockerd_version")
    version = version_text(probe.out("dockerd_version")) if installed else ""
    info: dict[str, Any] = {}
    user_res = probe.results.get("docker_info_user")
    user_ok = user_res is not None and user_res.exit_status == 0
    err = ""
    for key in ("docker_info_user", "docker_info"):
        res = probe.results.get(key)
        if res is None:
            continue
        if res.exit_status == 0:
            try:
                text = res.stdout.strip()
                info = json.loads(text.splitlines()[-1] if text else "{}")
            except ValueError:
                info = {}
            if info:
                break
        err = (res.stderr or res.stdout).strip()
    running = bool(info) and bool(info.get("ServerVersion"))
    if running:
        version = str(info.get("ServerVersion")) or version
        installed = True
        err = ""
    elif not err and installed:
        err = "the docker CLI gave no answer"
    swarm = info.get("Swarm") or {}
    enabled: bool | None = None
    service = probe.out("service").split()
    if service:
        enabled = service[0] in ("enabled", "enabled-runtime", "static", "alias")
    return DockerFacts(
        installed=installed,
        version=version,
        daemon_running=running,
        socket_access=user_ok and running,
        swarm_state=str(swarm.get("LocalNodeState", "")) if running else "",
        node_id=str(swarm.get("NodeID", "")) if running else "",
        node_addr=str(swarm.get("NodeAddr", "")) if running else "",
        is_manager=bool(swarm.get("ControlAvailable", False)),
        service_enabled=enabled,
        error=err,
    )


def daemon_down_reason(error: str) -> str:
    e = error.lower()
    if "permission denied" in e:
        return "permission denied on the docker socket"
    if "cannot connect" in e or "is the docker daemon running" in e or "no such file" in e:
        return "the daemon is not running (nothing answers on /var/run/docker.sock)"
    if "command not found" in e or "not found" in e:
        return "the docker CLI is not installed"
    return error.splitlines()[0] if error else "no answer"


@dataclass(frozen=True)
class FirewallFacts:
    kind: FirewallKind
    ports: Mapping[str, PortState]  # "2377/tcp" → open/closed/unknown
    nft_chain: tuple[str, str, str] | None = None  # (family, table, chain) of the input hook
    zone: str = ""  # firewalld default zone
    detail: str = ""

    @property
    def closed(self) -> list[str]:
        return [p for p, s in self.ports.items() if s == "closed"]


def _sections(text: str, marker: str) -> dict[str, str]:
    out: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        if line.startswith(marker + " "):
            current = line[len(marker) + 1:].strip()
            out[current] = []
        elif current is not None:
            out[current].append(line)
    return {k: "\n".join(v).strip() for k, v in out.items()}


def _port_key(port: int, proto: str) -> str:
    return f"{port}/{proto}"


def _in_portspec(spec: str, port: int) -> bool:
    """'2377', '7946:7947', '2377,7946', '7946-7947' contains `port`?"""
    for part in re.split(r"[,\s]+", spec.strip("{} ")):
        if not part:
            continue
        m = re.match(r"^(\d+)(?:[:-](\d+))?$", part)
        if not m:
            continue
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) else lo
        if lo <= port <= hi:
            return True
    return False


def ufw_ports(status: str) -> tuple[bool, dict[str, PortState]]:
    """`ufw status verbose` → (active, port states)."""
    if not re.search(r"^Status:\s*active", status, re.M):
        return False, {}
    default_allow = bool(re.search(r"^Default:\s*allow \(incoming\)", status, re.M))
    result: dict[str, PortState] = {}
    for port, proto in SWARM_PORTS:
        state: PortState = "open" if default_allow else "closed"
        for line in status.splitlines():
            m = re.match(r"^(\S+)(?:\s+\(v6\))?\s+(ALLOW|DENY|REJECT|LIMIT)(?:\s+IN)?\s+(.*)$",
                         line.strip())
            if not m:
                continue
            target, action = m.group(1), m.group(2)
            spec, _, p = target.partition("/")
            if p and p != proto:
                continue
            if not re.match(r"^[\d:,]+$", spec) or not _in_portspec(spec, port):
                continue
            state = "open" if action in ("ALLOW", "LIMIT") else "closed"
            break
        result[_port_key(port, proto)] = state
    return True, result


FIREWALLD_SERVICES = {"docker-swarm": {"2377/tcp", "7946/tcp", "7946/udp", "4789/udp"}}


def firewalld_ports(section: str) -> tuple[bool, str, dict[str, PortState]]:
    """The firewalld section of the firewall probe → (running, zone, port states)."""
    parts = _sections("## head\n" + section, "##")
    if parts.get("head", "").strip() != "running":
        return False, "", {}
    opened: set[str] = set()
    for item in parts.get("ports", "").split():
        spec, _, proto = item.partition("/")
        for port, p in SWARM_PORTS:
            if p == proto and _in_portspec(spec, port):
                opened.add(_port_key(port, p))
    for svc in parts.get("services", "").split():
        opened |= FIREWALLD_SERVICES.get(svc, set())
    return True, parts.get("zone", "").strip(), {
        _port_key(p, proto): ("open" if _port_key(p, proto) in opened else "closed")
        for p, proto in SWARM_PORTS}


_HARMLESS_MATCH = {"-m", "--comment", "-p"}


def iptables_port_state(rules: str, port: int, proto: str) -> PortState:
    """Walk `iptables -S INPUT` in order for a new inbound connection to port/proto."""
    policy = "ACCEPT"
    for line in rules.splitlines():
        try:
            toks = shlex.split(line)
        except ValueError:
            continue
        if toks[:2] == ["-P", "INPUT"] and len(toks) > 2:
            policy = toks[2]
            continue
        if toks[:2] != ["-A", "INPUT"]:
            continue
        args = toks[2:]
        target, rule_proto, dports = "", "", ""
        conditional = False
        skip = False
        i = 0
        while i < len(args):
            a = args[i]
            nxt = args[i + 1] if i + 1 < len(args) else ""
            if a == "-j":
                target = nxt
                i += 2
                continue
            if a == "-p":
                rule_proto = nxt
            elif a in ("--dport", "--dports", "--destination-port"):
                dports = nxt
            elif a == "-m" or a == "--comment":
                pass
            elif a in ("-i",) and nxt == "lo":
                skip = True  # loopback only
            elif a in ("--ctstate", "--state") and "NEW" not in nxt.split(","):
                skip = True  # established/related only
            elif a.startswith("-") and a not in ("--sport", "--sports"):
                conditional = True  # a source, interface, … restriction
            i += 2 if a.startswith("-") and nxt and not nxt.startswith("-") else 1
        if skip:
            continue
        if rule_proto and rule_proto not in (proto, "all"):
            continue
        if dports and not _in_portspec(dports, port):
            continue
        if target in ("ACCEPT",):
            if conditional:
                return "unknown"
            return "open"
        if target in ("DROP", "REJECT"):
            if conditional:
                continue
            return "closed"
        if target and target not in ("RETURN", "LOG"):
            return "unknown"  # a jump to a chain we do not follow
    return "open" if policy == "ACCEPT" else "closed"


def iptables_filters(rules: str) -> bool:
    """True if the INPUT chain filters anything (policy not ACCEPT, or DROP/REJECT rules)."""
    for line in rules.splitlines():
        if line.startswith("-P INPUT") and "ACCEPT" not in line:
            return True
        if line.startswith("-A INPUT") and re.search(r"-j (DROP|REJECT)\b", line):
            return True
    return False


def nft_input_chains(ruleset: str) -> list[tuple[str, str, str, str, str]]:
    """Native nftables input-hook chains: (family, table, chain, policy, body), skipping
    tables that iptables-nft manages."""
    managed = set(re.findall(r"# Warning: table (\S+ \S+) is managed by iptables-nft", ruleset))
    chains: list[tuple[str, str, str, str, str]] = []
    for tm in re.finditer(r"^table (\S+) (\S+) \{(.*?)^\}", ruleset, re.M | re.S):
        family, table, body = tm.group(1), tm.group(2), tm.group(3)
        if f"{family} {table}" in managed:
            continue
        for cm in re.finditer(r"chain (\S+) \{(.*?)\n\s*\}", body, re.S):
            cbody = cm.group(2)
            hm = re.search(r"type filter hook input .*?policy (\w+);", cbody)
            if hm:
                chains.append((family, table, cm.group(1), hm.group(1), cbody))
    return chains


NFT_FAMILIES = frozenset({"ip", "ip6", "inet", "arp", "bridge", "netdev"})
_NFT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,127}", re.ASCII)


def nft_names_ok(family: str, table: str, chain: str) -> bool:
    """True if a chain read from the host is named so that it can go into a command:
    a known family, and table and chain names nft prints unquoted (letters, digits,
    `_ . -`). Anything else (quotes, `;`, `$(…)`) is not put in a root shell line."""
    return (family in NFT_FAMILIES and _NFT_NAME.fullmatch(table) is not None
            and _NFT_NAME.fullmatch(chain) is not None)


def nft_port_state(policy: str, body: str, port: int, proto: str) -> PortState:
    for line in body.splitlines():
        m = re.search(rf"\b{proto} dport (\{{[^}}]*\}}|[\d-]+)(.*)$", line)
        if m and _in_portspec(m.group(1), port):
            rest = m.group(2)
            if re.search(r"\baccept\b", rest):
                return "unknown" if re.search(r"\b(ip6?) saddr\b", line) else "open"
            if re.search(r"\b(drop|reject)\b", rest):
                return "closed"
    return "open" if policy == "accept" else "closed"


def parse_firewall(text: str) -> FirewallFacts:
    """The firewall probe's output → which firewall filters inbound traffic, and the
    state of each swarm port in it."""
    parts = _sections(text, "###")
    running, zone, fwd = firewalld_ports(parts.get("firewalld", ""))
    if running:
        return FirewallFacts("firewalld", fwd, zone=zone, detail=f"zone {zone or 'default'}")
    active, ufw = ufw_ports(parts.get("ufw", ""))
    if active:
        return FirewallFacts("ufw", ufw)
    for family, table, chain, policy, body in nft_input_chains(parts.get("nft", "")):
        if policy != "accept" or re.search(r"\b(drop|reject)\b", body):
            if not nft_names_ok(family, table, chain):
                return FirewallFacts(
                    "unknown", {_port_key(p, pr): "unknown" for p, pr in SWARM_PORTS},
                    detail=f"an nftables input chain has a name swarmtui does not put in a "
                           f"command ({family!r} {table!r} {chain!r}): open the ports by hand")
            states = {_port_key(p, pr): nft_port_state(policy, body, p, pr)
                      for p, pr in SWARM_PORTS}
            return FirewallFacts("nftables", states, nft_chain=(family, table, chain),
                                 detail=f"chain {family} {table} {chain}, policy {policy}")
    rules = parts.get("iptables", "")
    if iptables_filters(rules):
        return FirewallFacts("iptables", {_port_key(p, pr): iptables_port_state(rules, p, pr)
                                          for p, pr in SWARM_PORTS})
    if "iptables" not in parts and "nft" not in parts:
        return FirewallFacts("unknown", {_port_key(p, pr): "unknown" for p, pr in SWARM_PORTS},
                             detail="the firewall could not be read")
    if rules and ("Permission denied" in rules or "you must be root" in rules):
        return FirewallFacts("unknown", {_port_key(p, pr): "unknown" for p, pr in SWARM_PORTS},
                             detail="reading the firewall needs root")
    return FirewallFacts("none", {_port_key(p, pr): "open" for p, pr in SWARM_PORTS})


@dataclass(frozen=True)
class Reach:
    addr: str
    reachable: bool | None  # None: no tool to test with
    via: str
    detail: str


def parse_reach(addr: str, result: CommandResult | None) -> Reach:
    if result is None:
        return Reach(addr, None, "", "not tested")
    m = re.search(r"via=(\w+)(?: rc=(\d+))?\s*$", result.stdout.strip())
    if not m:
        return Reach(addr, None, "", (result.output or "the test did not run").splitlines()[0])
    via, rc = m.group(1), m.group(2)
    if via == "none":
        return Reach(addr, None, via, "no bash, nc or busybox on the host to test a TCP connect")
    noise = result.stdout[: m.start()].strip()
    if rc == "0":
        return Reach(addr, True, via, "TCP connect succeeded")
    if rc == "124":
        return Reach(addr, False, via, "TCP connect timed out (a firewall drops it, or no route)")
    detail = noise.splitlines()[-1] if noise else f"TCP connect failed (exit {rc})"
    detail = re.sub(r"^.*?(connect|Connection)", r"\1", detail)
    return Reach(addr, False, via, detail)


def parse_route_src(text: str) -> str:
    m = re.search(r"\bsrc (\S+)", text)
    return m.group(1) if m else ""


def parse_clock(probe: Probe, cluster: ClusterContext) -> tuple[float | None, float]:
    """(host clock − manager clock in seconds, uncertainty)."""
    try:
        host_time = float(probe.out("date").strip())
    except ValueError:
        return None, 0.0
    if cluster.manager_clock_offset is None or not probe.clock_after:
        return None, 0.0
    host_offset = host_time - (probe.clock_before + probe.clock_after) / 2
    uncertainty = (probe.clock_after - probe.clock_before) / 2 + cluster.manager_clock_uncertainty
    return host_offset - cluster.manager_clock_offset, uncertainty


def parse_timesync(text: str) -> tuple[bool | None, bool | None]:
    vals = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    def b(key: str) -> bool | None:
        return None if key not in vals else vals[key].strip() == "yes"
    return b("NTP"), b("NTPSynchronized")


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
        FirewallFacts("unknown", {_port_key(p, pr): "unknown" for p, pr in SWARM_PORTS},
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
