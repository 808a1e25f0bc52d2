"""Each wizard's factory names a module and a screen class that exist (they load on first
use, by name: a misspelt one would fail only when its key is pressed)."""

from __future__ import annotations

from swarmtui.ui import actions
from swarmtui.ui.screens.wizards import factories


def test_every_wizard_in_the_registry_has_a_factory_that_resolves() -> None:
    wizards = [a for a in actions.ACTIONS if a.id.startswith("wizard.")]
    assert wizards
    for action in wizards:
        name = action.id.removeprefix("wizard.").replace("-", "_")
        factory = getattr(factories, name, None)
        assert callable(factory), action.id
        cells = [c.cell_contents for c in (getattr(factory, "__closure__", None) or ())]
        if cells:  # a plain factory: (module, screen) resolve to a Screen subclass
            from importlib import import_module

            from textual.screen import Screen

            module, screen = (c for c in cells if isinstance(c, str))
            cls = getattr(import_module(f"swarmtui.ui.screens.wizards.{module}"), screen)
            assert issubclass(cls, Screen), action.id
