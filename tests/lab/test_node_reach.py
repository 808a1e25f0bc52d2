"""Node reach against the real lab: real SSH to every node, the docker CLI on each node as oracle.

One 3-node lab for the module (node1 manager, node2/node3 workers); tests that break a
host repair it before they end.
"""

from __future__ import annotations

import asyncio
import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import docker
import pytest

from swarmtui import audit
from swarmtui.connect.endpoint import parse_endpoint
from swarmtui.connect.hostkeys import fixed_trust
from swarmtui.connect.noderoute import ReachFailure
from swarmtui.connect.nodes import NodePool
from swarmtui.connect.options import ConnectOptions
from swarmtui.connect.sshconf import ssh_config_files
from swarmtui.lab import Lab
from swarmtui.swarm.fetch import fetch_snapshot
from swarmtui.swarm.ops.runner import run_operation
from swarmtui.swarm.reach.deadlogs import dead_task_logs
from swarmtui.swarm.reach.detail import node_detail
from swarmtui.swarm.reach.doctor import Doctor
from swarmtui.swarm.reach.ops import StartEngine, UnlockManager
from swarmtui.swarm.reach.probe import Cause, probe
from swarmtui.swarm.reach.prune import (
    PruneNodes,
    PrunePlan,
    PruneTarget,
    plan_all_nodes,
    plan_node_prune,
)
from swarmtui.swarm.reach.stats import Sampler
from swarmtui.swarm.reach.watch import NodeReach
from swarmtui.ui.flow import ConfirmScreen, ProgressScreen
from swarmtui.ui.flow.progress import FINAL
from swarmtui.ui.widgets.health import HealthHeader
from tests.conftest import _lab_or_skip, lab_name
from tests.functional import conftest as functional
from tests.waiting import async_wait_for, wait_for

ROOT = Path(__file__).resolve().parents[2]

#: the app on a lab manager over real SSH (the functional tests' fixture)
lab_app = functional.lab_app


@pytest.fixture(scope="module")
def rlab(lab_root: Path) -> Iterator[Lab]:
    _lab_or_skip()
    lab = Lab(lab_name("r"), root=lab_root)
    lab.up(nodes=3, managers=1)
    try:
        yield lab
    finally:
        lab.down()


@pytest.fixture
async def pool(rlab: Lab) -> AsyncIterator[NodePool]:
    opts = ConnectOptions(trust=fixed_trust("never"),
                          ssh_config=ssh_config_files([rlab.ssh_config]))
    p = NodePool(opts, manager=parse_endpoint("node1"), connect_timeout=3.0)
    try:
        yield p
    finally:
        await p.close()


def node_status(lab: Lab) -> dict[str, str]:
    out = lab.ssh("node1", "docker node ls --format '{{.Hostname}} {{.Status}}'")
    return dict(line.split() for line in out.splitlines())


def node_id(lab: Lab, host: str) -> str:
    return lab.ssh("node1", f"docker node inspect --format '{{{{.ID}}}}' {host}")


def manager_api(lab: Lab, ssh_forward) -> docker.APIClient:  # type: ignore[no-untyped-def]
    return docker.APIClient(base_url=ssh_forward(lab, "node1").base_url, version="1.41")


def swarmtui(*args: str, **kw) -> subprocess.CompletedProcess[bytes]:  # type: ignore[no-untyped-def]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "swarmtui", *args], env=env, timeout=90,
                          capture_output=True, **kw)


def service(lab: Lab, name: str, *args: str, replicas: int = 1) -> None:
    lab.ssh("node1", ["docker", "service", "create", "-d", "--no-resolve-image", "--name", name,
                      "--replicas", str(replicas), *args])


def running_on(lab: Lab, name: str) -> dict[str, str]:
    """task name -> node, for the running tasks of a service (docker service ps)."""
    out = lab.ssh("node1", f"docker service ps {name} --filter desired-state=running "
                           "--format '{{.Name}} {{.Node}} {{.CurrentState}}'")
    return {p[0]: p[1] for p in (line.split() for line in out.splitlines())
            if len(p) > 2 and p[2] == "Running"}


# --- daemon health -------------------------------------------------------------------


