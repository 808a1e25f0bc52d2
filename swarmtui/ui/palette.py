"""Command palette providers (ctrl+p and `:`), on Textual's `Provider` API.

* `SwarmtuiEntries` — swarmtui's own entries (read-only: no change listed; a typed
  search finds them dimmed, marked read-only, below the rest), in one order (Textual
  runs its providers side by side, so entries of several came in an order that changed
  from run to run):
  on the main screen the actions of the pane shown first (its keys, forms and wizards),
  then the screen's other keys, then the other forms and wizards (every screen): each
  group in the footer's order, then the registry's; then help, the walkthrough and the
  tour; cluster profiles. Another screen's own keys come first, in their order.
* `JumpTo` — any node, service or network by name: opens its detail screen.
* `ThemeCommands` — switch theme.
* `SystemCommands` — Textual's own (keys, maximize, quit, screenshot, theme).

The palette opens on swarmtui's commands: the themes and Textual's own are found when
typed ("theme", "quit"); listed first, they pushed swarmtui's a page down.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher
from textual.screen import Screen
from textual.system_commands import SystemCommandsProvider

from swarmtui.ui.actions import ACTIONS, BY_ID, live, open_action
from swarmtui.ui.context import swarm_app

Command = tuple[str, Callable[[], Any], str]
#: registry actions the palette lists on every screen (ActionCommands), not twice
PALETTE_IDS = frozenset(a.id for a in ACTIONS if a.palette)
#: the registry's order
RANK = {a.id: n for n, a in enumerate(ACTIONS)}


def palette_score(matcher: Matcher, title: str, help: str) -> float:
    """A palette entry's score: its title's fuzzy match; else, lower, every typed word in
    its help ("unlock" finds "Join tokens & keys", whose help says unlock)."""
    score = matcher.match(title)
    if score > 0:
        return score
    words = matcher.query.lower().split()
    text = help.lower()
    return 0.1 if words and all(w in text for w in words) else 0.0


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
        for hit in self.hits(self.matcher(query), self.commands()):
            yield hit

    @staticmethod
    def hits(matcher: Matcher, commands: Iterable[Command]) -> Iterator[Hit]:
        for title, callback, text in commands:
            score = palette_score(matcher, title, text)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=text)


Ranked = list[tuple[tuple[int, int, int], Command]]


class SwarmtuiEntries(_ListProvider):
    """swarmtui's own entries, in the order the module's docstring gives. Read-only leaves
    every change out of the list the palette opens on (k9s binds no dangerous key in
    read-only; a dimmed entry refused when chosen is only noise at the top); a search
    still finds one, below the rest, dimmed, saying why it is refused."""

    def commands(self) -> Iterator[Command]:
        yield from self.listed()[0]

    def listed(self) -> tuple[list[Command], list[Command]]:
        """What the palette lists, and (read-only) the changes left out, in rank order."""
        refused: Ranked = []
        ranked = [*self.screen_keys(refused), *self.registry_entries(refused)]
        ranked.sort(key=lambda entry: entry[0])  # stable: a screen's own keys in order
        listed = [command for _, command in ranked]
        listed += [*self.swarmtui_commands(), *self.profiles()]
        left_out = [(title, callback, f"READ-ONLY: refused (it shows the command it would "
                                      f"send) · {text}")
                    for _, (title, callback, text) in sorted(refused, key=lambda e: e[0])]
        return listed, left_out

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        listed, refused = self.listed()
        for hit in self.hits(matcher, listed):
            yield hit
        for title, callback, text in refused:
            score = palette_score(matcher, title, text)
            if score > 0:  # below what can be done, dimmed
                shown = matcher.highlight(title).stylize("dim").append(
                    Content.styled(" (read-only)", "dim italic"))
                yield Hit(score / 2, shown, callback, help=text)

    def rank(self, action_id: str) -> tuple[int, int, int]:
        """Where a registry action goes: the pane's own (live on the pane shown) first,
        then the other keys, then the forms and wizards; in each, the footer's order,
        then the registry's."""
        from swarmtui.ui.screens.main import MainScreen  # the palette loads before it

        a = BY_ID[action_id]
        screen = self.screen
        here = bool(a.panes) and isinstance(screen, MainScreen) and live(screen, a.id)
        return (0 if here else 2 if a.palette else 1, a.footer or 1000, RANK[a.id])

    def screen_keys(self, refused: Ranked) -> Ranked:
        """What the keys of the current screen do, runnable by name: swarmtui's actions,
        not a widget's cursor keys (Up, Page down, …) nor Textual's own (Focus Next,
        Copy); read-only, the changes go to `refused`."""
        app = self.app
        read_only = bool(swarm_app(self).read_only)
        seen: set[str] = set()
        found: Ranked = []
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
                    continue  # the palette's own keys; registry_entries lists forms, wizards
                if app._check_action_state(binding.action, namespace) is False:
                    continue
                seen.add(ident)
                # a key of no registry (a detail screen's own) keeps its place, first
                rank = self.rank(ident) if ident in BY_ID else (0, 0, 0)
                is_change = read_only and ident in BY_ID and BY_ID[ident].mutating
                (refused if is_change else found).append((rank, (
                    binding.description, partial(_run_action, app, binding.action, namespace),
                    f"key {app.get_key_display(binding.with_key(key))}"
                    + (f" · {binding.tooltip}" if binding.tooltip else ""))))
        return found

    def registry_entries(self, refused: Ranked) -> Ranked:
        """The forms and wizards (read-only, the mutating ones go to `refused`)."""
        app = swarm_app(self)
        read_only = bool(app.read_only)
        found: Ranked = []
        for a in ACTIONS:
            if a.palette:
                key = f"key {app.get_key_display(Binding(a.key, ''))} · " if a.key else ""
                (refused if read_only and a.mutating else found).append((
                    self.rank(a.id), (a.title, partial(open_action, app, a.id), key + a.help)))
        return found

    def profiles(self) -> Iterator[Command]:
        app = swarm_app(self)
        profiles = app.settings.profiles if app.settings is not None else {}
        for name, prof in sorted(profiles.items()):
            yield (f"profile {name}", partial(app.switch_profile, name),
                   ", ".join(prof.managers) or "connect to this cluster")

    def swarmtui_commands(self) -> Iterator[Command]:
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
