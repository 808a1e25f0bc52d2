"""The panes of the main screen, one module per kind, in tab order (keys 1-5)."""

from swarmtui.ui.panes import networks, nodes, services, stacks, tasks
from swarmtui.ui.panes.base import Pane

PANES: tuple[Pane, ...] = (nodes.PANE, services.PANE, tasks.PANE, networks.PANE, stacks.PANE)
BY_KIND: dict[str, Pane] = {p.kind: p for p in PANES}
COLUMNS = {p.kind: p.columns for p in PANES}

__all__ = ["BY_KIND", "COLUMNS", "PANES", "Pane"]
