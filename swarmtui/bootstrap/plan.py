"""From facts to a plan: ordered steps with their exact shell commands.

Every step is idempotent and carries a `check` (a shell command that exits 0 when the
step is already done), which the runner re-runs just before the step, so applying a plan
twice, or after a failure, continues from where the host is.

The join step never holds the token: its command reads `$SWARM_JOIN_TOKEN`, which the
runner feeds on stdin at run time (`export_script` writes a redacted placeholder unless
asked to reveal it). Nor does the token reach any process's argv on the host (where
`ps` and /proc/PID/cmdline show it to every user): `docker swarm join` only takes it as an
argument, so the join is the Engine API's `POST /swarm/join` on the host's own socket,
its JSON body written by the shell's builtin printf into curl's (or python3's) stdin.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Literal

from swarmtui.bootstrap.facts import HostFacts
from swarmtui.bootstrap.firewall import nft_names_ok
from swarmtui.secrets import Secret

Role = Literal["worker", "manager"]
TOKEN_VAR = "SWARM_JOIN_TOKEN"


@dataclass(frozen=True)
class Step:
    key: str  # install-docker, start-docker, sysctl, firewall, hostname, time-sync, join
    title: str
    commands: tuple[str, ...]  # run in order, as root; shown before running
    check: str | None = None  # exits 0 when the step is already done
    satisfied: bool = False  # done already (shown as such, skipped)
    reason: str = ""  # why satisfied / what the step is for
    blocked: str | None = None  # why it cannot run now (and what to do)
    advice: str = ""  # what to do if it fails
    needs_join_token: bool = False
    timeout: float = 600

    @property
    def pending(self) -> bool:
        return not self.satisfied and self.blocked is None


@dataclass(frozen=True)
class PlanOptions:
    role: Role = "worker"
    hostname: str | None = None  # set this hostname (required if the current one is taken)
    join: bool = True


@dataclass(frozen=True)
class Plan:
    host: str  # what the user typed to reach it (alias or user@host)
    facts: HostFacts
    options: PlanOptions
    steps: tuple[Step, ...]
    manager_addr: str  # the manager the join uses
    join_token: Secret | None = field(default=None, repr=False, compare=False)

    @property
    def pending(self) -> list[Step]:
        return [s for s in self.steps if s.pending]

    @property
    def blocked(self) -> list[Step]:
        return [s for s in self.steps if s.blocked is not None]

    @property
    def nothing_to_do(self) -> bool:
        return not self.pending and not self.blocked

    @property
    def will_join(self) -> bool:
        return any(s.key == "join" and s.pending for s in self.steps)

    def step(self, key: str) -> Step | None:
        return next((s for s in self.steps if s.key == key), None)

    def with_join_token(self, token: Secret) -> Plan:
        """A copy holding the join token (only needed for export with reveal_token)."""
        from dataclasses import replace

        return replace(self, join_token=token)


# ----------------------------------------------------------------------------- commands

_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def hostname_problem(name: str) -> str | None:
    """Why `name` is not a usable hostname (RFC 1123), or None."""
    if not name or len(name) > 253:
        return "a hostname has 1 to 253 characters"
    if not all(_LABEL.match(part) for part in name.split(".")):
        return (f"{name!r} is not a valid hostname: letters, digits and hyphens, dot-separated "
                "labels of at most 63 characters, no hyphen at either end")
    return None


def install_commands(f: HostFacts) -> tuple[tuple[str, ...], str | None]:
    """(commands, blocked reason) to install Docker from the distribution."""
    fam = f.os.family
    if fam == "debian":
        return ("apt-get update",
                "DEBIAN_FRONTEND=noninteractive apt-get install -y docker.io"), None
    if fam == "fedora":
        return ("dnf install -y moby-engine",), None
    if fam == "amzn":
        tool = "dnf" if "dnf" in f.tools or not f.tools else "yum"
        return (f"{tool} install -y docker",), None
    if fam == "rhel":
        # RHEL, Rocky, Alma and CentOS ship Podman, not Docker: Docker's own repository.
        tool = "dnf" if "dnf" in f.tools or not f.tools else "yum"
        return (f"{tool} install -y dnf-plugins-core" if tool == "dnf"
                else "yum install -y yum-utils",
                f"{tool} config-manager --add-repo "
                "https://download.docker.com/linux/centos/docker-ce.repo",
                f"{tool} install -y docker-ce docker-ce-cli containerd.io"), None
    if fam == "suse":
        return ("zypper --non-interactive install docker",), None
    return (), (f"{f.os.pretty_name or 'this distribution'} is not one the plan knows: install "
                "Docker by hand (https://docs.docker.com/engine/install/), then run the "
                "wizard again")


def start_commands(f: HostFacts) -> tuple[str, ...]:
    if f.systemd:
        return ("systemctl enable --now docker",)
    return ("service docker start",)


def firewall_commands(f: HostFacts) -> tuple[str, ...]:
    fw = f.firewall
    ports = [p for p, s in fw.ports.items() if s != "open"]
    if not ports:
        return ()
    if fw.kind == "ufw":
        return tuple(f"ufw allow {p}" for p in ports)
    if fw.kind == "firewalld":
        zone = f" --zone={shlex.quote(fw.zone)}" if fw.zone else ""
        adds = " ".join(f"--add-port={p}" for p in ports)
        return (f"firewall-cmd --permanent{zone} {adds}", "firewall-cmd --reload")
    if fw.kind == "nftables" and fw.nft_chain:
        where = _nft_where(fw.nft_chain)
        if where is None:
            return ()
        out = []
        for p in ports:
            port, proto = p.split("/")
            rule = f"{proto} dport {port} accept"
            out.append(f"nft list chain {where} | grep -q '{rule}' || "
                       f"nft insert rule {where} {rule}")
        return tuple(out)
    if fw.kind in ("iptables", "unknown"):
        out = []
        for p in ports:
            port, proto = p.split("/")
            rule = f"INPUT -p {proto} --dport {port} -j ACCEPT"
            out.append(f"iptables -C {rule} 2>/dev/null || iptables -I {rule}")
        return tuple(out)
    return ()


def firewall_check(f: HostFacts) -> str | None:
    fw = f.firewall
    ports = [p for p, s in fw.ports.items() if s != "open"]
    if fw.kind == "ufw":
        return " && ".join(f"ufw status | grep -Eq '^{p}[[:space:]]+ALLOW'" for p in ports)
    if fw.kind == "firewalld":
        return " && ".join(f"firewall-cmd --query-port={p} >/dev/null" for p in ports)
    if fw.kind == "nftables" and fw.nft_chain:
        where = _nft_where(fw.nft_chain)
        if where is None:
            return None
        return " && ".join(
            f"nft list chain {where} | grep -q '{p.split('/')[1]} dport {p.split('/')[0]} accept'"
            for p in ports)
    if fw.kind in ("iptables", "unknown"):
        return " && ".join(
            f"iptables -C INPUT -p {p.split('/')[1]} --dport {p.split('/')[0]} -j ACCEPT"
            " 2>/dev/null" for p in ports)
    return None


def _nft_where(chain: tuple[str, str, str]) -> str | None:
    """`family table chain` for an nft command, each quoted; None for names read from the
    host that are not plain nft names (they never reach a root shell line)."""
    if not nft_names_ok(*chain):
        return None
    return " ".join(shlex.quote(part) for part in chain)


SYSCTL_FILE = "/etc/sysctl.d/99-docker-swarm.conf"


def sysctl_commands(f: HostFacts) -> tuple[str, ...]:
    cmds: list[str] = []
    lines: list[str] = []
    if f.bridge_nf != "1":
        cmds += ["modprobe br_netfilter",
                 "echo br_netfilter > /etc/modules-load.d/br_netfilter.conf"]
        lines += ["net.bridge.bridge-nf-call-iptables = 1",
                  "net.bridge.bridge-nf-call-ip6tables = 1"]
    if f.ip_forward != "1":
        lines.insert(0, "net.ipv4.ip_forward = 1")
    if not lines:
        return ()
    body = "\\n".join(lines)
    cmds.append(f"printf '{body}\\n' > {SYSCTL_FILE}")
    cmds.append(f"sysctl -p {SYSCTL_FILE}")
    return tuple(cmds)


ENGINE_SOCKET = "/var/run/docker.sock"
_POST_JOIN = (
    "if command -v curl >/dev/null 2>&1; then "
    f"curl -sS --max-time 115 --unix-socket {ENGINE_SOCKET} "
    "-H 'Content-Type: application/json' --data-binary @- -o /dev/stderr -w '%{http_code}' "
    "http://localhost/swarm/join | grep -qx 200; "
    "elif command -v python3 >/dev/null 2>&1; then python3 -c '"
    "import http.client as h,socket,sys;s=socket.socket(socket.AF_UNIX);s.settimeout(115);"
    f's.connect("{ENGINE_SOCKET}");c=h.HTTPConnection("localhost");c.sock=s;'
    'c.request("POST","/swarm/join",sys.stdin.buffer.read(),'
    '{"Content-Type":"application/json"});r=c.getresponse();'
    'sys.stderr.write(r.read().decode(errors="replace"));sys.exit(r.status!=200)\'; '
    "else echo 'neither curl nor python3 is installed: install one of them (the join token "
    "must not go on a command line), or join by hand' >&2; false; fi"
)


def join_command(role: Role, manager_addr: str, advertise_addr: str) -> str:
    """`docker swarm join --token "$SWARM_JOIN_TOKEN" [--advertise-addr A] MANAGER`, done
    as the CLI does it (POST /swarm/join) but with the token in no process's argv."""
    body: dict[str, object] = {"ListenAddr": "0.0.0.0:2377", "RemoteAddrs": [manager_addr]}
    if advertise_addr:
        body["AdvertiseAddr"] = advertise_addr
    head = json.dumps(body, separators=(",", ":"))[:-1] + ',"JoinToken":"'
    equivalent = "docker swarm join --token … " + (
        f"--advertise-addr {advertise_addr} " if advertise_addr else "") + manager_addr
    return (f"printf '%s' {shlex.quote(head)} \"${TOKEN_VAR}\" '\"}}' | {{ {_POST_JOIN}; }} "
            f"&& echo {shlex.quote(f'This node joined a swarm as a {role}.')}"
            f"  # = {equivalent.replace(chr(10), ' ')}")


