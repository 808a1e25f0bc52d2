"""Explain, do not relay — every cause the lab can produce, on a real swarm over real SSH.

Each test makes the fault with the docker CLI, waits until the CLI shows the engine's
own words (`docker service ps --no-trunc`), then checks the explanation computed from
a snapshot against the facts the CLI gives (node names, labels, memory, exit codes,
the update's message). One lab for the module; services removed between tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import docker
import pytest
from textual.content import Content

from swarmtui.lab import Lab
from swarmtui.swarm import health
from swarmtui.swarm.explain import Explanation, explain_all, rollout
from swarmtui.swarm.explain.scheduling import gib
from swarmtui.swarm.fetch import fetch_snapshot
from swarmtui.swarm.logs import LAST_LINES, task_log_tail
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.ui import summaries
from tests.conftest import SshForward, _lab_or_skip, lab_name
from tests.waiting import wait_for

NEW = "docker service create -d --no-resolve-image --stop-grace-period 1s"


@pytest.fixture(scope="module")
def xlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    _lab_or_skip()
    lab = Lab(lab_name("ex"), root=tmp_path_factory.mktemp("xlabs"))
    lab.up(nodes=3, managers=1)
    try:
        yield lab
    finally:
        lab.down()


@pytest.fixture(scope="module")
def api(xlab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    fwd = SshForward(xlab, "node1", tmp_path_factory.mktemp("xfwd") / "docker.sock")
    client = docker.APIClient(base_url=fwd.base_url, version="auto")
    yield client
    client.close()
    fwd.close()


@pytest.fixture(autouse=True)
def clean(xlab: Lab) -> Iterator[None]:
    yield
    cli(xlab, "docker service rm $(docker service ls -q) 2>/dev/null; true")

    def no_containers() -> bool:  # each host's docker CLI on its own socket: no SSH per probe
        return all(not h.docker("ps", "-q") for h in xlab.hosts)

    wait_for("the services' containers to go", no_containers, 60, interval=0.2)


def cli(lab: Lab, cmd: str, host: str = "node1") -> str:
    return str(lab.ssh(host, cmd)).strip()


def ps(lab: Lab, service: str) -> list[dict[str, str]]:
    """`docker service ps --no-trunc` rows as dicts (the oracle)."""
    out = cli(lab, f"docker service ps --no-trunc --format '{{{{json .}}}}' {service}")
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def wait_ps(lab: Lab, service: str, words: str, timeout: float = 60) -> list[dict[str, str]]:
    return wait_for(f"`docker service ps {service}` to show {words!r}",
                    lambda: [r for r in ps(lab, service) if words in r["Error"]], timeout, 0.5)


def hostnames(lab: Lab) -> list[str]:
    return sorted(cli(lab, "docker node ls --format '{{.Hostname}}'").split())


def explained(api: Any, name: str) -> tuple[Explanation, ClusterSnapshot]:
    snap = fetch_snapshot(api)
    svc = snap.find_service(name)
    assert svc is not None
    found = explain_all(snap, datetime.now(UTC)).get(svc.id)
    assert found is not None, f"no explanation for {name}"
    return found, snap


def first_screen_line(snap: ClusterSnapshot, name: str) -> str:
    lines = [p.text for p in health.problems(snap, datetime.now(UTC))
             if p.text.startswith(f"service {name}:")]
    assert lines, f"no first-screen line for {name}"
    return lines[0]


def test_a_crash_loop_between_two_crashes_still_says_restarting(xlab: Lab, api: Any) -> None:
    """Up 3 s, then exit 5, restarted after 1 s: while its replica is up the service is
    converged for the engine, and the first screen still says it is restarting, naming
    the failure the CLI shows."""
    cli(xlab, f"{NEW} --name xflap --restart-delay 1s busybox sh -c 'sleep 3; exit 5'")
    wait_ps(xlab, "xflap", "non-zero exit (5)")

    def up_between_crashes() -> tuple[ClusterSnapshot, datetime] | None:
        snap, now = fetch_snapshot(api), datetime.now(UTC)
        svc = snap.find_service("xflap")
        return (snap, now) if svc is not None and svc.converged else None

    snap, now = wait_for("xflap's replica up between two crashes", up_between_crashes, 60, 0.3)
    assessed = health.assess(snap, now)
    line = next(p.text for p in assessed.problems if p.text.startswith("service xflap:"))
    assert line.startswith("service xflap: 1/1 running, but restarting — task xflap.1 failed ")
    failed = next(r for r in ps(xlab, "xflap") if "non-zero exit (5)" in r["Error"])
    assert line.endswith(failed["Error"].strip('"')), (line, failed)
    assert assessed.summary.services_converged == assessed.summary.services_total - 1


def test_unmet_constraint_names_the_label_per_node(xlab: Lab, api: Any) -> None:
    cli(xlab, "docker node update --label-add zone=b node2")
    try:
        cli(xlab, f"{NEW} --name xcon --constraint node.labels.zone==a busybox sleep 1d")
        wait_ps(xlab, "xcon", "scheduling constraints not satisfied")
        labels = {h: json.loads(cli(xlab, f"docker node inspect {h} --format "
                                    "'{{json .Spec.Labels}}'")) for h in hostnames(xlab)}
        without = [h for h, lab in labels.items() if "zone" not in lab]
        assert without == ["node1", "node3"] and labels["node2"]["zone"] == "b"
        e, snap = explained(api, "xcon")
        assert e.kind == "constraint"
        assert e.text == ("no node meets node.labels.zone==a (node1, node3: no label zone; "
                          "node2: label zone=b, not a)")
        assert first_screen_line(snap, "xcon") == f"service xcon: 0/1 running — {e.text}"
    finally:
        cli(xlab, "docker node update --label-rm zone node2")


def test_reservation_larger_than_any_node(xlab: Lab, api: Any) -> None:
    memory = {h: int(cli(xlab, f"docker node inspect {h} --format "
                         "'{{.Description.Resources.MemoryBytes}}'")) for h in hostnames(xlab)}
    want = max(memory.values()) + (1 << 30)
    cli(xlab, f"{NEW} --name xres --reserve-memory {want} busybox sleep 1d")
    wait_ps(xlab, "xres", "insufficient resources")
    best = max(sorted(memory), key=lambda h: memory[h])
    e, _ = explained(api, "xres")
    assert e.kind == "resources"
    assert e.text == (f"reserves {gib(want)} of memory; the most free on any node is "
                      f"{gib(memory[best])} ({best})")


def test_missing_image(xlab: Lab, api: Any) -> None:
    cli(xlab, f"{NEW} --name ximg nosuchimage:1 sleep 1d")
    rows = wait_ps(xlab, "ximg", "No such image: nosuchimage:1")
    e, _ = explained(api, "ximg")
    assert e.kind == "image"
    assert e.text.startswith("image nosuchimage:1 is not on ")
    assert e.text.endswith("and no registry gave it (No such image: nosuchimage:1)")
    named = e.text.removeprefix("image nosuchimage:1 is not on ").split(" and no registry")[0]
    assert set(named.split(", ")) >= {r["Node"] for r in rows if r["Node"]}


def test_host_port_already_taken(xlab: Lab, api: Any) -> None:
    cli(xlab, f"{NEW} --name xholder --mode global "
              "--publish mode=host,target=80,published=18181 busybox httpd -f -p 80")
    wait_for("xholder running on every node", lambda: [
        r for r in ps(xlab, "xholder") if r["CurrentState"].startswith("Running")
    ] and len([r for r in ps(xlab, "xholder") if r["CurrentState"].startswith("Running")]) == 3,
        60, 0.5)
    cli(xlab, f"{NEW} --name xport --publish mode=host,target=80,published=18181 "
              "busybox httpd -f -p 80")
    wait_ps(xlab, "xport", "host-mode port already in use")
    e, _ = explained(api, "xport")
    assert e.kind == "port"
    assert e.text == (f"host-mode port 18181/tcp is already taken on "
                      f"{', '.join(hostnames(xlab))} (by xholder)")


def test_max_replicas_per_node(xlab: Lab, api: Any) -> None:
    cli(xlab, f"{NEW} --name xmax --replicas 4 --replicas-max-per-node 1 busybox sleep 1d")
    wait_ps(xlab, "xmax", "max replicas per node limit exceed")
    running = wait_for("3 running", lambda: [
        r for r in ps(xlab, "xmax") if r["CurrentState"].startswith("Running")][2:] and [
        r for r in ps(xlab, "xmax") if r["CurrentState"].startswith("Running")], 60, 0.5)
    assert len({r["Node"] for r in running}) == 3
    e, _ = explained(api, "xmax")
    assert e.kind == "max-per-node"
    assert e.text == "at most 1 per node and only 3 nodes can run it: 4 replicas wanted"


def test_exit_loop_with_restart_policy(xlab: Lab, api: Any) -> None:
    cli(xlab, f"{NEW} --name xexit --restart-condition on-failure --restart-max-attempts 2 "
              "--restart-delay 1s busybox sh -c 'exit 3'")
    # on-failure with 2 restarts: 3 failures, then the slot stays down
    wait_for("3 failed tasks", lambda: len(
        [r for r in ps(xlab, "xexit") if "non-zero exit (3)" in r["Error"]]) == 3, 60, 0.5)
    e, _ = explained(api, "xexit")
    assert e.kind == "exit"
    assert e.text == ("task xexit.1 keeps exiting with code 3: 3 failures, no restarts left: "
                      "the slot stays down (on-failure, max 2, every 1s)")


def test_exit_loop_detail_has_the_last_log_lines(xlab: Lab, api: Any) -> None:
    cli(xlab, f"{NEW} --name xloop --restart-condition any --restart-max-attempts 20 "
              "--restart-delay 2s busybox sh -c "
              "'for i in 1 2 3 4 5 6 7; do echo step $i; done; echo no db >&2; exit 4'")
    wait_for("2 failed tasks", lambda: len(
        [r for r in ps(xlab, "xloop") if "non-zero exit (4)" in r["Error"]]) >= 2, 60, 0.5)

    def exiting() -> tuple[Explanation, ClusterSnapshot] | None:
        # between two runs the task is briefly up: the service looks converged then
        snap = fetch_snapshot(api)
        svc = snap.find_service("xloop")
        found = explain_all(snap, datetime.now(UTC)).get(svc.id) if svc else None
        return (found, snap) if found is not None and found.kind == "exit" else None

    e, snap = wait_for("the exit explanation", exiting, 30, 0.5)
    assert e.task_id in snap.tasks
    assert "keeps exiting with code 4" in e.text and "restarts left (any, max 20" in e.text
    first = first_screen_line(snap, "xloop")
    # the first screen stays one short line: the cause, no log lines
    assert first == f"service xloop: 0/1 running — {e.text}" and "step" not in first
    # the oracle: the CLI's last lines of that task
    want = cli(xlab, f"docker service logs --raw --tail {LAST_LINES} {e.task_id} 2>&1")
    got = task_log_tail(api, e.task_id)
    # (stdout and stderr are two streams: the engine may order their lines either way)
    assert got == want.splitlines() and len(got) == LAST_LINES
    assert all(line == "no db" or line.startswith("step ") for line in got)
    detail = summaries.service_summary(snap, snap.services[e.service_id], datetime.now(UTC),
                                       got)
    plain = Content.from_markup(detail).plain
    assert e.text in plain and "restart policy: any, max 20, every 2s" in plain
    assert f"docker service logs --tail {LAST_LINES} {e.task_id[:12]}" in plain
    assert all(line in plain for line in got)


def test_paused_update_says_why_and_what_changed(xlab: Lab, api: Any) -> None:
    cli(xlab, f"{NEW} --name xupd --update-failure-action pause --update-monitor 2s "
              "busybox sleep 1d")
    wait_for("xupd running", lambda: any(
        r["CurrentState"].startswith("Running") for r in ps(xlab, "xupd")), 60, 0.5)
    cli(xlab, "docker service update -d --no-resolve-image --image nosuchimage:2 xupd")
    wait_for("the update paused", lambda: cli(
        xlab, "docker service inspect xupd --format '{{.UpdateStatus.State}}'") == "paused",
        90, 0.5)
    message = cli(xlab, "docker service inspect xupd --format '{{.UpdateStatus.Message}}'")
    task_id = message.rsplit(" ", 1)[-1]
    row = next(r for r in ps(xlab, "xupd") if r["ID"] == task_id)
    e, _ = explained(api, "xupd")
    assert e.kind == "update"
    error = row["Error"].strip('"')  # the CLI quotes it
    assert e.text == (f"{message.replace(task_id, row['Name'])} — rejected: {error} — "
                      "changed since it last worked: image: busybox:latest → nosuchimage:2")


def test_rolling_update_progress_against_service_ps(xlab: Lab, api: Any) -> None:
    for h in hostnames(xlab):
        cli(xlab, "docker tag busybox:latest busybox:v2", h)
    cli(xlab, f"{NEW} --name xroll --replicas 3 --update-delay 120s busybox:latest sleep 1d")
    wait_for("3 running", lambda: len([r for r in ps(xlab, "xroll")
                                       if r["CurrentState"].startswith("Running")]) == 3, 60, 0.5)
    cli(xlab, "docker service update -d --no-resolve-image --image busybox:v2 xroll")

    def new_running() -> list[dict[str, str]]:
        return [r for r in ps(xlab, "xroll") if r["Image"] == "busybox:v2"
                and r["DesiredState"] == "Running" and r["CurrentState"].startswith("Running")]

    done = wait_for("one task on the new image", new_running, 60, 0.5)
    snap = fetch_snapshot(api)
    svc = snap.find_service("xroll")
    assert svc is not None
    r = rollout(snap, svc)
    assert r is not None and r.state == "updating"
    assert (r.updated, r.total) == (len(done), 3) == (1, 3)
    assert r.text == "updating: 1 of 3 updated"


# ------------------------------------------------------- the lab tells the truth


def _answers(address: str, port: int) -> bool:
    """An HTTP answer (any status) from address:port within 3 s."""
    import http.client

    conn = http.client.HTTPConnection(address, port, timeout=3)
    try:
        conn.request("GET", "/")
        return conn.getresponse().status > 0
    except OSError:
        return False
    finally:
        conn.close()


def test_sample_service_answers_on_each_host_running_a_task(xlab: Lab) -> None:
    xlab.seed_sample()
    wait_for("web 3/3", lambda: cli(xlab, "docker service ls --filter name=web "
                                    "--format '{{.Replicas}}'") == "3/3", 60, 0.5)
    nodes = {r["Node"] for r in ps(xlab, "web")
             if r["DesiredState"] == "Running" and r["CurrentState"].startswith("Running")}
    assert nodes
    for name in sorted(nodes):
        address = xlab.host(name).address  # a lab address: the only kind of target
        assert wait_for(f"http://{address}:8080/ to answer", lambda a=address: _answers(a, 8080),
                        20, 0.5)


def test_kernel_facts_hold_by_effect(xlab: Lab) -> None:
    facts = {f.feature: f for f in xlab.kernel_facts()}
    assert set(facts) == {"ipvs", "vxlan", "netem"}
    # what `lab up` says about the routing mesh is what a published port does here
    cli(xlab, f"{NEW} --name xmesh --publish 18089:80 busybox httpd -f -p 80")
    rows = wait_for("xmesh running", lambda: [
        r for r in ps(xlab, "xmesh") if r["CurrentState"].startswith("Running")], 60, 0.5)
    address = xlab.host(rows[0]["Node"]).address
    if facts["ipvs"].works:
        assert wait_for("the mesh to answer", lambda: _answers(address, 18089), 20, 0.5)
    else:
        assert "no IPVS" in facts["ipvs"].text and "mode=host" in facts["ipvs"].text
        assert not _answers(address, 18089)  # even on the host that runs the task
    # netem: the probe's verdict is what tc does in a lab host's namespace
    import subprocess

    h = xlab.hosts[1]
    proc = subprocess.run(["nsenter", f"--net=/run/netns/{h.netns}", "tc", "qdisc", "add",
                           "dev", "eth0", "root", "netem", "delay", "1ms"],
                          capture_output=True, check=False)
    if proc.returncode == 0:
        subprocess.run(["nsenter", f"--net=/run/netns/{h.netns}", "tc", "qdisc", "del",
                        "dev", "eth0", "root"], check=False)
    assert facts["netem"].works == (proc.returncode == 0)


# ------------------------------------------------------------- certificates


def test_ca_rotation_followed_until_every_node_holds_the_new_ca(
    xlab: Lab, api: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from swarmtui.swarm import certs
    from swarmtui.swarm.ops.ca import RotateCA
    from swarmtui.swarm.ops.runner import run_operation

    def cli_root() -> str:
        return cli(xlab, "docker info --format '{{json .Swarm.Cluster.TLSInfo.TrustRoot}}'")

    before = fetch_snapshot(api)
    st = certs.ca_status(before)
    expiry = cli(xlab, "docker info --format '{{.Swarm.Cluster.TLSInfo.TrustRoot}}' "
                       "| openssl x509 -noout -enddate")  # openssl as the oracle
    assert st.root is not None and st.behind == () and not st.rotation_in_progress
    when = datetime.strptime(expiry.removeprefix("notAfter="), "%b %d %H:%M:%S %Y GMT")
    assert st.root.not_after == when.replace(tzinfo=UTC)
    old = cli_root()
    op = RotateCA()
    out = run_operation(api, op, cluster="lab", endpoint="node1", wait=True, timeout=120,
                        journal_path=tmp_path_factory.mktemp("journal") / "audit.jsonl")
    assert out.status == "ok" and out.converged, (out.message, out.converge_text)
    assert out.converge_text == "every node (3) holds a certificate of the new CA"
    new = cli_root()
    assert new != old  # the CLI agrees: a new root
    for h in hostnames(xlab):  # …and every node's TLSInfo holds it
        assert cli(xlab, f"docker node inspect {h} --format "
                         "'{{json .Description.TLSInfo.TrustRoot}}'") == new
    assert cli(xlab, "docker info --format '{{.Swarm.Cluster.RootRotationInProgress}}'") == "false"


# ------------------------------------------------------------- placement map


def test_placement_map_cells_match_service_ps_per_node(xlab: Lab, api: Any) -> None:
    from swarmtui.swarm.placement_map import placement_map

    cli(xlab, f"{NEW} --name xspread --replicas 5 busybox sleep 1d")
    cli(xlab, f"{NEW} --name xglob --mode global busybox sleep 1d")
    cli(xlab, f"{NEW} --name xnowhere --replicas 2 --constraint node.labels.nowhere==1 "
              "busybox sleep 1d")

    def settled() -> bool:
        rows = ps(xlab, "xspread") + ps(xlab, "xglob")
        return len([r for r in rows if r["CurrentState"].startswith("Running")]) == 8

    wait_for("xspread 5 and xglob 3 running", settled, 60, 0.5)
    snap = fetch_snapshot(api)
    m = placement_map(snap)
    for name in ("xspread", "xglob"):
        svc = snap.find_service(name)
        assert svc is not None
        want: dict[str, int] = {}
        for r in ps(xlab, name):
            if r["DesiredState"] == "Running" and r["CurrentState"].startswith("Running"):
                want[r["Node"]] = want.get(r["Node"], 0) + 1
        got = {snap.nodes[n].name: c.running for (s, n), c in m.cells.items() if s == svc.id}
        assert got == want, name
    nowhere = snap.find_service("xnowhere")
    assert nowhere is not None
    assert m.unplaced.get(nowhere.id) == len(
        [r for r in ps(xlab, "xnowhere") if not r["Node"]]) == 2


# ------------------------------------------------------------------- events


def test_event_lines_from_the_real_stream_and_task_changes(xlab: Lab, api: Any) -> None:
    import threading

    from swarmtui.swarm.eventlog import EventLine, EventLog, from_event, task_changes
    from swarmtui.swarm.events import EventWatcher

    cli(xlab, f"{NEW} --name xev --replicas 1 busybox sleep 1d")
    wait_for("xev running", lambda: any(
        r["CurrentState"].startswith("Running") for r in ps(xlab, "xev")), 60, 0.5)
    before = fetch_snapshot(api)
    seen: list[EventLine] = []
    lock = threading.Lock()

    def on_raw(event: dict[str, Any]) -> None:
        line = from_event(event)
        if line is not None:
            with lock:
                seen.append(line)

    watcher = EventWatcher(api, on_event=lambda kind: None, on_raw=on_raw).start()
    try:
        assert watcher.wait_ready()
        cli(xlab, "docker service scale -d xev=3")

        def scaled() -> list[EventLine]:
            with lock:
                return [e for e in seen if e.name == "xev" and "replicas 1 → 3" in e.change]

        assert wait_for("the scale event", scaled, 30)[0].text == (
            "service xev update: replicas 1 → 3")
    finally:
        watcher.close()
    wait_for("3 running", lambda: len([r for r in ps(xlab, "xev") if r["CurrentState"]
                                       .startswith("Running")]) == 3, 60, 0.5)
    after = fetch_snapshot(api)
    log = EventLog()
    log.add(task_changes(before, after))
    started = {e.name for e in log.lines("xev.") if e.action == "running"}
    running = {r["Name"] for r in ps(xlab, "xev") if r["CurrentState"].startswith("Running")}
    assert started == running - {"xev.1"} and len(started) == 2


def test_lab_up_prints_what_the_kernel_gives(tmp_path_factory: pytest.TempPathFactory) -> None:
    import os
    import subprocess
    import sys

    _lab_or_skip()
    env = {**os.environ, "SWARMTUI_LAB_DIR": str(tmp_path_factory.mktemp("cli-labs"))}
    name = lab_name("kc")
    run = [sys.executable, "-m", "swarmtui", "lab"]
    try:
        up = subprocess.run([*run, "up", "--name", name, "--nodes", "1"], capture_output=True,
                            text=True, timeout=120, env=env)
        assert up.returncode == 0, up.stderr
        lines = up.stdout.splitlines()
        ipvs = next(line for line in lines if "IPVS" in line)
        # the line tells the truth about this machine's kernel
        assert ipvs.startswith("works:") == os.path.exists("/proc/net/ip_vs"), ipvs
        assert any(line.startswith(("works:", "missing:")) and "VXLAN" in line
                   for line in lines)
        assert any("netem" in line for line in lines)
    finally:
        subprocess.run([*run, "down", "--name", name], capture_output=True, timeout=120,
                       env=env)


def test_rolled_back_update_says_so_and_what_it_undid(xlab: Lab, api: Any) -> None:
    cli(xlab, f"{NEW} --name xrb --update-failure-action rollback --update-monitor 2s "
              "--rollback-monitor 1s busybox sleep 1d")
    wait_for("xrb running", lambda: any(
        r["CurrentState"].startswith("Running") for r in ps(xlab, "xrb")), 60, 0.5)
    cli(xlab, "docker service update -d --no-resolve-image --image nosuchimage:3 xrb")
    wait_for("the rollback to complete", lambda: cli(
        xlab, "docker service inspect xrb --format '{{.UpdateStatus.State}}'")
        == "rollback_completed", 120, 0.5)
    message = cli(xlab, "docker service inspect xrb --format '{{.UpdateStatus.Message}}'")
    image = cli(xlab, "docker service inspect xrb --format "
                      "'{{.Spec.TaskTemplate.ContainerSpec.Image}}'")
    e, snap = explained(api, "xrb")
    assert e.kind == "update"
    failed = next(r for r in ps(xlab, "xrb") if r["Image"] == "nosuchimage:3" and r["Error"])
    error = failed["Error"].strip('"')
    assert e.text == (f"update rolled back: {message} — task xrb.1 "
                      f"{failed['CurrentState'].split()[0].lower()}: {error}")
    assert e.details == (f"the failed update changed: image: {image} → nosuchimage:3",)
    p = next(p for p in health.problems(snap, datetime.now(UTC))
             if p.kind == "update" and p.object_id == snap.find_service("xrb").id)  # type: ignore[union-attr]
    assert p.severity == "info"


def test_tour_moves_on_when_the_sample_cannot_move_by_design(xlab: Lab, api: Any) -> None:
    """The sample publishes mode=host: draining a node leaves its replica Pending for good
    (the port is taken on the others). The tour's move step says why and ends."""
    from swarmtui.ui.tour import Tour

    xlab.seed_sample()
    wait_for("web 3/3", lambda: cli(xlab, "docker service ls --filter name=web "
                                    "--format '{{.Replicas}}'") == "3/3", 60, 0.5)
    tour = Tour(index=2)  # "drain"
    assert not tour.update(fetch_snapshot(api), "nodes")
    cli(xlab, "docker node update --availability drain node2")
    try:
        # once node2's task has stopped, the CLI says 2/3 and the replacement stays Pending
        wait_for("web 2/3", lambda: cli(xlab, "docker service ls --filter name=web "
                                        "--format '{{.Replicas}}'") == "2/3", 60, 0.5)
        wait_ps(xlab, "web", "host-mode port already in use")
        snap = fetch_snapshot(api)
        assert tour.update(snap, "nodes")  # drained → "move"
        step = tour.current
        assert step is not None and step.id == "move"
        cause = "host-mode port 8080/tcp is already taken on node1, node3 (by web)"
        assert step.check(snap, tour.ctx, "tasks") == (
            True, f"node2 runs no task; the rest cannot move — web: {cause}")
        e, _ = explained(api, "web")
        assert e.text == cause
    finally:
        cli(xlab, "docker node update --availability active node2")
