"""Bootstrapping a real lab host into the swarm over real SSH (issue 6).

The host is reached with asyncssh, host key checked against the lab's known_hosts; the
manager's API over a real OpenSSH forward. The docker CLI on node1 is the oracle.
Every test also checks that no join token reached the log it wrote.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import docker
import pytest

from swarmtui.bootstrap.plan import PlanOptions, export_script
from swarmtui.bootstrap.remote import SshRunner
from swarmtui.bootstrap.runner import ApplyEvent, HostBootstrap, apply_many
from swarmtui.lab import Lab
from swarmtui.swarm.ops.runner import FixedEngine
from tests.conftest import machine_lock
from tests.waiting import wait_for

SECRET_PREFIXES = ("SWMTKN", "SWMKEY")


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """Everything logged during the test (DEBUG, every logger) goes to a file, checked
    afterwards for secrets."""
    path = tmp_path / "swarmtui-test.log"
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        handler.close()
        root.setLevel(old_level)
        text = path.read_text(errors="replace")
        assert text, "nothing was logged: the leak check would be vacuous"
        for prefix in SECRET_PREFIXES:
            assert prefix not in text, f"a secret ({prefix}…) reached the log"


async def connect(lab: Lab, host: str) -> asyncssh.SSHClientConnection:
    return await asyncssh.connect(lab.host(host).address, username="root",
                                  known_hosts=str(lab.known_hosts),
                                  client_keys=[str(lab.client_key)])


@pytest.fixture
def four(make_lab, ssh_forward) -> Iterator[tuple[Lab, docker.APIClient]]:  # type: ignore[no-untyped-def]
    lab = make_lab(nodes=4, managers=1, members=3)
    api = docker.APIClient(base_url=ssh_forward(lab, "node1").base_url, version="auto")
    try:
        yield lab, api
    finally:
        api.close()


def node_rows(lab: Lab) -> dict[str, str]:
    out = lab.ssh("node1", ["docker", "node", "ls", "--format", "{{.Hostname}} {{.Status}}"])
    return dict(line.split(maxsplit=1) for line in out.splitlines() if line.strip())


async def test_bootstrap_node4_joins_and_a_second_run_finds_nothing_to_do(
        four: tuple[Lab, docker.APIClient], log_file: Path) -> None:
    lab, api = four
    async with await connect(lab, "node4") as conn:
        boot = HostBootstrap(SshRunner(conn), FixedEngine(api), host="node4")
        facts = await boot.probe()
        status = {c.name: c for c in facts.checks}
        assert status["docker-installed"].status == "pass"
        assert status["docker-daemon"].status == "pass"
        assert status["firewall-ports"].status == "pass"
        assert status["manager-reachable"].status == "pass"
        assert lab.host("node1").address in status["manager-reachable"].reason
        assert status["swarm"].reason == "not in a swarm yet"
        assert facts.advertise_addr == lab.host("node4").address
        fails = [c for c in facts.checks if c.status != "pass"]
        assert not fails, fails

        plan = boot.plan()
        install = plan.step("install-docker")
        assert install is not None and install.satisfied and not install.pending
        assert [s.key for s in plan.pending] == ["join"]
        script = export_script(plan)
        assert "docker swarm join" in script and "SWMTKN" not in script

        events: list[ApplyEvent] = []
        result = await boot.apply(events.append)
        assert result.ok and result.complete, result.message
        assert result.done == ("join",)
        assert result.node_ready is True and result.node_id
        kinds = [e.kind for e in events]
        assert kinds.count("skip") == 6 and kinds[-1] == "finished"
        assert any(e.kind == "output" and "joined a swarm as a worker" in e.text for e in events)
        assert all("SWMTKN" not in e.text for e in events)
        logging.getLogger("swarmtui.test").info("apply events: %s", [e.text for e in events])

        assert node_rows(lab).get("node4") == "Ready"
        node = api.inspect_node(result.node_id)
        assert node["Description"]["Hostname"] == "node4"

        # the wizard again: nothing to do
        facts2 = await boot.probe()
        assert facts2.check("swarm").status == "pass"  # type: ignore[union-attr]
        assert "already a worker" in facts2.check("swarm").reason  # type: ignore[union-attr]
        plan2 = boot.plan()
        assert plan2.nothing_to_do and not plan2.will_join
        again = await boot.apply()
        assert again.ok and again.done == () and "Nothing to do" in again.message
    assert list(node_rows(lab).values()).count("Ready") == 4


async def test_probes_see_a_stopped_daemon_and_an_unreachable_manager(
        four: tuple[Lab, docker.APIClient], log_file: Path) -> None:
    lab, api = four
    lab.stop_dockerd("node4")
    async with await connect(lab, "node4") as conn:
        boot = HostBootstrap(SshRunner(conn), FixedEngine(api), host="node4")
        facts = await boot.probe()
        daemon = facts.check("docker-daemon")
        assert daemon is not None and daemon.status == "fail"
        assert "not running" in daemon.reason
        assert facts.check("docker-installed").status == "pass"  # type: ignore[union-attr]
        plan = boot.plan()
        assert not plan.will_join
        join = plan.step("join")
        assert join is not None and join.blocked and "not running" in join.blocked
        assert plan.step("start-docker").pending  # type: ignore[union-attr]

    lab.start_dockerd("node4")
    lab.host("node4").exec(["iptables", "-A", "OUTPUT", "-p", "tcp", "--dport", "2377",
                            "-j", "DROP"])
    async with await connect(lab, "node4") as conn:
        boot = HostBootstrap(SshRunner(conn), FixedEngine(api), host="node4")
        facts = await boot.probe()
        assert facts.check("docker-daemon").status == "pass"  # type: ignore[union-attr]
        reach = facts.check("manager-reachable")
        assert reach is not None and reach.status == "fail"
        assert "timed out" in reach.reason and lab.host("node1").address in reach.reason
        plan = boot.plan()
        join = plan.step("join")
        assert join is not None and join.blocked and "cannot reach any manager" in join.blocked
        assert not plan.will_join
        result = await boot.apply(reprobe=False)
        assert result.ok and not result.complete
        assert result.blocked is not None and result.blocked.key == "join"
    assert "node4" not in node_rows(lab)
    state = lab.ssh("node4", ["docker", "info", "--format", "{{.Swarm.LocalNodeState}}"])
    assert state == "inactive"


async def test_sudo_path_as_root_runs_commands_plainly(
        four: tuple[Lab, docker.APIClient]) -> None:
    lab, _ = four
    async with await connect(lab, "node2") as conn:
        runner = SshRunner(conn, sudo_password="unused-as-root")
        res = await runner.run("id -u; cat", sudo=True, input=b"from stdin\n")
        assert res.ok and res.stdout.split() == ["0", "from", "stdin"]
        chunks: list[tuple[str, str]] = []
        res = await runner.run("echo out; echo err >&2; exit 3",
                               on_output=lambda s, t: chunks.append((s, t)))
        assert res.exit_status == 3 and ("stdout", "out\n") in chunks
        assert ("stderr", "err\n") in chunks
        slow = await runner.run("sleep 5", timeout=0.5)
        assert slow.exit_status == 124 and "timed out" in slow.stderr
    wait_for("node2 still fine", lambda: "node2" in node_rows(lab), 10)


async def test_two_hosts_at_once_one_worker_one_manager(make_lab, ssh_forward,  # type: ignore[no-untyped-def]
                                                        log_file: Path) -> None:
    lab = make_lab(nodes=5, managers=1, members=3)
    api = docker.APIClient(base_url=ssh_forward(lab, "node1").base_url, version="auto")
    seen: dict[str, list[str]] = {"node4": [], "node5": []}
    async with await connect(lab, "node4") as c4, await connect(lab, "node5") as c5:
        boots = [HostBootstrap(SshRunner(c4), FixedEngine(api), host="node4"),
                 HostBootstrap(SshRunner(c5), FixedEngine(api), host="node5",
                               options=PlanOptions(role="manager"))]
        results = await apply_many(boots, lambda host, e: seen[host].append(e.kind))
    assert all(r.ok and r.complete and r.node_ready for r in results.values()), results
    assert results["node4"].done == ("join",) == results["node5"].done
    assert seen["node4"][-1] == "finished" and "output" in seen["node5"]
    out = lab.ssh("node1", ["docker", "node", "ls", "--format",
                            "{{.Hostname}} {{.Status}} {{.ManagerStatus}}"])
    rows = {r.split()[0]: r.split()[1:] for r in out.splitlines()}
    assert rows["node4"] == ["Ready"] and rows["node5"] == ["Ready", "Reachable"]
    api.close()


# ------------------------------------------------------------- sudo users, argv (issue 15)

SUDO_USERS = {"swtpw": "ALL=(ALL) ALL", "swtnopw": "ALL=(ALL) NOPASSWD: ALL"}
SUDO_PASSWORD = "Pa55 w0rd!x"  # noqa: S105 - a lab user's password, made here


@pytest.fixture(scope="session")
def sudo_users() -> dict[str, str]:
    """Two non-root users on the lab hosts (they share /etc with this machine): `swtpw`,
    whose sudo asks for SUDO_PASSWORD, and `swtnopw` with NOPASSWD. Made if missing."""
    import shutil
    import subprocess

    if shutil.which("sudo") is None:
        pytest.skip("sudo is not installed (apt-get install sudo)")
    with machine_lock("users"):
        for user in SUDO_USERS:
            if subprocess.run(["id", user], capture_output=True).returncode != 0:
                subprocess.run(["useradd", "-m", "-s", "/bin/sh", user], check=True)
        # sshd (UsePAM no) refuses accounts with a locked password: both have one
        subprocess.run(["chpasswd"], input=f"swtpw:{SUDO_PASSWORD}\nswtnopw:never-asked-0\n"
                       .encode(), check=True)
        rules = Path("/etc/sudoers.d/swarmtui-lab-test")
        rules.write_text("".join(f"{u} {r}\n" for u, r in SUDO_USERS.items()))
        rules.chmod(0o440)
    return SUDO_USERS


def authorize(lab: Lab, user: str) -> None:
    """Let `user` log in with the lab's key (its own ~/.ssh/authorized_keys)."""
    ssh_dir = Path(f"~{user}/.ssh").expanduser()
    ssh_dir.mkdir(exist_ok=True)
    (ssh_dir / "authorized_keys").write_text(Path(f"{lab.client_key}.pub").read_text())