JOIN_CHECK = "docker info --format '{{.Swarm.LocalNodeState}}' | grep -qx active"


# ----------------------------------------------------------------------------- the plan


def make_plan(facts: HostFacts, options: PlanOptions | None = None, *, host: str = "") -> Plan:
    """Pure: facts → ordered steps. Satisfied steps stay in the plan (shown, skipped)."""
    o = options or PlanOptions()
    f = facts
    d = f.docker
    steps: list[Step] = []
    no_root = None if (f.is_root or f.sudo_ok) else (
        "this user cannot become root (no sudo, or it needs a password): enter the sudo "
        "password or connect as root")

    # 1. install Docker
    cmds, unsupported = install_commands(f)
    steps.append(Step(
        "install-docker", "Install Docker from the distribution's packages",
        cmds or ("# install Docker by hand",),
        check="command -v dockerd >/dev/null 2>&1",
        satisfied=d.installed,
        reason=f"Docker {d.version} is installed" if d.installed else
        f"{f.os.pretty_name}: Docker is not installed",
        blocked=None if d.installed else (no_root or unsupported),
        advice="Check the package manager's output above (network, repositories, a lock "
               "held by another apt/dnf); fix it and run the wizard again.",
        timeout=1200))

    # 2. enable and start the daemon
    enabled_ok = d.service_enabled is not False
    start_ok = d.daemon_running and enabled_ok
    steps.append(Step(
        "start-docker", "Enable Docker at boot and start it", start_commands(f),
        check="docker info >/dev/null 2>&1" + (
            " && systemctl is-enabled docker >/dev/null 2>&1" if f.systemd else ""),
        satisfied=start_ok,
        reason="the daemon is running" + ("" if d.service_enabled is None else
                                          " and enabled at boot") if start_ok else
        "the daemon is not running" if not d.daemon_running else "not enabled at boot",
        blocked=no_root if not start_ok else None,
        advice="See `journalctl -u docker` (or /var/log/docker.log) on the host for why "
               "dockerd did not start.",
        timeout=120))

    # 3. kernel settings
    sysctl = sysctl_commands(f)
    steps.append(Step(
        "sysctl", "Kernel settings for overlay networks", sysctl or ("true",),
        check="test \"$(cat /proc/sys/net/ipv4/ip_forward)\" = 1 && test \"$(cat "
              "/proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)\" = 1",
        satisfied=not sysctl,
        reason="IP forwarding and bridge netfilter are on" if not sysctl else
        f"ip_forward={f.ip_forward}, bridge-nf-call-iptables={f.bridge_nf}",
        blocked=no_root if sysctl else None,
        advice="If modprobe failed, the kernel lacks br_netfilter; use a distribution kernel.",
        timeout=60))

    # 4. firewall
    fw_cmds = firewall_commands(f)
    closed = [p for p, s in f.firewall.ports.items() if s != "open"]
    steps.append(Step(
        "firewall", f"Open the swarm ports in {f.firewall.kind}" if fw_cmds else
        "Swarm ports open",
        fw_cmds or ("true",), check=firewall_check(f) if fw_cmds else None,
        satisfied=not fw_cmds,
        reason=("2377/tcp, 7946/tcp+udp and 4789/udp are open" if not closed else
                f"no command known for {f.firewall.kind}: open {', '.join(closed)} by hand")
        if not fw_cmds else f"to open: {', '.join(closed)}",
        blocked=no_root if fw_cmds else None,
        advice="Open the ports by hand in the firewall in use; the manager's firewall must "
               "accept 2377/tcp, 7946/tcp+udp and 4789/udp from this host too.",
        timeout=120))
    if f.firewall.kind == "iptables" and fw_cmds:
        steps[-1] = _note(steps[-1], " (iptables rules are not persistent: save them with "
                                     "netfilter-persistent or iptables-save)")

    # 5. hostname
    wanted = (o.hostname or "").strip()
    if wanted and wanted != f.hostname:
        taken_too = wanted in f.taken_hostnames
        problem = hostname_problem(wanted)
        cmd = (f"hostnamectl set-hostname {shlex.quote(wanted)}" if "hostnamectl" in f.tools
               and f.systemd else
               f"hostname {shlex.quote(wanted)} && echo {shlex.quote(wanted)} > /etc/hostname")
        steps.append(Step(
            "hostname", f"Set the hostname to {wanted}", (cmd,),
            check=f"test \"$(hostname)\" = {shlex.quote(wanted)}",
            reason=f"{f.hostname} → {wanted}",
            blocked=problem or no_root or (
                f"{wanted!r} is taken by another node too; choose another" if taken_too
                else None),
            advice="Set it by hand, then run the wizard again.", timeout=60))
    else:
        taken = f.hostname_taken_by and not wanted
        steps.append(Step(
            "hostname", "Hostname unique in the swarm", ("true",),
            satisfied=not taken,
            reason=f"{f.hostname} is unique in the swarm" if not taken else
            f"{f.hostname!r} is taken by another node",
            blocked=("choose a new hostname for this host (another node already uses "
                     f"{f.hostname!r})") if taken else None))

    # 6. time sync
    skew = f.clock_offset is not None and abs(f.clock_offset) - f.clock_uncertainty > 3.0
    ntp_on = f.ntp[0] is True
    if skew and not ntp_on:
        cmd = "timedatectl set-ntp true" if "timedatectl" in f.tools and f.systemd else \
            "# install and start chrony or ntpd"
        steps.append(Step(
            "time-sync", "Turn on time synchronisation", (cmd,),
            check="timedatectl show -p NTP | grep -qx NTP=yes" if cmd.startswith("timedatectl")
            else None,
            reason=f"the clock is {f.clock_offset:+.1f} s off the manager's",
            blocked=no_root or (None if cmd.startswith("timedatectl") else
                                "no timedatectl here: install and start chrony or ntpd"),
            advice="Check that the host can reach an NTP server (udp/123).", timeout=60))
    else:
        steps.append(Step(
            "time-sync", "Time synchronisation", ("timedatectl set-ntp true",),
            satisfied=True,
            reason="the clock agrees with the manager's" if not skew else
            "NTP is on; the clock will converge (re-check before joining)"))

    # 7. join
    join = _join_step(f, o)
    name_step = next(s for s in steps if s.key == "hostname")
    if join.pending and name_step.blocked is not None and f.hostname_taken_by:
        from dataclasses import replace

        join = replace(join, blocked=f"the hostname must change first: {name_step.blocked}")
    steps.append(join)
    return Plan(host=host or f.hostname, facts=f, options=o, steps=tuple(steps),
                manager_addr=f.reachable_manager or (f.reach[0].addr if f.reach else ""))


