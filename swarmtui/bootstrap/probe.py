"""Probing a host before touching it: `probe_host()` runs read-only commands (a few in
parallel over one SSH connection) and keeps their raw outputs in a `Probe`; the cluster
side they are compared with (`ClusterContext`) is read from the Docker API.
"""

from __future__ import annotations

import asyncio
import re
import shlex
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from swarmtui.bootstrap.remote import CommandResult, CommandRunner

PREFIX = 'export LC_ALL=C PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"; '
TOOLS = ("apt-get", "dnf", "yum", "zypper", "systemctl", "hostnamectl", "timedatectl", "ufw",
         "firewall-cmd", "nft", "iptables", "sudo", "bash", "nc", "busybox", "timeout", "ip",
         "modprobe", "sysctl", "chronyd", "ntpd")


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
