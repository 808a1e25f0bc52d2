"""Following a change to the end: tasks running, rolling update states and their reasons."""

from __future__ import annotations

from typing import Any

from swarmtui.swarm.create.inventory import Inventory
from swarmtui.swarm.create.service_ops import service_progress
from tests.unit.test_create_fixtures import node, service


def svc(running: int, desired: int, update: dict[str, Any] | None = None,
        mode: dict[str, Any] | None = None) -> dict[str, Any]:
    d = service("web", "svc-web-000001", {"Mode": mode} if mode else None)
    d["ServiceStatus"] = {"RunningTasks": running, "DesiredTasks": desired}
    if update:
        d["UpdateStatus"] = update
    return d


def task(state: str, err: str = "", desired: str = "running", slot: int = 1) -> dict[str, Any]:
    return {"ID": f"t-{state}-{slot}", "ServiceID": "svc-web-000001", "Slot": slot,
            "DesiredState": desired, "NodeID": "node-2",
            "Status": {"State": state, "Err": err, "Timestamp": "2026-01-01T00:00:00Z"}}


def inv(service_dict: dict[str, Any], tasks: list[dict[str, Any]] | None = None) -> Inventory:
    return Inventory.from_api(services=[service_dict], tasks=tasks or [],
                              nodes=[node("node2", "node-2")])


def test_waiting_for_the_service_to_appear() -> None:
    p = service_progress(Inventory(), "web")
    assert (p.done, p.text) == (False, "waiting for service web to appear")


def test_running_equals_desired() -> None:
    p = service_progress(inv(svc(2, 2), [task("running", slot=1), task("running", slot=2)]),
                         "web")
    assert (p.done, p.failed, p.text) == (True, False, "2/2 tasks running")


def test_not_converged_says_why() -> None:
    p = service_progress(inv(svc(0, 1), [task("pending", "no suitable node (scheduling "
                                                        "constraints not satisfied on 3 nodes)")]),
                         "web")
    assert not p.done
    assert p.text == ("0/1 tasks running (no suitable node (scheduling constraints not "
                      "satisfied on 3 nodes))")


def test_rolling_update_states() -> None:
    started = {"StartedAt": "2026-01-01T00:00:05Z"}
    before = Inventory.from_api(services=[svc(3, 3, {"State": "completed",
                                                     "StartedAt": "2026-01-01T00:00:00Z"})])
    old = before.service("web")
    assert old is not None
    since = old.update_started_at

    def at(update: dict[str, Any], running: int = 3) -> tuple[bool, bool, str]:
        p = service_progress(inv(svc(running, 3, {**started, **update})), "web",
                             since_update=since, expect_update=True)
        return p.done, p.failed, p.text

    # the old, finished update does not count as ours
    p = service_progress(before, "web", since_update=since, expect_update=True)
    assert (p.done, p.text) == (False, "waiting for the rolling update to start")
    assert at({"State": "updating", "Message": "update in progress"}, 2) == (
        False, False, "updating: 2/3 tasks running: update in progress")
    assert at({"State": "completed", "Message": "update completed"}) == (
        True, False, "3/3 tasks running")
    assert at({"State": "paused", "Message": "update paused due to failure or early "
                                             "termination of task abc"}) == (
        True, True, "update paused: update paused due to failure or early termination of "
                    "task abc")
    assert at({"State": "rollback_started", "Message": "rollback started"}) == (
        False, False, "rolling back: rollback started")
    assert at({"State": "rollback_completed", "Message": "rollback completed"}) == (
        True, True, "update rolled back: rollback completed")