def _note(step: Step, text: str) -> Step:
    from dataclasses import replace

    return replace(step, reason=step.reason + text)


def _join_step(f: HostFacts, o: PlanOptions) -> Step:
    d = f.docker
    manager = f.reachable_manager or (f.reach[0].addr if f.reach else "")
    title = f"Join the swarm as a {o.role}"
    cmd = join_command(o.role, manager or "<manager>:2377", f.advertise_addr)
    blocked: str | None = None
    satisfied = False
    reason = f"docker swarm join to {manager}" if manager else ""
    if d.swarm_state == "active" and f.member_of_cluster:
        satisfied = True
        role = "manager" if d.is_manager else "worker"
        reason = f"already a {role} of this swarm"
        if role != o.role:
            reason += f" (use {'promote' if o.role == 'manager' else 'demote'} in the Nodes "
            reason += "pane to change its role)"
    elif not o.join:
        blocked = "joining was not asked for"
    elif not (f.is_root or f.sudo_ok):
        blocked = "this user cannot become root"
    elif d.installed and not d.daemon_running:
        blocked = ("Docker's daemon is not running, so whether this host is already in a "
                   "swarm is unknown: start it (the step above), then run the wizard again")
    elif d.swarm_state == "active":
        blocked = ("this host is in another swarm: leave it first (`docker swarm leave`, "
                   "--force for a manager) — the wizard does not do that for you")
    elif d.swarm_state == "locked":
        blocked = "this host is a locked manager of a swarm: unlock it or leave that swarm"
    elif d.swarm_state == "pending":
        blocked = "a join is already in progress; wait for it or `docker swarm leave --force`"
    elif d.swarm_state == "error":
        blocked = "the engine's swarm state is 'error'; see `docker info`, then leave --force"
    elif not f.reach:
        blocked = "no manager address is known for the swarm"
    elif not f.reachable_manager:
        if all(r.reachable is None for r in f.reach):
            blocked = ("cannot test whether the host reaches the manager (no bash, nc or "
                       "busybox): install one, or join by hand")
        else:
            detail = "; ".join(f"{r.addr}: {r.detail}" for r in f.reach)
            blocked = (f"this host cannot reach any manager on 2377/tcp ({detail}). Check "
                       "routes and firewalls between them: outbound here, inbound on the "
                       "manager")
    elif f.hostname_taken_by and not (o.hostname and o.hostname.strip() not in
                                      (f.hostname, *f.taken_hostnames)):
        blocked = "the hostname is not unique in the swarm: choose a new one first"
    return Step(
        "join", title, (cmd,), check=JOIN_CHECK, satisfied=satisfied, reason=reason,
        blocked=None if satisfied else blocked,
        advice="If the join timed out, the manager cannot reach this host back on 2377, "
               "7946 or 4789, or the clocks differ; if the token was refused, it was rotated: "
               "run the wizard again to fetch the current one.",
        needs_join_token=True, timeout=120)


