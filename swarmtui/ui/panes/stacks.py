"""The Stacks pane: services grouped by their com.docker.stack.namespace label."""

from __future__ import annotations

from datetime import datetime

from swarmtui.swarm.health import Health
from swarmtui.swarm.models import Service
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.ui import forms
from swarmtui.ui.panes.base import Action, Pane, opens
from swarmtui.ui.widgets.table import Column, Row

#: priority: 0 always shown; higher numbers give way first at 80 columns
COLUMNS = [
    Column("name", "STACK", 0, 10, 30),
    Column("services", "SERVICES", 0, 8, 8, right=True),
    Column("converged", "CONVERGED", 0, 9, 9, right=True),
    Column("failing", "FAILING TASKS", 1, 13, 13, right=True),
    Column("names", "SERVICE NAMES", 2, 13, 200, grow=True),
]


def stack_row(snap: ClusterSnapshot, name: str, services: list[Service], probs: Health) -> Row:
    converged = sum(1 for s in services if s.converged)
    ids = {s.id for s in services}
    failing = sum(1 for tid in probs.failing if snap.tasks[tid].service_id in ids)
    ok = converged == len(services) and not failing
    return Row(
        name,
        (name, str(len(services)), f"{converged}/{len(services)}", str(failing),
         ", ".join(s.name for s in services)),
        (None, None, "converged" if converged == len(services) else "unconverged",
         "task-failed" if failing else None, None),
        problem=not ok,
        sort=(None, len(services), converged, failing),
    )


def rows(snap: ClusterSnapshot, probs: Health, now: datetime) -> list[Row]:
    return [stack_row(snap, name, svcs, probs) for name, svcs in snap.stacks.items()]


ACTIONS = (
    Action("pane.stacks", "Stacks", "5", "the Stacks pane (docker stack ls)",
           run=lambda ctx: ctx.screen.action_pane("stacks")),
    Action("forms.deploy-stack", "Deploy a stack", "d",
           "docker stack deploy -c FILE from a compose file on this machine",
           panes=("stacks",), mutating=True, footer=20, run=opens(forms.deploy_stack),
           palette=True, requires=("connection", "manager")),
    Action("forms.remove-stack", "Remove stack", "delete",
           "docker stack rm (typed confirmation)", panes=("stacks",), mutating=True,
           needs_selection=True, footer=21, run=opens(forms.remove_stack), palette=True,
           requires=("connection", "manager")),
)

PANE = Pane("stacks", "Stacks", "stack", COLUMNS, frozenset({"services", "tasks"}),
            "no stacks: services with a com.docker.stack.namespace label, as "
            "docker stack deploy makes (d deploys one)", rows, lambda snap: len(snap.stacks),
            ACTIONS)
