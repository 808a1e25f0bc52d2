"""The Services pane: `docker service ls` columns, its rows, the service keys.

The operation keys build their Operation here (swarm/ops/services.py) and hand it to
the confirm → progress flow (`ui/flow/start.py`); the form keys open a form
(`ui/forms/__init__.py`). Read-only was refused by the registry before.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from swarmtui.swarm import format as fmt
from swarmtui.swarm.explain import rollout
from swarmtui.swarm.health import Health
from swarmtui.swarm.models import Service
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.ui import forms
from swarmtui.ui.panes.base import (
    Action,
    ActionContext,
    Factory,
    Handler,
    Pane,
    Preview,
    RefusedError,
    opens,
    toggle_mark,
)
from swarmtui.ui.widgets.table import Column, Row

if TYPE_CHECKING:
    from swarmtui.swarm.ops.base import Operation

#: priority: 0 always shown; higher numbers give way first at 80 columns
COLUMNS = [
    Column("name", "NAME", 0, 14, 40),
    Column("mode", "MODE", 4, 10, 14),
    Column("replicas", "REPLICAS", 0, 8, 30),
    Column("image", "IMAGE", 1, 14, 50, grow=True),
    Column("ports", "PORTS", 3, 14, 40),
    Column("update", "UPDATE", 2, 8, 18),
    Column("stack", "STACK", 5, 8, 20),
    Column("id", "ID", 6, 12, 12),
]


def update_cell(snap: ClusterSnapshot, s: Service) -> str:
    """ "updating 1/3", "paused 0/1" while an update is under way or stopped; else the state."""
    if s.update_state in ("updating", "paused", "rollback_started", "rollback_paused"):
        progress = rollout(snap, s)
        if progress is not None:
            return progress.short
    return s.update_text


def service_row(snap: ClusterSnapshot, s: Service, probs: Health) -> Row:
    tag = "converged" if s.converged else "unconverged"
    upd_tag = "updating" if s.update_state in ("updating", "rollback_started") else (
        "unconverged" if s.update_state in ("paused", "rollback_paused") else None)
    return Row(
        s.id,
        (s.name, s.mode_text, s.replicas_text, s.image, s.ports_cell, update_cell(snap, s),
         s.stack or "", fmt.short_id(s.id)),
        (None, None, tag, None, None, upd_tag, None, None),
        problem=s.id in probs.ids or not s.converged,
        sort=(None, None, (s.running or 0, s.desired or 0)),
    )


def rows(snap: ClusterSnapshot, probs: Health, now: datetime) -> list[Row]:
    return [service_row(snap, s, probs) for s in snap.services.values()]


def selected_service(ctx: ActionContext) -> Service:
    svc = ctx.snapshot.services.get(ctx.selected or "")
    if svc is None:
        raise RefusedError("pick a service first (Services pane, 2)")
    return svc


# ------------------------------------------------------------------ handlers
def scale(ctx: ActionContext) -> None:
    from swarmtui.swarm.ops.services import ScaleService
    from swarmtui.ui.flow import OpForm, start_operation

    svc = selected_service(ctx)
    if svc.mode != "replicated":
        # global services and jobs have no replica count: say so, ask nothing
        verdict = ScaleService(svc, "1").guard(ctx.snapshot)
        raise RefusedError("; ".join(verdict.blocks) or f"{svc.name} cannot be scaled")
    current = svc.spec_replicas if svc.spec_replicas is not None else (svc.desired or 0)
    start_operation(ctx.screen, OpForm(
        build=lambda v, _f: ScaleService(svc, v), initial=str(current),
        prompt=f"Replicas for {svc.name} (now {current}):", placeholder="e.g. 3"))


def update_image(ctx: ActionContext) -> None:
    from swarmtui.swarm.ops.services import UpdateServiceImage
    from swarmtui.ui.flow import OpForm, start_operation

    svc = selected_service(ctx)
    store = ctx.app.store
    pool = store.reach.pool if store is not None and store.reach is not None else None
    start_operation(ctx.screen, OpForm(
        build=lambda v, _f: UpdateServiceImage(svc, v, pool), initial=svc.image,
        prompt=f"New image for {svc.name} (now {svc.image}):",
        placeholder="e.g. busybox:latest"))


def _send(preview: Preview, destructive: bool = False) -> Handler:
    """The handler of an operation that needs no value: confirm `preview`'s operation."""
    def run(ctx: ActionContext) -> None:
        from swarmtui.ui.flow import fixed, start_operation

        start_operation(ctx.screen, fixed(preview(ctx), destructive=destructive))

    return run


