"""Checks made before the lab touches anything: root, Linux, namespaces, binaries.

Every check runs before the first change, so a failed check leaves nothing
half made.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass

# binary -> Debian package that provides it
REQUIRED_BINARIES: dict[str, str] = {
    "dockerd": "docker.io",
    "docker": "docker.io",
    "containerd": "docker.io",
    "runc": "docker.io",
    "sshd": "openssh-server",
    "ssh-keygen": "openssh-client",
    "ssh": "openssh-client",
    "ip": "iproute2",
    "iptables": "iptables",
    "nsenter": "util-linux",
    "unshare": "util-linux",
    "busybox": "busybox-static",
}


class LabError(Exception):
    """A lab failure with a message meant for a person, not a traceback."""


@dataclass(frozen=True)
class Missing:
    binary: str
    package: str


def find_binary(name: str) -> str | None:
    """Look a binary up on PATH and in the sbin directories root's PATH may lack."""
    path = os.environ.get("PATH", "")
    found = shutil.which(name, path=path)
    if found:
        return found
    if os.environ.get("SWARMTUI_LAB_STRICT_PATH"):
        return None
    return shutil.which(name, path="/usr/local/sbin:/usr/sbin:/sbin")


def missing_binaries() -> list[Missing]:
    return [Missing(b, p) for b, p in REQUIRED_BINARIES.items() if find_binary(b) is None]


def check() -> None:
    """Raise LabError with one clear paragraph if this machine cannot host a lab."""
    problems: list[str] = []
    if not sys.platform.startswith("linux"):
        raise LabError(
            "The sandbox lab needs Linux: it builds each host from Linux network, UTS "
            f"and mount namespaces, and this is {sys.platform}. Run `swarmtui lab` on a "
            "Linux machine (a VM is fine), or connect swarmtui to an existing swarm."
        )
    if os.geteuid() != 0:
        problems.append(
            "it must run as root (namespaces, bridges and iptables rules need it): "
            "try `sudo swarmtui lab up`"
        )
    if not os.path.exists("/proc/self/ns/net") or not os.path.exists("/proc/self/ns/mnt"):
        problems.append(
            "this kernel offers no network/mount namespaces (/proc/self/ns/net is missing)"
        )
    missing = missing_binaries()
    if missing:
        names = ", ".join(m.binary for m in missing)
        packages = " ".join(sorted({m.package for m in missing}))
        problems.append(
            f"these programs are missing: {names} — on Debian/Ubuntu install them with "
            f"`apt-get install {packages}`"
        )
    if problems:
        raise LabError(
            "The sandbox lab cannot start on this machine: "
            + "; ".join(problems)
            + ". Nothing was created."
        )
