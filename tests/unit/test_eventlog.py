"""The events pane's domain: event dicts in words, task changes between snapshots, bounds."""

from __future__ import annotations

from swarmtui.swarm.eventlog import EventLog, from_event, task_changes
from tests.unit.test_swarm_fixtures import node, service, snap, task


def test_service_event_names_what_changed() -> None:
    line = from_event({
        "Type": "service", "Action": "update", "scope": "swarm", "time": 1764590000,
        "timeNano": 1764590000123456789,
        "Actor": {"ID": "svc1", "Attributes": {"name": "web", "replicas.old": "3",
                                                "replicas.new": "5", "image.old": "a",
                                                "image.new": "a"}}})
    assert line is not None
    assert line.text == "service web update: replicas 3 → 5"
    assert from_event({"Type": "container", "Action": "start"}) is None
    assert from_event({"Type": "node", "Action": "remove", "Actor": {"ID": "abcdef0123456789"}
                       }).text == "node abcdef012345 remove"  # type: ignore[union-attr]


def test_task_changes_between_polls_and_a_bounded_filterable_log() -> None:
    nodes = [node("n1", "node1")]
    services = [service("s1", "api", replicas=2)]
    before = snap(nodes=nodes, services=services, tasks=[task("a", "s1", state="starting")])
    after = snap(nodes=nodes, services=services, tasks=[
        task("a", "s1", state="failed", err="task: non-zero exit (3)"),
        task("b", "s1", slot=2, state="running"),
    ])
    changes = task_changes(before, after)
    assert {c.text for c in changes} == {
        "task api.1 failed: starting → failed on node1: task: non-zero exit (3)",
        "task api.2 running: new → running on node1",
    }
    assert task_changes(after, after) == []
    log = EventLog(size=3)
    log.add(changes)
    log.add(changes)
    assert len(log) == 3
    assert [e.name for e in log.lines("FAILED")] == ["api.1"]


def test_the_store_logs_task_changes_between_consecutive_task_lists() -> None:
    from swarmtui.swarm.sync.store import Store

    nodes = [node("n1", "node1")]
    services = [service("s1", "api", replicas=1)]
    first = snap(nodes=nodes, services=services, tasks=[task("a", "s1", state="starting")])
    later = snap(nodes=nodes, services=services,
                 tasks=[task("a", "s1", state="failed", err="task: non-zero exit (3)")])
    store = Store()
    store._publish(first, frozenset({"nodes", "services"}))  # a first view: no tasks yet
    store._publish(first, frozenset({"tasks"}))  # the first task list is no change
    assert store.events() == (0, [])
    store._publish(later, frozenset({"nodes"}))  # tasks not re-listed: not compared
    assert store.events_added == 0
    store._publish(later, frozenset({"tasks"}))
    added, lines = store.events()
    assert added == 1
    assert [ln.text for ln in lines] == [
        "task api.1 failed: starting → failed on node1: task: non-zero exit (3)"]