# ----------------------------------------------------------------------------- export


def export_script(plan: Plan, reveal_token: bool = False) -> str:
    """The plan as a POSIX shell script to run as root on the host. The join token is a
    placeholder unless `reveal_token` (and the plan holds one, see `with_join_token`)."""
    f = plan.facts
    lines = [
        "#!/bin/sh",
        f"# swarmtui bootstrap plan for {plan.host} ({f.os.pretty_name}, {f.arch})",
        f"# Join as a {plan.options.role} via {plan.manager_addr or 'an unreachable manager'}.",
        "# Run as root (e.g. sudo sh this-script). Every step is safe to run again.",
        "set -eu",
        "",
    ]
    for n, s in enumerate(plan.steps, 1):
        state = ("satisfied, skipped" if s.satisfied else
                 f"BLOCKED: {s.blocked}" if s.blocked else "to do")
        lines.append(f"# {n}. {s.title} [{state}]")
        if s.reason:
            lines.append(f"#    {s.reason}")
        if not s.pending:
            lines.append("")
            continue
        if s.needs_join_token:
            if reveal_token and plan.join_token is not None:
                token = shlex.quote(plan.join_token.reveal())
            else:
                token = ("\"${" + TOKEN_VAR + ":?set it to the output of: docker swarm "
                         f"join-token -q {plan.options.role} (on a manager)}}\"")
                lines.append(f"# the join token is redacted: export {TOKEN_VAR}=… first")
            lines.append(f"{TOKEN_VAR}={token}")
        body = "\n".join(s.commands) if s.check is None else \
            f"if ! ( {s.check} ); then\n  " + "\n  ".join(s.commands) + "\nfi"
        lines.append(body)
        lines.append("")
    return "\n".join(lines)
