"""What the backup and recovery TUI tests share: the journal that must hold no secret, the
managers as `docker node ls` says them, an app whose node pool reaches the lab, and a
wizard's confirmed step waited for."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from swarmtui import audit
from swarmtui.connect.endpoint import parse_endpoint
from swarmtui.connect.hostkeys import fixed_trust
from swarmtui.connect.nodes import NodePool
from swarmtui.connect.options import ConnectOptions
from swarmtui.connect.sshconf import ssh_config_files
from swarmtui.lab import Lab
from swarmtui.lab.preflight import LabError
from swarmtui.swarm.reach.watch import NodeReach
from swarmtui.ui.app import SwarmApp
from swarmtui.ui.flow import ConfirmScreen, ProgressScreen
from swarmtui.ui.flow.progress import FINAL
from tests.waiting import async_wait_for, wait_for

#: how long a manager left alone of three may take to say it has lost the quorum (`docker
#: node ls` fails): 20-33 s here with the machine at load 8-12 (the raft's election
#: timeout, then the probe's own ssh call), so 90 s was under 3 times that
QUORUM_LOSS_S = 180
#: how long a promoted (or re-joined) manager may take to be Ready and Reachable again:
#: 23 s at load 12 for a `docker node promote` (new certificates, raft membership)
MANAGER_BACK_S = 120


@pytest.fixture(autouse=True)
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The test's own journal; after the test, no join token or unlock key in it."""
    monkeypatch.setenv(audit.ENV_STATE_DIR, str(tmp_path / "state"))
    journal = tmp_path / "state" / audit.JOURNAL_NAME
    yield journal
    if journal.exists():
        text = journal.read_text()
        assert "SWMTKN" not in text and "SWMKEY" not in text, "a secret reached the journal"


def managers(lab: Lab, on: str = "node1") -> dict[str, str]:
    """hostname → "Status ManagerStatus" as `docker node ls` on `on` says ({} if it fails)."""
    try:
        rows = lab.ssh(on, "docker node ls --format '{{.Hostname}} {{.Status}} "
                       "{{.ManagerStatus}}'").splitlines()
    except LabError:
        return {}
    return {r.split()[0]: r.split(" ", 1)[1] for r in rows if r.strip()}


def node_ls_fails(lab: Lab, on: str = "node1") -> str:
    """What `docker node ls` on `on` says when it fails (a lost quorum); "" if it works."""
    proc = subprocess.run(lab.ssh_argv(on, "docker node ls"), capture_output=True,
                          text=True, timeout=60)
    return proc.stderr if proc.returncode else ""


async def three_managers_listed(app: SwarmApp) -> None:
    await async_wait_for("three managers listed", lambda: app.snapshot is not None
                         and len(app.snapshot.managers) == 3, 60)


async def lose_two_managers_of_three(app: SwarmApp, lab: Lab) -> None:
    """The disaster, once `app` lists the three managers: node2's and node3's engines
    stopped until node1, alone, has lost the quorum (`docker node ls` fails on it)."""
    await three_managers_listed(app)
    lab.stop_dockerd("node2")
    lab.stop_dockerd("node3")
    wait_for("node1 alone to lose the quorum (docker node ls)", lambda: node_ls_fails(lab),
             QUORUM_LOSS_S)


def with_reach(app: SwarmApp, lab: Lab, recheck: float) -> SwarmApp:
    """`app` with a node pool that reaches the lab's hosts over SSH from node1."""
    opts = ConnectOptions(trust=fixed_trust("never"),
                          ssh_config=ssh_config_files([lab.ssh_config]))
    assert app.store is not None
    app.store.attach_reach(NodeReach(NodePool(opts, manager=parse_endpoint("node1"),
                                              connect_timeout=3.0), recheck=recheck))
    return app


def text(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


async def wizard_says(app: SwarmApp, wizard: Any, done: str, deadline: float) -> str:
    """Wait until the wizard's status says `done` (its status); a progress view that ended
    otherwise than converged fails the test with its lines."""
    def said() -> str | None:
        screen = app.screen
        if isinstance(screen, ProgressScreen) and screen.phase in FINAL and \
                screen.phase != "converged":
            pytest.fail(f"{screen.phase}: {screen.lines}")
        status = text(wizard, "#status")
        return status if done in status else None

    try:
        return await async_wait_for(f"the wizard to say {done!r}", said, deadline)
    except AssertionError as exc:
        screen = app.screen
        where = (f"; the progress view ({screen.phase}): "
                 f"{getattr(screen.op, 'lines', screen.lines)}"
                 if isinstance(screen, ProgressScreen) else f"; on screen: {screen!r}"
                 + (f" {screen.verdict}" if hasattr(screen, "verdict") else ""))
        raise AssertionError(f"{exc}; its status: {text(wizard, '#status')!r}{where}") \
            from None


async def send(pilot: Any, app: SwarmApp, key: str, typed: str | None, wizard: Any,
               done: str, deadline: float) -> str:
    """Press `key` on the wizard, go ahead in the confirmation (typing the name), wait
    until the wizard's status says `done`; the status."""
    await pilot.press(key)
    await async_wait_for("the confirmation", lambda: isinstance(app.screen, ConfirmScreen), 10)
    await pilot.pause()
    if typed is not None:
        await pilot.press(*typed)
        await pilot.pause()
    await pilot.press("ctrl+y")  # the confirm key (its button may be below the fold)
    return await wizard_says(app, wizard, done, deadline)
