"""Explain, do not relay: causes computed from snapshots (swarmtui.swarm.explain).

`fixtures/explain_lab.json` is a recording of a lab's real API dicts (one service
per cause the lab can produce); the small API-shaped dicts cover what the lab
cannot (labels that differ, platforms, missing secrets, restarts left).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from swarmtui.swarm import health
from swarmtui.swarm.explain import explain_all, rollout
from swarmtui.swarm.explain.constraints import Constraint, ConstraintError
from swarmtui.swarm.models import Node
from swarmtui.swarm.state import ClusterSnapshot
from tests.unit.test_swarm_fixtures import node, service, snap, task

NOW = datetime(2026, 11, 22, 3, 10, tzinfo=UTC)
GiB = 1 << 30
FIXTURE = Path(__file__).parent / "fixtures" / "explain_lab.json"


def recorded() -> tuple[ClusterSnapshot, datetime]:
    d: dict[str, Any] = json.loads(FIXTURE.read_text())
    at = datetime.fromtimestamp(d["captured_at"], UTC)
    kinds = ("nodes", "services", "tasks", "networks", "secrets", "configs", "info", "swarm")
    return ClusterSnapshot.from_api(**{k: d[k] for k in kinds}, taken_at=at), at


def causes_by_name(s: ClusterSnapshot, now: datetime = NOW) -> dict[str, Any]:
    return {s.services[sid].name: e for sid, e in explain_all(s, now).items()}


def test_recorded_lab_every_cause_in_words() -> None:
    s, at = recorded()
    c = causes_by_name(s, at)
    assert c["xcon"].kind == "constraint"
    assert c["xcon"].text == (
        "no node meets node.labels.nowhere==1 (node1, node2, node3: no label nowhere)")
    assert c["xcon"].details == tuple(
        f"node{i}: node.labels.nowhere==1: no label nowhere" for i in (1, 2, 3))
    assert c["xres"].text == ("reserves 100 GiB of memory; the most free on any node is "
                              "23.6 GiB (node1)")
    assert c["xcpu"].text == "reserves 64 CPUs; the most free on any node is 2 (node1)"
    assert c["ximg"].kind == "image" and c["ximg"].text.startswith(
        "image nosuchimage:1 is not on node1, node2, node3 and no registry gave it")
    assert c["xport1"].text == (
        "host-mode port 18181/tcp is already taken on node1, node2, node3 (by xport2)")
    assert c["xmax"].text == (
        "at most 1 per node and only 3 nodes can run it: 4 replicas wanted")
    assert c["xexit"].text == (
        "task xexit.1 keeps exiting with code 3: 4 failures, no restarts left: the slot stays "
        "down (on-failure, max 3, every 1s)")
    assert c["xupd"].kind == "update"
    assert c["xupd"].text == (
        "update paused due to failure or early termination of task xupd.1 — rejected: No such "
        "image: nosuchimage:2 — changed since it last worked: image: busybox:latest → "
        "nosuchimage:2")
    assert "xport2" not in c  # converged
    r = rollout(s, s.find_service("xupd"))  # type: ignore[arg-type]
    assert r is not None and r.paused and (r.updated, r.total) == (0, 1)


def test_a_paused_update_names_its_task_as_service_ps_does_not_by_id() -> None:
    """The engine's UpdateStatus.Message names the task by ID: said as xupd.1 (issue 16)."""
    from swarmtui.swarm.ops.services import UpdateServiceImage

    s, _ = recorded()
    svc = s.find_service("xupd")
    assert svc is not None
    task_id = svc.update_message.rsplit(" ", 1)[-1]
    assert task_id in s.tasks
    r = rollout(s, svc)
    assert r is not None
    assert r.text == ("update paused at 0 of 1 updated: update paused due to failure or "
                      "early termination of task xupd.1")
    p = UpdateServiceImage(svc, "nosuchimage:2").progress(s)
    assert p.done and p.failed
    assert p.text == ("xupd: update paused at 0 of 1 updated: update paused due to failure or "
                      "early termination of task xupd.1 — rejected: No such image: "
                      "nosuchimage:2 — R rolls back to the previous spec")
    assert task_id not in p.text
    # a task the history limit dropped since: by its short ID, said as gone
    gone = ClusterSnapshot.from_api(
        services=[svc.raw], info=s.info,
        tasks=[t.as_api() for t in s.tasks.values() if t.id != task_id])
    r = rollout(gone, gone.services[svc.id])
    assert r is not None and r.text.endswith(
        f"early termination of task {task_id[:12]} (gone from the task history)"), r.text


