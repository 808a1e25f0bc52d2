"""Pilot tests of the issue-6 wizards on the real lab (no fake Docker API).

The docker CLI on the lab is the oracle. Every test runs with the audit journal in a
temporary directory and checks afterwards that no join token or unlock key reached the
journal, a notification, or the log. Waits are on conditions with deadlines.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from swarmtui import audit
from swarmtui.bootstrap.remote import SshRunner
from swarmtui.ui.actions import ACTIONS, open_action
from swarmtui.ui.flow import ConfirmScreen
from swarmtui.ui.screens.wizards.common import SecretLine
from swarmtui.ui.screens.wizards.init_swarm import InitSwarmScreen
from swarmtui.ui.screens.wizards.leave import ForceNewClusterScreen, LeaveScreen
from swarmtui.ui.screens.wizards.settings import SettingsScreen
from swarmtui.ui.screens.wizards.tokens import TokensScreen
from tests.waiting import async_wait_for

pytestmark = pytest.mark.lab

SECRETS = ("SWMTKN", "SWMKEY")


@pytest.fixture(autouse=True)
def no_secret_leaks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Journal in a temp dir; everything logged goes to a file; both checked at the end."""
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
        journal = tmp_path / "state" / audit.JOURNAL_NAME
        for path in (log_path, journal):
            if path.exists():
                text = path.read_text(errors="replace")
                for prefix in SECRETS:
                    assert prefix not in text, f"a secret ({prefix}…) reached {path.name}"


def text(widget: Any) -> str:
    return str(widget.content)


def notifications(app: Any) -> str:
    return "\n".join(f"{n.title} {n.message}" for n in app._notifications)


async def loaded(app: Any) -> None:
    await async_wait_for("the first snapshot", lambda: app.snapshot is not None, 20)


async def confirm(pilot: Any, app: Any, typed: str | None = None) -> str:
    """Go ahead in the confirmation; returns the CLI it showed."""
    await async_wait_for("the confirmation", lambda: isinstance(app.screen, ConfirmScreen), 10)
    await pilot.pause()
    cli = text(app.screen.query_one("#ops-cli"))
    if typed is not None:
        await pilot.press(*typed)
    await pilot.click("#ops-go")
    return cli


WIZARDS = [a for a in ACTIONS if a.id.startswith("wizard.")]


def test_entry_point_lists_every_wizard() -> None:
    ids = [w.id for w in WIZARDS]
    assert ids == ["wizard.init", "wizard.bootstrap", "wizard.bootstrap-many", "wizard.tokens",
                   "wizard.settings", "wizard.leave", "wizard.force-new-cluster",
                   "wizard.backup", "wizard.recover"]
    assert all(w.title and w.help and callable(w.run) and w.palette for w in WIZARDS)


async def test_tokens_are_masked_until_revealed_and_copied_without_a_notice_leak(
        lab, lab_app) -> None:
    app = lab_app(lab)
    worker_token = lab.ssh("node1", "docker swarm join-token -q worker").strip()
    manager_token = lab.ssh("node1", "docker swarm join-token -q manager").strip()
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(app)
        assert open_action(app, "wizard.tokens")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TokensScreen)
        worker = screen.query_one("#join-worker", SecretLine)
        manager = screen.query_one("#join-manager", SecretLine)
        await async_wait_for("the join commands", lambda: worker.masked_text, 20)
        shown = text(worker) + text(manager)
        assert "docker swarm join --token" in shown
        assert "SWMTKN" not in shown and worker_token not in shown
        assert lab.host("node1").address in text(worker)
        assert "off" in text(screen.query_one("#autolock-state"))

        await pilot.press("v")
        assert worker_token in text(worker) and manager_token in text(manager)
        assert text(worker).endswith(f"docker swarm join --token {worker_token} "
                                     f"{lab.host('node1').address}:2377")
        await pilot.press("v")
        assert worker_token not in text(worker)

        await pilot.press("w")
        assert app.clipboard == (f"docker swarm join --token {worker_token} "
                                 f"{lab.host('node1').address}:2377")
        assert "copied" in notifications(app)
        assert "SWMTKN" not in notifications(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, TokensScreen)


