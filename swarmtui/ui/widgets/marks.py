"""The marks bar of the main screen: the nodes and services marked with space."""

from __future__ import annotations

from collections.abc import Sequence

from textual.widgets import Static

from swarmtui.swarm import format as fmt
from swarmtui.swarm.state import ClusterSnapshot


class MarksBar(Static):
    """"2 marked: node2, node3" — shown only while nodes are marked."""

    DEFAULT_CSS = """
    MarksBar { display: none; height: 1; padding: 0 1; background: $accent 30%; }
    MarksBar.shown { display: block; }
    """


def marks_text(snap: ClusterSnapshot, marked: Sequence[str]) -> str:
    """ "1 marked: node2 — node keys act on it · space unmarks" ("" when nothing is)."""
    nodes = sorted(snap.nodes[i].name for i in marked if i in snap.nodes)
    services = sorted(snap.services[i].name for i in marked if i in snap.services)
    said = []
    if nodes:
        said.append(f"{len(nodes)} marked: {', '.join(nodes)} — node keys act on "
                    + ("it" if len(nodes) == 1 else "all of them"))
    if services:
        said.append(f"{fmt.count(len(services), 'service')} marked: {', '.join(services)} — "
                    "l shows their logs merged")
    return " · ".join(said) + " · space unmarks" if said else ""
