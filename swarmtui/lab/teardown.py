"""Taking a lab down: every process in its cgroups and namespaces, its namespaces, links
and FORWARD rule, its cgroup directories and its data, found by the lab's name (so it
works even when the lab's state was lost)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from pathlib import Path

from swarmtui.lab.host import kill_cgroup, remove_cgroup_dirs, wait_until
from swarmtui.lab.network import ip, iptables
from swarmtui.lab.preflight import LabError


def cleanup(name: str, cgroup: str, bridge: str, rule_comment: str, lab_dir: Path) -> None:
    """Remove everything of the lab `name`, whether or not its state survived."""
    netns_re = re.compile(rf"^stl-{name}-\d+$")
    # 1. every process: hosts' own cgroups hold dockerd, sshd, shims and containers
    kill_cgroup(cgroup)
    # 2. anything else still inside one of the lab's network namespaces
    names = [
        line.split()[0]
        for line in ip("netns", "list", check=False).stdout.decode().splitlines()
        if line.strip()
    ]
    for ns in (n for n in names if netns_re.match(n)):
        pids = ip("netns", "pids", ns, check=False).stdout.decode().split()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid), 9)
        with contextlib.suppress(LabError):
            wait_until(
                f"processes in {ns} to exit",
                lambda ns=ns: not ip("netns", "pids", ns, check=False).stdout.strip(),
                10,
            )
        ip("netns", "delete", ns, check=False)
    # 3. links: veths (outer ends), stray inner ends, the bridge
    out = ip("-j", "link", "show", check=False).stdout
    with contextlib.suppress(ValueError):
        for link in json.loads(out or b"[]"):
            name = link.get("ifname", "")
            if (
                netns_re.match(name)
                or re.match(rf"^stp-{name}-\d+$", name)
                or name == bridge
            ):
                ip("link", "delete", name, check=False)
    # 4. the FORWARD rule(s)
    rules = iptables("-S", "FORWARD", check=False).stdout.decode().splitlines()
    for rule in rules:
        if (
            f"--comment {rule_comment}" in rule
            or f'--comment "{rule_comment}"' in rule
        ):
            iptables(*rule.replace("-A ", "-D ", 1).replace('"', "").split(), check=False)
    remove_cgroup_dirs(cgroup)
    remove_cgroup_dirs(cgroup.split("/")[0], only_if_empty=True)
    # 5. data: the next lab's hosts must not wake up in the old swarm
    if lab_dir.exists():
        shutil.rmtree(lab_dir, ignore_errors=True)
