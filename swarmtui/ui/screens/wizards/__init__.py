"""The swarm wizards of issue 6, behind ONE entry point for the app.

    from swarmtui.ui.screens.wizards import WIZARDS, open_wizard, WizardCommands

* `WIZARDS: list[WizardEntry]` — each with `id`, `title`, `help`,
  `screen_factory(app) -> Screen`, `needs_swarm` (the engine must be in a swarm, as a
  manager), `mutating` (changes the cluster: refused in read-only mode).
* `open_wizard(app, wizard_id) -> bool` — checks read-only mode and the engine's swarm
  state (from `app.snapshot`, no I/O) and pushes the screen, or notifies why not.
  Read-only refuses every mutating wizard before any I/O.
* `WizardCommands` — a command-palette provider listing the wizards; add it to the
  App's `COMMANDS` (`COMMANDS = App.COMMANDS | {WizardCommands}`).
* `WIZARD_KEYS` — suggested key bindings (`Binding(key, f"wizard('{id}')", …, id=…)`
  with an `action_wizard(self, wid)` that calls `open_wizard(self, wid)`).

Screens (each a module): init_swarm.InitSwarmScreen, bootstrap.BootstrapScreen,
bootstrap_many.BootstrapManyScreen,
tokens.TokensScreen (+ UnlockScreen), settings.SettingsScreen,
leave.LeaveScreen, leave.ForceNewClusterScreen. Escape closes each. All I/O runs in
workers (threads for docker-py, async for asyncssh); every change shows its docker CLI
equivalent first and is written to the audit journal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

from swarmtui.ui.context import swarm_app

if TYPE_CHECKING:
    from swarmtui.ui.app import SwarmApp


@dataclass(frozen=True)
class WizardEntry:
    id: str
    title: str
    help: str
    screen_factory: Callable[[Any], Screen[Any]]
    needs_swarm: bool
    mutating: bool


def _init(app: SwarmApp) -> Screen[Any]:
    from swarmtui.ui.screens.wizards.init_swarm import InitSwarmScreen
    from swarmtui.ui.screens.wizards.sshhost import engine_runner

    return InitSwarmScreen(runner=engine_runner(app))


def _bootstrap(app: SwarmApp) -> Screen[Any]:
    from swarmtui.ui.screens.wizards.bootstrap import BootstrapScreen

    return BootstrapScreen()


def _bootstrap_many(app: SwarmApp) -> Screen[Any]:
    from swarmtui.ui.screens.wizards.bootstrap_many import BootstrapManyScreen

    return BootstrapManyScreen()


def _tokens(app: SwarmApp) -> Screen[Any]:
    from swarmtui.ui.screens.wizards.tokens import TokensScreen

    return TokensScreen()


def _settings(app: SwarmApp) -> Screen[Any]:
    from swarmtui.ui.screens.wizards.settings import SettingsScreen

    return SettingsScreen()


def _leave(app: SwarmApp) -> Screen[Any]:
    from swarmtui.ui.screens.wizards.leave import LeaveScreen

    return LeaveScreen()


def _force(app: SwarmApp) -> Screen[Any]:
    from swarmtui.ui.screens.wizards.leave import ForceNewClusterScreen

    return ForceNewClusterScreen()


WIZARDS: list[WizardEntry] = [
    WizardEntry("init", "Initialise a swarm",
                "docker swarm init on an engine that is not in a swarm", _init,
                needs_swarm=False, mutating=True),
    WizardEntry("bootstrap", "Bootstrap a new host",
                "install Docker, open ports and join a host over SSH, step by step",
                _bootstrap, needs_swarm=True, mutating=True),
    WizardEntry("bootstrap-many", "Bootstrap several hosts",
                "probe and join several hosts at once (same role)", _bootstrap_many,
                needs_swarm=True, mutating=True),
    WizardEntry("tokens", "Join tokens & keys",
                "join commands, token rotation, autolock, unlock keys, unlock a manager",
                _tokens, needs_swarm=True, mutating=True),
    WizardEntry("settings", "Swarm settings",
                "certificate expiry, dispatcher heartbeat, task history; CA dates",
                _settings, needs_swarm=True, mutating=True),
    WizardEntry("leave", "Leave the swarm", "docker swarm leave on the connected engine",
                _leave, needs_swarm=False, mutating=True),
    WizardEntry("force-new-cluster", "Recover quorum (force-new-cluster)",
                "docker swarm init --force-new-cluster on a surviving manager", _force,
                needs_swarm=False, mutating=True),
]

#: suggested main-screen keys (free there at the time of writing; ctrl+i would be Tab)
WIZARD_KEYS: dict[str, str] = {"init": "I", "bootstrap": "B", "tokens": "T",
                               "settings": "G"}

READ_ONLY_REFUSAL = ("read-only mode: the {title} wizard changes the cluster, so it is not "
                     "opened (restart without --read-only to use it)")


def wizard(wizard_id: str) -> WizardEntry:
    for entry in WIZARDS:
        if entry.id == wizard_id:
            return entry
    raise KeyError(f"no wizard {wizard_id!r} (known: {', '.join(w.id for w in WIZARDS)})")


def refusal(app: SwarmApp, entry: WizardEntry) -> str | None:
    """Why `entry` cannot open now, from what the app already knows (no I/O)."""
    if entry.mutating and app.read_only:
        return READ_ONLY_REFUSAL.format(title=entry.title)
    if app.store is None:
        return "not connected to a Docker engine yet"
    snap = app.snapshot
    if snap is None:
        return None  # not known yet: the screen reports what the engine says
    if entry.id == "init" and snap.in_swarm:
        return "this engine is already in a swarm (leave it first to initialise a new one)"
    if entry.needs_swarm and not snap.is_manager:
        return snap.message or "this engine is not a swarm manager"
    return None


def open_wizard(app: SwarmApp, wizard_id: str) -> bool:
    """Push the wizard's screen, or notify why it cannot open. True if opened."""
    entry = wizard(wizard_id)
    why = refusal(app, entry)
    if why is not None:
        app.notify(why, title=entry.title, severity="warning")
        return False
    app.push_screen(entry.screen_factory(app))
    return True


class WizardCommands(Provider):
    """Command palette: the wizards (read-only mode hides the mutating ones)."""

    def _entries(self) -> list[WizardEntry]:
        ro = swarm_app(self).read_only
        return [w for w in WIZARDS if not (ro and w.mutating)]

    async def discover(self) -> Hits:
        for w in self._entries():
            yield DiscoveryHit(w.title, partial(open_wizard, swarm_app(self), w.id), help=w.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for w in self._entries():
            score = matcher.match(w.title)
            if score > 0:
                yield Hit(score, matcher.highlight(w.title),
                          partial(open_wizard, swarm_app(self), w.id), help=w.help)


__all__ = ["READ_ONLY_REFUSAL", "WIZARDS", "WIZARD_KEYS", "WizardCommands", "WizardEntry",
           "open_wizard", "refusal", "wizard"]
