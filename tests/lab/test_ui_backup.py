"""The Backup screen and the quorum recovery wizard end to end through the TUI (Pilot),
on one module lab of three managers, over real SSH; the docker CLI on the lab is the
oracle. The tests run in order on the same lab and leave it with three managers:

1. K → back up a manager of three while `docker node ls` keeps answering on another
   manager (the engine really restarted: a new dockerd pid), the archive listed;
2. with node3 demoted (two managers) the backup of node2 is refused by the quorum
   guard, the confirmation cannot go ahead and node2's engine keeps running;
3. two managers of three stopped: the header says the quorum is lost, Q probes every
   manager, forces a new cluster on the freshest and re-joins the other two; three
   managers again, the service and the network are back.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, DataTable, Input, Select

from swarmtui import audit
from swarmtui.lab import Lab
from swarmtui.lab.preflight import LabError
from swarmtui.swarm.noleader import HEADLINE
from swarmtui.ui.flow import ConfirmScreen
from swarmtui.ui.screens.wizards.backup import BackupScreen
from swarmtui.ui.screens.wizards.recovery import RecoveryScreen
from tests.conftest import PREFIX, _lab_or_skip
from tests.functional import conftest as functional
from tests.lab.recovery_kit import (
    MANAGER_BACK_S,
    lose_two_managers_of_three,
    managers,
    send,
    state,  # noqa: F401  (autouse: the journal holds no secret)
    text,
    three_managers_listed,
    with_reach,
)
from tests.lab.test_backup import SVC, NodeLs
from tests.waiting import async_wait_for, wait_for

pytestmark = pytest.mark.lab

lab_app = functional.lab_app


@pytest.fixture(scope="module")
def blab(lab_root: Path) -> Iterator[Lab]:
    _lab_or_skip()
    lab = Lab(f"{PREFIX}b", root=lab_root)
    lab.up(nodes=3, managers=3)
    # a loaded machine: raft writes of a fresh three-manager swarm can take a while
    lab.ssh("node1", ["docker", "network", "create", "-d", "overlay", "recnet"], timeout=180)
    lab.ssh("node1", ["docker", "service", "create", *SVC, "--name", "web", "--replicas", "2",
                      "--network", "recnet", "busybox", "httpd", "-f", "-p", "80"],
            timeout=180)
    try:
        yield lab
    finally:
        lab.down()


def replicas(lab: Lab, on: str) -> str:
    """web's replicas as `docker service ls` says them ("" when the CLI did not answer:
    a loaded machine slows the raft of three managers down)."""
    try:
        return lab.ssh(on, "docker service ls --filter name=web --format '{{.Replicas}}'")
    except LabError:
        return ""


def nothing_in(directory: Path) -> bool:
    return not directory.exists() or not any(directory.iterdir())


def journal_text(path: Path) -> str:
    return path.read_text() if path.exists() else ""


async def test_backup_screen_backs_up_a_manager_of_three_while_the_quorum_holds(
        blab: Lab, lab_app: Any, tmp_path: Path, state: Path) -> None:  # noqa: F811
    out = tmp_path / "out"
    app = with_reach(lab_app(blab), blab, recheck=5.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await three_managers_listed(app)
        leader = next(n.hostname for n in app.snapshot.managers if n.is_leader)
        await pilot.press("K")
        await async_wait_for("the Backup screen", lambda: isinstance(app.screen, BackupScreen),
                             10)
        screen = app.screen
        screen.query_one("#bk-output", Input).value = str(out)
        await pilot.pause()
        chosen = screen.query_one("#bk-manager", Select).value
        assert isinstance(chosen, str) and chosen != leader, (chosen, leader)
        assert text(screen, "#bk-verdict").startswith("managers reachable 3 → 2 of 3")
        pid = blab.host(chosen).running_dockerd()
        other = next(h for h in ("node1", "node2", "node3") if h != chosen)
        with NodeLs(blab, other) as polls:
            status = await send(pilot, app, "ctrl+s", None, screen,
                                f"backup of {chosen} written", 240)
        assert "start the engine" in status and "archive /var/lib/docker/swarm" in status
        assert len(polls.results) >= 3, polls.results
        failed = [r for r in polls.results if not r[1]]
        assert not failed, f"the quorum was lost during the backup: {failed[:3]}"
        assert blab.host(chosen).running_dockerd() != pid, "the engine was not stopped"
        assert managers(blab, other)[chosen] in ("Ready Reachable", "Ready Leader")
        table = screen.query_one("#bk-list", DataTable)
        await async_wait_for("the backup listed", lambda: table.row_count == 1, 10)
        assert str(table.get_row_at(0)[0]) == chosen
    entries = audit.read_journal(state)
    ops = [(e["operation"], e["result"]) for e in entries]
    assert ("backup create", "ok") in ops and ("backup.create: stop the engine", "ok") in ops
    top = next(e for e in entries if e["operation"] == "backup create")
    assert top["cli"] == f"swarmtui backup create {chosen} --output {out}"
    assert any(e["cli"].startswith(f"ssh {chosen} ") for e in entries
               if e["operation"] == "backup.create: stop the engine")


async def test_backup_screen_refuses_a_manager_of_two_and_leaves_its_engine_running(
        blab: Lab, lab_app: Any, tmp_path: Path, state: Path) -> None:  # noqa: F811
    blab.ssh("node1", "docker node demote node3")
    try:
        pid = blab.host("node2").running_dockerd()
        app = with_reach(lab_app(blab), blab, recheck=5.0)
        async with app.run_test(size=(80, 24)) as pilot:
            await async_wait_for("two managers listed", lambda: app.snapshot is not None
                                 and len(app.snapshot.managers) == 2, 60)
            await pilot.press("K")
            await async_wait_for("the Backup screen",
                                 lambda: isinstance(app.screen, BackupScreen), 10)
            screen = app.screen
            screen.query_one("#bk-output", Input).value = str(tmp_path / "out")
            screen.query_one("#bk-manager", Select).value = "node2"
            await pilot.pause()
            verdict = text(screen, "#bk-verdict")
            assert verdict.startswith("REFUSED unless forced: stopping node2's engine leaves "
                                      "1 of 2 managers reachable"), verdict
            assert "add a third manager first" in verdict
            await pilot.press("ctrl+s")
            await async_wait_for("the confirmation",
                                 lambda: isinstance(app.screen, ConfirmScreen), 10)
            await pilot.pause()
            assert app.screen.query_one("#ops-go", Button).disabled
            await pilot.press("escape")
        assert blab.host("node2").running_dockerd() == pid, "the engine was restarted"
        assert managers(blab)["node2"] in ("Ready Reachable", "Ready Leader")
        assert nothing_in(tmp_path / "out"), "a file was written though refused"
        assert "backup create" not in journal_text(state)
    finally:
        blab.ssh("node1", "docker node promote node3")
        wait_for("node3 a reachable manager again", lambda: managers(blab).get("node3") in
                 ("Ready Reachable", "Ready Leader"), MANAGER_BACK_S)


async def test_recovery_wizard_brings_back_a_swarm_that_lost_two_managers_of_three(
        blab: Lab, lab_app: Any, state: Path) -> None:  # noqa: F811
    wait_for("web 2/2", lambda: replicas(blab, "node1") == "2/2", 180)
    app = with_reach(lab_app(blab), blab, recheck=5.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await lose_two_managers_of_three(app, blab)
        await async_wait_for("the header to say the quorum is lost", lambda: (
            app.snapshot is not None and (app.snapshot.message or "").startswith(HEADLINE)),
            90)
        await pilot.press("Q")
        await async_wait_for("the wizard", lambda: isinstance(app.screen, RecoveryScreen), 10)
        wizard = app.screen
        assert wizard.query_one("#rc-hosts", Input).value == "node1, node2, node3"
        await async_wait_for("the probe's advice", lambda: "has the most recent raft state"
                             in text(wizard, "#rc-advice"), 60)
        best = wizard.query_one("#rc-pick", Select).value
        advice = text(wizard, "#rc-advice")
        # their engines are only stopped: starting them comes first; a new cluster is the
        # "else" (here taken, as when their disks are gone)
        assert isinstance(best, str) and advice.startswith(
            "node2, node3 are stopped") and f" Else: {best} has the most recent" in advice, \
            advice
        assert len(text(wizard, "#rc-states").splitlines()) == 3
        await send(pilot, app, "ctrl+s", best, wizard,
                   "is the leader of a new one-manager cluster", 240)
        others = sorted({"node1", "node2", "node3"} - {best})
        for name in others:
            assert str(wizard.query_one("#rc-rejoin", Button).label).startswith(
                f"Re-join {name}…")
            await send(pilot, app, "ctrl+j", name, wizard, f"{name} is a manager again", 300)
        await async_wait_for("nothing left to re-join", lambda: wizard.query_one(
            "#rc-rejoin", Button).disabled, 10)
        assert text(wizard, "#rc-others").splitlines() == [
            f"leader: {best}", *(f"{n}: re-joined" for n in others)]
    # the oracle: three managers, one leader, the service and the network back
    rows = sorted(blab.ssh(best, "docker node ls --format '{{.Hostname}} {{.Status}} "
                           "{{.ManagerStatus}}'").splitlines())
    assert rows == sorted(f"{n} Ready {'Leader' if n == best else 'Reachable'}"
                          for n in ("node1", "node2", "node3")), rows
    assert "recnet" in blab.ssh(best, "docker network ls --filter scope=swarm --format "
                                "'{{.Name}}'").split()
    wait_for("web 2/2 again", lambda: replicas(blab, best) == "2/2", 180)
    entries = audit.read_journal(state)
    clis = {e["operation"]: e["cli"] for e in entries}
    assert clis["recover: force-new-cluster"].startswith(
        f"ssh {best} docker swarm init --force-new-cluster --advertise-addr ")
    assert "<manager token>" in clis["recover.rejoin: join " + best + "'s swarm as a manager"]
    assert all(e["result"] == "ok" for e in entries), [e for e in entries
                                                       if e["result"] != "ok"]

