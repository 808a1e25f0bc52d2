"""Command palette providers (ctrl+p and `:`), on Textual's `Provider` API.

* `ScreenActions` — the bindings of the screen the palette was opened from.
* `JumpTo` — any node, service or network by name: opens its detail screen.
* `ThemeCommands`, `ProfileCommands` — switch theme / cluster profile.
* `SwarmtuiCommands` — help, walkthrough toggle and export, the tour.
* `SystemCommands` — Textual's own (keys, maximize, quit, screenshot, theme).

The palette opens on swarmtui's commands: the themes and Textual's own are found when
typed ("theme", "quit"); listed first, they pushed swarmtui's a page down.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen
from textual.system_commands import SystemCommandsProvider

from swarmtui.ui.actions import ACTIONS, palette_score
from swarmtui.ui.context import swarm_app

Command = tuple[str, Callable[[], Any], str]
#: registry actions the palette lists on every screen (ActionCommands), not twice
PALETTE_IDS = frozenset(a.id for a in ACTIONS if a.palette)


def _run_action(app: Any, action: str, namespace: Any) -> None:
    app.call_later(app.run_action, action, namespace)


class _ListProvider(Provider):
    """A provider over a list of (title, callback, help); `discover` shows them all."""

    def commands(self) -> Iterator[Command]:
        raise NotImplementedError

    async def discover(self) -> Hits:
        for title, callback, text in self.commands():
            yield DiscoveryHit(title, callback, help=text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, text in self.commands():
            score = palette_score(matcher, title, text)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=text)


class ScreenActions(_ListProvider):
    """What the keys of the current screen do, runnable by name: swarmtui's actions, not
    a widget's cursor keys (Up, Page down, …) nor Textual's own (Focus Next, Copy)."""

    def commands(self) -> Iterator[Command]:
        app = self.app
        seen: set[str] = set()
        for namespace, bindings in self.screen._modal_binding_chain:
            widget = not isinstance(namespace, Screen | App)
            for key, binding in bindings:
                if not binding.description or binding.system or binding.id is None:
                    continue
                if widget and not binding.show:
                    continue  # the focused table's or field's own movement keys
                ident = binding.id or binding.action
                if ident in seen or binding.action in ("command_palette", "help") \
                        or ident in PALETTE_IDS:
                    continue  # the palette's own keys; ActionCommands lists forms, wizards
                if app._check_action_state(binding.action, namespace) is False:
                    continue
                seen.add(ident)
                yield (binding.description,
                       partial(_run_action, app, binding.action, namespace),
                       f"key {app.get_key_display(binding.with_key(key))}"
                       + (f" · {binding.tooltip}" if binding.tooltip else ""))


class JumpTo(_ListProvider):
    """Open any node, service or network by name."""

    def commands(self) -> Iterator[Command]:
        app = swarm_app(self)
        snap = app.snapshot
        if snap is None:
            return
        for n in sorted(snap.nodes.values(), key=lambda n: n.hostname):
            yield (f"node {n.hostname}", partial(app.open_object, "nodes", n.id),
                   f"{n.role} · {n.state} · {n.availability}")
        for s in sorted(snap.services.values(), key=lambda s: s.name):
            yield (f"service {s.name}", partial(app.open_object, "services", s.id),
                   f"{s.mode} · {s.image}")
        for net in sorted(snap.networks.values(), key=lambda n: n.name):
            yield (f"network {net.name}", partial(app.open_object, "networks", net.id),
                   f"{net.driver} · {net.scope}")

    async def discover(self) -> Hits:
        # names only when typed: a big cluster would flood the palette's first page
        return
        yield


class ThemeCommands(_ListProvider):
    async def discover(self) -> Hits:
        return  # found when typed ("theme"): see the module's docstring
        yield

    def commands(self) -> Iterator[Command]:
        app: Any = self.app
        for name in sorted(app.available_themes):
            if name.startswith("swarm") or name == app.theme:
                yield (f"theme {name}", partial(setattr, app, "theme", name),
                       "current theme" if name == app.theme else "switch the colours")


class SystemCommands(SystemCommandsProvider):
    """Textual's commands, found when typed."""

    async def discover(self) -> Hits:
        return
        yield


class ProfileCommands(_ListProvider):
    def commands(self) -> Iterator[Command]:
        app = swarm_app(self)
        profiles = app.settings.profiles if app.settings is not None else {}
        for name, prof in sorted(profiles.items()):
            yield (f"profile {name}", partial(app.switch_profile, name),
                   ", ".join(prof.managers) or "connect to this cluster")


class SwarmtuiCommands(_ListProvider):
    def commands(self) -> Iterator[Command]:
        app: Any = self.app
        yield ("help: keys of this screen", app.action_help, "?")
        shown = app.walkthrough.shown
        yield (("hide" if shown else "show") + " walkthrough panel",
               app.action_toggle_walkthrough,
               "the docker command and what Swarm does, for each action (w)")
        yield ("export session commands as a shell script", app.action_export_walkthrough,
               "asks where; offers the state dir's exports/ (W)")
        if app.tour is None or app.tour.done:
            yield ("start the tour", app.start_tour,
                   "a step-by-step walk through a (lab) cluster, checked on the cluster")
        learned = app.store.learned_managers() if app.store is not None else []
        if app.profile and learned:
            yield (f"remember this swarm's managers in profile {app.profile}",
                   app.remember_managers,
                   f"adds {', '.join(learned)} to the profile in the config file (comments "
                   "kept): the next start can fail over to them")
        if app.tour is not None:
            yield ("end the tour", app.end_tour, "close the tour's side panel")
