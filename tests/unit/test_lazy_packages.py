"""Packages import nothing: each name is imported from its module, so one module never
loads the rest (start-up time: issue 17)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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


def test_the_first_screen_does_not_load_the_change_flow_the_operations_or_text_areas() -> None:
    """A key's confirm → progress flow and its Operation load when the key is pressed, and
    Textual's TextArea (its documents, its themes) when a form has one: ~110 M of the start
    imports' 1.9 G instructions (valgrind)."""
    loaded = _modules_after("import swarmtui.ui.app")
    for later in ("swarmtui.ui.flow", "swarmtui.ui.flow.confirm", "swarmtui.ui.flow.progress",
                  "swarmtui.swarm.ops.runner", "swarmtui.swarm.ops.services",
                  "swarmtui.swarm.ops.nodes", "swarmtui.swarm.ops.node_labels",
                  "swarmtui.swarm.reach.ops", "swarmtui.swarm.reach.prune",
                  "textual.widgets._text_area", "textual.document._document"):
        assert later not in loaded, later
    assert "swarmtui.ui.panes.nodes" in loaded  # the test can fail: the panes did load


def test_the_start_path_does_not_load_docker_py() -> None:
    """The first view reads through connect/httpget.py: docker-py (requests, urllib3, …:
    ~0.1 s of CPU) loads when a change, logs or exec first need it."""
    loaded = _modules_after("import swarmtui.cli, swarmtui.startup, swarmtui.connect.link, "
                            "swarmtui.swarm.sync.link, swarmtui.ui.launch")
    for later in ("docker", "requests", "urllib3"):
        assert later not in loaded, later


def test_a_start_on_a_local_socket_does_not_load_asyncssh(tmp_path: Path) -> None:
    """asyncssh (~0.2 s of CPU) loads for an SSH target only: `swarmtui unix:///…` (on a
    manager itself) and tcp:// starts go without it, its connection attempt included."""
    code = (
        "import asyncio, swarmtui.cli as cli, swarmtui.startup as st, swarmtui.ui.launch\n"
        f"args = cli.build_parser().parse_args(['--config', {str(tmp_path / 'c.toml')!r}, "
        f"'unix://{tmp_path}/none.sock'])\n"
        "early = st.begin(args)\n"
        "async def tried():\n"
        "    await asyncio.wait([early.store._connecting])\n"
        "asyncio.run_coroutine_threadsafe(tried(), early.loop).result(20)\n"
        "assert early.store._connect_error is not None"  # it tried: there is no socket
    )
    loaded = _modules_after(code)
    assert "swarmtui.connect.link" in loaded and "swarmtui.ui.app" in loaded
    assert not {m for m in loaded if m == "asyncssh" or m.startswith("asyncssh.")}
    ssh = _modules_after("import swarmtui.connect.sshopen")
    assert "asyncssh" in ssh  # the test can fail: an SSH connection does load it
