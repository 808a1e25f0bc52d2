"""What the create and change forms of issue 8 open: one factory per form.

Each ``name(app, selected) -> Screen`` builds a form's screen; ``selected`` is the main
screen's cursor key on the form's pane (a service ID or name, a network ID or name, a
stack name). A factory raises LookupError when the selection names nothing. The keys,
panes, read-only refusal and palette entries of the forms are declared in the action
registry (``ui/actions.py`` and ``ui/panes/*.py``, ids ``forms.<name>``); open one with
``swarmtui.ui.actions.open_action(app, "forms.new-service", selected)``.

Screens: service.ServiceFormScreen (new / edit), network.NetworkFormScreen,
network.ServiceNetworksScreen (attach / detach), stack.StackDeployScreen,
objects.ObjectsScreen (secrets / configs lists), objects.NewObjectScreen. Submitting
goes through ``flow.confirmation`` to the one confirm and progress screens,
flow.ConfirmScreen / flow.ProgressScreen (CLI + guard preview + typed confirmation;
run_operation → audit journal; convergence followed). Escape closes each; all Docker
I/O runs in thread workers.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from textual.screen import Screen

if TYPE_CHECKING:
    from swarmtui.ui.app import SwarmApp


def _selected_name(app: SwarmApp, kind: Literal["service", "network"],
                   selected: str | None) -> str:
    """The name of the selected service/network in the app's snapshot; LookupError if
    it is not there (any more). swarm.create's modules load on first use: the first
    screen needs none of them."""
    from swarmtui.swarm.create.inventory import Inventory

    snap = app.snapshot
    inv = Inventory.of(snap) if snap is not None else None
    found = None if inv is None else (
        inv.service(selected or "") if kind == "service" else inv.network(selected or ""))
    if found is None:
        raise LookupError(f"no {kind} {selected!r} in the current view")
    return found.name


def new_service(app: SwarmApp, selected: str | None) -> Screen[Any]:
    from swarmtui.ui.forms.service import ServiceFormScreen

    return ServiceFormScreen()


def edit_service(app: SwarmApp, selected: str | None) -> Screen[Any]:
    from swarmtui.ui.forms.service import ServiceFormScreen

    return ServiceFormScreen.for_service(app, _selected_name(app, "service", selected))


def _networks_of(attach: bool, app: SwarmApp, selected: str | None) -> Screen[Any]:
    from swarmtui.ui.forms.network import ServiceNetworksScreen

    return ServiceNetworksScreen(_selected_name(app, "service", selected), attach=attach)


attach_network = partial(_networks_of, True)
detach_network = partial(_networks_of, False)


def new_network(app: SwarmApp, selected: str | None) -> Screen[Any]:
    from swarmtui.ui.forms.network import NetworkFormScreen

    return NetworkFormScreen()


def remove_network(app: SwarmApp, selected: str | None) -> Screen[Any]:
    from swarmtui.swarm.create.network import RemoveNetwork
    from swarmtui.ui.flow import confirmation

    return confirmation(app, RemoveNetwork(_selected_name(app, "network", selected)))


def deploy_stack(app: SwarmApp, selected: str | None) -> Screen[Any]:
    from swarmtui.ui.forms.stack import StackDeployScreen

    return StackDeployScreen(stack=selected or "")


def remove_stack(app: SwarmApp, selected: str | None) -> Screen[Any]:
    from swarmtui.swarm.create.stack import RemoveStack
    from swarmtui.ui.flow import confirmation

    if not selected:
        raise LookupError("no stack selected")
    return confirmation(app, RemoveStack(selected))


def _objects(kind: str, app: SwarmApp, selected: str | None) -> Screen[Any]:
    from swarmtui.ui.forms.objects import ObjectsScreen

    return ObjectsScreen(kind)


def _new_object(kind: str, app: SwarmApp, selected: str | None) -> Screen[Any]:
    from swarmtui.ui.forms.objects import NewObjectScreen

    return NewObjectScreen(kind)


secrets = partial(_objects, "secret")
configs = partial(_objects, "config")
new_secret = partial(_new_object, "secret")
new_config = partial(_new_object, "config")
