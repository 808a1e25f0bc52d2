"""The tour's steps, checked on snapshots built from the recorded cluster state: a step
moves on only when the snapshot shows its effect (no key is trusted)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.ui.tour import Tour
from tests.functional.conftest import FIXTURES


def _snapshot(edit: Callable[[dict[str, Any]], None] | None = None) -> ClusterSnapshot:
    data = json.loads((FIXTURES / "cluster.json").read_text())
    data = copy.deepcopy(data)
    if edit is not None:
        edit(data)
    return ClusterSnapshot.from_api(nodes=data["nodes"], services=data["services"],
                                    tasks=data["tasks"], networks=data["networks"],
                                    info=data["info"])


def _service(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in data["services"] if s["Spec"]["Name"] == name)


def _node(data: dict[str, Any], hostname: str) -> dict[str, Any]:
    return next(n for n in data["nodes"] if n["Description"]["Hostname"] == hostname)


def _scaled(running: int) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        web = _service(data, "web")
        web["Spec"]["Mode"]["Replicated"]["Replicas"] = 5
        web["ServiceStatus"] = {"DesiredTasks": 5, "RunningTasks": running,
                                "CompletedTasks": 0}
    return edit


def test_the_nodes_step_needs_the_nodes_pane() -> None:
    tour = Tour()
    snap = _snapshot()
    assert not tour.update(snap, "services") and "press 1" in tour.status
    assert tour.update(snap, "nodes") and tour.current.id == "scale"


def test_scaling_counts_only_when_the_replicas_run() -> None:
    tour = Tour(index=1)
    assert not tour.update(_snapshot(), "services")  # the baseline: nothing changed
    assert not tour.update(_snapshot(), "services")
    assert not tour.update(_snapshot(_scaled(running=3)), "services")
    assert "3/5" in tour.status and "starting" in tour.status
    assert tour.update(_snapshot(_scaled(running=5)), "services")
    assert tour.current.id == "drain"


def _drained_and_moved(hostname: str, then: Callable[[dict[str, Any]], None] | None = None
                       ) -> Callable[[dict[str, Any]], None]:
    """`hostname` drained, its tasks meant to shut down, every replicated service at its
    count elsewhere (then `then`'s edit)."""
    def edit(data: dict[str, Any]) -> None:
        node = _node(data, hostname)
        node["Spec"]["Availability"] = "drain"
        for t in data["tasks"]:
            if t.get("NodeID") == node["ID"]:
                t["DesiredState"] = "shutdown"
        for s in data["services"]:
            if "Replicated" in s["Spec"]["Mode"]:
                want = s["Spec"]["Mode"]["Replicated"]["Replicas"]
                s["ServiceStatus"] = {"DesiredTasks": want, "RunningTasks": want,
                                      "CompletedTasks": 0}
        if then is not None:
            then(data)
    return edit


def test_drain_then_tasks_must_leave_the_node() -> None:
    tour = Tour(index=2)
    assert not tour.update(_snapshot(), "nodes")

    def drained(data: dict[str, Any]) -> None:
        _node(data, "node2")["Spec"]["Availability"] = "drain"

    assert tour.update(_snapshot(drained), "nodes") and tour.current.id == "move"
    # node2 still has tasks meant to run: not done, whatever the pane
    assert not tour.update(_snapshot(drained), "tasks")
    assert "still meant to run on node2" in tour.status
    moved = _drained_and_moved("node2")
    assert not tour.update(_snapshot(moved), "nodes") and "press 3" in tour.status
    assert tour.update(_snapshot(moved), "tasks") and tour.current.id == "promote"


def test_a_service_broken_before_the_drain_does_not_hold_the_move_step() -> None:
    """A crash-looping service is short of replicas before and after the drain: the move
    step waited on it for ever ("replacements starting: crash")."""
    def broken(data: dict[str, Any]) -> None:
        web = _service(data, "web")
        web["ServiceStatus"] = {"DesiredTasks": 3, "RunningTasks": 0, "CompletedTasks": 0}

    drained_and_moved = _drained_and_moved("node2", then=broken)
    tour = Tour(index=2)
    assert not tour.update(_snapshot(broken), "nodes")  # the drain step begins: web short
    assert tour.update(_snapshot(drained_and_moved), "nodes") and tour.current.id == "move"
    assert tour.update(_snapshot(drained_and_moved), "tasks"), tour.status
    assert tour.current.id == "promote"


def test_promote_then_the_quorum_step() -> None:
    tour = Tour(index=4)
    assert not tour.update(_snapshot(), "nodes")

    def promoted(reach: str) -> Callable[[dict[str, Any]], None]:
        def edit(data: dict[str, Any]) -> None:
            node3 = _node(data, "node3")
            node3["Spec"]["Role"] = "manager"
            node3["ManagerStatus"] = {"Reachability": reach, "Addr": "100.64.174.13:2377"}
        return edit

    assert tour.update(_snapshot(promoted("unreachable")), "nodes")
    assert tour.current.id == "quorum"
    assert not tour.update(_snapshot(promoted("unreachable")), "nodes")
    assert "1/2 managers reachable" in tour.status
    assert tour.update(_snapshot(promoted("reachable")), "nodes")
    assert tour.done and "tolerates 0" in tour.status and "even count" in tour.status


def test_scaling_past_one_host_port_per_node_says_why_and_moves_on() -> None:
    # the lab's sample publishes mode=host: a 4th replica on 3 nodes can never be placed
    def host_port_scaled(data: dict[str, Any]) -> None:
        web = _service(data, "web")
        port = {"Protocol": "tcp", "PublishMode": "host", "PublishedPort": 8080,
                "TargetPort": 80}
        web["Spec"]["EndpointSpec"]["Ports"] = [port]
        web["Endpoint"]["Ports"] = [port]
        _scaled(running=3)(data)
        first = next(t for t in data["tasks"] if t["ServiceID"] == web["ID"])
        for slot in (4, 5):
            t = copy.deepcopy(first)
            t.update(ID=f"pending{slot}", Slot=slot, DesiredState="running")
            t.pop("NodeID", None)
            t["Status"] = {"State": "pending", "Timestamp": t["Status"]["Timestamp"],
                           "Err": "no suitable node (host-mode port already in use on 3 nodes)"}
            data["tasks"].append(t)

    tour = Tour(index=1)
    assert not tour.update(_snapshot(), "services")
    step = tour.current
    assert step is not None
    assert step.check(_snapshot(host_port_scaled), tour.ctx, "services") == (
        True, "web: 3/5 running — host-mode port 8080/tcp is already taken on node1, node2, "
        "node3 (by web)")
    assert tour.update(_snapshot(host_port_scaled), "services")
    assert tour.current is not None and tour.current.id == "drain"


async def test_a_step_done_is_toasted_only_where_the_tour_panel_is_hidden() -> None:
    """The panel says ✔ and the lesson; a toast saying it again covered four rows at 80×24.
    Behind a dialog the panel is hidden: there the toast is the only word of it."""
    from swarmtui.swarm.sync.store import StaticStore
    from swarmtui.ui.app import SwarmApp
    from swarmtui.ui.screens.help import HelpScreen
    from swarmtui.ui.tour import TourPanel
    from tests.functional.conftest import recorded_state
    from tests.waiting import async_wait_for

    snap, now = recorded_state()
    app = SwarmApp(StaticStore(snap, label="recorded lab", now=now), tour=True)

    def tour_toasts() -> list[str]:
        return [n.message for n in app._notifications if n.title == "tour"]

    async with app.run_test(size=(80, 24)) as pilot:
        panel = await async_wait_for("the tour panel", lambda: next(
            iter(app.screen.query(TourPanel)), None), 10)
        await async_wait_for("step 1 done on the Nodes pane",
                             lambda: app.tour is not None and app.tour.index > 0, 10)
        await pilot.pause()
        assert "✔ 1. Look at the nodes" in panel._markup()
        assert tour_toasts() == []
        await pilot.press("question_mark")
        await async_wait_for("help open", lambda: isinstance(app.screen, HelpScreen), 10)
        app.tour = Tour()  # step 1 again, done on the next check: now behind a dialog
        app.tour_update()
        await pilot.pause()  # notify() posts a message
        assert tour_toasts() == ["✔ Look at the nodes: " + Tour().steps[0].lesson]