def test_a_paused_update_waits_for_its_failed_task_before_it_says_the_end() -> None:
    """The service turns paused a moment before the task list shows the task that failed:
    the progress waits for the task's error, and ends without it only after a deadline."""
    from swarmtui.swarm.ops.services import UpdateServiceImage

    s, _ = recorded()
    svc = s.find_service("xupd")
    assert svc is not None
    early = ClusterSnapshot.from_api(services=[svc.raw], info=s.info, tasks=[
        t.as_api() for t in s.tasks.values() if t.service_id != svc.id])
    op = UpdateServiceImage(svc, "nosuchimage:2")
    p = op.progress(early)
    assert not p.done and p.text.endswith("— reading the failed task"), p.text
    assert op.progress(s).done  # the task's error arrived: the end, with its cause
    late = UpdateServiceImage(svc, "nosuchimage:2")
    late.CAUSE_WAIT_S = 0.0  # the deadline passed: the end, without a cause
    p = late.progress(early)
    assert p.done and p.failed and p.text.endswith("R rolls back to the previous spec"), p.text


def test_first_screen_lines_carry_the_cause() -> None:
    s, at = recorded()
    texts = {p.text for p in health.problems(s, at)}
    assert ("service xcon: 0/1 running — no node meets node.labels.nowhere==1 (node1, node2, "
            "node3: no label nowhere)") in texts
    detail = next(p for p in health.problems(s, at) if p.text.startswith("service xres:"))
    assert detail.details and detail.details[0] == "node1: has only 23.6 GiB memory free"
    assert any(t.startswith("service xupd: update paused due to failure") for t in texts)


def three_nodes(**labels: dict[str, str]) -> list[dict[str, Any]]:
    out = [node("n1", "node1", role="manager", leader=True, labels=labels.get("node1")),
           node("n2", "node2", labels=labels.get("node2")),
           node("n3", "node3", labels=labels.get("node3"))]
    for d in out:
        d["Description"]["Resources"] = {"NanoCPUs": 2 * 10**9, "MemoryBytes": 4 * GiB}
    return out


def pending(tid: str, sid: str, err: str = "no suitable node (scheduling constraints not "
            "satisfied on 3 nodes)") -> dict[str, Any]:
    return task(tid, sid, node_id=None, state="pending", err=err)


def test_each_node_says_why_it_fails_a_constraint() -> None:
    s = snap(nodes=three_nodes(node1={"zone": "b"}, node2={"zone": "c"}),
             services=[service("s1", "web", running=0,
                               constraints=["node.labels.zone==a", "node.role != manager"])],
             tasks=[pending("t1", "s1")])
    e = causes_by_name(s)["web"]
    assert e.kind == "constraint"
    assert e.text == (
        "no node meets all of node.labels.zone==a (node1: label zone=b, not a; node2: label "
        "zone=c, not a; node3: no label zone), node.role!=manager (node1: role manager)")
    assert e.details[0] == ("node1: node.labels.zone==a: label zone=b, not a; "
                            "node.role!=manager: role manager")


def test_spread_preference_is_noted_never_blamed() -> None:
    svc = service("s1", "web", running=0, constraints=["node.labels.nowhere==1"])
    svc["Spec"]["TaskTemplate"]["Placement"]["Preferences"] = [
        {"Spread": {"SpreadDescriptor": "node.labels.zone"}}]
    s = snap(nodes=three_nodes(node1={"zone": "a"}, node2={"zone": "b"}),
             services=[svc], tasks=[pending("t1", "s1")])
    e = causes_by_name(s)["web"]
    assert e.kind == "constraint"
    assert e.details[-1] == ("spread over node.labels.zone (never blocks a task): "
                             "(no such label): node3; a: node1; b: node2")


@pytest.mark.parametrize(("constraint", "why"), [
    ("node.hostname==db1", "hostname node2, not db1"),
    ("node.platform.os==windows", "os linux, not windows"),
    ("node.platform.arch==aarch64", "architecture x86_64, not aarch64"),
    ("engine.labels.ssd==true", "no engine label ssd"),
    ("node.id==zzz", "another node"),
])
def test_constraint_reasons(constraint: str, why: str) -> None:
    n = Node.from_api(node("n2", "node2"))
    assert Constraint.parse(constraint).why_not(n) == why