def _scale_preview(ctx: ActionContext) -> Operation:
    from swarmtui.swarm.ops.services import ScaleService

    return ScaleService(selected_service(ctx), "N")


def _restart_op(ctx: ActionContext) -> Operation:
    from swarmtui.swarm.ops.services import ForceUpdateService

    return ForceUpdateService(selected_service(ctx))


def _rollback_op(ctx: ActionContext) -> Operation:
    from swarmtui.swarm.ops.services import RollbackService

    return RollbackService(selected_service(ctx))


def _image_preview(ctx: ActionContext) -> Operation:
    from swarmtui.swarm.ops.services import UpdateServiceImage

    return UpdateServiceImage(selected_service(ctx), "IMAGE")


def _remove_op(ctx: ActionContext) -> Operation:
    from swarmtui.swarm.ops.services import RemoveService

    return RemoveService(selected_service(ctx))


def mark(ctx: ActionContext) -> None:
    """space: mark/unmark the service under the cursor (l then shows the marked services'
    logs merged), then move down."""
    toggle_mark(ctx, selected_service(ctx).id, "services")


def stack_logs(ctx: ActionContext) -> None:
    """L: the logs of every service of the service's stack (just it when in none), merged."""
    svc = selected_service(ctx)
    stack = ctx.snapshot.stacks.get(svc.stack or "") if svc.stack else None
    if not stack:
        raise RefusedError(f"{svc.name} is in no stack (no com.docker.stack.namespace "
                           "label): l shows its own logs")
    ctx.app.open_logs(*(s.id for s in stack), what=f"stack {svc.stack}")


def spec_history(ctx: ActionContext) -> None:
    from swarmtui.ui.screens.history import HistoryScreen

    ctx.app.push_screen(HistoryScreen(selected_service(ctx).id))


def _op(id: str, key: str, title: str, help: str, run: Handler, preview: Preview,
        footer: int = 0) -> Action:
    return Action(id, title, key, help, panes=("services",), mutating=True,
                  needs_selection=True, footer=footer, run=run, preview=preview,
                  requires=("snapshot",))


def _form(id: str, key: str, title: str, help: str, factory: Factory,
          needs_selection: bool = False, footer: int = 0) -> Action:
    return Action(f"forms.{id}", title, key, help, panes=("services",), mutating=True,
                  needs_selection=needs_selection, footer=footer, run=opens(factory),
                  palette=True, requires=("connection", "manager"))


ACTIONS = (
    Action("pane.services", "Services", "2", "the Services pane (docker service ls)",
           run=lambda ctx: ctx.screen.action_pane("services")),
    Action("services.mark", "Mark", "space", "mark/unmark the service: l then shows the "
           "marked services' logs merged", panes=("services",), needs_selection=True,
           run=mark),
    Action("services.stack_logs", "Stack logs", "L", "the logs of every service of the "
           "service's stack, merged (docker service logs of each), prefixed service.slot@node",
           panes=("services",), needs_selection=True, run=stack_logs,
           requires=("connection",)),
    Action("services.history", "Spec history", "H", "the service's specs (PreviousSpec, "
           "the ones swarmtui applied) as diffs to the current one; restore any of them",
           panes=("services",), needs_selection=True, run=spec_history,
           requires=("snapshot",)),
    _op("ops.scale", "ctrl+s", "Scale", "docker service scale SERVICE=N", scale,
        _scale_preview, footer=21),
    _op("ops.restart", "r", "Restart", "docker service update --force SERVICE",
        _send(_restart_op), _restart_op, footer=22),
    _op("ops.rollback", "R", "Rollback", "docker service rollback SERVICE",
        _send(_rollback_op), _rollback_op),
    _op("ops.image", "u", "Image", "docker service update --image IMAGE SERVICE",
        update_image, _image_preview),
    _op("ops.service_rm", "ctrl+d", "Remove", "docker service rm SERVICE (type its name to "
        "confirm)", _send(_remove_op, destructive=True), _remove_op),
    _form("new-service", "n", "New service", "docker service create … from a form",
          forms.new_service, footer=20),
    _form("edit-service", "e", "Edit service", "change the selected service; the spec diff "
          "is shown before it is applied", forms.edit_service, needs_selection=True),
    _form("attach-network", "a", "Attach service to a network",
          "docker service update --network-add", forms.attach_network, needs_selection=True),
    _form("detach-network", "A", "Detach service from a network",
          "docker service update --network-rm", forms.detach_network, needs_selection=True),
)

PANE = Pane("services", "Services", "service", COLUMNS, frozenset({"services"}),
            "no services: docker service create …", rows, lambda snap: len(snap.services),
            ACTIONS)
