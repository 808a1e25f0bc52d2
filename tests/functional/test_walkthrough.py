"""Walkthrough mode: each action's docker command and what Swarm does; script export."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
from textual.widgets import Input

from swarmtui import audit
from swarmtui.swarm import create as create_pkg
from swarmtui.swarm import ops as ops_pkg
from swarmtui.swarm import reach as reach_pkg
from swarmtui.swarm.ops.base import Operation
from swarmtui.swarm.ops.nodes import _AVAIL_NAMES
from swarmtui.ui.screens.export import ExportScreen
from swarmtui.ui.walkthrough import EXPLANATIONS, UNKNOWN, explain, record_action
from tests.functional.conftest import static_app
from tests.functional.test_newcomer_80 import screen_lines
from tests.waiting import async_wait_for


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
        await pilot.press("W")  # asks where, the path offered in export_dir
        await async_wait_for("the export dialog", lambda: isinstance(app.screen, ExportScreen))
        assert app.screen.query_one("#export-path").value.startswith(str(tmp_path))
        await pilot.press("enter")
        await async_wait_for("the dialog closed", lambda: not isinstance(app.screen,
                                                                         ExportScreen))
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


async def test_export_asks_where_in_the_state_dir_and_names_the_host_of_a_join(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 16 item 7 at 80×24: W offers a path in the state dir, a bad path is said in
    the dialog (kept, nothing written), the written path is said; a bootstrap's steps are
    the host's (ssh HOST sh -s), and a failed multi-line step is commented out whole."""
    monkeypatch.setenv(audit.ENV_STATE_DIR, str(tmp_path / "state"))
    app = static_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        record_action(app, "apt-get install -y docker.io\ncurl --unix-socket "
                           "/var/run/docker.sock -d @join.json http://d/swarm/join",
                      "bootstrap host", True, ("root@node2",))
        record_action(app, "# root@node3\napt-get install -y docker.io\n# root@node4\n"
                           "apt-get install -y docker.io", "bootstrap host", False,
                      ("root@node3", "root@node4"))
        await pilot.press("W")
        await async_wait_for("the export dialog", lambda: isinstance(app.screen, ExportScreen))
        await pilot.pause()
        field = app.screen.query_one("#export-path", Input)
        offered = Path(field.value)
        assert offered.parent == tmp_path / "state" / "exports", offered
        assert "Write" in "\n".join(screen_lines(app))
        # a symlink at the path: refused in words, the path kept, nothing written
        elsewhere = tmp_path / "elsewhere.sh"
        (tmp_path / "link.sh").symlink_to(elsewhere)
        field.value = str(tmp_path / "link.sh")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        assert "symbolic link" in str(app.screen.query_one("#export-error").render())
        assert not elsewhere.exists()
        field.value = str(offered)
        await pilot.press("enter")
        await async_wait_for("the dialog closed", lambda: not isinstance(app.screen,
                                                                         ExportScreen))
        assert any(str(offered) in n.message for n in app._notifications)
        await async_wait_for("the toast on screen", lambda: "session exported" in "\n".join(
            screen_lines(app)), 5)
    _check_script(offered)
    # the journal's line of a bootstrap names the host, not the manager
    from swarmtui.bootstrap.operation import ApplyPlans
    from swarmtui.swarm.ops.runner import journal

    op = ApplyPlans({"root@node2": _plan()}, dict)
    journal(op, "ok", cluster="lab", endpoint="root@node1",
            path=tmp_path / "audit.jsonl")
    [entry] = audit.read_journal(tmp_path / "audit.jsonl")
    assert entry["endpoint"] == "root@node2" and entry["detail"]["manager"] == "root@node1"
    assert "root@node1" not in audit.format_entry(entry).split("  ")[2]


def _check_script(offered: Path) -> None:
    """A bootstrap's steps run on its host; a failed one is commented out whole."""
    body = offered.read_text()
    assert offered.stat().st_mode & 0o777 == 0o700
    lines = body.splitlines()
    i = lines.index("ssh root@node2 sh -s <<'SWARMTUI_EOF'   # on root@node2")
    assert lines[i + 1:i + 4] == ["apt-get install -y docker.io", lines[i + 2],
                                  "SWARMTUI_EOF"]
    assert "(on root@node2)" in lines[i - 1]
    failed = [x for x in lines if "node3" in x or "node4" in x or x.startswith("#   ")]
    assert lines[lines.index(failed[1])].startswith("# FAILED: ssh root@node3 sh -s"), failed
    tail = lines[lines.index(failed[1]):]
    assert all(x.startswith("#") for x in tail), tail  # nothing of a failed step runs


def _plan():  # type: ignore[no-untyped-def]
    from tests.unit.test_bootstrap import CLUSTER, assess, make_plan, make_probe

    return make_plan(assess(make_probe(), CLUSTER))
