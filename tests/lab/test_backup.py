"""Raft backups against the lab over real SSH; the docker CLI on the lab is the oracle.

* a manager of three is backed up while `docker node ls` keeps answering on another
  manager, including while the backed-up engine is really stopped;
* on a swarm of two managers the backup is refused, naming the quorum, and the
  manager's engine is left running (same dockerd process);
* the swarm is destroyed (two managers of three wiped, the third gone), the archive is
  restored on a wiped host: the services and networks are back. An autolocked manager
  is unlocked after its backup (its backup of several managers said unrestorable, and
  refused unless accepted, before the engine stops); such a backup is refused for restore
  (moby#36852);
* a lost quorum is recognised from the engine's words, and the manager with the most
  recent raft state is named from each manager's raft files, probed over SSH.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from swarmtui import audit
from swarmtui.backup.create import CreateRequest, create_backup
from swarmtui.backup.manifest import list_backups
from swarmtui.backup.recover import probe_managers
from swarmtui.backup.steps import Step
from swarmtui.connect.endpoint import parse_endpoint
from swarmtui.connect.hostkeys import fixed_trust
from swarmtui.connect.options import ConnectOptions
from swarmtui.connect.sshconf import ssh_config_files
from swarmtui.lab import Lab
from swarmtui.swarm.noleader import quorum_lost
from tests.conftest import machine_lock
from tests.lab.recovery_kit import QUORUM_LOSS_S
from tests.lab.test_bootstrap_lab import authorize
from tests.waiting import wait_for

SVC = ["--detach", "--no-resolve-image", "--stop-grace-period", "1s"]


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "state"
    monkeypatch.setenv("SWARMTUI_STATE_DIR", str(d))
    return d


def cli(lab: Lab, *args: str, state: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SWARMTUI_STATE_DIR": str(state),
           "SWARMTUI_CONFIG": str(state / "no-config.toml")}
    return subprocess.run(
        [sys.executable, "-m", "swarmtui", "backup", args[0], "--ssh-config",
         str(lab.ssh_config), "--trust-host-key", "never", *args[1:]],
        capture_output=True, text=True, timeout=240, env=env, stdin=subprocess.DEVNULL)


def tty_cli(lab: Lab, *args: str, state: Path, answer: str) -> str:
    """`swarmtui backup …` on a terminal (a pty), `answer` typed when it asks; what it
    printed (stdout and stderr: the terminal)."""
    import pty

    env = {**os.environ, "SWARMTUI_STATE_DIR": str(state),
           "SWARMTUI_CONFIG": str(state / "no-config.toml")}
    argv = [sys.executable, "-m", "swarmtui", "backup", args[0], "--ssh-config",
            str(lab.ssh_config), "--trust-host-key", "never", *args[1:]]
    main, sub = pty.openpty()
    proc = subprocess.Popen(argv, stdin=sub, stdout=sub, stderr=sub, env=env)
    os.close(sub)
    seen, deadline = b"", time.monotonic() + 120
    try:
        while b"[y/N]" not in seen and proc.poll() is None and time.monotonic() < deadline:
            seen += _read(main)
        os.write(main, answer.encode() + b"\n")
        while time.monotonic() < deadline:
            chunk = _read(main)
            if not chunk and proc.poll() is not None:
                break
            seen += chunk
        assert proc.wait(10) == 1, seen
    finally:
        proc.kill()
        os.close(main)
    return seen.decode(errors="replace")


def _read(fd: int) -> bytes:
    import select

    if not select.select([fd], [], [], 0.2)[0]:
        return b""
    try:
        return os.read(fd, 65536)
    except OSError:  # the other end closed
        return b""


class NodeLs:
    """`docker node ls` on a manager over SSH, again and again, in a thread."""

    def __init__(self, lab: Lab, host: str) -> None:
        self.lab, self.host = lab, host
        self.results: list[tuple[float, bool, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            proc = subprocess.run(self.lab.ssh_argv(self.host, "docker", "node", "ls"),
                                  capture_output=True, text=True, timeout=30)
            self.results.append((time.monotonic(), proc.returncode == 0,
                                 (proc.stdout + proc.stderr).strip()))

    def __enter__(self) -> NodeLs:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(60)


def test_backup_of_a_manager_of_three_keeps_the_quorum(
    make_lab: Callable[..., Lab], tmp_path: Path, state_dir: Path,
) -> None:
    lab = make_lab(nodes=3, managers=3)
    node2 = lab.host("node2")
    times: dict[str, float] = {}
    during: list[tuple[int, str]] = []

    def seen(step: Step) -> None:
        times[f"{step.name} {step.state}"] = time.monotonic()
        if (step.name, step.state) == ("stop the engine", "ok"):
            # node2's engine is down now, and stays down while this runs (the backup goes
            # on after its callback): the two other managers still answer. The polls alone
            # could miss the window under load (one ssh call outlasted the 2.5 s stop)
            proc = subprocess.run(lab.ssh_argv("node1", "docker", "node", "ls"),
                                  capture_output=True, text=True, timeout=60)
            during.append((proc.returncode, (proc.stdout + proc.stderr).strip()))

    options = ConnectOptions(trust=fixed_trust("never"),
                             ssh_config=ssh_config_files([lab.ssh_config]))
    req = CreateRequest(parse_endpoint("node2"), options, tmp_path / "out")
    with NodeLs(lab, "node1") as polls:
        result = asyncio.run(create_backup(req, seen))
    assert not result.refused and result.backup is not None
    assert len(during) == 1 and during[0][0] == 0, \
        f"`docker node ls` on node1 while node2's engine was stopped: {during}, {times}"
    failed = [r for r in polls.results if not r[1]]
    assert not failed, f"the quorum was lost during the backup: {failed[:3]}"
    # the oracle: node2 back Ready and Reachable, seen from another manager
    row = lab.ssh("node1", "docker node ls --filter name=node2 "
                  "--format '{{.Status}} {{.ManagerStatus}}'")
    assert row == "Ready Reachable"
    backup = result.backup
    m = backup.manifest
    info = json.loads(lab.ssh("node2", "docker info --format '{{json .Swarm}}'"))
    assert (m.node_id, m.swarm_id, m.hostname, m.managers, m.autolock) == (
        info["NodeID"], info["Cluster"]["ID"], "node2", 3, False)
    assert m.node_addr == f"{node2.address}:2377"
    assert m.engine_version == lab.ssh("node2", "docker version --format '{{.Server.Version}}'")
    for path in (backup.archive_path, backup.manifest_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert backup.archive_path.stat().st_size == m.size
    assert list_backups(tmp_path / "out")[0][0].manifest == m
    # every step in the journal with its command line
    entries = audit.read_journal(state_dir / "audit.jsonl")
    clis = [e["cli"] for e in entries]
    assert "ssh node2 '/etc/docker/swarmtui-lab-dockerd stop'" in clis
    assert any(c.startswith("ssh node2 '{ tar -cf - -C /var/lib/docker swarm") for c in clis)
    assert all(e["result"] == "ok" for e in entries)
    names = [s.name for s in result.steps]
    assert names.index("stop the engine") < names.index("archive /var/lib/docker/swarm") \
        < names.index("start the engine")


def test_backup_is_refused_on_two_managers_and_the_engine_keeps_running(
    make_lab: Callable[..., Lab], tmp_path: Path, state_dir: Path,
) -> None:
    lab = make_lab(nodes=2, managers=2)
    pid = lab.host("node2").running_dockerd()
    out = tmp_path / "out"
    proc = cli(lab, "create", "node2", "--output", str(out), state=state_dir)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "stopping node2's engine leaves 1 of 2 managers reachable" in proc.stderr
    assert "lose its quorum (needs 2)" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert lab.host("node2").running_dockerd() == pid, "the engine was restarted"
    assert lab.ssh("node2", "docker info --format '{{.Swarm.LocalNodeState}}'") == "active"
    assert lab.ssh("node1", "docker node ls --filter name=node2 --format "
                   "'{{.Status}} {{.ManagerStatus}}'") == "Ready Reachable"
    assert not out.exists() or not any(out.iterdir()), "nothing written when refused"
    refused = [e for e in audit.read_journal(state_dir / "audit.jsonl")
               if e["result"] == "refused"]
    assert len(refused) == 1 and "quorum" in refused[0]["error"]


def test_restore_after_the_swarm_is_destroyed_brings_services_and_networks_back(
    make_lab: Callable[..., Lab], tmp_path: Path, state_dir: Path,
) -> None:
    lab = make_lab(nodes=3, managers=3)
    lab.ssh("node1", ["docker", "network", "create", "-d", "overlay", "backnet"])
    lab.ssh("node1", ["docker", "service", "create", *SVC, "--name", "web", "--replicas", "2",
                      "--network", "backnet", "busybox", "httpd", "-f", "-p", "80"])
    # with autolock the backed-up manager comes back locked: the backup unlocks it
    lab.ssh("node1", "docker swarm update --autolock=true")
    key = lab.ssh("node1", "docker swarm unlock-key -q")
    locked_out = tmp_path / "locked"
    # a backup that cannot restore this swarm (moby#36852) is said BEFORE the engine stops:
    # no terminal to ask on, refused; asked on a terminal, only yes goes on
    engine = lab.host("node2").running_dockerd()
    refused = cli(lab, "create", "node2", "--output", str(locked_out), state=state_dir)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "moby/moby#36852" in refused.stderr and "--autolock-ok" in refused.stderr
    said_no = tty_cli(lab, "create", "node2", "--output", str(locked_out), state=state_dir,
                      answer="n")
    assert "Take this backup anyway? [y/N]" in said_no and "Nothing was done" in said_no
    assert "stop the engine" not in refused.stdout + said_no
    assert lab.host("node2").running_dockerd() == engine, "the engine was never stopped"
    assert not locked_out.exists() or not any(locked_out.iterdir())
    made = cli(lab, "create", "node2", "--output", str(locked_out), "--autolock-ok",
               state=state_dir)
    assert made.returncode == 0, made.stdout + made.stderr
    assert "ok" in next(ln for ln in made.stdout.splitlines() if "unlock the engine" in ln
                        and "→" not in ln)
    (locked,), _ = list_backups(locked_out)
    assert locked.manifest.autolock and not locked.manifest.unlock_key_file
    assert key not in "".join(p.read_text(errors="replace") for p in locked_out.iterdir())
    assert lab.ssh("node1", "docker node ls --filter name=node2 --format "
                   "'{{.Status}} {{.ManagerStatus}}'") == "Ready Reachable"
    lab.ssh("node1", "docker swarm update --autolock=false")
    out = tmp_path / "out"
    made = cli(lab, "create", "node2", "--output", str(out), state=state_dir)
    assert made.returncode == 0, made.stdout + made.stderr
    (backup,), _ = list_backups(out)
    assert not backup.manifest.autolock

    # the disaster: two managers stopped and wiped, then the third is gone too
    for name in ("node2", "node3"):
        lab.stop_dockerd(name)
        shutil.rmtree(lab.host(name).path / "docker" / "swarm")

    def quorum_lost() -> str:
        proc = subprocess.run(lab.ssh_argv("node1", "docker node ls"), capture_output=True,
                              text=True, timeout=60)
        return proc.stderr if proc.returncode else ""

    said = wait_for("node1 alone to lose the quorum", quorum_lost, QUORUM_LOSS_S)
    assert "does not have a leader" in said or "rpc error" in said, said
    lab.stop_dockerd("node1")

    refused = cli(lab, "restore", "node3", locked.manifest.archive, "--dir", str(locked_out),
                  state=state_dir)
    assert refused.returncode == 1 and "autolock" in refused.stderr, refused.stderr
    assert not (lab.host("node3").path / "docker" / "swarm").exists(), "nothing touched"

    started = time.monotonic()
    restored = cli(lab, "restore", "node3", backup.manifest.archive, "--dir", str(out),
                   state=state_dir)
    took = time.monotonic() - started
    assert restored.returncode == 0, restored.stdout + restored.stderr
    print(f"\nrestore took {took:.1f} s:\n{restored.stdout}")
    # the oracle: the docker CLI on the restored host
    leader = lab.ssh("node3", "docker node ls --filter role=manager --format "
                     "'{{.Self}} {{.Status}} {{.ManagerStatus}}'")
    assert "true Ready Leader" in leader.splitlines()
    assert "web" in lab.ssh("node3", "docker service ls --format '{{.Name}}'").split()
    assert "backnet" in lab.ssh("node3", "docker network ls --filter scope=swarm "
                                "--format '{{.Name}}'").split()
    # the other nodes are Unknown, then Down (~30 s here, more under load): only then are
    # their tasks started again on node3; some of those fail at first ("No such container",
    # the restored worker's own record) and are replaced after the restart delay
    me = lab.ssh("node3", "docker node inspect self --format '{{.ID}}'")

    def running_on_node3() -> bool:
        states = lab.ssh("node3", "docker service ps web --filter desired-state=running "
                         f"--filter node={me} --format '{{{{.CurrentState}}}}'").splitlines()
        return [s.split()[0] for s in states] == ["Running", "Running"]

    try:
        wait_for("web's two tasks running on node3", running_on_node3, 240)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{lab.ssh('node3', 'docker node ls')}\n" + lab.ssh(
            "node3", "docker service ps web --no-trunc --format "
            "'{{.Name}} {{.Node}} {{.DesiredState}} {{.CurrentState}} {{.Error}}'")) from None
    print(f"web converged on node3 {time.monotonic() - started - took:.1f} s after the restore")
    entries = audit.read_journal(state_dir / "audit.jsonl")
    clis = [e["cli"] for e in entries]
    assert "docker swarm init --force-new-cluster --advertise-addr " \
        f"{lab.host('node3').address}" in clis
    journal = (state_dir / "audit.jsonl").read_text()
    assert key not in journal and "SWMKEY" not in journal


def test_a_lost_quorum_is_recognised_and_the_freshest_manager_named(
    make_lab: Callable[..., Lab],
) -> None:
    lab = make_lab(nodes=3, managers=3)
    lab.stop_dockerd("node2")  # node2's raft stops here
    stopped = time.time()
    wait_for("a clock second past node2's last write", lambda: time.time() > stopped + 2.5, 10)
    lab.ssh("node1", ["docker", "service", "create", *SVC, "--name", "later", "busybox",
                      "sleep", "3600"])  # the other two managers write on
    wait_for("later's task running", lambda: lab.ssh(
        "node1", "docker service ls --filter name=later --format '{{.Replicas}}'") == "1/1", 60)
    lab.stop_dockerd("node3")

    def lost() -> str:
        proc = subprocess.run(lab.ssh_argv("node1", "docker node ls"), capture_output=True,
                              text=True, timeout=60)
        return proc.stderr if proc.returncode else ""

    said = wait_for("node1 alone to lose the quorum", lost, QUORUM_LOSS_S)
    assert quorum_lost(said), said
    options = ConnectOptions(trust=fixed_trust("never"),
                             ssh_config=ssh_config_files([lab.ssh_config]))
    advice = asyncio.run(probe_managers([parse_endpoint(f"node{i}") for i in (1, 2, 3)],
                                        options))
    by_host = {s.host: s for s in advice.ranked}
    assert all(s.readable for s in advice.ranked), [s.summary for s in advice.ranked]
    assert advice.best is not None and advice.best.host in ("node1", "node3"), advice.text
    assert advice.ranked[-1].host == "node2", [s.summary for s in advice.ranked]
    assert by_host["node1"].engine_up and not by_host["node2"].engine_up
    assert advice.text.startswith(f"{advice.best.host} has the most recent raft state")
    print("\n" + "\n".join(s.summary for s in advice.ranked) + "\n" + advice.text)


#: non-root users in the docker group (they reach the API): sudo asks a password / does not
DOCKER_USERS = {"swtbkpw": "ALL=(ALL) ALL", "swtbknopw": "ALL=(ALL) NOPASSWD: ALL"}


@pytest.fixture(scope="session")
def docker_users() -> dict[str, str]:
    """Made if missing (the lab hosts share /etc with this machine), like the bootstrap
    tests' sudo users."""
    if shutil.which("sudo") is None:
        pytest.skip("sudo is not installed (apt-get install sudo)")
    with machine_lock("users"):
        subprocess.run(["groupadd", "-f", "docker"], check=True)
        for user in DOCKER_USERS:
            if subprocess.run(["id", user], capture_output=True).returncode != 0:
                subprocess.run(["useradd", "-m", "-s", "/bin/sh", "-G", "docker", user],
                               check=True)
        subprocess.run(["chpasswd"], input="".join(f"{u}:locked-not-0{i}\n" for i, u in
                                                   enumerate(DOCKER_USERS)).encode(), check=True)
        rules = Path("/etc/sudoers.d/swarmtui-backup-test")
        rules.write_text("".join(f"{u} {r}\n" for u, r in DOCKER_USERS.items()))
        rules.chmod(0o440)
    return DOCKER_USERS


