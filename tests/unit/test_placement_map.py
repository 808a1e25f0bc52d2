"""The placement map from snapshots: cells per service × node, unplaced tasks, filter."""

from __future__ import annotations

from swarmtui.swarm.placement_map import placement_map
from tests.unit.test_explain import recorded
from tests.unit.test_swarm_fixtures import node, service, snap, task


def test_cells_from_current_tasks_only() -> None:
    s = snap(
        nodes=[node("n1", "node1"), node("n2", "node2")],
        services=[service("s1", "web", replicas=3, running=2), service("s2", "db")],
        tasks=[
            task("a", "s1", slot=1, node_id="n1"),
            task("b", "s1", slot=2, node_id="n1", state="starting"),
            task("c", "s1", slot=3, node_id=None, state="pending", err="no suitable node"),
            task("old", "s1", slot=1, node_id="n2", state="failed", desired="shutdown",
                 created="2026-11-22T01:00:00Z"),
            task("d", "s2", slot=1, node_id="n2", state="rejected", err="No such image"),
        ])
    m = placement_map(s)
    assert m.nodes == ("n1", "n2") and m.services == ("s2", "s1")  # by name: db, web
    web1 = m.cell("s1", "n1")
    assert web1 is not None and (web1.text, web1.state) == ("1/2", "starting")
    assert m.cell("s1", "n2") is None  # only history there
    db2 = m.cell("s2", "n2")
    assert db2 is not None and db2.state == "failing"
    assert m.unplaced == {"s1": 1}
    assert placement_map(s) is m  # once per snapshot


def test_filter_keeps_rows_or_columns() -> None:
    s, _ = recorded()
    m = placement_map(s)
    only_x = m.filtered(s, "xport2")
    assert [s.services[i].name for i in only_x.services] == ["xport2"]
    assert only_x.nodes == m.nodes
    on_node2 = m.filtered(s, "node2")
    assert [s.nodes[i].name for i in on_node2.nodes] == ["node2"]
    assert all(any((sid, n) in m.cells for n in on_node2.nodes) for sid in on_node2.services)
    assert m.filtered(s, "") is m