async def test_read_only_refuses_every_mutating_wizard_before_opening(lab, lab_app) -> None:
    app = lab_app(lab, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(app)
        before = len(app.screen_stack)
        for w in WIZARDS:
            assert w.mutating
            assert open_action(app, w.id) is False
        await pilot.pause()
        assert len(app.screen_stack) == before
        assert "read-only mode" in notifications(app)


async def test_settings_validation_and_apply_shows_cli_and_journals(lab, lab_app,
                                                                    no_secret_leaks) -> None:
    app = lab_app(lab)
    limit = "{{.Swarm.Cluster.Spec.Orchestration.TaskHistoryRetentionLimit}}"
    try:
        async with app.run_test(size=(120, 45)) as pilot:
            await loaded(app)
            assert open_action(app, "wizard.settings")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, SettingsScreen)
            hist = screen.query_one("#history")
            await async_wait_for("the settings", lambda: not hist.disabled, 20)
            assert screen.query_one("#cert-expiry").value == "2160h0m0s"
            assert "root CA expires" in text(screen.query_one("#ca"))
            assert "nothing changed" in text(screen.query_one("#cli"))
            errors = screen.query_one("#form-errors")

            screen.query_one("#cert-expiry").value = "30m"
            await pilot.pause()
            assert "too short" in text(errors)
            screen.query_one("#cert-expiry").value = "ninety days"
            await pilot.pause()
            assert "not a duration" in text(errors)
            screen.query_one("#cert-expiry").value = "90d"
            hist.value = "-1"
            await pilot.pause()
            assert "cannot be negative" in text(errors)
            await pilot.press("ctrl+s")
            assert "Fix the form first" in text(screen.query_one("#status"))
            assert not isinstance(app.screen, ConfirmScreen)

            hist.value = "7"
            await pilot.pause()
            assert text(errors) == ""
            assert text(screen.query_one("#cli")) == "docker swarm update --task-history-limit 7"
            await pilot.press("ctrl+s")
            shown = await confirm(pilot, app)
            assert shown == "docker swarm update --task-history-limit 7"
            await async_wait_for("the update", lambda: "Done" in text(
                screen.query_one("#status")), 20)
            assert lab.ssh("node1", ["docker", "info", "--format", limit]).strip() == "7"
            # the walkthrough shows the change with its explanation
            await async_wait_for("the walkthrough to record it", lambda: [
                a for a in app.walkthrough.actions
                if a.cli == "docker swarm update --task-history-limit 7" and a.ok], 10)
        entries = audit.read_journal()
        assert entries[-1]["cli"] == "docker swarm update --task-history-limit 7"
        assert entries[-1]["result"] == "ok"
    finally:
        lab.ssh("node1", "docker swarm update --task-history-limit 5")


async def node_conn(lab: Any, host: str) -> asyncssh.SSHClientConnection:
    return await asyncssh.connect(lab.host(host).address, username="root",
                                  known_hosts=str(lab.known_hosts),
                                  client_keys=[str(lab.client_key)])


async def test_init_swarm_validates_previews_and_initialises(make_lab, lab_app) -> None:
    lab = make_lab(nodes=1, swarm=False)
    address = lab.host("node1").address
    app = lab_app(lab)
    async with await node_conn(lab, "node1") as conn, app.run_test(size=(120, 50)) as pilot:
        await loaded(app)
        assert not app.snapshot.in_swarm
        app.push_screen(InitSwarmScreen(runner=SshRunner(conn)))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InitSwarmScreen)
        adv = screen.query_one("#advertise")
        await async_wait_for("the host's address", lambda: adv.value == address, 20)
        cli, errors = screen.query_one("#cli"), screen.query_one("#form-errors")
        # the CLI line follows the field's Changed message: wait for it, not one frame
        await async_wait_for("the CLI line with the address", lambda: text(cli)
                             == f"docker swarm init --advertise-addr {address}", 10)

        screen.query_one("#data-port").value = "80"
        screen.query_one("#pool").value = "10.20.0.0/33"
        await pilot.pause()
        assert "out of range" in text(errors) and "not a network" in text(errors)
        await pilot.press("ctrl+s")
        assert "Fix the form first" in text(screen.query_one("#status"))
        screen.query_one("#data-port").value = "nope"
        await pilot.pause()
        assert "is not a number" in text(errors)

        screen.query_one("#data-port").value = "5789"
        screen.query_one("#pool").value = "10.20.0.0/16"
        await pilot.pause()
        assert text(errors) == ""
        assert text(cli) == (f"docker swarm init --advertise-addr {address} "
                             "--data-path-port 5789 --default-addr-pool 10.20.0.0/16")
        await pilot.press("ctrl+s")
        await confirm(pilot, app)
        status = screen.query_one("#status")
        await async_wait_for("the swarm", lambda: "initialised" in text(status), 30)
        worker = screen.query_one("#join-worker", SecretLine)
        assert "SWMTKN" not in text(worker)
        token = lab.ssh("node1", "docker swarm join-token -q worker").strip()
        await pilot.press("f6")
        assert token in text(worker)
        info = lab.ssh("node1", ["docker", "info", "--format",
                                 "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}"])
        assert info.strip() == "active true"
        port = lab.ssh("node1", ["docker", "info", "--format",
                                 "{{.Swarm.Cluster.DataPathPort}}"]).strip()
        assert port == "5789"
    assert audit.read_journal()[-1]["cli"].startswith("docker swarm init --advertise-addr")