def test_a_single_manager_needs_force_and_root_and_comes_back_the_leader(
    make_lab: Callable[..., Lab], tmp_path: Path, state_dir: Path,
    docker_users: dict[str, str],
) -> None:
    lab = make_lab(nodes=1, managers=1)
    for user in docker_users:
        authorize(lab, user)
    pid = lab.host("node1").running_dockerd()
    out = tmp_path / "out"
    alone = cli(lab, "create", "node1", "--output", str(out), state=state_dir)
    assert alone.returncode == 1 and "node1 is the only manager" in alone.stderr, alone.stderr
    # a user whose sudo wants a password is refused before anything is stopped
    asks = cli(lab, "create", "ssh://swtbkpw@node1", "--force", "--output", str(out),
               state=state_dir)
    assert asks.returncode == 1 and "without a password" in asks.stderr, asks.stderr
    assert lab.host("node1").running_dockerd() == pid, "the engine was touched"
    # passwordless sudo: the backup goes through, the only manager is the leader again
    made = cli(lab, "create", "ssh://swtbknopw@node1", "--force", "--output", str(out),
               state=state_dir)
    assert made.returncode == 0, made.stdout + made.stderr
    assert "--force: node1 is the only manager" in made.stdout
    assert lab.host("node1").running_dockerd() != pid, "the engine was not restarted"
    assert lab.ssh("node1", "docker node ls --format '{{.Status}} {{.ManagerStatus}}'") \
        == "Ready Leader"
    (backup,), _ = list_backups(out)
    assert backup.manifest.hostname == "node1" and backup.manifest.managers == 1
    # an autolocked single manager: restored with its unlock key (moby#36852 only bites a
    # raft of several managers), autolock turned off so the new cluster can be forced
    lab.ssh("node1", ["docker", "service", "create", *SVC, "--name", "kept", "busybox",
                      "sleep", "3600"])
    lab.ssh("node1", "docker swarm update --autolock=true")
    key = lab.ssh("node1", "docker swarm unlock-key -q")
    locked_out = tmp_path / "locked"
    made = cli(lab, "create", "node1", "--force", "--output", str(locked_out), state=state_dir)
    assert made.returncode == 0, made.stdout + made.stderr
    (locked,), _ = list_backups(locked_out)
    assert locked.manifest.autolock and locked.manifest.managers == 1
    lab.ssh("node1", "docker service rm kept")
    no_key = cli(lab, "restore", "node1", locked.manifest.archive, "--dir", str(locked_out),
                 "--force", state=state_dir)
    assert no_key.returncode == 1 and "Give the unlock key" in no_key.stderr, no_key.stderr
    key_file = tmp_path / "key"
    key_file.write_text(key + "\n")
    restored = cli(lab, "restore", "node1", locked.manifest.archive, "--dir", str(locked_out),
                   "--force", "--unlock-key-file", str(key_file), state=state_dir)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "autolock was turned off" in restored.stdout
    assert lab.ssh("node1", "docker node ls --format '{{.Status}} {{.ManagerStatus}}'") \
        == "Ready Leader"
    assert "kept" in lab.ssh("node1", "docker service ls --format '{{.Name}}'").split()
    assert lab.ssh("node1", "docker info --format '{{.Swarm.Cluster.Spec.EncryptionConfig."
                   "AutoLockManagers}}'") == "false"
    journal = (state_dir / "audit.jsonl").read_text()
    assert key not in journal and "SWMKEY" not in journal
