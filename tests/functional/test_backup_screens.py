"""The Backup screen and the quorum recovery wizard at 80×24 (Pilot, recorded states).

Layout (nothing cut at 80 columns), the quorum guard's refusal and naming of the safe
manager, the read-only refusal (nothing opens), the backups listed from their
manifests, and the recovery wizard's probe of unreachable managers (a node map to a
closed port: every manager's error said, nothing forced). The lab tests
(tests/lab/test_ui_backup.py) do the real thing.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, DataTable, Input, Select, Static

from swarmtui import audit
from swarmtui.backup.manifest import Manifest, write_private
from swarmtui.backup.ops import BackupCreate
from swarmtui.backup.rejoin import Host
from swarmtui.connect.hostkeys import fixed_trust
from swarmtui.connect.nodes import NodePool
from swarmtui.connect.options import ConnectOptions
from swarmtui.swarm import noleader
from swarmtui.swarm.reach.watch import NodeReach
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.swarm.sync.store import StaticStore
from swarmtui.ui.actions import open_action
from swarmtui.ui.app import SwarmApp
from swarmtui.ui.flow import ConfirmScreen
from swarmtui.ui.screens.wizards.backup import BackupScreen
from swarmtui.ui.screens.wizards.recovery import RecoveryScreen
from tests.functional.conftest import FIXTURES, recorded_state
from tests.waiting import async_wait_for

SIZE = (80, 24)


@pytest.fixture(autouse=True)
def journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv(audit.ENV_STATE_DIR, str(tmp_path / "state"))
    yield tmp_path / "state" / audit.JOURNAL_NAME


def three_managers(reachable: tuple[bool, bool, bool] = (True, True, True)
                   ) -> ClusterSnapshot:
    """The recorded lab with node2 and node3 promoted (node1 the leader)."""
    data: dict[str, Any] = json.loads((FIXTURES / "cluster.json").read_text())
    nodes = copy.deepcopy(data["nodes"])
    for n in nodes:
        name = n["Description"]["Hostname"]
        i = int(name[-1]) - 1
        n["Spec"]["Role"] = "manager"
        n["ManagerStatus"] = {"Addr": f"{n['Status']['Addr']}:2377", "Leader": i == 0,
                              "Reachability": "reachable" if reachable[i] else "unreachable"}
    snap, _ = recorded_state()
    return ClusterSnapshot.from_api(nodes=nodes, services=data["services"],
                                    tasks=data["tasks"], networks=data["networks"],
                                    info=data["info"], taken_at=snap.taken_at)


def app_with_pool(snap: ClusterSnapshot | None = None, *, read_only: bool = False,
                  node_map: dict[str, str] | None = None) -> SwarmApp:
    recorded, now = recorded_state()
    store = StaticStore(snap or recorded, label="recorded lab", read_only=read_only, now=now)
    pool = NodePool(ConnectOptions(trust=fixed_trust("never"), connect_timeout=2.0),
                    node_map=node_map or {}, connect_timeout=2.0)
    store.attach_reach(NodeReach(pool, recheck=600))
    return SwarmApp(store)


def fake_backup(directory: Path, hostname: str = "node2", autolock: bool = False) -> Manifest:
    archive = directory / f"swarm-{hostname}-20261201T031700Z.tar.gz"
    write_private(archive, "not really a tar")
    m = Manifest(swarm_id="1e4sjet1t7ja36gaew8tove4n", node_id="abc", hostname=hostname,
                 node_addr="100.64.174.12:2377", engine_version="27.3.1",
                 created="2026-12-01T03:17:00+00:00", autolock=autolock, managers=3,
                 docker_root="/var/lib/docker", archive=archive.name, size=16, sha256="00",
                 source="ssh://node2")
    write_private(directory / f"swarm-{hostname}-20261201T031700Z.json", m.to_json())
    return m


def journal_text(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def text(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


def no_widget_cut(screen: Any) -> None:
    for w in screen.query("Button, Static, Input, Select"):
        if w.display and w.region.width:
            assert w.region.right <= SIZE[0], f"{w} reaches column {w.region.right}"


async def open_backup(app: SwarmApp, pilot: Any, out: Path) -> BackupScreen:
    await async_wait_for("the first snapshot", lambda: app.snapshot is not None, 10)
    await pilot.press("K")
    await async_wait_for("the Backup screen", lambda: isinstance(app.screen, BackupScreen), 10)
    screen = app.screen
    assert isinstance(screen, BackupScreen)
    out_input = screen.query_one("#bk-output", Input)
    out_input.value = str(out)
    screen.action_reload()
    await pilot.pause()
    return screen


async def test_the_only_manager_is_refused_unless_forced_and_the_list_shows_manifests(
        tmp_path: Path, journal: Path) -> None:
    fake_backup(tmp_path)
    app = app_with_pool()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_backup(app, pilot, tmp_path)
        verdict = text(screen, "#bk-verdict")
        assert verdict.startswith("REFUSED unless forced: node1 is the only manager"), verdict
        # the manager as the node pool reaches it (its swarm address: no ssh_config here)
        assert text(screen, "#bk-cli") == \
            f"swarmtui backup create 100.64.174.11 --output {tmp_path}"
        cron = text(screen, "#bk-cron")
        assert cron.startswith("17 3 * * * ") and "backup create" in cron
        assert "--trust-host-key never" in cron and f"--output {tmp_path}" in cron
        table = screen.query_one("#bk-list", DataTable)
        assert table.row_count == 1
        row = [str(c) for c in table.get_row_at(0)]
        assert row[:3] == ["node2", "3", "no"], row
        # the restore line follows the highlighted backup and its host
        await async_wait_for("the host filled from the manifest", lambda: screen.query_one(
            "#rs-host", Input).value == "node2", 5)
        assert text(screen, "#rs-cli") == "swarmtui backup restore 100.64.174.12 " \
            "swarm-node2-20261201T031700Z"
        no_widget_cut(screen)
        # ctrl+s: the confirmation shows the refusal, nothing can be sent
        await pilot.press("ctrl+s")
        await async_wait_for("the confirmation", lambda: isinstance(app.screen, ConfirmScreen),
                             10)
        await pilot.pause()
        dialog = app.screen
        assert dialog.query_one("#ops-go", Button).disabled
        shown = " ".join(str(s.content) for s in dialog.query(Static))
        assert "node1 is the only manager" in shown
        await pilot.press("escape")
        # forced: a typed name is asked for
        screen.query_one("#bk-force").value = True  # type: ignore[attr-defined]
        await pilot.pause()
        assert text(screen, "#bk-cli").endswith(" --force")
        await pilot.press("ctrl+s")
        await async_wait_for("the confirmation", lambda: isinstance(app.screen, ConfirmScreen),
                             10)
        await pilot.pause()
        assert app.screen.query_one("#ops-go", Button).disabled  # until node1 is typed
        await pilot.press("escape")
    assert "backup create" not in journal_text(journal)


async def test_three_managers_the_guard_picks_a_follower_and_refuses_when_one_is_down(
        tmp_path: Path) -> None:
    app = app_with_pool(three_managers())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_backup(app, pilot, tmp_path)
        assert screen.query_one("#bk-manager", Select).value == "node2"  # not the leader
        verdict = text(screen, "#bk-verdict")
        assert verdict.startswith("managers reachable 3 → 2 of 3"), verdict
        assert "the list" not in verdict and "no backups in" in text(screen, "#bk-problems")
        screen.query_one("#bk-manager", Select).value = "node1"
        await pilot.pause()
        assert "node1 is the leader" in text(screen, "#bk-verdict")
        no_widget_cut(screen)
    app = app_with_pool(three_managers((True, True, False)))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_backup(app, pilot, tmp_path)
        verdict = text(screen, "#bk-verdict")
        assert "stopping node2's engine leaves 1 of 3 managers reachable" in verdict, verdict
        assert "bring node3 back first" in verdict


async def test_read_only_refuses_the_backup_screen_before_it_opens(journal: Path) -> None:
    app = app_with_pool(three_managers(), read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await async_wait_for("the first snapshot", lambda: app.snapshot is not None, 10)
        await pilot.press("K")
        await pilot.pause()
        assert not isinstance(app.screen, BackupScreen)
        assert any("READ-ONLY: Backup & restore changes the cluster" in n.message
                   for n in app._notifications)
    assert journal_text(journal) == ""


async def test_an_autolocked_backup_without_its_key_is_refused_with_what_to_do(
        tmp_path: Path) -> None:
    fake_backup(tmp_path, autolock=True)
    app = app_with_pool(three_managers())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_backup(app, pilot, tmp_path)
        row = [str(c) for c in screen.query_one("#bk-list", DataTable).get_row_at(0)]
        assert row[2] == "key needed"
        await async_wait_for("the host filled", lambda: screen.query_one(
            "#rs-host", Input).value == "node2", 5)
        await pilot.press("ctrl+o")
        await async_wait_for("the confirmation", lambda: isinstance(app.screen, ConfirmScreen),
                             10)
        await pilot.pause()
        shown = " ".join(str(s.content) for s in app.screen.query(Static))
        assert "autolock on" in shown and "Give the unlock key" in shown, shown
        assert app.screen.query_one("#ops-go", Button).disabled


def quorum_lost() -> ClusterSnapshot:
    data: dict[str, Any] = json.loads((FIXTURES / "cluster.json").read_text())
    info = copy.deepcopy(data["info"])
    info["Swarm"]["RemoteManagers"] = [{"NodeID": f"n{i}", "Addr": f"100.64.174.1{i}:2377"}
                                       for i in (1, 2, 3)]
    return ClusterSnapshot.from_api(info=info, message=noleader.message(three_managers()))


async def test_recovery_wizard_probes_every_manager_and_forces_nothing_it_cannot_read(
        journal: Path) -> None:
    closed = {f"100.64.174.1{i}": "root@127.0.0.1:1" for i in (1, 2, 3)}
    app = app_with_pool(quorum_lost(), node_map=closed)
    async with app.run_test(size=SIZE) as pilot:
        await async_wait_for("the first snapshot", lambda: app.snapshot is not None, 10)
        assert "What to do (Q: the recovery wizard)" in (app.snapshot.message or "")
        await pilot.press("Q")
        await async_wait_for("the wizard", lambda: isinstance(app.screen, RecoveryScreen), 10)
        screen = app.screen
        assert text(screen, "#rc-headline") == noleader.HEADLINE
        assert screen.query_one("#rc-hosts", Input).value == \
            "100.64.174.11, 100.64.174.12, 100.64.174.13"
        await async_wait_for("the probe's answer", lambda: "no manager's raft state" in
                             text(screen, "#rc-advice"), 30)
        states = text(screen, "#rc-states").splitlines()
        assert len(states) == 3 and all("refused" in s.lower() or "ssh" in s.lower()
                                        for s in states), states
        no_widget_cut(screen)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert "pick one first" in text(screen, "#status")
        assert screen.query_one("#rc-rejoin", Button).disabled
    assert journal_text(journal) == ""


async def test_recovery_wizard_is_refused_read_only(journal: Path) -> None:
    app = app_with_pool(quorum_lost(), read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await async_wait_for("the first snapshot", lambda: app.snapshot is not None, 10)
        assert not open_action(app, "wizard.recover")
        await pilot.pause()
        assert not isinstance(app.screen, RecoveryScreen)


def autolocked(snap: ClusterSnapshot) -> ClusterSnapshot:
    return replace(snap, swarm={"Spec": {"EncryptionConfig": {"AutoLockManagers": True}}})


async def test_the_backup_screen_says_an_autolocked_backup_cannot_restore_before_it_is_taken(
        tmp_path: Path) -> None:
    app = app_with_pool(autolocked(three_managers()))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_backup(app, pilot, tmp_path)
        verdict = text(screen, "#bk-verdict")
        assert "autolock is on, with 3 managers" in verdict and "#36852" in verdict, verdict
        assert text(screen, "#bk-cli").endswith(" --autolock-ok")
        assert "--autolock-ok" in text(screen, "#bk-cron")  # cron has no terminal to ask on


def test_an_autolocked_backup_of_several_managers_is_warned_before_it_is_taken(
        tmp_path: Path) -> None:
    """Such a backup cannot bring the swarm back after the quorum is lost (its restore is
    refused, moby/moby#36852): the guard says so before any engine is stopped."""
    snap = three_managers()
    pool = NodePool(ConnectOptions(trust=fixed_trust("never")))
    op = BackupCreate(pool, Host("node2"), tmp_path)
    assert not any("autolock" in w for w in op.guard(snap).warnings)
    assert "--autolock-ok" not in op.cli
    guard = op.guard(autolocked(snap))
    assert guard.allowed, guard.blocks
    assert any(w.startswith("autolock is on, with 3 managers: this backup cannot bring the "
                            "swarm back after its quorum is lost") for w in guard.warnings)
    assert op.cli.endswith(" --autolock-ok")  # confirming it is going on anyway
