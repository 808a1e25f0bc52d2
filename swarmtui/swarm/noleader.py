"""A swarm whose managers have no majority (quorum lost): the engine's words, and ours.

A manager without a leader still answers /info, but every raft read fails, with words
that vary by engine version: "The swarm does not have a leader", "raft: no elected
cluster leader", or a bare "rpc error: code = … desc = context deadline exceeded".
The snapshot then says so in plain words, with the managers' last known states (from
the last snapshot that listed them) and what to do.
"""

from __future__ import annotations

import re

from swarmtui.swarm.state import ClusterSnapshot

#: what a manager's API answers when the managers have no majority
QUORUM_LOST_PATTERNS = (
    re.compile(r"does not have a leader", re.I),
    re.compile(r"no elected cluster leader", re.I),
    # a manager's read that raft cannot serve: code Unknown or DeadlineExceeded, by version
    re.compile(r"rpc error: code = \w+ desc = "
               r"(context deadline exceeded|grpc: the connection is unavailable)", re.I),
    re.compile(r"more than half of the managers", re.I),
)

#: how the line of the managers' states probed over SSH starts (swarm/reach/managers.py)
PROBED = "Managers now (probed over SSH"

#: the first line of every quorum-lost message (the header's and status bar's words)
HEADLINE = ("quorum lost: the swarm has no leader — too few managers are reachable "
            "for a majority")

ADVICE = ("What to do (Q: the recovery wizard): start the engines of the managers that "
          "are down (they keep their raft state and the swarm heals) and unlock those that "
          "are locked (autolock: `docker swarm unlock` on them, T then u); if a majority cannot "
          "come back, run `docker swarm init --force-new-cluster` on the manager with the "
          "freshest raft state, then re-join the others — the wizard does it step by step.")


def quorum_lost(text: str) -> bool:
    """True when an Engine error says the managers have no leader (no majority)."""
    return any(p.search(text) for p in QUORUM_LOST_PATTERNS)


def is_lost(message: str | None) -> bool:
    """A snapshot's message says the quorum is lost."""
    return bool(message) and str(message).startswith(HEADLINE)


def with_probed(text: str, line: str) -> str:
    """The quorum-lost message with the managers' probed states (`line`) after the
    headline, in place of an older such line."""
    lines = [ln for ln in text.split("\n") if not ln.startswith(PROBED)]
    return "\n".join(lines[:1] + ([line] if line else []) + lines[1:])


def last_known(previous: ClusterSnapshot | None) -> str:
    """The managers' states as the last snapshot that listed them saw them ("" if none)."""
    if previous is None:
        return ""
    if previous.message and is_lost(previous.message):
        # the previous snapshot already lost the quorum: its words carry the last known line
        lines = previous.message.split("\n")
        return next((line for line in lines if line.startswith("Last known")), "")
    managers = sorted(previous.managers, key=lambda n: n.name)
    if not managers:
        return ""
    at = previous.kind_taken_at.get("nodes", previous.taken_at)
    states = "; ".join(f"{n.name} {n.reachability or 'unknown'}, {n.state}"
                       for n in managers)
    return f"Last known managers ({at:%H:%M:%S} UTC, {len(managers)}): {states}."


def message(previous: ClusterSnapshot | None) -> str:
    """The snapshot's message: the headline, the last known managers, what to do (lines)."""
    return "\n".join(line for line in (HEADLINE, last_known(previous), ADVICE) if line)
