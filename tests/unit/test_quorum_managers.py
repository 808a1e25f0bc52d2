"""The managers' own states under a lost quorum (probed over SSH), and where old managers
stand beside a new leader (promote or re-join): the pure parts."""

from __future__ import annotations

from swarmtui.backup.rejoin import Host, stale_entries, standings_from
from swarmtui.swarm.noleader import HEADLINE, PROBED, is_lost, with_probed
from swarmtui.swarm.reach.managers import first_steps, locked, state_word, states_line, stopped
from swarmtui.swarm.reach.probe import Cause, Diagnosis


def d(host: str, cause: Cause, detail: str = "") -> Diagnosis:
    return Diagnosis(host, cause, detail)


def test_each_state_in_the_first_screens_words() -> None:
    assert state_word(d("a", Cause.HOST_UNREACHABLE)) == "down (no SSH answer)"
    assert state_word(d("a", Cause.DOCKERD_DOWN)) == "dockerd not running"
    assert state_word(d("a", Cause.LOCKED)) == "LOCKED"
    assert state_word(d("a", Cause.HEALTHY)) == "answering without a leader"
    assert state_word(d("a", Cause.LEFT_SWARM)) == "not in the swarm"
    assert state_word(d("a", Cause.UNKNOWN, "docker info failed: x")) == \
        "cannot tell (docker info failed: x)"


def test_the_line_names_the_locked_managers_and_the_unlock_step() -> None:
    states = {"node3": d("node3", Cause.LOCKED), "node1": d("node1", Cause.HEALTHY),
              "node2": d("node2", Cause.LOCKED)}
    assert locked(states) == ["node2", "node3"]
    line = states_line(states, "12:00:00")
    assert line.startswith(f"{PROBED} at 12:00:00 UTC): node1 answering without a leader; "
                           "node2 LOCKED; node3 LOCKED.")
    assert "Unlock node2, node3 with the swarm's unlock key (Q, then ctrl+l)" in line
    assert states_line({}, "12:00:00") == ""
    plain = states_line({"node1": d("node1", Cause.HOST_UNREACHABLE)}, "12:00:00")
    assert "Unlock" not in plain and "Start" not in plain and "node1 down" in plain


def test_the_line_says_to_start_the_stopped_engines_before_any_new_cluster() -> None:
    """A manager whose dockerd is stopped keeps its raft state: starting it heals the
    swarm; the line said only what each manager was."""
    states = {"node1": d("node1", Cause.HEALTHY), "node3": d("node3", Cause.DOCKERD_DOWN),
              "node2": d("node2", Cause.DOCKERD_DOWN)}
    assert stopped(states) == ["node2", "node3"]
    line = states_line(states, "12:00:00")
    assert line.endswith("node2 dockerd not running; node3 dockerd not running. Start the "
                         "engine of node2, node3 (Q, then ctrl+t): once a majority answers, "
                         "the swarm heals with no new cluster."), line
    states["node3"] = d("node3", Cause.LOCKED)
    assert first_steps(states, "T", "L") == (
        "Start the engine of node2 (T) and unlock node3 with the swarm's unlock key (L): "
        "once a majority answers, the swarm heals with no new cluster.")


def test_the_probed_line_goes_after_the_headline_and_replaces_an_older_one() -> None:
    text = f"{HEADLINE}\nLast known managers …\nWhat to do …"
    assert is_lost(text) and not is_lost("other") and not is_lost(None)
    once = with_probed(text, f"{PROBED} at 1): a.")
    assert once.split("\n") == [HEADLINE, f"{PROBED} at 1): a.", "Last known managers …",
                                "What to do …"]
    twice = with_probed(once, f"{PROBED} at 2): b.")
    assert twice.split("\n")[1] == f"{PROBED} at 2): b." and twice.count(PROBED) == 1
    assert with_probed(once, "") == text


def test_standings_promote_a_ready_worker_and_rejoin_the_rest() -> None:
    listed = "\n".join([
        "id1 node1 Ready Leader",
        "old2 node2 Down Unreachable",  # a stale entry after a forced new cluster
        "id3 node3 Ready ",  # a Ready worker (no manager status)
        "id4 node4 Ready Reachable",
    ])
    hosts = [Host(h) for h in ("node1", "node2", "node3", "node4", "node5")]
    got = {s.host.hostname: (s.action, s.node_id) for s in standings_from(listed, "node1", hosts)}
    assert got == {"node2": ("rejoin", ""), "node3": ("promote", "id3"),
                   "node4": ("manager", ""), "node5": ("rejoin", "")}


def test_a_promoted_workers_old_entries_are_its_other_entries() -> None:
    listed = "\n".join([
        "id1 * node1 Ready Leader",  # the leader itself
        "old3 node3 Ready ",  # node3's entry before it left: Ready for a few seconds
        "id3 node3 Ready ",  # node3 re-joined as a worker by hand
        "old4 node4 Down Unreachable",
    ])
    assert stale_entries(listed, "node3", "id3") == ["old3"]
    assert stale_entries(listed, "node1", "id1") == []
    assert stale_entries("", "node3", "id3") == []
    # which is node3 its engine says (docker info): both are candidates to promote
    (node3,) = standings_from(listed, "node1", [Host("node3")])
    assert node3.action == "promote" and node3.candidates == ("old3", "id3")
