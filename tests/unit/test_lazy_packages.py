"""Packages whose names load on first use (PEP 562, start-up time: issue 17)."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

LAZY = ("swarmtui.bootstrap", "swarmtui.connect", "swarmtui.swarm.create", "swarmtui.swarm.ops")


@pytest.mark.parametrize("name", LAZY)
def test_every_public_name_resolves_to_its_module(name: str) -> None:
    pkg = importlib.import_module(name)
    where = pkg._WHERE
    assert sorted(where) == sorted(pkg.__all__)
    for attr, module in where.items():
        value = getattr(pkg, attr)
        assert getattr(importlib.import_module(f"{name}.{module}"), attr) is value


@pytest.mark.parametrize("name", LAZY)
def test_an_unknown_name_is_an_attribute_error(name: str) -> None:
    pkg = importlib.import_module(name)
    with pytest.raises(AttributeError, match="no_such_name"):
        pkg.no_such_name  # noqa: B018
    with pytest.raises(ImportError):
        exec(f"from {name} import no_such_name")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "; import sys; print(*sys.modules)"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_one_name_does_not_load_the_rest() -> None:
    loaded = _modules_after("from swarmtui.swarm.create import Inventory")
    assert "swarmtui.swarm.create.inventory" in loaded
    assert "swarmtui.swarm.create.compose" not in loaded and "yaml" not in loaded
    loaded = _modules_after("from swarmtui.connect import parse_endpoint")
    assert "asyncssh" not in loaded
    loaded = _modules_after("from swarmtui.swarm.create import RemoveStack")
    assert "yaml" not in loaded  # the compose parser loads when a stack is deployed


def test_the_first_screen_does_not_load_forms_wizards_or_the_inspect_view() -> None:
    loaded = _modules_after("import swarmtui.ui.app")
    for later in ("swarmtui.bootstrap.facts", "swarmtui.bootstrap.runner",
                  "swarmtui.bootstrap.plan", "swarmtui.swarm.create.service_form",
                  "swarmtui.swarm.create.service_ops", "swarmtui.ui.screens.inspect",
                  "swarmtui.ui.screens.logs", "pygments", "yaml"):
        assert later not in loaded, later
    assert "swarmtui.bootstrap.engine" in loaded  # the node doctor's engine control