class ArgvWatch:
    """Reads the argv (/proc/PID/cmdline) of every process of one lab host, over and over,
    in a thread: what `ps` on that host would show anyone."""

    def __init__(self, lab: Lab, host: str) -> None:
        import os
        import threading

        self._uts = os.readlink(f"/proc/{lab.host(host).anchor_pid}/ns/uts")
        self._stop = threading.Event()
        self.seen: set[str] = set()
        self.scans = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import os

        while not self._stop.is_set():
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    if os.readlink(f"/proc/{pid}/ns/uts") != self._uts:
                        continue
                    with open(f"/proc/{pid}/cmdline", "rb") as fh:
                        argv = fh.read().replace(b"\0", b" ").decode(errors="replace")
                except OSError:
                    continue
                self.seen.add(argv)
            self.scans += 1

    def __enter__(self) -> ArgvWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@pytest.mark.parametrize("user", ["swtnopw", "swtpw"])
async def test_a_sudo_user_joins_and_no_argv_on_the_host_shows_the_token(
        four: tuple[Lab, docker.APIClient], sudo_users: dict[str, str], user: str,
        log_file: Path) -> None:
    """A non-root user with a sudo password typed in: with NOPASSWD sudo never reads it
    (it used to become the join token), with a password sudo reads it. Either way the
    join works, and no process on the host ever has the token in its argv."""
    lab, api = four
    authorize(lab, user)
    async with await asyncssh.connect(lab.host("node4").address, username=user,
                                      known_hosts=str(lab.known_hosts),
                                      client_keys=[str(lab.client_key)]) as conn:
        runner = SshRunner(conn, sudo_password=SUDO_PASSWORD)
        res = await runner.run("id -u; cat", sudo=True, input=b"only this\n")
        assert res.ok and res.stdout.split() == ["0", "only", "this"], res
        boot = HostBootstrap(runner, FixedEngine(api), host="node4")
        facts = await boot.probe()
        assert facts.user == user and facts.sudo_ok
        events: list[ApplyEvent] = []
        with ArgvWatch(lab, "node4") as watch:
            result = await boot.apply(events.append)
    assert result.ok and result.complete and result.node_ready, (result.message,
                                                                  result.output)
    assert node_rows(lab).get("node4") == "Ready"
    assert watch.scans > 10
    joins = [a for a in watch.seen if "swarm/join" in a or "swarm join" in a]
    assert joins, "the watch never saw the join's process: the check would be vacuous"
    leaks = [a for a in watch.seen if "SWMTKN" in a or SUDO_PASSWORD in a]
    assert not leaks, leaks
    assert all(SUDO_PASSWORD not in e.text and "SWMTKN" not in e.text for e in events)
