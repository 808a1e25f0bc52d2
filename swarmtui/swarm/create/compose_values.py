"""Short-syntax values of a compose file → Engine API values: ports (`"8080:80/udp"`,
long syntax), durations, string-or-list words, environment lists and files, and labels.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

from swarmtui.swarm.create.units import (
    UnitError,
    parse_duration,
)
from swarmtui.swarm.models import ApiDict


def read_env_file(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        k, _, v = line.partition("=")
        v = v.strip()
        if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
            v = v[1:-1]
        out[k.strip()] = v
    return out


def as_int(value: Any) -> Any:
    """Numbers may arrive as strings after ${VAR} interpolation: "3" → 3 (else unchanged)."""
    if isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]{1,30}\s*", value):
        return int(value)
    return value


def word_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return shlex.split(str(value))


def duration_ns(value: Any, where: str, errors: list[str]) -> int | None:
    if value is None:
        return None
    try:
        return parse_duration(str(value))
    except UnitError as exc:
        errors.append(f"{where}: {exc}")
        return None


def env_list(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [f"{k}={'' if v is None else v}" for k, v in value.items()]
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def label_map(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): "" if v is None else str(v) for k, v in value.items()}
    if isinstance(value, list):
        return {str(x).partition("=")[0]: str(x).partition("=")[2] for x in value}
    return {}


# --------------------------------------------------------------------- ports

_PORT_RE = re.compile(
    r"^(?:(?P<ip>\d+\.\d+\.\d+\.\d+|\[[0-9a-fA-F:]+\]):)?(?:(?P<pub>\d{1,9}(?:-\d{1,9})?):)?"
    r"(?P<target>\d{1,9}(?:-\d{1,9})?)(?:/(?P<proto>tcp|udp|sctp))?$", re.ASCII
)


def _range(text: str) -> list[int]:
    """ "8000-8002" → [8000, 8001, 8002]; beyond the 65,535 ports, just the two ends (the
    caller refuses them as out of range)."""
    a, _, b = text.partition("-")
    lo, hi = int(a), int(b or a)
    if hi - lo > 65535:
        return [lo, hi]
    return list(range(lo, hi + 1))


def parse_ports(value: Any, where: str, errors: list[str], warnings: list[str]) -> list[ApiDict]:
    """Compose ports (short "8080:80/udp", ranges, or long syntax) → EndpointSpec ports."""
    out: list[ApiDict] = []
    if not isinstance(value, list):
        errors.append(f"{where}: ports must be a list")
        return out
    for item in value:
        if isinstance(item, dict):
            target = as_int(item.get("target"))
            if not isinstance(target, int) or not 1 <= target <= 65535:
                errors.append(f"{where}: port target {target!r} must be a number 1-65535")
                continue
            port: ApiDict = {"Protocol": str(item.get("protocol") or "tcp"),
                             "TargetPort": target,
                             "PublishMode": str(item.get("mode") or "ingress")}
            if port["Protocol"] not in ("tcp", "udp", "sctp"):
                errors.append(f"{where}: protocol {port['Protocol']!r} is not tcp, udp or sctp")
                continue
            if port["PublishMode"] not in ("ingress", "host"):
                errors.append(f"{where}: port mode {port['PublishMode']!r} is not ingress or "
                              "host")
                continue
            pub = item.get("published")
            if pub not in (None, ""):
                try:
                    pub_n = int(str(pub))
                except ValueError:
                    errors.append(f"{where}: published port {pub!r} is not a number")
                    continue
                if not 1 <= pub_n <= 65535:
                    errors.append(f"{where}: published port {pub_n} is out of range (1-65535)")
                    continue
                port["PublishedPort"] = pub_n
            if item.get("host_ip"):
                warnings.append(f"{where}: host_ip {item['host_ip']} is ignored by Swarm")
            out.append(port)
            continue
        text = str(item).strip()
        m = _PORT_RE.match(text)
        if not m:
            errors.append(f"{where}: '{text}' is not a port (write 8080:80, 80 or 53:53/udp)")
            continue
        if m.group("ip"):
            warnings.append(f"{where}: the host address in '{text}' is ignored by Swarm")
        targets = _range(m.group("target"))
        pubs = _range(m.group("pub")) if m.group("pub") else []
        if pubs and len(pubs) != len(targets):
            errors.append(f"{where}: '{text}': the published and target ranges differ in size")
            continue
        bad = [p for p in targets + pubs if not 1 <= p <= 65535]
        if bad:
            errors.append(f"{where}: '{text}': port {bad[0]} is out of range (1-65535)")
            continue
        for i, t in enumerate(targets):
            port = {"Protocol": m.group("proto") or "tcp", "TargetPort": t,
                    "PublishMode": "ingress"}
            if pubs:
                port["PublishedPort"] = pubs[i]
            out.append(port)
    seen: set[tuple[int, str]] = set()
    for p in out:
        if "PublishedPort" in p:
            key = (p["PublishedPort"], p["Protocol"])
            if key in seen:
                errors.append(f"{where}: published port {key[0]}/{key[1]} is used twice")
            seen.add(key)
    return out
