"""Packages import nothing: each name is imported from its module, so one module never
loads the rest (start-up time: issue 17)."""

from __future__ import annotations

import subprocess
import sys

import pytest

PACKAGES = ("swarmtui.bootstrap", "swarmtui.connect", "swarmtui.swarm.create",
            "swarmtui.swarm.ops")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "; import sys; print(*sys.modules)"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


@pytest.mark.parametrize("name", PACKAGES)
def test_a_package_loads_none_of_its_modules(name: str) -> None:
    loaded = _modules_after(f"import {name}")
    assert not {m for m in loaded if m.startswith(name + ".")}, loaded


def test_one_name_does_not_load_the_rest() -> None:
    loaded = _modules_after("from swarmtui.swarm.create.inventory import Inventory")
    assert "swarmtui.swarm.create.inventory" in loaded
    assert "swarmtui.swarm.create.compose" not in loaded and "yaml" not in loaded
    loaded = _modules_after("from swarmtui.connect.endpoint import parse_endpoint")
    assert "asyncssh" not in loaded
    loaded = _modules_after("from swarmtui.swarm.create.stack import RemoveStack")
    assert "yaml" not in loaded  # the compose parser loads when a stack is deployed


def test_the_first_screen_does_not_load_forms_wizards_or_the_inspect_view() -> None:
    loaded = _modules_after("import swarmtui.ui.app")
    for later in ("swarmtui.bootstrap.facts", "swarmtui.bootstrap.runner",
                  "swarmtui.bootstrap.plan", "swarmtui.swarm.create.service_form",
                  "swarmtui.swarm.create.service_ops", "swarmtui.ui.screens.inspect",
                  "swarmtui.ui.screens.logs", "pygments", "yaml"):
        assert later not in loaded, later
    assert "swarmtui.bootstrap.engine" in loaded  # the node doctor's engine control


def test_the_start_path_does_not_load_docker_py() -> None:
    """The first view reads through connect/httpget.py: docker-py (requests, urllib3, …:
    ~0.1 s of CPU) loads when a change, logs or exec first need it."""
    loaded = _modules_after("import swarmtui.cli, swarmtui.startup, swarmtui.connect.link, "
                            "swarmtui.swarm.sync.link, swarmtui.ui.launch")
    for later in ("docker", "requests", "urllib3"):
        assert later not in loaded, later
