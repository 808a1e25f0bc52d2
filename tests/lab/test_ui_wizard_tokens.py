"""The tokens & keys screen on a real 3-manager lab: autolock on through the screen,
the worker token rotated with autolock kept on (the old token no longer joins), the
unlock key rotated (the old one still shown), and a manager restarted with autolock
unlocked from the TUI — Reachable again. The docker CLI on the lab is the oracle; no
secret in the log, the journal or a notification.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from swarmtui import audit
from swarmtui.swarm.sync.live import ApiStore
from swarmtui.ui.actions import open_action
from swarmtui.ui.app import SwarmApp
from swarmtui.ui.flow import ConfirmScreen
from swarmtui.ui.screens.wizards.common import SecretLine
from swarmtui.ui.screens.wizards.tokens import TokensScreen, UnlockScreen
from tests.waiting import async_wait_for, wait_for

SECRETS = ("SWMTKN", "SWMKEY")


@pytest.fixture
def leak_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv(audit.ENV_STATE_DIR, str(tmp_path / "state"))
    log_path = tmp_path / "test.log"
    handler = logging.FileHandler(log_path)
    root = logging.getLogger()
    old = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    try:
        yield tmp_path
    finally:
        root.removeHandler(handler)
        handler.close()
        root.setLevel(old)
        logged = log_path.read_text(errors="replace")
        journal = (tmp_path / "state" / audit.JOURNAL_NAME).read_text()
        assert "unlock-key" in journal and "join-token --rotate" in journal
        for prefix in SECRETS:
            assert prefix not in logged and prefix not in journal


def text(widget: Any) -> str:
    return str(widget.content)


def cli_value(lab: Any, fmt: str, host: str = "node1") -> str:
    return lab.ssh(host, ["docker", "info", "--format", fmt]).strip()


async def go_ahead(pilot: Any, app: Any) -> None:
    await async_wait_for("the confirmation", lambda: isinstance(app.screen, ConfirmScreen))
    await pilot.pause()
    await pilot.click("#ops-go")


async def test_autolock_rotate_and_unlock_a_restarted_manager(make_lab, ssh_forward,
                                                              leak_check: Path) -> None:
    lab = make_lab(nodes=3, managers=3)
    api = docker.APIClient(base_url=ssh_forward(lab, "node1").base_url, version="1.41",
                           timeout=30)
    app = SwarmApp(ApiStore(api, label=f"{lab.name}/node1", via="ssh", poll_interval=0.5),
                   ssh_config=[str(lab.ssh_config)])
    old_worker = lab.ssh("node1", "docker swarm join-token -q worker").strip()
    try:
        async with app.run_test(size=(130, 50)) as pilot:
            await async_wait_for("the first snapshot", lambda: app.snapshot is not None, 20)
            assert open_action(app, "wizard.tokens")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, TokensScreen)
            state = screen.query_one("#autolock-state")
            await async_wait_for("autolock state", lambda: "off" in text(state), 20)

            # autolock on (the screen shows the CLI first)
            await pilot.press("a")
            await go_ahead(pilot, app)
            await async_wait_for("autolock on", lambda: "ON" in text(state), 30)
            key_line = screen.query_one("#unlock-key", SecretLine)
            await async_wait_for("the unlock key", lambda: key_line.masked_text, 10)
            assert "SWMKEY" not in text(key_line)
            key1 = lab.ssh("node1", "docker swarm unlock-key -q").strip()
            assert key_line.secret_text == key1

            # rotate the worker token: autolock stays on, the token changes
            await pilot.press("W")
            await go_ahead(pilot, app)
            status = screen.query_one("#status")
            await async_wait_for("the rotation", lambda: "rotated" in text(status), 30)
            new_worker = lab.ssh("node1", "docker swarm join-token -q worker").strip()
            assert new_worker != old_worker
            assert cli_value(lab, "{{.Swarm.Cluster.Spec.EncryptionConfig.AutoLockManagers}}") \
                == "true"
            worker = screen.query_one("#join-worker", SecretLine)
            await async_wait_for("the new token on screen",
                                 lambda: new_worker in worker.secret_text, 10)

            # rotate the unlock key: the old one stays shown
            await pilot.press("K")
            await go_ahead(pilot, app)
            await async_wait_for("the key rotation", lambda: "unlock key was rotated" in
                                 text(status), 30)
            key2 = lab.ssh("node1", "docker swarm unlock-key -q").strip()
            assert key2 != key1
            old_line = screen.query_one("#old-unlock-key", SecretLine)
            await async_wait_for("both keys", lambda: key_line.secret_text == key2 and
                                 old_line.secret_text == key1, 10)
            assert "old key" in text(screen.query_one("#key-advice"))
            await pilot.press("v")
            assert key2 in text(key_line) and key1 in text(old_line)
            await pilot.press("v")

            # restart node2's dockerd: it comes back locked
            lab.stop_dockerd("node2")
            lab.start_dockerd("node2")
            wait_for("node2 locked", lambda: cli_value(
                lab, "{{.Swarm.LocalNodeState}}", "node2") == "locked", 60)

            # unlock it from the TUI: a wrong key first, then the right one
            await pilot.press("u")
            await async_wait_for("the unlock dialog", lambda: isinstance(app.screen,
                                                                         UnlockScreen))
            dialog = app.screen
            await pilot.pause()
            dialog.query_one("#unlock-node").value = "node2"
            key_input = dialog.query_one("#unlock-key-input")
            assert key_input.password
            key_input.value = "not-a-key"
            await pilot.click("#unlock-go")
            said = dialog.query_one("#unlock-status")
            assert "not an unlock key" in text(said)
            key_input.value = key2
            key_input.focus()
            await pilot.press("enter")
            await pilot.pause()
            assert len(key_input.value) == 0  # the key left the widget at once
            await async_wait_for("the unlock", lambda: "unlocked" in text(said) or
                                 "fail" in text(said).lower(), 60)
            assert "node2 is unlocked" in text(said), text(said)
            await pilot.press("escape")
            notes = "\n".join(f"{n.title} {n.message}" for n in app._notifications)
            assert "SWMKEY" not in notes and "SWMTKN" not in notes
    finally:
        api.close()
    wait_for("node2 Reachable", lambda: "Reachable" in lab.ssh(
        "node1", ["docker", "node", "ls", "--filter", "name=node2", "--format",
                  "{{.ManagerStatus}}"]), 60)
    assert cli_value(lab, "{{.Swarm.LocalNodeState}}", "node2") == "active"
