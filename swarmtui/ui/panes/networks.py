"""The Networks pane: `docker network ls` columns, the services on each, its keys."""

from __future__ import annotations

from datetime import datetime

from swarmtui.swarm import format as fmt
from swarmtui.swarm.health import Health
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.ui import forms
from swarmtui.ui.panes.base import Action, Pane, opens, yes
from swarmtui.ui.widgets.table import Column, Row

#: priority: 0 always shown; higher numbers give way first at 80 columns
COLUMNS = [
    Column("name", "NAME", 0, 12, 30),
    Column("driver", "DRIVER", 1, 7, 10),
    Column("scope", "SCOPE", 2, 5, 6),
    Column("attachable", "ATTACHABLE", 4, 10, 10),
    Column("encrypted", "ENCRYPTED", 5, 9, 9),
    Column("subnets", "SUBNETS", 3, 14, 40),
    Column("services", "SERVICES", 1, 12, 80, grow=True),
    Column("id", "ID", 6, 12, 12),
]


def network_row(snap: ClusterSnapshot, net_id: str) -> Row:
    n = snap.networks[net_id]
    services = snap.services_on_network.get(n.id, [])
    return Row(
        n.id,
        (n.name, n.driver, n.scope, yes(n.attachable), yes(n.encrypted),
         ", ".join(n.subnets), ", ".join(s.name for s in services), fmt.short_id(n.id)),
        (None,) * 8,
        problem=False,
    )


def rows(snap: ClusterSnapshot, probs: Health, now: datetime) -> list[Row]:
    return [network_row(snap, nid) for nid in snap.networks]


ACTIONS = (
    Action("pane.networks", "Networks", "4", "the Networks pane (docker network ls)",
           run=lambda ctx: ctx.screen.action_pane("networks")),
    Action("forms.new-network", "New overlay network", "N",
           "docker network create -d overlay …", panes=("networks",), mutating=True,
           footer=20, run=opens(forms.new_network), palette=True,
           requires=("connection", "manager")),
    Action("forms.remove-network", "Remove network", "delete",
           "docker network rm (refused while services use it)", panes=("networks",),
           mutating=True, needs_selection=True, footer=21, run=opens(forms.remove_network),
           palette=True, requires=("connection", "manager")),
)

PANE = Pane("networks", "Networks", "network", COLUMNS, frozenset({"networks", "services"}),
            "no networks", rows, lambda snap: len(snap.networks), ACTIONS)
