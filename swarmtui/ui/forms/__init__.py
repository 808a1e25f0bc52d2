"""Create and change forms of issue 8, behind ONE entry point for the app.

    from swarmtui.ui.forms import FORM_ACTIONS, FormCommands, open_form

* ``FORM_ACTIONS: list[FormAction]`` — each with ``id``, ``title``, ``help``,
  ``key_suggestion`` (a key for the pane it belongs to, or None: palette only),
  ``pane`` ("services", "networks", "stacks" or None), ``factory(app, selected) ->
  Screen``, ``mutating`` (refused in read-only mode before any I/O) and
  ``needs_selection`` (it acts on the pane's cursor row).
* ``open_form(app, action_id, selected=None) -> bool`` — refuses mutating actions in
  read-only mode (a notification, nothing pushed, no I/O), asks for a selection when
  one is needed, builds the screen and pushes it. `selected` is the main screen's
  cursor key on that pane: a service ID (or name), a network ID (or name), a stack
  name. Wire pane keys like::

      Binding("n", "form('new-service')", "New service", id="forms.new-service")
      def action_form(self, action_id):   # on MainScreen
          open_form(self.app, action_id, self.active_table.cursor_key)

  (only when ``self.active_kind == action.pane``; ``actions_for_pane(kind)`` lists them).
* ``FormCommands`` — a command-palette provider listing every action (the mutating
  ones hidden in read-only mode); add it to the App's ``COMMANDS``. From the palette
  the selection is the main screen's cursor row when it is on the action's pane.

Screens: service.ServiceFormScreen (new / edit), network.NetworkFormScreen,
network.ServiceNetworksScreen (attach / detach), stack.StackDeployScreen,
objects.ObjectsScreen (secrets / configs lists), objects.NewObjectScreen. Submitting
goes through ``flow.confirmation`` to the one confirm and progress screens,
flow.ConfirmScreen / flow.ProgressScreen (CLI + guard preview + typed confirmation;
run_operation → audit journal; convergence followed). Escape closes each; all Docker
I/O runs in thread workers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

from swarmtui.swarm.create import Inventory, RemoveNetwork, RemoveStack

READ_ONLY_REFUSAL = ("read-only mode: {title} changes the cluster, so it is not opened "
                     "(restart without --read-only to use it)")


@dataclass(frozen=True)
class FormAction:
    id: str
    title: str
    help: str
    key_suggestion: str | None
    #: the main-screen pane it belongs to (None: command palette only)
    pane: str | None
    factory: Callable[[Any, str | None], Screen[Any]]
    mutating: bool
    needs_selection: bool = False


def _service_name(app: Any, selected: str | None) -> str:
    snap = getattr(app, "snapshot", None)
    svc = Inventory.of(snap).service(selected or "") if snap is not None else None
    if svc is None:
        raise LookupError(f"no service {selected!r} in the current view")
    return svc.name


def _network_name(app: Any, selected: str | None) -> str:
    snap = getattr(app, "snapshot", None)
    net = Inventory.of(snap).network(selected or "") if snap is not None else None
    if net is None:
        raise LookupError(f"no network {selected!r} in the current view")
    return net.name


def _new_service(app: Any, selected: str | None) -> Screen[Any]:
    from swarmtui.ui.forms.service import ServiceFormScreen

    return ServiceFormScreen()


def _edit_service(app: Any, selected: str | None) -> Screen[Any]:
    from swarmtui.ui.forms.service import ServiceFormScreen

    return ServiceFormScreen.for_service(app, _service_name(app, selected))


def _networks_of(attach: bool, app: Any, selected: str | None) -> Screen[Any]:
    from swarmtui.ui.forms.network import ServiceNetworksScreen

    return ServiceNetworksScreen(_service_name(app, selected), attach=attach)


def _new_network(app: Any, selected: str | None) -> Screen[Any]:
    from swarmtui.ui.forms.network import NetworkFormScreen

    return NetworkFormScreen()


def _remove_network(app: Any, selected: str | None) -> Screen[Any]:
    from swarmtui.ui.flow import confirmation

    return confirmation(app, RemoveNetwork(_network_name(app, selected)))


def _deploy_stack(app: Any, selected: str | None) -> Screen[Any]:
    from swarmtui.ui.forms.stack import StackDeployScreen

    return StackDeployScreen(stack=selected or "")


def _remove_stack(app: Any, selected: str | None) -> Screen[Any]:
    from swarmtui.ui.flow import confirmation

    if not selected:
        raise LookupError("no stack selected")
    return confirmation(app, RemoveStack(selected))


def _objects(kind: str, app: Any, selected: str | None) -> Screen[Any]:
    from swarmtui.ui.forms.objects import ObjectsScreen

    return ObjectsScreen(kind)


def _new_object(kind: str, app: Any, selected: str | None) -> Screen[Any]:
    from swarmtui.ui.forms.objects import NewObjectScreen

    return NewObjectScreen(kind)


FORM_ACTIONS: list[FormAction] = [
    FormAction("new-service", "New service", "docker service create … from a form",
               "n", "services", _new_service, mutating=True),
    FormAction("edit-service", "Edit service", "change the selected service; the spec diff "
               "is shown before it is applied", "e", "services", _edit_service,
               mutating=True, needs_selection=True),
    FormAction("attach-network", "Attach service to a network",
               "docker service update --network-add", "a", "services",
               partial(_networks_of, True), mutating=True, needs_selection=True),
    FormAction("detach-network", "Detach service from a network",
               "docker service update --network-rm", "A", "services",
               partial(_networks_of, False), mutating=True, needs_selection=True),
    FormAction("new-network", "New overlay network", "docker network create -d overlay …",
               "N", "networks", _new_network, mutating=True),
    FormAction("remove-network", "Remove network", "docker network rm (refused while "
               "services use it)", "delete", "networks", _remove_network, mutating=True,
               needs_selection=True),
    FormAction("deploy-stack", "Deploy a stack", "docker stack deploy -c FILE from a compose "
               "file on this machine", "d", "stacks", _deploy_stack, mutating=True),
    FormAction("remove-stack", "Remove stack", "docker stack rm (typed confirmation)",
               "delete", "stacks", _remove_stack, mutating=True, needs_selection=True),
    FormAction("secrets", "Secrets", "list secrets (never their data), who uses them; "
               "create, remove", None, None, partial(_objects, "secret"), mutating=False),
    FormAction("configs", "Configs", "list configs, who uses them; create, remove",
               None, None, partial(_objects, "config"), mutating=False),
    FormAction("new-secret", "New secret", "docker secret create from typed text or a file",
               None, None, partial(_new_object, "secret"), mutating=True),
    FormAction("new-config", "New config", "docker config create from typed text or a file",
               None, None, partial(_new_object, "config"), mutating=True),
]


def form_action(action_id: str) -> FormAction:
    for a in FORM_ACTIONS:
        if a.id == action_id:
            return a
    raise KeyError(f"no form {action_id!r} (known: {', '.join(a.id for a in FORM_ACTIONS)})")


def actions_for_pane(pane: str) -> list[FormAction]:
    return [a for a in FORM_ACTIONS if a.pane == pane]


def refusal(app: Any, action: FormAction, selected: str | None = None) -> str | None:
    """Why `action` cannot open now, from what the app already knows (no I/O)."""
    if action.mutating and bool(getattr(app, "read_only", False)):
        return READ_ONLY_REFUSAL.format(title=action.title)
    if getattr(app, "backend", None) is None:
        return "not connected to a Docker engine yet"
    snap = getattr(app, "snapshot", None)
    if snap is not None and not snap.is_manager:
        return snap.message or "this engine is not a swarm manager"
    if action.needs_selection and not selected:
        where = f" on the {action.pane} pane" if action.pane else ""
        return f"{action.title}: select a row{where} first"
    return None


def open_form(app: Any, action_id: str, selected: str | None = None) -> bool:
    """Push the action's screen, or notify why it cannot open. True if opened."""
    action = form_action(action_id)
    why = refusal(app, action, selected)
    if why is None:
        try:
            screen = action.factory(app, selected)
        except LookupError as exc:
            why = str(exc)
    if why is not None:
        app.notify(why, title=action.title, severity="warning")
        return False
    app.push_screen(screen)
    return True


