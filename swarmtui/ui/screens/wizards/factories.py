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

from typing import TYPE_CHECKING, Any

from textual.screen import Screen

if TYPE_CHECKING:
    from swarmtui.ui.app import SwarmApp


def init(app: SwarmApp, selected: str | None) -> Screen[Any]:
    from swarmtui.ui.screens.wizards.init_swarm import InitSwarmScreen
    from swarmtui.ui.screens.wizards.sshhost import engine_runner

    return InitSwarmScreen(runner=engine_runner(app))


def bootstrap(app: SwarmApp, selected: str | None) -> Screen[Any]:
    from swarmtui.ui.screens.wizards.bootstrap import BootstrapScreen

    return BootstrapScreen()


def bootstrap_many(app: SwarmApp, selected: str | None) -> Screen[Any]:
    from swarmtui.ui.screens.wizards.bootstrap_many import BootstrapManyScreen

    return BootstrapManyScreen()


def tokens(app: SwarmApp, selected: str | None) -> Screen[Any]:
    from swarmtui.ui.screens.wizards.tokens import TokensScreen

    return TokensScreen()


def settings(app: SwarmApp, selected: str | None) -> Screen[Any]:
    from swarmtui.ui.screens.wizards.settings import SettingsScreen

    return SettingsScreen()


def leave(app: SwarmApp, selected: str | None) -> Screen[Any]:
    from swarmtui.ui.screens.wizards.leave import LeaveScreen

    return LeaveScreen()


def force_new_cluster(app: SwarmApp, selected: str | None) -> Screen[Any]:
    from swarmtui.ui.screens.wizards.leave import ForceNewClusterScreen

    return ForceNewClusterScreen()


def backup(app: SwarmApp, selected: str | None) -> Screen[Any]:
    from swarmtui.ui.screens.wizards.backup import BackupScreen

    return BackupScreen()


def recover(app: SwarmApp, selected: str | None) -> Screen[Any]:
    from swarmtui.ui.screens.wizards.recovery import RecoveryScreen

    return RecoveryScreen()