async def test_leave_wants_the_node_name_typed(make_lab, lab_app) -> None:
    lab = make_lab(nodes=2, managers=1)
    app = lab_app(lab, host="node2")
    async with app.run_test(size=(120, 45)) as pilot:
        await loaded(app)
        assert open_action(app, "wizard.leave")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LeaveScreen)
        cons = screen.query_one("#consequences")
        await async_wait_for("the consequences", lambda: text(cons), 20)
        assert "rescheduled" in text(cons)
        assert text(screen.query_one("#cli")) == "docker swarm leave"
        await pilot.press("ctrl+s")
        await async_wait_for("the confirmation", lambda: isinstance(app.screen, ConfirmScreen))
        dialog = app.screen
        await pilot.press(*"node1")
        assert dialog.query_one("#ops-go").disabled  # the wrong name cannot go ahead
        await pilot.press("enter")
        assert "type the name exactly" in text(dialog.query_one("#ops-typed-error"))
        assert app.screen is dialog
        assert dialog.query_one("#ops-typed").value == ""  # cleared, focused again
        await pilot.press(*"node2", "enter")
        status = screen.query_one("#status")
        await async_wait_for("the leave", lambda: "left the swarm" in text(status), 30)
    state = lab.ssh("node2", ["docker", "info", "--format", "{{.Swarm.LocalNodeState}}"])
    assert state.strip() == "inactive"
    assert audit.read_journal()[-1]["cli"] == "docker swarm leave"


async def test_force_new_cluster_recovers_a_lost_quorum(make_lab, lab_app) -> None:
    lab = make_lab(nodes=3, managers=3)
    lab.stop_dockerd("node2")
    lab.stop_dockerd("node3")
    app = lab_app(lab, ssh_config=[str(lab.ssh_config)])
    async with app.run_test(size=(120, 45)) as pilot:
        await loaded(app)
        assert open_action(app, "wizard.force-new-cluster")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ForceNewClusterScreen)
        status = screen.query_one("#status")
        await pilot.press("ctrl+s")
        assert "Check the node first" in text(status)
        assert text(screen.query_one("#cli")) == "docker swarm init --force-new-cluster"
        screen.query_one("#fnc-node").value = "node1"
        await pilot.press("f2")
        await async_wait_for("the node check", lambda: "Ready" in text(status), 30)
        assert "node1" in text(screen.query_one("#node"))
        await pilot.press("ctrl+s")
        shown = await confirm(pilot, app, typed="node1")
        assert shown == "docker swarm init --force-new-cluster"
        await async_wait_for("the new cluster", lambda: "single manager" in text(status) or
                             "rror" in text(status), 60)
        assert "single manager" in text(status), text(status)
    managers = lab.ssh("node1", ["docker", "node", "ls", "--filter", "role=manager",
                                 "--format", "{{.Hostname}} {{.ManagerStatus}}"])
    assert "node1 Leader" in managers
    assert audit.read_journal()[-1]["operation"] == "force-new-cluster"


def fresh_ssh_config(lab: Any, host: str, tmp: Path) -> tuple[Path, Path]:
    """An ssh_config alias `<host>-new` whose known_hosts does not know the host yet."""
    known = tmp / "known_hosts"
    known.write_text("")
    cfg = tmp / "ssh_config"
    cfg.write_text(f"Host {host}-new\n    HostName {lab.host(host).address}\n    User root\n"
                   f"    IdentityFile {lab.client_key}\n    IdentitiesOnly yes\n"
                   f"    UserKnownHostsFile {known}\n")
    return cfg, known