def _palette_selection(app: Any, action: FormAction) -> str | None:
    """The main screen's cursor row, when it shows the action's pane."""
    for screen in getattr(app, "screen_stack", []):
        kind = getattr(screen, "active_kind", None)
        if kind is not None and kind == action.pane:
            try:
                return screen.active_table.cursor_key  # type: ignore[no-any-return]
            except Exception:
                return None
    return None


def _open_from_palette(app: Any, action: FormAction) -> None:
    open_form(app, action.id, _palette_selection(app, action))


class FormCommands(Provider):
    """Command palette: the forms (read-only mode hides the mutating ones)."""

    def _entries(self) -> list[FormAction]:
        ro = bool(getattr(self.app, "read_only", False))
        return [a for a in FORM_ACTIONS if not (ro and a.mutating)]

    async def discover(self) -> Hits:
        for a in self._entries():
            yield DiscoveryHit(a.title, partial(_open_from_palette, self.app, a), help=a.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for a in self._entries():
            score = matcher.match(a.title)
            if score > 0:
                yield Hit(score, matcher.highlight(a.title),
                          partial(_open_from_palette, self.app, a), help=a.help)


__all__ = ["FORM_ACTIONS", "READ_ONLY_REFUSAL", "FormAction", "FormCommands",
           "actions_for_pane", "form_action", "open_form", "refusal"]
