"""Models, snapshot lookups, format helpers and health maths — on crafted API dicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from swarmtui.swarm import format as fmt
from swarmtui.swarm import health
from swarmtui.swarm.models import Network, Node, Service
from swarmtui.swarm.task_model import Task
from tests.unit.test_swarm_fixtures import cluster, node, service, snap, task


def test_parse_ts_nanoseconds_and_zero() -> None:
    ts = fmt.parse_ts("2026-11-22T03:02:31.236754518Z")
    assert ts == datetime(2026, 11, 22, 3, 2, 31, 236754, tzinfo=UTC)
    assert fmt.parse_ts("0001-01-01T00:00:00Z") is None
    assert fmt.parse_ts("") is None
    assert fmt.parse_ts("garbage") is None
    assert fmt.parse_ts("2026-11-22T03:02:31+02:00") == datetime(2026, 11, 22, 1, 2, 31, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.4, "Less than a second"),
        (1, "1 second"),
        (5, "5 seconds"),
        (59, "59 seconds"),
        (60, "About a minute"),
        (119, "About a minute"),
        (120, "2 minutes"),
        (3599, "59 minutes"),
        (3600, "About an hour"),
        (5400, "2 hours"),
        (47 * 3600, "47 hours"),
        (48 * 3600, "2 days"),
        (15 * 86400, "2 weeks"),
        (90 * 86400, "3 months"),
        (800 * 86400, "2 years"),
    ],
)
def test_human_duration_like_go_units(seconds: float, text: str) -> None:
    assert fmt.human_duration(timedelta(seconds=seconds)) == text


def test_current_state_and_ago() -> None:
    now = datetime(2026, 1, 1, 0, 0, 10, tzinfo=UTC)
    assert fmt.current_state("running", now - timedelta(seconds=5), now) == "Running 5 seconds ago"
    assert fmt.current_state("running", now, now) == "Running less than a second ago"
    assert fmt.ago(None) == ""
    assert fmt.short_age(now - timedelta(minutes=2, seconds=3), now) == "2 min"


def test_replicas_and_ports_text() -> None:
    assert fmt.replicas_text("replicated", 2, 3) == "2/3"
    assert fmt.replicas_text("replicated", 1, 1, max_per_node=1) == "1/1 (max 1 per node)"
    assert (
        fmt.replicas_text("replicated-job", 1, 2, completed=3, total_completions=5)
        == "1/2 (3/5 completed)"
    )
    assert fmt.replicas_text("global-job", 0, 1, completed=2) == "0/1 (2/3 completed)"
    ports = [
        (80, 8080, "tcp", "ingress"),
        (81, 8081, "tcp", "ingress"),
        (53, 53, "udp", "ingress"),
        (90, 9090, "tcp", "host"),
    ]
    assert fmt.ports_text(ports) == "*:8080-8081->80-81/tcp, *:53->53/udp"
    assert fmt.ports_text([(80, 8080, "tcp", "ingress")]) == "*:8080->80/tcp"
    assert fmt.ports_text([]) == ""


def test_the_services_pane_shows_host_mode_ports_the_cli_leaves_out() -> None:
    from swarmtui.swarm.models import Port, Service

    def svc(*ports: Port) -> Service:
        return Service.from_api({"ID": "s1", "Spec": {"Name": "web"},
                                 "Endpoint": {"Ports": [
                                     {"TargetPort": p.target, "PublishedPort": p.published,
                                      "Protocol": p.protocol, "PublishMode": p.mode}
                                     for p in ports]}})

    host = Port(80, 8080, "tcp", "host")
    assert svc(host).ports_text == ""  # as docker service ls
    assert svc(host).ports_cell == "8080:80/tcp (host)"
    both = svc(Port(443, 8443, "tcp", "ingress"), host)
    assert both.ports_cell == "*:8443->443/tcp, 8080:80/tcp (host)"


def test_task_name_and_digest() -> None:
    assert fmt.task_name("web", 2, "n1") == "web.2"
    assert fmt.task_name("glob", None, "abc") == "glob.abc"
    assert fmt.strip_digest("busybox:latest@sha256:abc") == "busybox:latest"


def test_node_from_api() -> None:
    d = node("m1", "node1", role="manager", leader=True, labels={"zone": "a"}, addr="0.0.0.0")
    d["ManagerStatus"]["Addr"] = "10.1.2.3:2377"
    n = Node.from_api(d)
    assert (n.status_text, n.availability_text, n.manager_status_text) == (
        "Ready",
        "Active",
        "Leader",
    )
    assert n.address == "10.1.2.3"
    assert n.is_manager and n.is_leader and n.is_reachable_manager
    assert n.labels == {"zone": "a"} and n.version == 10 and n.platform_text == "linux/x86_64"
    w = Node.from_api(node("w1", "node2", state="down", availability="drain"))
    assert (w.status_text, w.availability_text, w.manager_status_text) == ("Down", "Drain", "")
    assert not w.is_manager and w.reachability is None


def test_service_from_api() -> None:
    s = Service.from_api(
        service(
            "s1",
            "web",
            replicas=3,
            running=2,
            labels={"com.docker.stack.namespace": "shop"},
            ports=[
                {
                    "Protocol": "tcp",
                    "TargetPort": 80,
                    "PublishedPort": 8080,
                    "PublishMode": "ingress",
                }
            ],
            update={"State": "paused", "Message": "update paused due to failure"},
            image="busybox:latest@sha256:0123",
            constraints=["node.role==worker"],
        )
    )
    assert (s.mode, s.replicas_text, s.image, s.ports_text) == (
        "replicated",
        "2/3",
        "busybox:latest",
        "*:8080->80/tcp",
    )
    assert s.stack == "shop" and s.update_text == "paused" and not s.converged
    assert s.constraints == ("node.role==worker",)
    g = Service.from_api(service("s2", "glob", glob=True, replicas=3))
    assert g.mode == "global" and g.spec_replicas is None and g.converged
    assert (
        Service.from_api({"ID": "j", "Spec": {"Mode": {"ReplicatedJob": {}}}}).mode_text
        == "replicated job"
    )


def test_task_and_network_from_api() -> None:
    t = Task.from_api(
        task(
            "t1",
            "s1",
            state="failed",
            desired="shutdown",
            err="task: non-zero exit (3)",
            exit_code=3,
        )
    )
    assert t.exit_code == 3 and t.error.startswith("task:") and t.image == "busybox:latest"
    assert t.desired_text == "Shutdown" and t.container_id == "ct1"
    net = Network.from_api(
        {
            "Name": "ov1",
            "Id": "x1",
            "Scope": "swarm",
            "Driver": "overlay",
            "Attachable": True,
            "IPAM": {"Config": [{"Subnet": "10.0.1.0/24"}]},
            "Options": {"encrypted": ""},
            "Labels": None,
        }
    )
    assert net.encrypted and net.attachable and net.subnets == ("10.0.1.0/24",) and net.labels == {}


def test_snapshot_lookups_and_no_join_tokens() -> None:
    s = snap(
        nodes=[node("n1", "node1", role="manager", leader=True), node("n2", "node2")],
        services=[
            service("s1", "web", replicas=2, labels={"com.docker.stack.namespace": "shop"}),
            service("s2", "glob", glob=True, replicas=2),
        ],
        tasks=[
            task("t1", "s1", slot=1, node_id="n1"),
            task("t2", "s1", slot=2, node_id="n2"),
            task(
                "t0",
                "s1",
                slot=2,
                node_id="n1",
                state="shutdown",
                desired="shutdown",
                created="2026-11-22T03:00:00Z",
            ),
            task("g1", "s2", slot=None, node_id="n2"),
        ],
    )
    assert "JoinTokens" not in s.swarm and "SWMTKN" not in repr(s.swarm)
    assert s.running_count("n2") == 2 and s.running_count("n1") == 1
    assert [s.task_name(t) for t in s.tasks_of_service("s1")][0] in ("web.1", "web.2")
    assert s.task_name(s.tasks["g1"]) == "glob.n2"
    assert s.node_hostname("n2") == "node2" and s.node_hostname(None) == ""
    assert s.service_name(s.tasks["t1"]) == "web"
    assert list(s.stacks) == ["shop"] and s.stacks["shop"][0].name == "web"
    assert s.is_current(s.tasks["t2"]) and not s.is_current(s.tasks["t0"])
    assert {t.id for t in s.current_tasks("s1")} == {"t1", "t2"}
    assert s.find_node("node2") is s.nodes["n2"] and s.find_service("web") is s.services["s1"]
    assert s.in_swarm and s.is_manager and s.local_node_id == "n1"


@pytest.mark.parametrize(
    ("n", "tol", "maj"),
    [
        (0, 0, 0),
        (1, 0, 1),
        (2, 0, 2),
        (3, 1, 2),
        (4, 1, 3),
        (5, 2, 3),
        (6, 2, 4),
        (7, 3, 4),
        (9, 4, 5),
    ],
)
def test_quorum_maths(n: int, tol: int, maj: int) -> None:
    assert health.fault_tolerance(n) == tol
    assert health.majority(n) == maj


def test_summary_and_problems_wording() -> None:
    nodes = cluster(3, unreachable=1, workers=2, down=1)
    s = snap(
        nodes=nodes,
        services=[
            service("s1", "api", replicas=3, running=1),
            service("s2", "pend", replicas=1, running=0),
            service("s3", "ok", replicas=1),
        ],
        tasks=[
            task("a1", "s1", slot=1, node_id="m1"),
            task(
                "a2",
                "s1",
                slot=2,
                node_id="m1",
                state="failed",
                desired="shutdown",
                err="task: non-zero exit (3)",
                exit_code=3,
            ),
            task(
                "a2b",
                "s1",
                slot=2,
                node_id="m1",
                state="ready",
                desired="ready",
                created="2026-11-22T03:05:00Z",
            ),
            task(
                "p1",
                "s2",
                slot=1,
                node_id=None,
                state="pending",
                err="no suitable node (scheduling constraints not satisfied on 3 nodes)",
            ),
            task("o1", "s3", slot=1, node_id="m1"),
            task(
                "o0",
                "s3",
                slot=1,
                node_id="m1",
                state="failed",
                desired="shutdown",
                err="old",
                created="2026-11-22T02:00:00Z",
            ),
        ],
    )
    sm = health.summarize(s)
    assert (sm.leader, sm.managers_reachable, sm.managers_total, sm.tolerance) == ("mgr1", 2, 3, 1)
    assert (sm.nodes_ready, sm.nodes_total, sm.services_converged, sm.services_total) == (
        3,
        5,
        1,
        3,
    )
    assert (
        sm.failing_tasks == 2 and sm.quorum
    )  # a2 (crash-looping slot), p1 (pending with error); not o0
    texts = [p.text for p in health.problems(s)]
    assert any(
        t.startswith("manager mgr3 is Unreachable (node Down since")
        and t.endswith("1 more manager loss and the swarm loses quorum")
        for t in texts
    ), texts
    # explained, not relayed: the crash loop with its exit code and restart policy
    assert (
        "service api: 1/3 running — task api.2 keeps exiting with code 3: 1 failure, "
        "restarting every 5s, no limit"
    ) in texts
    assert (
        "service pend: 0/1 running — task pend.1 pending: no suitable node "
        "(scheduling constraints not satisfied on 3 nodes)"
    ) in texts
    assert any(t.startswith("wrk2 is Down since") for t in texts)
    sev = [p.severity for p in health.problems(s)]
    assert sev == sorted(sev, key=health.SEVERITIES.index)


def test_even_managers_and_lost_quorum() -> None:
    texts = [p.text for p in health.problems(snap(nodes=cluster(2)))]
    assert "even number of managers (2): tolerates 0 failures, add or remove one" in texts
    lost = health.problems(snap(nodes=cluster(3, unreachable=2)))
    assert lost[0].kind == "quorum" and "lost quorum" in lost[0].text
    assert not health.summarize(snap(nodes=cluster(3, unreachable=2))).quorum


def test_count_says_its_noun_in_the_singular_and_the_plural() -> None:
    assert fmt.count(1, "host") == "1 host"
    assert fmt.count(0, "host") == "0 hosts"
    assert fmt.count(3, "host") == "3 hosts"
    assert fmt.count(2, "build cache entry", "build cache entries") == "2 build cache entries"
    assert fmt.plural(1, "stays", "stay") == "stays" and fmt.plural(2, "stays", "stay") == "stay"


def test_no_text_shown_to_a_user_says_s_in_brackets() -> None:
    """"2 field(s)", "3 host(s) probed": every count says its noun (fmt.count); comments
    and docstrings may still speak of "the node(s)"."""
    import ast
    import pathlib
    import re

    import swarmtui

    found = []
    for path in pathlib.Path(swarmtui.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text())
        docs = {id(n.body[0].value) for n in ast.walk(tree)
                if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef
                              | ast.AsyncFunctionDef)
                and n.body and isinstance(n.body[0], ast.Expr)}
        for n in ast.walk(tree):
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs \
                    and re.search(r"[a-z]\(s\)", n.value):
                found.append(f"{path.name}:{n.lineno}: {n.value!r}")
    assert not found, found


def test_compact_state_keeps_the_state_and_a_short_age() -> None:
    assert fmt.compact_state("Running 22 seconds ago") == "Running 22s"
    assert fmt.compact_state("Running less than a second ago") == "Running <1s"
    assert fmt.compact_state("Failed about an hour ago") == "Failed 1h"
    assert fmt.compact_state("Shutdown 3 weeks ago") == "Shutdown 3w"
    assert fmt.compact_state("Preparing") == "Preparing"
    widest = fmt.compact_state(f"Allocated {fmt.ago(now_minus(days=330))}")
    assert len(widest) <= fmt.COMPACT_STATE_WIDTH, widest


def now_minus(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


def test_a_column_with_a_short_form_takes_it_before_others_are_cut() -> None:
    """The Tasks pane's CURRENT STATE ("Running 22 seconds ago") beside the side panels,
    and beside an ERROR that is cut at 80 columns: it takes its short form first."""
    from swarmtui.ui.widgets.table_model import Column, fit_columns

    name = Column("name", "NAME", 0, 8, 40)
    state = Column("current", "CURRENT STATE", 0, 24, 34, short=fmt.compact_state,
                   short_width=fmt.COMPACT_STATE_WIDTH)
    error = Column("error", "ERROR", 2, 10, 200, grow=True)
    natural = {"name": 20, "current": 25, "error": 60}
    # too narrow for both: the state gives way to its short width, the name is whole
    widths = {c.key: w for _i, c, w in fit_columns([name, state], natural, 40)}
    assert widths == {"name": 20, "current": 40 - 20 - 2 - 1}
    # an ERROR cut: the state's room goes to it
    widths = {c.key: w for _i, c, w in fit_columns([name, state, error], natural, 72)}
    assert widths["current"] == fmt.COMPACT_STATE_WIDTH
    assert widths["error"] == 72 - 1 - 20 - fmt.COMPACT_STATE_WIDTH - 2 * 2
    # up to 40 cells of it, not more (at 160 columns the state reads as the CLI says it)
    widths = {c.key: w for _i, c, w in fit_columns([name, state, error], natural, 90)}
    assert widths["error"] == 40 and widths["current"] == 90 - 1 - 20 - 40 - 2 * 2
    # room for everything: nothing shortened
    widths = {c.key: w for _i, c, w in fit_columns([name, state, error], natural, 120)}
    assert widths["current"] == 25 and widths["error"] >= 60


def test_a_crash_loop_caught_between_two_crashes_is_still_said() -> None:
    """2/2 running for the 2 s between crashes: the last failure still counts and the
    service says "restarting" (the header and the problems do not blink with each
    restart); two minutes after its last failure a slot's failures are history."""
    at = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)

    def failed(tid: str, slot: int, ago: float) -> dict[str, object]:
        d = task(tid, "s1", slot=slot, state="failed", desired="shutdown",
                 err="task: non-zero exit (3)", exit_code=3, created="2026-12-02T09:00:00Z")
        d["Status"]["Timestamp"] = (at - timedelta(seconds=ago)).isoformat()
        return d

    s = snap(services=[service("s1", "crash", replicas=2, running=2)], tasks=[
        task("c1", "s1", slot=1, created="2026-12-02T09:59:58Z"), failed("f1", 1, 10),
        failed("f0", 1, 20),
        task("c2", "s1", slot=2, created="2026-12-02T09:50:00Z"), failed("f2", 2, 600)])
    now = health.assess(s, at)
    assert now.failing == {"f1"} and now.summary.failing_tasks == 1
    assert [p.text for p in now.problems if p.kind == "service"] == [
        "service crash: 2/2 running, but restarting — task crash.1 failed 10 s ago: "
        "task: non-zero exit (3)"]
    assert "s1" in now.ids and now.summary.services_converged == 0
    fixed = task("c1", "s1", slot=1, created="2026-12-02T09:59:58Z")
    fixed["Spec"] = {"ContainerSpec": {"Image": "busybox:latest", "Command": ["true"]}}
    after_a_fix = snap(services=[service("s1", "crash", replicas=2, running=2)], tasks=[
        fixed, failed("f1", 1, 10), task("c2", "s1", slot=2)])
    assert not health.assess(after_a_fix, at).failing  # an update, not a loop
    later = health.assess(s, at + timedelta(seconds=health.RESTART_LOOP_S))
    assert not later.failing and not later.problems and later.summary.failing_tasks == 0
    assert later.summary.services_converged == 1