def test_constraint_matching_is_swarmkits() -> None:
    n = Node.from_api(node("n2", "Node2", labels={"Zone": "A"}))
    assert Constraint.parse("node.hostname==node2").matches(n)  # values: case-insensitive
    assert Constraint.parse("NODE.ROLE==Worker").matches(n)  # fixed keys too
    assert Constraint.parse("node.labels.Zone==a").matches(n)
    assert not Constraint.parse("node.labels.zone==a").matches(n)  # label names are not
    assert Constraint.parse("node.labels.zone!=a").matches(n)  # missing label = ""
    for bad in ("node.labels.zone", "node.colour==red", "node.role==", "==x"):
        with pytest.raises(ConstraintError):
            Constraint.parse(bad)


@given(st.text(max_size=40))
def test_constraint_parser_only_raises_its_own_error(text: str) -> None:
    n = Node.from_api(node("n1", "node1"))
    try:
        c = Constraint.parse(text)
    except ConstraintError:
        return
    assert isinstance(c.matches(n), bool)


def test_reservation_counts_what_tasks_already_hold() -> None:
    svc = service("s1", "big", running=0)
    svc["Spec"]["TaskTemplate"]["Resources"] = {"Reservations": {"MemoryBytes": 3 * GiB}}
    hog = service("s2", "hog", replicas=3)
    hog["Spec"]["TaskTemplate"]["Resources"] = {"Reservations": {"MemoryBytes": 2 * GiB}}
    hogs = []
    for i, nid in enumerate(("n1", "n2", "n3"), 1):
        t = task(f"h{i}", "s2", slot=i, node_id=nid)
        t["Spec"]["Resources"] = {"Reservations": {"MemoryBytes": 2 * GiB}}
        hogs.append(t)
    hogs[2]["Spec"]["Resources"]["Reservations"]["MemoryBytes"] = int(2.5 * GiB)
    s = snap(nodes=three_nodes(), services=[svc, hog], tasks=[pending("t1", "s1"), *hogs])
    e = causes_by_name(s)["big"]
    assert e.kind == "resources"
    assert e.text == "reserves 3 GiB of memory; the most free on any node is 2 GiB (node1)"
    assert e.details[2] == "node3: has only 1.5 GiB memory free"


def test_platform_of_the_image() -> None:
    svc = service("s1", "arm", running=0)
    svc["Spec"]["TaskTemplate"]["Placement"] = {
        "Platforms": [{"OS": "linux", "Architecture": "arm64"}]}
    s = snap(nodes=three_nodes(), services=[svc], tasks=[pending("t1", "s1")])
    e = causes_by_name(s)["arm"]
    assert e.kind == "platform"
    assert e.text == "no node matches: linux/x86_64, the image is for linux/arm64"


def test_no_node_ready_and_active() -> None:
    nodes = three_nodes()
    nodes[0]["Spec"]["Availability"] = "drain"
    nodes[1]["Status"]["State"] = "down"
    nodes[2]["Spec"]["Availability"] = "pause"
    s = snap(nodes=nodes, services=[service("s1", "web", running=0)],
             tasks=[pending("t1", "s1", "no suitable node")])
    e = causes_by_name(s)["web"]
    assert e.kind == "no-node"
    assert e.text == ("no node is Ready and Active (node1 is drained, node2 is Down, "
                      "node3 is paused)")


def test_a_node_could_take_it_then_the_engine_words() -> None:
    s = snap(nodes=three_nodes(), services=[service("s1", "web", running=0)],
             tasks=[pending("t1", "s1", "no suitable node (1 node not available)")])
    e = causes_by_name(s)["web"]
    assert (e.kind, e.text) == ("pending", "task web.1 pending: no suitable node (1 node not "
                                "available)")


def test_missing_secret() -> None:
    svc = service("s1", "db", running=0)
    svc["Spec"]["TaskTemplate"]["ContainerSpec"]["Secrets"] = [
        {"SecretID": "gone", "SecretName": "db_pass", "File": {"Name": "db_pass"}}]
    s = snap(nodes=three_nodes(), services=[svc], tasks=[pending("t1", "s1", "")])
    assert causes_by_name(s)["db"].text == "needs secret db_pass, which no longer exists"


