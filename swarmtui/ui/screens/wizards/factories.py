"""What the swarm wizards of issue 6 open: one factory per wizard (a module of its own:
defined in the package, `backup`, `leave`, `tokens`, … were replaced by the submodules of
the same names as soon as one was imported, and the registry then called a module).

Each ``name(app, selected) -> Screen`` builds a wizard's screen (``selected`` is unused:
wizards act on the connected engine). Their keys, read-only refusal, swarm-state
checks and palette entries are declared in the action registry (``ui/actions.py``,
ids ``wizard.<name>``); open one with
``swarmtui.ui.actions.open_action(app, "wizard.tokens")``.

Screens (each a module): init_swarm.InitSwarmScreen, bootstrap.BootstrapScreen,
bootstrap_many.BootstrapManyScreen,
tokens.TokensScreen (+ UnlockScreen), settings.SettingsScreen,
leave.LeaveScreen, leave.ForceNewClusterScreen, backup.BackupScreen,
recovery.RecoveryScreen. Escape closes each. All I/O runs in
workers (threads for docker-py, async for asyncssh); every change shows its docker CLI
equivalent first and is written to the audit journal.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING, Any, cast

from textual.screen import Screen

if TYPE_CHECKING:
    from swarmtui.ui.app import SwarmApp


def init(app: SwarmApp, selected: str | None) -> Screen[Any]:
    from swarmtui.ui.screens.wizards.init_swarm import InitSwarmScreen
    from swarmtui.ui.screens.wizards.sshhost import engine_runner

    return InitSwarmScreen(runner=engine_runner(app))


def _plain(module: str, screen: str) -> Callable[[SwarmApp, str | None], Screen[Any]]:
    """The factory of a wizard whose screen takes no argument (its module loads on first
    use: the first screen needs none of them)."""
    def make(app: SwarmApp, selected: str | None) -> Screen[Any]:
        cls = getattr(import_module(f"swarmtui.ui.screens.wizards.{module}"), screen)
        return cast("Screen[Any]", cls())
    return make


bootstrap = _plain("bootstrap", "BootstrapScreen")
bootstrap_many = _plain("bootstrap_many", "BootstrapManyScreen")
tokens = _plain("tokens", "TokensScreen")
settings = _plain("settings", "SettingsScreen")
leave = _plain("leave", "LeaveScreen")
force_new_cluster = _plain("leave", "ForceNewClusterScreen")
backup = _plain("backup", "BackupScreen")
recover = _plain("recovery", "RecoveryScreen")
