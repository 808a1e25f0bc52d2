"""The app a screen or widget runs in, typed: no attribute probing with getattr.

Every app that hosts swarmtui's screens is a `SwarmApp` (tests included); the
import is for the type checker only, so screens never import ui/app.py at runtime
(ui/app.py imports the screens).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from textual.app import App

    from swarmtui.ui.app import SwarmApp


class InApp(Protocol):
    """A screen, a widget or a command provider: anything with its `app`."""

    @property
    def app(self) -> App[Any]: ...


def swarm_app(node: InApp) -> SwarmApp:
    """The SwarmApp `node` belongs to."""
    return cast("SwarmApp", node.app)