async def test_bootstrap_asks_about_an_unknown_host_key_and_probes_a_stopped_docker(
        make_lab, lab_app, tmp_path: Path) -> None:
    from swarmtui.ui.screens.trust import TrustScreen
    from swarmtui.ui.screens.wizards.bootstrap import BootstrapScreen

    lab = make_lab(nodes=2, managers=1, members=1)
    lab.stop_dockerd("node2")
    cfg, known = fresh_ssh_config(lab, "node2", tmp_path)
    app = lab_app(lab, ssh_config=[str(cfg)])
    async with app.run_test(size=(130, 60)) as pilot:
        await loaded(app)
        assert open_action(app, "wizard.bootstrap")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, BootstrapScreen)
        status = screen.query_one("#status")
        screen.query_one("#host").value = "node2-new"
        screen.query_one("#sudo").value = "typed-sudo-pw-7"

        # unknown key: the trust prompt; cancel → not connected, nothing probed
        await pilot.press("f2")
        await async_wait_for("the trust prompt", lambda: isinstance(app.screen, TrustScreen))
        # the probe's worker waits on the prompt: its description (sent to the Textual
        # dev console) names the call but not the sudo password
        described = " ".join(w.description for w in app.workers)
        assert "probe_host" in described and "typed-sudo-pw-7" not in described
        await pilot.press("escape")
        await async_wait_for("the refusal", lambda: "not trusted" in text(status), 20)
        assert "not probed" in text(screen.query_one("#checks"))

        # trust once: probed; known_hosts untouched
        await pilot.press("f2")
        await async_wait_for("the trust prompt", lambda: isinstance(app.screen, TrustScreen))
        await pilot.press("o")
        await async_wait_for("the checklist", lambda: "facts" in text(status), 60)
        assert known.read_text() == ""
        checks, plan = text(screen.query_one("#checks")), text(screen.query_one("#plan"))
        assert "fail" in text(status) and "0 failing" not in text(status)
        daemon = next(ln for ln in checks.splitlines() if "Docker daemon" in ln)
        assert "✘ fail" in daemon and "not running" in daemon
        assert "does not join" in plan
        assert screen.plan is not None and not screen.plan.will_join
        join = screen.plan.step("join")
        assert join is not None and join.blocked and "not running" in join.blocked
        assert "✘ blocked" in plan


def in_view(screen: Any, widget: Any) -> bool:
    """The widget's top line is inside its scroll container's visible window."""
    from textual.containers import VerticalScroll

    scroll = screen.query_one(VerticalScroll)
    top = widget.virtual_region.y
    return scroll.scroll_y <= top < scroll.scroll_y + scroll.size.height


async def test_init_at_80x24_shows_the_result_where_the_eye_is(make_lab, lab_app) -> None:
    """Issue 16 item 2: after Initialise, "Swarm initialised…" and the join commands are
    in view at 80×24 (they were below the fold), the progress view closed by itself."""
    lab = make_lab(nodes=1, swarm=False)
    app = lab_app(lab)
    async with await node_conn(lab, "node1") as conn, app.run_test(size=(80, 24)) as pilot:
        await loaded(app)
        app.push_screen(InitSwarmScreen(runner=SshRunner(conn)))
        await pilot.pause()
        screen = app.screen
        adv = screen.query_one("#advertise")
        await async_wait_for("the host's address", lambda: adv.value, 20)
        status = screen.query_one("#status")
        assert not in_view(screen, screen.query_one("#join-worker"))  # below the fold
        await pilot.press("ctrl+s")
        await async_wait_for("the confirmation", lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.pause()
        assert app.focused is app.screen.query_one("#ops-go")  # reversible: Enter goes
        await pilot.press("enter")
        await async_wait_for("the swarm", lambda: "initialised" in text(status), 30)
        await async_wait_for("the progress view to close", lambda: app.screen is screen, 10)
        await pilot.pause()
        assert in_view(screen, status), (screen.query_one("VerticalScroll").scroll_y,
                                         status.virtual_region)
        assert in_view(screen, screen.query_one("#join-worker"))
