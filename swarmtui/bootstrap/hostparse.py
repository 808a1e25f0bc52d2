"""Pure parsers of a host's probe outputs other than the firewall: os-release, the
docker engine (installed, version, running, swarm state), reachability of the managers,
the source address of the route, clock offset and time sync.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any, Literal

from swarmtui.bootstrap.probe import ClusterContext, Probe
from swarmtui.bootstrap.remote import CommandResult

OsFamily = Literal["debian", "fedora", "rhel", "amzn", "suse", "unknown"]


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
