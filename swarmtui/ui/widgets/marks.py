"""The marks bar of the Nodes pane."""

from __future__ import annotations

from textual.widgets import Static


class MarksBar(Static):
    """"2 marked: node2, node3" — shown only while nodes are marked."""

    DEFAULT_CSS = """
    MarksBar { display: none; height: 1; padding: 0 1; background: $accent 30%; }
    MarksBar.shown { display: block; }
    """
