"""Which swarm ports a host's firewall lets in, from the output of ufw, firewalld,
nftables or iptables (pure parsers over command output).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

PortState = Literal["open", "closed", "unknown"]
FirewallKind = Literal["firewalld", "ufw", "nftables", "iptables", "none", "unknown"]

SWARM_PORTS: tuple[tuple[int, str], ...] = ((2377, "tcp"), (7946, "tcp"), (7946, "udp"),
                                            (4789, "udp"))


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


def port_key(port: int, proto: str) -> str:
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
        result[port_key(port, proto)] = state
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
                opened.add(port_key(port, p))
    for svc in parts.get("services", "").split():
        opened |= FIREWALLD_SERVICES.get(svc, set())
    return True, parts.get("zone", "").strip(), {
        port_key(p, proto): ("open" if port_key(p, proto) in opened else "closed")
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
                    "unknown", {port_key(p, pr): "unknown" for p, pr in SWARM_PORTS},
                    detail=f"an nftables input chain has a name swarmtui does not put in a "
                           f"command ({family!r} {table!r} {chain!r}): open the ports by hand")
            states = {port_key(p, pr): nft_port_state(policy, body, p, pr)
                      for p, pr in SWARM_PORTS}
            return FirewallFacts("nftables", states, nft_chain=(family, table, chain),
                                 detail=f"chain {family} {table} {chain}, policy {policy}")
    rules = parts.get("iptables", "")
    if iptables_filters(rules):
        return FirewallFacts("iptables", {port_key(p, pr): iptables_port_state(rules, p, pr)
                                          for p, pr in SWARM_PORTS})
    if "iptables" not in parts and "nft" not in parts:
        return FirewallFacts("unknown", {port_key(p, pr): "unknown" for p, pr in SWARM_PORTS},
                             detail="the firewall could not be read")
    if rules and ("Permission denied" in rules or "you must be root" in rules):
        return FirewallFacts("unknown", {port_key(p, pr): "unknown" for p, pr in SWARM_PORTS},
                             detail="reading the firewall needs root")
    return FirewallFacts("none", {port_key(p, pr): "open" for p, pr in SWARM_PORTS})
