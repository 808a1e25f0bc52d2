"""The sandbox lab itself: real hosts, real SSH, a real swarm (issue 2)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from swarmtui.lab import Lab
from swarmtui.lab.host import cgroup_pids, pid_alive
from tests.waiting import wait_for


def host_key_fingerprint(address: str) -> str:
    scan = subprocess.run(
        ["ssh-keyscan", "-t", "ed25519", address], capture_output=True, timeout=10, check=True
    ).stdout
    fp = subprocess.run(["ssh-keygen", "-lf", "-"], input=scan, capture_output=True, check=True)
    return fp.stdout.decode().split()[1]


def test_three_hosts_distinct_and_in_one_swarm(lab: Lab) -> None:
    seen = {}
    for h in lab.hosts:
        info = json.loads(lab.ssh(h.name, ["docker", "info", "--format", "{{json .}}"]))
        seen[h.name] = (info["Name"], info["Swarm"]["NodeID"])
        assert info["Name"] == h.name
        assert info["Swarm"]["LocalNodeState"] == "active"
    assert len({name for name, _ in seen.values()}) == 3
    assert len({node_id for _, node_id in seen.values()}) == 3

    rows = lab.ssh(
        "node1",
        ["docker", "node", "ls", "--format", "{{.Hostname}} {{.Status}} {{.ManagerStatus}}"],
    )
    parsed = [r.split() for r in rows.splitlines()]
    assert sorted(r[0] for r in parsed) == ["node1", "node2", "node3"]
    assert all(r[1] == "Ready" for r in parsed)
    assert [r for r in parsed if len(r) > 2] == [["node1", "Ready", "Leader"]]

    fingerprints = {host_key_fingerprint(h.address) for h in lab.hosts}
    assert len(fingerprints) == 3, "each host must present its own SSH host key"


def test_ssh_config_and_known_hosts_work_with_openssh(lab: Lab) -> None:
    # StrictHostKeyChecking=yes in the lab's config: this only works if the
    # lab's known_hosts holds the right keys.
    out = subprocess.run(
        ["ssh", "-F", str(lab.ssh_config), "-o", "BatchMode=yes", "node2", "hostname"],
        capture_output=True,
        timeout=20,
        check=True,
    )
    assert out.stdout.decode().strip() == "node2"


def test_five_hosts_three_managers(make_lab) -> None:  # type: ignore[no-untyped-def]
    lab = make_lab(nodes=5, managers=3)
    rows = lab.ssh(
        "node1", ["docker", "node", "ls", "--format", "{{.Hostname}} {{.ManagerStatus}}"]
    )
    status = dict((r.split() + [""])[:2] for r in rows.splitlines())
    assert len(status) == 5
    assert sorted(status.values()) == ["", "", "Leader", "Reachable", "Reachable"]


def test_service_of_local_image_runs_on_several_hosts(lab: Lab) -> None:
    lab.ssh(
        "node1",
        "docker service create --detach --no-resolve-image --name spread "
        "--replicas 6 busybox:latest sleep 1d",
    )
    try:

        def running_nodes() -> set[str]:
            out = lab.ssh(
                "node1",
                [
                    "docker",
                    "service",
                    "ps",
                    "spread",
                    "--filter",
                    "desired-state=running",
                    "--format",
                    "{{.Node}} {{.CurrentState}}",
                ],
            )
            return {line.split()[0] for line in out.splitlines() if " Running " in f" {line} "}

        nodes = wait_for(
            "tasks running on more than one host",
            lambda: len(running_nodes()) > 1 and running_nodes(),
        )
        assert nodes <= {"node1", "node2", "node3"}
    finally:
        lab.ssh("node1", "docker service rm spread")


def _lab_traces(lab: Lab) -> dict[str, list[str]]:
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, check=True).stdout.decode()
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, check=True).stdout.decode()
    rules = subprocess.run(
        ["iptables", "-S", "FORWARD"], capture_output=True, check=True
    ).stdout.decode()
    return {
        "netns": [n for n in netns.split() if n.startswith(f"stl-{lab.name}-")],
        "links": [
            line
            for line in links.splitlines()
            if f"stl-{lab.name}" in line or f"stp-{lab.name}-" in line
        ],
        "rules": [r for r in rules.splitlines() if f"swarmtui-lab-{lab.name}" in r],
        "pids": [str(p) for p in cgroup_pids(lab.cgroup) if pid_alive(p)],
    }


def test_down_leaves_nothing_and_up_recovers_a_killed_lab(make_lab) -> None:  # type: ignore[no-untyped-def]
    lab = make_lab(nodes=2, managers=1)
    pids = [p for h in lab.hosts for p in (h.anchor_pid, h.dockerd_pid, h.sshd_pid)]
    assert all(pid_alive(p) for p in pids)

    # A lab that died with its session: every process killed hard, the rest left.
    for pid in cgroup_pids(lab.cgroup):
        os.kill(pid, signal.SIGKILL)
    wait_for("the killed lab's processes to go", lambda: not any(pid_alive(p) for p in pids))
    remains = _lab_traces(lab)
    assert remains["netns"] and remains["rules"], "the killed lab should have left remains"

    again = Lab(lab.name, root=lab.dir.parent)
    again.up(nodes=2, managers=1)
    out = again.ssh("node1", ["docker", "node", "ls", "--format", "{{.Status}}"])
    assert out.split() == ["Ready", "Ready"]

    again.down()
    assert _lab_traces(again) == {"netns": [], "links": [], "rules": [], "pids": []}
    assert not any(pid_alive(p) for h in again.hosts for p in (h.anchor_pid, h.dockerd_pid))
    assert not again.dir.exists()


def _run_cli(
    *args: str, env: dict[str, str] | None = None, user: str | None = None
) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "swarmtui", *args]
    if user:
        argv = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *argv]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env)


def test_not_root_gives_the_clear_message_and_makes_nothing(tmp_path: Path) -> None:
    env = {**os.environ, "SWARMTUI_LAB_DIR": str(tmp_path / "labs"), "HOME": str(tmp_path)}
    os.chmod(tmp_path, 0o777)
    proc = _run_cli("lab", "--name", "nroot", "up", env=env, user="65534")
    assert proc.returncode == 1
    assert "must run as root" in proc.stderr
    assert "Nothing was created" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "labs" / "nroot").exists()
    assert not [
        n
        for n in subprocess.run(
            ["ip", "netns", "list"], capture_output=True, text=True
        ).stdout.split()
        if n.startswith("stl-nroot")
    ]


def test_missing_sshd_names_the_package(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in (
        "dockerd",
        "docker",
        "containerd",
        "runc",
        "ssh-keygen",
        "ssh",
        "ip",
        "iptables",
        "nsenter",
        "unshare",
        "busybox",
    ):
        found = shutil.which(tool, path="/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin")
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    env = {
        **os.environ,
        "PATH": str(bin_dir),
        "SWARMTUI_LAB_STRICT_PATH": "1",
        "SWARMTUI_LAB_DIR": str(tmp_path / "labs"),
    }
    proc = _run_cli("lab", "--name", "nossh", "up", env=env)
    assert proc.returncode == 1
    assert "sshd" in proc.stderr and "openssh-server" in proc.stderr
    assert "apt-get install" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "labs" / "nossh").exists()


def test_cli_stop_and_start_a_host_is_a_real_fault(make_lab) -> None:  # type: ignore[no-untyped-def]
    lab = make_lab(nodes=2, managers=1)
    env = {**os.environ, "SWARMTUI_LAB_DIR": str(lab.dir.parent)}

    def node2_status() -> str:
        out = lab.ssh("node1", ["docker", "node", "ls", "--format", "{{.Hostname}} {{.Status}}"])
        return dict(line.split() for line in out.splitlines())["node2"]

    proc = _run_cli("lab", "stop", "node2", "--name", lab.name, env=env)
    assert proc.returncode == 0, proc.stderr
    # Down after the heartbeat's grace: 10-14 s here at load 8-13 (as in the other labs)
    wait_for("node2 to be Down", lambda: node2_status() == "Down", timeout=60)
    proc = _run_cli("lab", "start", "node2", "dockerd", "--name", lab.name, env=env)
    assert proc.returncode == 0, proc.stderr
    wait_for("node2 to be Ready again", lambda: node2_status() == "Ready", timeout=60)


def test_seed_sample_gives_newcomers_a_running_service(make_lab) -> None:  # type: ignore[no-untyped-def]
    lab = make_lab(nodes=3, managers=1)
    lab.seed_sample()
    lab.seed_sample()  # idempotent: a second call creates nothing

    def replicas() -> str:
        return lab.ssh("node1", ["docker", "service", "ls", "--format", "{{.Name}} {{.Replicas}}"])

    assert wait_for("web 3/3", lambda: replicas() == "web 3/3", timeout=60)
