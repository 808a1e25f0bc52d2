"""Walkthrough mode: each action's docker command and what Swarm does; script export."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from swarmtui.swarm import create as create_pkg
from swarmtui.swarm import ops as ops_pkg
from swarmtui.swarm import reach as reach_pkg
from swarmtui.swarm.ops import Operation
from swarmtui.swarm.ops.nodes import _AVAIL_NAMES
from swarmtui.ui.walkthrough import EXPLANATIONS, UNKNOWN, explain, record_action
from tests.functional.conftest import static_app


def _operation_names() -> set[str]:
    for pkg in (ops_pkg, create_pkg, reach_pkg):
        for mod in pkgutil.iter_modules(pkg.__path__):
            importlib.import_module(f"{pkg.__name__}.{mod.name}")
    importlib.import_module("swarmtui.swarm.swarmspec")
    names: set[str] = set()
    todo = list(Operation.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if isinstance(cls.__dict__.get("name"), str) and cls.__dict__["name"]:
            names.add(cls.__dict__["name"])
    names |= set(_AVAIL_NAMES.values())  # drain / activate / pause, set in __init__
    names |= {f"{verb} {kind}" for verb in ("create", "remove") for kind in ("secret", "config")}
    # engine-level actions by their short names too (the bootstrap's join is not an
    # Operation subclass of swarm.ops)
    names |= {"init", "join", "leave", "unlock", "force-new-cluster"}
    return names


def test_every_operation_kind_has_a_two_line_explanation() -> None:
    names = _operation_names()
    assert {"drain", "scale", "promote", "create service", "rotate join token"} <= names
    missing = sorted(n for n in names if explain(n) == UNKNOWN)
    assert missing == []
    for name, lines in EXPLANATIONS.items():
        assert len(lines) == 2 and all(line.strip() for line in lines), name
    assert "standalone containers are not touched" in " ".join(explain("drain"))


def _exported(directory: Path) -> tuple[list[Path], str]:
    scripts = list(directory.glob("swarmtui-session-*.sh"))
    return scripts, scripts[0].read_text() if scripts else ""


async def test_panel_shows_each_action_and_the_script_is_exported(tmp_path: Path) -> None:
    app = static_app()
    app.export_dir = tmp_path
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        panel = app.screen.query_one("#walkthrough")
        assert not panel.display
        await pilot.press("w")
        assert panel.display
        record_action(app, "docker node update --availability drain node2", "drain", True)
        record_action(app, "docker service scale web=0", "scale", False)
        record_action(app, "docker swarm join --token SWMTKN-1-abcdefabcdefabcdefabcdefabcdef"
                           "abcdefabcdefabcdef-0123456789abcdef0123456789 10.0.0.1:2377",
                      "join", True)
        await pilot.pause()
        text = " ".join(str(s.render()) for s in panel.query(".wt-entry"))
        assert "docker node update --availability drain node2" in text
        assert "starts replacements on Active nodes" in text
        assert "failed" in text and "SWMTKN-1-abcdef" not in text
        await pilot.press("W")
        await pilot.pause()
        scripts, body = _exported(tmp_path)
        assert len(scripts) == 1
        assert body.startswith("#!/bin/sh")
        lines = body.splitlines()
        assert "docker node update --availability drain node2" in lines
        assert "# FAILED: docker service scale web=0" in lines
        assert "SWMTKN-1-abcdef" not in body  # join tokens never reach the file
        notes = [n.message for n in app._notifications]
        assert any(str(scripts[0]) in m for m in notes), notes
        await pilot.press("w")
        assert not panel.display
