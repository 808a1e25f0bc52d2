"""The service detail explains: the cause, each node's reason, the update's progress and what
it changed (from the lab recording tests/unit/fixtures/explain_lab.json)."""

from __future__ import annotations

from swarmtui.ui.summaries import service_summary, task_summary
from tests.unit.test_explain import recorded


def _plain(markup: str) -> list[str]:
    from textual.content import Content

    return [Content.from_markup(line).plain for line in markup.splitlines()]


def test_service_detail_says_why_and_per_node() -> None:
    snap, at = recorded()
    svc = snap.find_service("xcon")
    assert svc is not None
    lines = [" ".join(line.split()) for line in _plain(service_summary(snap, svc, at))]
    assert ("why no node meets node.labels.nowhere==1 (node1, node2, node3: no label "
            "nowhere)") in lines
    assert "node2: node.labels.nowhere==1: no label nowhere" in lines


def test_service_detail_shows_update_progress_and_what_changed() -> None:
    snap, at = recorded()
    svc = snap.find_service("xupd")
    assert svc is not None
    lines = [" ".join(line.split()) for line in _plain(service_summary(snap, svc, at))]
    state = next(line for line in lines if line.startswith("update state"))
    assert state.startswith("update state update paused at 0 of 1 updated: update paused due")
    assert "changed image: busybox:latest → nosuchimage:2" in lines
    assert any(line.startswith("why update paused due to failure") for line in lines)


def test_services_pane_update_column_shows_progress() -> None:
    from swarmtui.ui.panes.services import update_cell

    snap, _ = recorded()
    by_name = {s.name: s for s in snap.services.values()}
    assert update_cell(snap, by_name["xupd"]) == "paused 0/1"
    assert update_cell(snap, by_name["xcon"]) == ""  # never updated


def test_more_running_than_wanted_is_said_as_a_task_on_a_down_node() -> None:
    """`docker service ls` says 4/3 while a task told to stop sits on a Down node: the
    detail says which task, where, and why the engine still counts it."""
    from datetime import UTC, datetime

    from tests.unit.test_swarm_fixtures import node, service, snap, task

    def running_line(running: int) -> str:
        s = snap(nodes=[node("n1", "node1", role="manager", leader=True), node("n2", "node2"),
                        node("n4", "node4", state="down")],
                 services=[service("s1", "web", replicas=3, running=running)],
                 tasks=[task("t1", "s1", slot=1, node_id="n1"),
                        task("t2", "s1", slot=2, node_id="n2"),
                        task("t3", "s1", slot=3, node_id="n1"),
                        task("t0", "s1", slot=3, node_id="n4", desired="shutdown")])
        lines = [" ".join(line.split()) for line in _plain(service_summary(
            s, s.services["s1"], datetime(2026, 11, 22, tzinfo=UTC)))]
        return next(line for line in lines if line.startswith("running"))

    assert running_line(4) == ("running 4/3 — told to stop, still running: web.3 on node4 "
                               "(Down): counted until its node reports back")
    assert running_line(3) == "running 3/3"  # the engine no longer counts it: nothing to say


def test_a_running_task_has_no_exit_code_an_ended_one_has() -> None:
    """The engine gives ExitCode 0 for a container still running: not said as an exit."""
    from datetime import UTC, datetime

    from tests.unit.test_swarm_fixtures import node, service, snap, task

    s = snap(nodes=[node("n1", "node1", role="manager", leader=True)],
             services=[service("s1", "web")],
             tasks=[task("t1", "s1", exit_code=0),
                    task("t2", "s1", state="failed", desired="shutdown", exit_code=3)])
    def exit_line(tid: str) -> str:
        lines = [" ".join(line.split()) for line in _plain(task_summary(
            s, s.tasks[tid], datetime(2026, 11, 22, tzinfo=UTC)))]
        return next(line for line in lines if line.startswith("exit code"))

    assert exit_line("t1") == "exit code —"
    assert exit_line("t2") == "exit code 3"


def test_why_comes_right_after_running_and_one_replica_is_singular() -> None:
    """At 80×24 the detail's box shows ~8 lines: "why" sat under the update, resources and
    restart lines, out of sight, on a service that does not converge."""
    snap, at = recorded()
    svc = snap.find_service("xcon")
    assert svc is not None
    lines = [" ".join(line.split()) for line in _plain(service_summary(snap, svc, at))]
    heads = [line.split(" ")[0] for line in lines]
    assert heads.index("why") == heads.index("running") + 1, lines
    assert "mode replicated (1 replica)" in lines


def test_a_node_back_with_no_task_says_swarm_does_not_rebalance() -> None:
    """node3 came back Ready with 0 tasks while web's 3 run on two nodes: the detail says
    why nothing moved back and the command that spreads web again."""
    from datetime import UTC, datetime

    from swarmtui.ui.summaries import node_summary
    from tests.unit.test_swarm_fixtures import node, service, snap, task

    s = snap(nodes=[node("n1", "node1", role="manager", leader=True), node("n2", "node2"),
                    node("n3", "node3")],
             services=[service("s1", "web", replicas=3, running=3)],
             tasks=[task("t1", "s1", slot=1, node_id="n1"),
                    task("t2", "s1", slot=2, node_id="n2"),
                    task("t3", "s1", slot=3, node_id="n1")])
    at = datetime(2026, 12, 2, tzinfo=UTC)

    def running(nid: str) -> str:
        lines = [" ".join(line.split()) for line in _plain(node_summary(s, s.nodes[nid], at))]
        return next(line for line in lines if line.startswith("running"))

    assert running("n3") == (
        "running 0 tasks — Swarm does not move running tasks to a node that joins or comes "
        "back; docker service update --force web spreads web again (a rolling restart)")
    assert running("n2") == "running 1 task"
    assert running("n1") == "running 2 tasks"


def test_the_command_is_shown_as_a_shell_would_take_it() -> None:
    """`sh -c 'sleep 2; exit 3'` keeps its quotes: the line can be pasted back."""
    import dataclasses

    snap, at = recorded()
    svc = snap.find_service("xcon")
    assert svc is not None
    spec = {**svc.spec, "TaskTemplate": {"ContainerSpec": {
        "Image": "busybox", "Command": ["sh", "-c"], "Args": ["sleep 2; exit 3"]}}}
    lines = _plain(service_summary(snap, dataclasses.replace(svc, spec=spec), at))
    command = next(line for line in lines if line.startswith("command"))
    assert command.split(None, 1)[1] == "sh -c 'sleep 2; exit 3'"
