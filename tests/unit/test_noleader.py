"""Quorum lost in plain words: the headline, the managers' last known states, what to do."""

from __future__ import annotations

from swarmtui.swarm import health, noleader
from swarmtui.swarm.state import ClusterSnapshot
from tests.unit.test_swarm_fixtures import info, node, snap


def three_managers() -> ClusterSnapshot:
    return snap(nodes=[
        node("n1", "node1", role="manager", leader=True, reach="reachable"),
        node("n2", "node2", role="manager", state="down", reach="unreachable"),
        node("n3", "node3", role="manager"),
        node("w1", "worker1"),
    ])


def test_the_message_names_the_quorum_the_last_known_managers_and_what_to_do() -> None:
    before = three_managers()
    text = noleader.message(before)
    headline, known, advice = text.split("\n")
    assert headline == noleader.HEADLINE and "quorum lost" in headline and "no leader" in headline
    at = before.kind_taken_at["nodes"]
    assert known == (f"Last known managers ({at:%H:%M:%S} UTC, 3): node1 leader, ready; "
                     "node2 unreachable, down; node3 reachable, ready.")
    assert "worker1" not in text
    assert "--force-new-cluster" in advice and "start the engines" in advice


def test_the_last_known_line_survives_the_next_snapshots_without_a_leader() -> None:
    lost = ClusterSnapshot.from_api(info=info(), message=noleader.message(three_managers()))
    again = noleader.message(lost)
    assert again == lost.message
    # the snapshot's one problem is the whole message, critical
    problems = health.problems(lost)
    assert [(p.severity, p.text) for p in problems] == [("critical", lost.message)]


def test_without_a_snapshot_that_listed_the_managers_there_is_no_last_known_line() -> None:
    assert noleader.message(None).split("\n") == [noleader.HEADLINE, noleader.ADVICE]
    assert noleader.message(snap()).split("\n") == [noleader.HEADLINE, noleader.ADVICE]