def test_restarts_left_and_unlimited() -> None:
    svc = service("s1", "flaky", running=0)
    svc["Spec"]["TaskTemplate"]["RestartPolicy"] = {"Condition": "on-failure",
                                                    "MaxAttempts": 5, "Delay": 2 * 10**9}
    tasks = [task(f"f{i}", "s1", state="failed", desired="shutdown", exit_code=1,
                  err="task: non-zero exit (1)", created=f"2026-11-22T03:0{i}:00Z")
             for i in range(2)]
    tasks.append(task("r", "s1", state="ready", desired="ready", created="2026-11-22T03:05:00Z"))
    s = snap(nodes=three_nodes(), services=[svc], tasks=tasks)
    assert causes_by_name(s)["flaky"].text == (
        "task flaky.1 keeps exiting with code 1: 2 failures, 4 restarts left "
        "(on-failure, max 5, every 2s)")


def test_rollout_progress_counts_tasks_of_the_new_spec() -> None:
    svc = service("s1", "web", replicas=3, update={"State": "updating",
                                                   "Message": "update in progress"})
    svc["Spec"]["TaskTemplate"]["ContainerSpec"]["Image"] = "busybox:2"
    svc["Spec"]["TaskTemplate"]["Runtime"] = "container"
    tasks = []
    for i in (1, 2, 3):
        t = task(f"t{i}", "s1", slot=i)
        t["Spec"] = {"ContainerSpec": {"Image": "busybox:2" if i == 1 else "busybox:1"}}
        tasks.append(t)
    s = snap(nodes=three_nodes(), services=[svc], tasks=tasks)
    r = rollout(s, s.services["s1"])
    assert r is not None and r.active and not r.rolling_back
    assert (r.updated, r.total, r.text) == (1, 3, "updating: 1 of 3 updated")
    assert r.short == "updating 1/3"


def test_rolled_back_is_info_and_converged_services_are_quiet() -> None:
    svc = service("s1", "web", replicas=1, update={
        "State": "rollback_completed", "Message": "rollback completed"})
    svc["PreviousSpec"] = json.loads(json.dumps(svc["Spec"]))
    svc["PreviousSpec"]["TaskTemplate"]["ContainerSpec"]["Image"] = "broken:1"
    s = snap(nodes=three_nodes(), services=[svc, service("s2", "fine")],
             tasks=[task("t1", "s1"), task("t2", "s2")])
    c = causes_by_name(s)
    assert set(c) == {"web"}
    assert c["web"].text == "update rolled back: rollback completed"
    assert c["web"].details == ("changed: image: broken:1 → busybox:latest",)
    p = next(p for p in health.problems(s, NOW) if p.kind == "update")
    assert p.severity == "info"


def test_starting_tasks_say_where_and_how_long() -> None:
    t = task("t1", "s1", node_id="n2", state="preparing")
    s = snap(nodes=three_nodes(), services=[service("s1", "web", running=0)], tasks=[t])
    e = causes_by_name(s, NOW + timedelta(seconds=0))["web"]
    assert e.kind == "starting" and e.text.startswith(
        "1 task not running yet — web.1 preparing on node2 for")


def test_after_a_rollback_the_undone_update_comes_from_the_task_history() -> None:
    svc = service("s1", "web", replicas=1, update={
        "State": "rollback_completed", "Message": "rollback completed"})  # no PreviousSpec
    good = task("t2", "s1", created="2026-11-22T03:05:00Z")
    good["Spec"] = {"ContainerSpec": {"Image": "busybox:latest"}}
    bad = task("t1", "s1", state="rejected", desired="shutdown", err="No such image: broken:1",
               created="2026-11-22T03:04:00Z")
    bad["Spec"] = {"ContainerSpec": {"Image": "broken:1"}}
    s = snap(nodes=three_nodes(), services=[svc], tasks=[good, bad])
    e = causes_by_name(s)["web"]
    assert e.text == ("update rolled back: rollback completed — task web.1 rejected: "
                      "No such image: broken:1")
    assert e.details == ("the failed update changed: image: busybox:latest → broken:1",)


def test_explained_once_per_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    import swarmtui.swarm.explain as explain

    calls: list[str] = []
    real = explain.explain_service

    def counting(snap: ClusterSnapshot, svc: Any, now: datetime) -> Any:
        calls.append(svc.name)
        return real(snap, svc, now)

    monkeypatch.setattr(explain, "explain_service", counting)
    s, at = recorded()
    health.problems(s, at)
    health.problems(s, at + timedelta(seconds=2))
    health.of(s).ids  # noqa: B018  (the store's one assessment reads them once more)
    assert sorted(calls) == sorted(set(calls)) and "xcon" in calls