async def test_dockerd_stopped_is_diagnosed_and_restart_brings_it_back_ready(
        rlab: Lab, pool: NodePool, ssh_forward, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    nid = node_id(rlab, "node3")
    healthy = await probe(pool, "node3", node_id=nid)
    assert healthy.cause is Cause.HEALTHY and healthy.facts is not None
    assert healthy.facts.starter == "lab"
    rlab.stop_dockerd("node3")
    try:
        wait_for("node3 Down in docker node ls", lambda: node_status(rlab)["node3"] == "Down", 60)
        api = manager_api(rlab, ssh_forward)
        # with no key pressed: the doctor probes what a snapshot shows Down
        doctor = Doctor(pool)
        snap = await asyncio.to_thread(fetch_snapshot, api)
        assert doctor.update(snap) == [nid]
        await async_wait_for("the doctor's diagnosis", lambda: nid in doctor.diagnoses, 30)
        found = doctor.diagnoses[nid]
        assert found.cause is Cause.DOCKERD_DOWN
        assert "dockerd is not running" in found.text
        assert found.fix == "start-engine"
        op = StartEngine.from_diagnosis(pool, found, "", nid)
        assert op.cli == "ssh node3 /etc/docker/swarmtui-lab-dockerd start"
        outcome = await asyncio.to_thread(run_operation, api, op, wait=True, timeout=60,
                                          journal_path=tmp_path / "audit.jsonl")
        assert outcome.ok, outcome.message
        assert outcome.converged, outcome.converge_text
        assert node_status(rlab)["node3"] == "Ready"  # the oracle agrees
        assert "start engine" in (tmp_path / "audit.jsonl").read_text()
        doctor.update(await asyncio.to_thread(fetch_snapshot, api))
        assert nid not in doctor.diagnoses  # Ready again: nothing to explain
        await doctor.close()
    finally:
        if not rlab.host("node3").docker_ping():
            rlab.start_dockerd("node3")
    # the lab still manages the engine started over SSH
    rlab.stop_dockerd("node3")
    assert not rlab.host("node3").docker_ping()
    rlab.start_dockerd("node3")
    wait_for("node3 Ready again", lambda: node_status(rlab)["node3"] == "Ready", 60)


async def test_unreachable_node_is_a_fact_with_its_reason_not_a_stall(
        rlab: Lab, pool: NodePool) -> None:
    rlab.stop_sshd("node2")
    try:
        start = time.perf_counter()
        found = await probe(pool, "node2")
        assert found.cause is Cause.SSH_REFUSED, found.text
        fact = pool.unreachable("node2")
        assert fact is not None and fact.reason is ReachFailure.SSH_REFUSED
        # in backoff, the fact is answered at once without a new attempt
        failures = pool.figures.failures
        with pytest.raises(Exception, match="SSH refused"):
            await pool.connection("node2")
        assert pool.figures.failures == failures
        assert time.perf_counter() - start < 5
    finally:
        rlab.start_sshd("node2")
    rlab.set_link("node2", False)
    try:
        start = time.perf_counter()
        found = await probe(pool, "node2")
        took = time.perf_counter() - start
        assert found.cause is Cause.HOST_UNREACHABLE, found.text
        assert took < 12, took  # bounded by the pool's connect timeout
    finally:
        rlab.set_link("node2", True)
    pool.forget("node2")
    assert (await probe(pool, "node2", node_id=node_id(rlab, "node2"))).cause is Cause.HEALTHY


# --- exec ----------------------------------------------------------------------------


def _worker_task(lab: Lab, name: str) -> str:
    tasks = wait_for(f"{name} running on a worker", lambda: {
        t: n for t, n in running_on(lab, name).items() if n != "node1"}, 60)
    return sorted(tasks)[0]


def test_exec_exit_code_pipes_and_read_only(rlab: Lab, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWARMTUI_STATE_DIR", str(tmp_path))
    service(rlab, "rx", "busybox", "sleep", "3600", replicas=3)
    task = _worker_task(rlab, "rx")
    base = ["exec", "--ssh-config", str(rlab.ssh_config), "--trust-host-key", "never", "node1"]
    assert swarmtui(*base, task, "--", "sh", "-c", "exit 7", stdin=subprocess.DEVNULL) \
        .returncode == 7
    got = swarmtui(*base, task, "--", "sh", "-c", "cat; hostname", input=b"piped-in\n")
    assert got.returncode == 0, got.stderr
    container = got.stdout.decode().split()[1]
    on_node = running_on(rlab, "rx")[task]
    ids = rlab.ssh(on_node, "docker ps -q --filter name=rx.").split()
    assert got.stdout.decode().split()[0] == "piped-in" and container in ids
    no_tty = swarmtui(*base, task, "--", "sh", "-c", "[ -t 0 ] || [ -t 1 ] || echo no-tty",
                      stdin=subprocess.DEVNULL)
    assert no_tty.returncode == 0 and no_tty.stdout == b"no-tty\n", no_tty
    refused = swarmtui(*base, "--read-only", task, "--", "true", stdin=subprocess.DEVNULL)
    assert refused.returncode == 125 and b"read-only" in refused.stderr
    missing = swarmtui(*base, "nosuch.1", "--", "true", stdin=subprocess.DEVNULL)
    assert missing.returncode == 125 and b"no running task matches" in missing.stderr
    lines = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert [(e["operation"], e["result"]) for e in lines][:1] == [("exec", "ok")]
    assert lines[0]["cli"].startswith(f"ssh {on_node} docker exec -i ")
    assert lines[0]["error"] == "exit status 7" and lines[0]["target"] == task
    assert ("exec", "refused") in [(e["operation"], e["result"]) for e in lines]


def test_exec_interactive_through_a_pty(rlab: Lab) -> None:
    service(rlab, "ri", "busybox", "sleep", "3600", replicas=2)
    task = _worker_task(rlab, "ri")
    pid, fd = pty.fork()
    if pid == 0:  # the child: swarmtui exec on a terminal
        os.environ["PYTHONPATH"] = str(ROOT)
        os.execv(sys.executable, [sys.executable, "-m", "swarmtui", "exec", "--ssh-config",
                                  str(rlab.ssh_config), "--trust-host-key", "never", "node1",
                                  task])
    out = b""
    sent = False
    deadline = time.monotonic() + 60
    status = None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                break
            out += chunk
        if not sent and re.search(rb"[#$] ", out):  # the shell's prompt (then a DSR query)
            os.write(fd, b"echo pty-$((6*7)); [ -t 0 ] && echo on-a-tty; exit 4\r")
            sent = True
    end = time.monotonic() + 20  # never wait forever on a child that did not end
    while status is None and time.monotonic() < end:
        done, raw = os.waitpid(pid, os.WNOHANG)
        if done:
            status = os.waitstatus_to_exitcode(raw)
        else:
            time.sleep(0.1)
    if status is None:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    text = out.decode(errors="replace")
    assert sent, text
    assert "pty-42" in text and "\non-a-tty" in text.replace("\r", ""), text
    assert status == 4, text


# --- stats ---------------------------------------------------------------------------


def _docker_stats(lab: Lab, host: str) -> dict[str, tuple[float, int]]:
    """container id (12) -> (CPU %, memory bytes) from `docker stats --no-stream`."""
    units = {"B": 1, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3, "kB": 1000, "MB": 1000**2}
    out = lab.ssh(host, "docker stats --no-stream --format '{{.ID}} {{.CPUPerc}} {{.MemUsage}}'")
    got = {}
    for line in out.splitlines():
        if not line[:1].strip():
            continue  # no ID: a container that ended while docker stats read it (0B / 0B)
        cid, cpu, mem = line.split()[:3]
        m = re.fullmatch(r"([\d.]+)([A-Za-z]+)", mem)
        assert m, line
        got[cid] = (float(cpu.rstrip("%")), int(float(m[1]) * units[m[2]]))
    return got


async def test_stats_agree_with_docker_stats_and_free(rlab: Lab, pool: NodePool) -> None:
    # a task holding 24 MiB in its /dev/shm (charged to its memory), well above noise
    service(rlab, "rs", "--constraint", "node.hostname==node2", "busybox", "sh", "-c",
            "head -c 25165824 /dev/zero > /dev/shm/fill; sleep 3600")
    wait_for("rs running", lambda: running_on(rlab, "rs"), 60)
    cids = wait_for("rs container", lambda: rlab.ssh(
        "node2", "docker ps -q --no-trunc --filter name=rs.").split(), 30)
    samples = []
    sampler = Sampler(pool, samples.append)
    first = await sampler.sample("node2", containers=tuple(cids))
    assert first.unreachable is None and first.cpu_percent is None  # needs two samples
    await async_wait_for("memory settled", lambda: _docker_stats(rlab, "node2")
                         [cids[0][:12]][1] > 20 * 1024**2, 30, interval=0.5)
    stats = await sampler.sample("node2", containers=tuple(cids))
    oracle = _docker_stats(rlab, "node2")
    free = rlab.ssh("node2", "free -b | awk '/^Mem:/ {print $2, $7}'").split()
    df = rlab.ssh("node2", "df -P -B1 /var/lib/docker | tail -n1").split()
    task = stats.tasks[cids[0]]
    cpu_o, mem_o = oracle[cids[0][:12]]
    # TOLERANCES: memory within 5 % or 2 MiB; CPU within 10 points (different windows);
    # host memory used within 5 % of total; disk free within 1 % of the size
    assert abs(task.mem_used - mem_o) <= max(0.05 * mem_o, 2 * 1024**2), (task, mem_o)
    assert task.cpu_percent is not None and abs(task.cpu_percent - cpu_o) <= 10
    assert stats.cpu_percent is not None and 0 <= stats.cpu_percent <= 100
    total, available = int(free[0]), int(free[1])
    assert stats.mem_total == total
    assert stats.mem_used is not None and abs(stats.mem_used - (total - available)) <= 0.05 * total
    assert stats.disk_size == int(df[1])
    assert stats.disk_free is not None and abs(stats.disk_free - int(df[3])) <= 0.01 * int(df[1])
    # the sampler runs on an interval, pauses, and resumes
    sampler.nodes = {"node2": ("", tuple(cids)), "node3": ("", ())}
    sampler.interval = 0.3
    sampler.start()
    try:
        await async_wait_for("samples of both nodes", lambda: {s.hostname for s in samples}
                             == {"node2", "node3"}, 20)
        sampler.pause()
        await async_wait_for("samples in flight to land", lambda: sampler.in_flight == 0, 20)
        count = len(samples)
        await asyncio.sleep(1.0)  # three intervals: a running sampler would add samples
        assert len(samples) == count
        sampler.resume()
        await async_wait_for("sampling again", lambda: len(samples) > count, 10)
    finally:
        await sampler.stop()
    assert len(sampler.history("node2")) >= 3


# --- dead-task logs --------------------------------------------------------------------


async def test_dead_task_logs_of_a_task_that_printed_and_failed(
        rlab: Lab, pool: NodePool, ssh_forward) -> None:  # type: ignore[no-untyped-def]
    service(rlab, "rd", "--restart-condition", "none", "--constraint", "node.hostname==node3",
            "busybox", "sh", "-c", "echo dying-words; echo to-stderr >&2; exit 3")
    api = manager_api(rlab, ssh_forward)

    def failed() -> list[dict]:  # type: ignore[type-arg]
        return [t for t in api.tasks(filters={"service": "rd"})
                if t["Status"]["State"] == "failed"]

    task = wait_for("rd's task to fail", failed, 60)[0]
    cid = task["Status"]["ContainerStatus"]["ContainerID"]
    logs = await dead_task_logs(pool, "node3", "", cid)
    assert not logs.gone and logs.exit_code == 3 and logs.oom_killed is False
    assert "dying-words" in logs.logs and "to-stderr" in logs.logs
    assert rlab.ssh("node3", f"docker inspect --format '{{{{.State.ExitCode}}}}' {cid}") == "3"
    rlab.ssh("node3", f"docker rm {cid}")
    gone = await dead_task_logs(pool, "node3", "", cid)
    assert gone.gone and "is gone from node3" in gone.message


# --- prune -----------------------------------------------------------------------------


def _ids(lab: Lab, host: str) -> tuple[set[str], set[str]]:
    containers = set(lab.ssh(host, "docker ps -aq --no-trunc").split())
    images = set(lab.ssh(host, "docker images -aq --no-trunc").split())
    return containers, images


async def test_prune_removes_what_it_previewed_and_nothing_else(
        rlab: Lab, pool: NodePool, ssh_forward, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    h = "node2"
    rlab.ssh(h, "docker run --name pr-exited busybox sh -c 'echo x > /junk'")
    rlab.ssh(h, "docker create --name pr-created busybox true")
    rlab.ssh(h, "docker run -d --name pr-keep busybox sleep 3600")
    rlab.ssh(h, "docker commit pr-exited && docker commit pr-exited keep:1")  # dangling + tagged
    before_c, before_i = _ids(rlab, h)
    plan = await plan_node_prune(pool, h)
    stopped = set(rlab.ssh(h, "docker ps -aq --no-trunc --filter status=exited "
                              "--filter status=created --filter status=dead").split())
    dangling = set(rlab.ssh(h, "docker images -q --no-trunc --filter dangling=true").split())
    assert {i.id for i in plan.of("container")} == stopped
    assert {i.id for i in plan.of("image")} == dangling and dangling
    assert plan.of("volume") == []  # only when asked
    op = PruneNodes(pool, [PruneTarget(plan, "", node_id(rlab, h))])
    assert op.cli.startswith("ssh node2 'docker container rm ")
    outcome = await asyncio.to_thread(run_operation, manager_api(rlab, ssh_forward), op,
                                      journal_path=tmp_path / "audit.jsonl")
    assert outcome.ok, outcome.message
    assert not op.reports["node2"].failed
    after_c, after_i = _ids(rlab, h)
    # what was there before: exactly the previewed ones are gone (a swarm task of this
    # module's services may end meanwhile and add a stopped container: not ours to count)
    assert before_c & after_c == before_c - stopped
    assert before_i & after_i == before_i - dangling
    assert not (stopped | dangling) & (after_c | after_i)
    assert rlab.ssh(h, "docker ps -q --filter name=pr-keep") != ""
    assert rlab.ssh(h, "docker images -q keep:1") != ""
    everywhere = await plan_all_nodes(pool, [("node2", ""), ("node3", ""), ("ghost", "0.0.0.0")])
    assert isinstance(everywhere["node2"], PrunePlan) and not everywhere["node2"].of("container")
    assert isinstance(everywhere["node3"], PrunePlan)
    assert "ghost" in str(everywhere["ghost"])  # an unreachable node is its error, not a stall


# --- node detail and unlock --------------------------------------------------------------


async def test_node_detail_agrees_with_the_node_cli(rlab: Lab, pool: NodePool) -> None:
    detail = await node_detail(pool, "node2")
    assert {c.id for c in detail.containers} == set(
        rlab.ssh("node2", "docker ps -aq --no-trunc").split())
    assert detail.engine == rlab.ssh("node2", "docker version --format '{{.Server.Version}}'")
    assert detail.kernel == rlab.ssh("node2", "uname -r")
    assert {c.id for c in detail.containers if c.task} == set(rlab.ssh(
        "node2", "docker ps -aq --no-trunc --filter label=com.docker.swarm.task.id").split())
    assert [d.kind for d in detail.disk] == ["Images", "Containers", "Local Volumes",
                                             "Build Cache"]


async def test_unlock_a_locked_manager_with_the_key_on_stdin(
        make_lab, ssh_forward, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lab = make_lab(nodes=1, managers=1)
    lab.ssh("node1", "docker swarm update --autolock=true")
    key = lab.ssh("node1", "docker swarm unlock-key -q")
    lab.stop_dockerd("node1")
    lab.start_dockerd("node1")
    assert lab.ssh("node1", "docker info --format '{{.Swarm.LocalNodeState}}'") == "locked"
    opts = ConnectOptions(trust=fixed_trust("never"), ssh_config=ssh_config_files([lab.ssh_config]))
    pool = NodePool(opts, manager=parse_endpoint("node1"))
    try:
        found = await probe(pool, "node1", node_state="unknown")
        assert found.cause is Cause.LOCKED and found.fix == "unlock"
        api = docker.APIClient(base_url=ssh_forward(lab, "node1").base_url, version="1.41")
        op = UnlockManager(pool, "node1", "", "", key)
        assert key not in op.cli
        journal = tmp_path / "audit.jsonl"
        outcome = await asyncio.to_thread(run_operation, api, op, journal_path=journal)
        assert outcome.ok, outcome.message
        assert lab.ssh("node1", "docker info --format '{{.Swarm.LocalNodeState}}'") == "active"
        assert key not in journal.read_text() and "unlock" in journal.read_text()
        wrong = UnlockManager(pool, "node1", "", "", "not-a-key")
        assert not wrong.guard(await asyncio.to_thread(fetch_snapshot, api)).allowed
    finally:
        await pool.close()


async def test_tui_shows_why_a_node_is_down_with_no_key_and_its_fix_brings_it_back(
        rlab: Lab, lab_app, tmp_path: Path,  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`lab stop node2 dockerd` → the cause on node2's row and in the problem line, with
    no key pressed; F on the row → confirm (its ssh line) → the engine starts, node2 Ready."""
    monkeypatch.setenv(audit.ENV_STATE_DIR, str(tmp_path / "state"))
    nid = node_id(rlab, "node2")
    app = lab_app(rlab)
    assert app.store is not None
    app.store.attach_reach(_reach(rlab, recheck=5.0))
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            await async_wait_for("the first snapshot", lambda: app.snapshot is not None, 30)
            main = app.screen
            table = main.table("nodes")  # type: ignore[attr-defined]
            await async_wait_for("node2's row", lambda: nid in table.rows, 30)
            rlab.stop_dockerd("node2")
            t0 = time.monotonic()

            def status_cell() -> str:
                row = table.rows.get(nid)
                return str(row.cells[1]) if row is not None else ""

            await async_wait_for("the cause on node2's row",
                                 lambda: "dockerd not running" in status_cell(), 120)
            print(f"\nnode2 dockerd stopped → its cause on screen: "
                  f"{time.monotonic() - t0:.1f} s")
            assert status_cell() == "Down: dockerd not running"
            header = main.query_one(HealthHeader)
            await async_wait_for("the cause in the problem line", lambda: any(
                "node2 is Down" in p.text and "dockerd is not running" in p.text
                for p in header.problems), 10)
            # the fix, through the one confirm + progress flow
            await async_wait_for("the cursor on node2", lambda: table.select_key(nid), 10)
            await pilot.press("F")
            await async_wait_for("the confirmation", lambda: isinstance(app.screen,
                                                                        ConfirmScreen), 10)
            await pilot.pause()
            confirm = app.screen
            assert "ssh node2 /etc/docker/swarmtui-lab-dockerd start" in \
                str(confirm.query_one("#ops-cli").content)
            confirm.query_one("#ops-go").press()
            await async_wait_for("the progress view",
                                 lambda: isinstance(app.screen, ProgressScreen), 10)
            progress = app.screen
            assert isinstance(progress, ProgressScreen)
            await async_wait_for("the engine start to finish",
                                 lambda: progress.phase in FINAL, 120)
            assert progress.phase == "converged", progress.lines
            assert node_status(rlab)["node2"] == "Ready"  # the oracle agrees
            await pilot.press("escape")  # back to the Nodes pane
            await async_wait_for("the main screen", lambda: app.screen is main, 10)
            await async_wait_for("node2's cause gone from its row",
                                 lambda: status_cell() == "Ready", 30)
            # (other tests of this module may leave problems that mention node2's tasks)
            assert not any(p.object_id == nid for p in header.problems), header.problems
    finally:
        if not rlab.host("node2").docker_ping():
            rlab.start_dockerd("node2")
        wait_for("node2 Ready again", lambda: node_status(rlab)["node2"] == "Ready", 90)


# --- the TUI: a shell from a task row ------------------------------------------------------


def test_tui_x_on_a_task_row_opens_a_shell_on_its_node_and_comes_back(
        rlab: Lab, tmp_path: Path) -> None:
    """The real app in a pty: Tasks pane, `x` on a task of a worker, the shell answers
    through the suspended TUI, and the app is back (its notification) after `exit 5`."""
    import fcntl
    import struct
    import termios

    service(rlab, "a-shell", "--constraint", "node.hostname==node2", "busybox", "sleep", "3600")
    wait_for("a-shell running", lambda: running_on(rlab, "a-shell"), 60)
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update(PYTHONPATH=str(ROOT), TERM="xterm-256color",
                          SWARMTUI_STATE_DIR=str(tmp_path))
        os.execv(sys.executable, [sys.executable, "-m", "swarmtui", "--ssh-config",
                                  str(rlab.ssh_config), "--trust-host-key", "never", "node1"])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
    out = bytearray()

    def until(pattern: bytes, timeout: float = 40) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if re.search(pattern, out):
                return True
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    return False
                if not chunk:
                    return False
                out.extend(chunk)
        return False

    status = None
    try:
        assert until(rb"node3"), "the app did not show the nodes"
        os.write(fd, b"3")
        assert until(rb"a-shell\.1"), "no task row"
        os.write(fd, b"x")
        assert until(rb"a shell in a-shell\.1 on node2"), bytes(out[-2000:])
        assert until(rb"# ")
        os.write(fd, b"echo pty-$((6*7)) $(hostname); exit 5\r")
        assert until(rb"pty-42 [0-9a-f]{12}")
        container = re.search(rb"pty-42 ([0-9a-f]{12})", out)[1].decode()  # type: ignore[index]
        assert until(rb"exit status 5"), "the app did not come back"
        os.write(fd, b"q")
        end = time.monotonic() + 30
        while status is None and time.monotonic() < end:
            until(rb"\Z.", 0.2)  # keep draining the pty
            done, raw = os.waitpid(pid, os.WNOHANG)
            status = os.waitstatus_to_exitcode(raw) if done else None
    finally:
        if status is None:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
    assert status == 0
    assert container in rlab.ssh("node2", "docker ps -q --filter name=a-shell.")
    entry = json.loads((tmp_path / "audit.jsonl").read_text().splitlines()[-1])
    assert (entry["operation"], entry["target"], entry["error"]) == \
        ("exec", "a-shell.1", "exit status 5")
    assert entry["cli"].startswith("ssh node2 docker exec -it ")


# --- the TUI: remove a Ready node from the manager's session --------------------------------


async def test_tui_removes_a_ready_worker_it_leaves_over_ssh_then_node_rm(
        rlab: Lab, lab_app, tmp_path: Path,  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch) -> None:
    """ctrl+d on Ready node3 at 80×24: one confirmation with both lines (`ssh node3 docker
    swarm leave && docker node rm node3`), typed name, progress converged; the oracle: node3
    is gone from `docker node ls` and its own engine is in no swarm. node3 joins again after."""
    from tests.functional.test_ops_helpers import cli_text, confirm_screen, progress_done

    monkeypatch.setenv(audit.ENV_STATE_DIR, str(tmp_path / "state"))
    nid = node_id(rlab, "node3")
    app = lab_app(rlab)
    assert app.store is not None
    app.store.attach_reach(_reach(rlab, recheck=5.0))
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await async_wait_for("the first snapshot", lambda: app.snapshot is not None, 30)
            table = app.screen.table("nodes")  # type: ignore[attr-defined]
            await async_wait_for("the cursor on node3", lambda: table.select_key(nid), 30)
            await pilot.press("ctrl+d")
            confirm = await confirm_screen(app)
            assert cli_text(confirm) == ("ssh node3 docker swarm leave && "
                                         "docker node rm node3"), cli_text(confirm)
            assert not confirm.verdict.blocks, confirm.verdict.blocks
            assert any("leaves the swarm itself" in p for p in confirm.verdict.preview)
            await pilot.press(*"node3", "enter")
            done = await progress_done(app, 120)
            assert done.phase == "converged", done.lines
            steps = done.op.lines  # type: ignore[attr-defined]  # shown while it ran
            assert steps[0] == "→ ssh node3 docker swarm leave", steps
            assert steps[-1] == "→ docker node rm node3", steps
        names = rlab.ssh("node1", "docker node ls --format '{{.Hostname}}'").split()
        assert "node3" not in names, names
        assert rlab.ssh("node3", "docker info --format '{{.Swarm.LocalNodeState}}'") \
            == "inactive"
        [entry] = [e for e in audit.read_journal() if e.get("operation") == "node-leave-rm"]
        assert entry["result"] == "ok" and "docker swarm leave" in entry["cli"], entry
    finally:
        if "node3" not in rlab.ssh("node1", "docker node ls --format '{{.Hostname}}'"):
            token = rlab.ssh("node1", "docker swarm join-token -q worker")
            n1, n3 = rlab.host("node1").address, rlab.host("node3").address
            rlab.ssh("node3", f"docker swarm join --token {token} --advertise-addr {n3} "
                              f"--listen-addr {n3}:2377 {n1}:2377")
        wait_for("node3 Ready again", lambda: node_status(rlab).get("node3") == "Ready", 90)


# --- the TUI: stats columns, prune, dead-task logs ------------------------------------------


def _reach(lab: Lab, **kw: float) -> NodeReach:
    opts = ConnectOptions(trust=fixed_trust("never"), ssh_config=ssh_config_files([lab.ssh_config]))
    return NodeReach(NodePool(opts, manager=parse_endpoint("node1"), connect_timeout=3.0), **kw)


_UNIT = {"B": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


def _cell_bytes(text: str) -> float:
    """'812M' → bytes (a cell's figure has 2-3 significant digits)."""
    m = re.fullmatch(r"([\d.]+)([BKMGT])", text)
    assert m, text
    return float(m[1]) * _UNIT[m[2]]


async def test_tui_stats_columns_agree_with_docker_stats_and_pause(
        rlab: Lab, lab_app) -> None:  # type: ignore[no-untyped-def]
    """The Nodes pane's CPU/MEM/DISK and the Tasks pane's CPU/MEM of a task holding 24 MiB,
    against `free`, `df` and `docker stats --no-stream` on node2. TOLERANCES (as the domain
    test, plus the cell's rounding to 2-3 digits, <= 5 % of the figure): host memory used
    within 5 % of the total, disk free within 1 % of the size, task memory within 5 % or
    2 MiB, task CPU within 10 points."""
    service(rlab, "rs-ui", "--constraint", "node.hostname==node2", "busybox", "sh", "-c",
            "head -c 25165824 /dev/zero > /dev/shm/fill; sleep 3600")
    wait_for("rs-ui running", lambda: running_on(rlab, "rs-ui"), 60)
    cid = wait_for("rs-ui container", lambda: rlab.ssh(
        "node2", "docker ps -q --no-trunc --filter name=rs-ui.").split(), 30)[0]
    await async_wait_for("rs-ui's memory settled", lambda: _docker_stats(rlab, "node2")
                         [cid[:12]][1] > 20 * 1024**2, 30, interval=0.5)
    app = lab_app(rlab)
    assert app.store is not None
    reach = _reach(rlab, stats_interval=1.0)
    app.store.attach_reach(reach)
    nid = node_id(rlab, "node2")
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen
        nodes = main.table("nodes")  # type: ignore[attr-defined]
        await async_wait_for("node2's CPU figure (two samples)", lambda: nid in nodes.rows and
                             nodes.visible_cells(nid)["cpu"].endswith("%"), 60)
        shown = {c.key for _, c, _ in nodes.layout_for(80)}
        assert {"cpu", "mem", "disk"} <= shown  # at 80 columns, lab hostnames
        cells = nodes.visible_cells(nid)
        free = rlab.ssh("node2", "free -b | awk '/^Mem:/ {print $2, $7}'").split()
        df = rlab.ssh("node2", "df -P -B1 /var/lib/docker | tail -n1").split()
        total, available = int(free[0]), int(free[1])
        used_cell, total_cell = cells["mem"].split("/")
        assert abs(_cell_bytes(total_cell) - total) <= 0.05 * total, cells
        used = total - available
        assert abs(_cell_bytes(used_cell) - used) <= 0.05 * total + 0.05 * used, cells
        size, avail = int(df[1]), int(df[3])
        assert abs(_cell_bytes(cells["disk"]) - avail) <= 0.01 * size + 0.05 * avail, cells
        assert 0 <= float(cells["cpu"].rstrip("%")) <= 100
        # the task's own figures in the Tasks pane
        await pilot.press("3")
        tasks = main.table("tasks")  # type: ignore[attr-defined]
        task_id = next(t.id for t in app.snapshot.tasks.values()  # type: ignore[union-attr]
                       if t.container_id == cid)
        await async_wait_for("rs-ui's CPU and MEM", lambda: task_id in tasks.rows and
                             tasks.visible_cells(task_id)["cpu"].endswith("%"), 30)
        row = tasks.visible_cells(task_id)
        cpu_o, mem_o = _docker_stats(rlab, "node2")[cid[:12]]
        mem = _cell_bytes(row["mem"])
        assert abs(mem - mem_o) <= max(0.05 * mem_o, 2 * 1024**2) + 0.05 * mem_o, (row, mem_o)
        assert abs(float(row["cpu"].rstrip("%")) - cpu_o) <= 10, (row, cpu_o)
        # z pauses the sampler (the figures stay), z again resumes it
        assert reach.sampler is not None
        await pilot.press("z")
        await async_wait_for("paused", lambda: reach.stats_paused, 5)
        await async_wait_for("samples in flight to land", lambda: reach.sampler is not None
                             and reach.sampler.in_flight == 0, 20)
        before = reach.stats()
        await asyncio.sleep(2.5)  # over two intervals: a running sampler would replace it
        assert reach.stats() is before
        assert tasks.visible_cells(task_id)["mem"] == row["mem"] or \
            tasks.visible_cells(task_id)["mem"].endswith(("M", "K"))
        await pilot.press("z")
        await async_wait_for("sampling again", lambda: reach.stats() is not before, 10)
    rlab.ssh("node1", "docker service rm rs-ui")


async def test_tui_prune_removes_what_it_previewed_and_nothing_else(
        rlab: Lab, lab_app, tmp_path: Path,  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch) -> None:
    """P on node3's row: the preview names exactly the stopped containers and dangling
    images the node's CLI lists (an unused volume stays: volumes only when asked), the
    confirmation shows the `ssh node3 …` line, and after it only those are gone."""
    monkeypatch.setenv(audit.ENV_STATE_DIR, str(tmp_path / "state"))
    h = "node3"
    rlab.ssh(h, "docker run --name pu-exited busybox sh -c 'echo x > /junk'")
    rlab.ssh(h, "docker create --name pu-created busybox true")
    rlab.ssh(h, "docker run -d --name pu-keep busybox sleep 3600")
    rlab.ssh(h, "docker commit pu-exited >/dev/null && docker volume create pu-vol")
    stopped = set(rlab.ssh(h, "docker ps -aq --no-trunc --filter status=exited "
                              "--filter status=created --filter status=dead").split())
    dangling = set(rlab.ssh(h, "docker images -q --no-trunc --filter dangling=true").split())
    assert {"pu-exited", "pu-created"} <= set(rlab.ssh(
        h, "docker ps -a --format '{{.Names}}' --filter status=exited "
           "--filter status=created").split())
    before_c, before_i = _ids(rlab, h)
    app = lab_app(rlab)
    assert app.store is not None
    app.store.attach_reach(_reach(rlab))
    nid = node_id(rlab, h)
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen
        table = main.table("nodes")  # type: ignore[attr-defined]
        await async_wait_for("node3's row", lambda: nid in table.rows, 30)
        await async_wait_for("the cursor on node3", lambda: table.select_key(nid), 10)
        await pilot.press("P")
        await async_wait_for("the prune preview", lambda: isinstance(app.screen,
                                                                     ConfirmScreen), 60)
        await pilot.pause()
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        said = confirm.describe()
        op = confirm.operation
        assert isinstance(op, PruneNodes)
        planned = {i.id for i in op.plans[0].items}
        assert {i.id for i in op.plans[0].of("container")} == stopped
        assert {i.id for i in op.plans[0].of("image")} == dangling
        assert not op.plans[0].of("volume")  # not asked for
        assert said["cli"].startswith("ssh node3 'docker container rm ")
        preview = "\n".join(said["preview"])
        assert "pu-exited" in preview and "pu-created" in preview and "pu-keep" not in preview
        assert "frees about" in preview and "volumes kept" in preview
        confirm.query_one("#ops-go").press()
        await async_wait_for("the progress view", lambda: isinstance(app.screen,
                                                                     ProgressScreen), 10)
        progress = app.screen
        assert isinstance(progress, ProgressScreen)
        await async_wait_for("the prune to finish", lambda: progress.phase in FINAL, 120)
        assert progress.phase == "converged", progress.lines
    after_c, after_i = _ids(rlab, h)
    # what was there before: exactly the previewed ones are gone (a swarm task may end
    # meanwhile and add a stopped container: not ours to count)
    assert before_c & after_c == before_c - stopped
    assert before_i & after_i == before_i - dangling
    assert not planned & (after_c | after_i)
    assert rlab.ssh(h, "docker ps -q --filter name=pu-keep") != ""
    assert rlab.ssh(h, "docker volume ls -q --filter name=pu-vol") == "pu-vol"
    entry = json.loads((tmp_path / "state" / "audit.jsonl").read_text().splitlines()[-1])
    assert (entry["operation"], entry["result"]) == ("prune", "ok")
    rlab.ssh(h, "docker rm -f pu-keep && docker volume rm pu-vol")


async def test_tui_l_on_a_failed_task_shows_its_container_logs_from_its_node(
        rlab: Lab, lab_app) -> None:  # type: ignore[no-untyped-def]
    """A task whose command printed and exited 5: `l` on its row shows its output, exit
    code and OOMKilled from node3; once the container is removed, ctrl+r says it is gone."""
    from swarmtui.ui.screens.deadlogs import DeadTaskScreen

    service(rlab, "rd-ui", "--restart-condition", "none", "--constraint",
            "node.hostname==node3", "busybox", "sh", "-c",
            "echo last-words-ui; echo err-ui >&2; exit 5")
    app = lab_app(rlab)
    assert app.store is not None
    app.store.attach_reach(_reach(rlab))
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen

        def failed() -> str | None:
            snap = app.snapshot
            return next((t.id for t in snap.tasks.values() if snap.service_name(t) == "rd-ui"
                         and t.state == "failed"), None) if snap else None

        task_id = await async_wait_for("rd-ui's task failed", failed, 60)
        await pilot.press("3")
        tasks = main.table("tasks")  # type: ignore[attr-defined]
        await async_wait_for("the cursor on the failed task",
                             lambda: tasks.select_key(task_id), 20)
        await pilot.press("l")
        await async_wait_for("the ended task's screen",
                             lambda: isinstance(app.screen, DeadTaskScreen), 10)
        screen = app.screen
        assert isinstance(screen, DeadTaskScreen)
        await async_wait_for("its container read", lambda: screen.result is not None
                             or screen.error != "", 30)
        assert screen.result is not None, screen.error
        cid = screen.result.container_id
        assert rlab.ssh("node3", f"docker inspect --format '{{{{.State.ExitCode}}}} "
                                 f"{{{{.State.OOMKilled}}}}' {cid}") == "5 false"
        what = str(screen.query_one("#dead-what").content)
        assert "exited with code 5" in what and "OOMKilled" not in what
        log = "\n".join(screen.query_one("#dead-log").lines)  # type: ignore[attr-defined]
        assert "last-words-ui" in log and "err-ui" in log
        assert f"ssh node3 docker logs --tail 200 {cid[:12]}" in \
            str(screen.query_one("#dead-cli").content)
        rlab.ssh("node3", f"docker rm {cid}")
        await pilot.press("ctrl+r")
        await async_wait_for("gone, said plainly", lambda: screen.result is not None
                             and screen.result.gone, 30)
        assert "is gone from node3" in str(screen.query_one("#dead-what").content)
    rlab.ssh("node1", "docker service rm rd-ui")
