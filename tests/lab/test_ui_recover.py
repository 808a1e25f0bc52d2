"""Node reach and quorum recovery through the TUI (Pilot), on one module lab of three
managers over real SSH; the docker CLI on the lab is the oracle. The tests run in order
on the same lab and each leaves it with three Ready, Reachable managers:

1. the link's manager (node1) stops: the link moves to another manager, the view keeps
   updating (a CLI scale shows), and the node pool follows (node1 diagnosed over SSH);
2. autolock on, node2 and node3 restarted: they come back LOCKED and node1 alone has no
   quorum; the first screen lists them LOCKED (probed over SSH), and the recovery wizard
   unlocks them with the key typed masked (never journaled); the quorum is back;
3. node2's and node3's dockerd stopped: the wizard starts their engines (ctrl+t) and
   the quorum heals, the cluster ID unchanged;
4. a former manager that is a Ready worker of the cluster (node3, demoted) is promoted
   by the wizard's step 3 ("Promote node3…"), the other one is seen a manager already;
5. node2's backup restored from the Backup screen (K) after node2 and node3 are gone (a
   new cluster forced there), node1 re-joined as a worker by hand: "Re-join the others"
   promotes node1 (its old entry dropped) and re-joins node3 — three managers, no stale
   entry, on the restored leader's `docker node ls`.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, Input

from swarmtui import audit
from swarmtui.backup.create import CreateRequest, create_backup
from swarmtui.backup.rejoin import Host, joining_in_background
from swarmtui.connect.endpoint import parse_endpoint
from swarmtui.connect.hostkeys import fixed_trust
from swarmtui.connect.link import ClusterLink
from swarmtui.connect.linkstatus import LinkState
from swarmtui.connect.options import ConnectOptions
from swarmtui.connect.sshconf import ssh_config_files
from swarmtui.lab import Lab
from swarmtui.swarm.noleader import HEADLINE, PROBED
from swarmtui.swarm.sync.link import LinkStore
from swarmtui.ui.app import SwarmApp
from swarmtui.ui.flow import ConfirmScreen
from swarmtui.ui.screens.main import MainScreen
from swarmtui.ui.screens.wizards.backup import BackupScreen
from swarmtui.ui.screens.wizards.recovery import RecoveryScreen
from tests.conftest import _lab_or_skip, lab_name
from tests.functional import conftest as functional
from tests.lab.recovery_kit import (
    MANAGER_BACK_S,
    QUORUM_LOSS_S,
    lose_two_managers_of_three,
    managers,
    node_ls_fails,
    send,
    state,  # noqa: F401  (autouse: the journal holds no secret)
    text,
    three_managers_listed,
    with_reach,
    wizard_says,
)
from tests.lab.test_backup import SVC
from tests.waiting import async_wait_for, wait_for

pytestmark = pytest.mark.lab

lab_app = functional.lab_app
NODES = ("node1", "node2", "node3")


@pytest.fixture(scope="module")
def vlab(lab_root: Path) -> Iterator[Lab]:
    _lab_or_skip()
    lab = Lab(lab_name("rv"), root=lab_root)
    lab.up(nodes=3, managers=3)
    lab.ssh("node1", ["docker", "service", "create", *SVC, "--name", "web", "--replicas", "1",
                      "busybox", "sleep", "1d"], timeout=180)
    try:
        yield lab
    finally:
        lab.down()


def three_managers(lab: Lab, on: str = "node1") -> bool:
    got = managers(lab, on)
    return sorted(got) == list(NODES) and all(
        v in ("Ready Reachable", "Ready Leader") for v in got.values())


async def confirm(pilot: Any, app: SwarmApp, key: str, wizard: Any, done: str,
                  deadline: float, value: str | None = None) -> str:
    """Press `key` on the wizard, put `value` in the dialog's field, go ahead, wait until
    the wizard's status says `done`; the status."""
    await pilot.press(key)
    try:
        await async_wait_for("the confirmation", lambda: isinstance(app.screen, ConfirmScreen),
                             10)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; on screen: {app.screen!r}, focused {app.focused!r}, "
                             f"the wizard says {text(wizard, '#status')!r}") from None
    await pilot.pause()
    if value is not None:
        field = app.screen.query_one("#ops-value", Input)
        assert field.password, "the unlock key is not masked while typed"
        field.value = value
        await pilot.pause()
    await pilot.press("ctrl+y")
    return await wizard_says(app, wizard, done, deadline)


async def test_the_link_fails_over_and_the_view_and_the_node_pool_follow(vlab: Lab) -> None:
    link = ClusterLink([parse_endpoint("node1")], trust=fixed_trust("never"),
                       ssh_config=[vlab.ssh_config], ping_interval=1.0, refresh_interval=2.0)
    app = SwarmApp(LinkStore(link, poll_interval=0.5))
    store = app.store
    assert isinstance(store, LinkStore)
    try:
        async with app.run_test(size=(80, 24)):
            await async_wait_for("three managers listed and learned", lambda: (
                app.snapshot is not None and len(app.snapshot.managers) == 3
                and len(link.manager_endpoints()) == 3 and store.reach is not None), 60)
            assert store.reach is not None and store.reach.pool.manager == link.endpoint
            started = time.monotonic()
            vlab.stop_dockerd("node1")
            await async_wait_for("the link on another manager", lambda: (
                link.status.state is LinkState.CONNECTED and link.endpoint is not None
                and link.endpoint.host != "node1"), 60)
            moved = time.monotonic() - started
            other = next(h for h in ("node2", "node3")
                         if vlab.host(h).address == link.endpoint.host)
            # the view keeps updating: a change made with the CLI shows
            wait_for("a leader again", lambda: "Leader" in "".join(
                managers(vlab, other).values()), 60)
            vlab.ssh(other, "docker service scale --detach web=2", timeout=60)

            def web_wants_two() -> bool:
                snap = app.snapshot
                return snap is not None and any(
                    s.name == "web" and s.desired == 2 for s in snap.services.values())

            await async_wait_for("the scale to show in the view", web_wants_two, 60)
            # the node pool follows the new manager, and says why node1 is down
            assert store.reach.pool.manager == link.endpoint

            def node1_cause() -> str:
                snap = app.snapshot
                node = next((n for n in snap.nodes.values() if n.hostname == "node1"),
                            None) if snap is not None else None
                return snap.causes.get(node.id, "") if snap and node else ""

            cause = await async_wait_for("node1's cause, probed over SSH", lambda: (
                "dockerd is not running" in node1_cause() and node1_cause()), 60)
            print(f"\nfailover: on {other} {moved:.1f} s after node1's dockerd stopped; "
                  f"node1: {cause}")
    finally:
        vlab.start_dockerd("node1")
        wait_for("three managers again", lambda: three_managers(vlab, "node2"), 90)


async def test_locked_managers_are_listed_locked_and_unlocked_through_the_wizard(
        vlab: Lab, lab_app: Any, state: Path) -> None:  # noqa: F811
    vlab.ssh("node1", "docker swarm update --autolock=true")
    key = vlab.ssh("node1", "docker swarm unlock-key -q")
    try:
        app = with_reach(lab_app(vlab), vlab, recheck=3.0)
        async with app.run_test(size=(80, 24)) as pilot:
            await three_managers_listed(app)
            for name in ("node2", "node3"):
                vlab.stop_dockerd(name)
                vlab.start_dockerd(name)
                assert vlab.ssh(name, "docker info --format '{{.Swarm.LocalNodeState}}'") \
                    == "locked"

            wait_for("node1 alone to lose the quorum (docker node ls)",
                     lambda: node_ls_fails(vlab), QUORUM_LOSS_S)
            # the first screen: the managers' own states, probed over SSH
            message = await async_wait_for("the header to list node2 and node3 LOCKED", lambda: (
                app.snapshot is not None and (app.snapshot.message or "").startswith(HEADLINE)
                and "node2 LOCKED; node3 LOCKED" in (app.snapshot.message or "")
                and app.snapshot.message), 90)
            probed = next(ln for ln in message.split("\n") if ln.startswith(PROBED))
            assert "node1 answering without a leader" in probed, probed
            assert "Unlock node2, node3 with the swarm's unlock key (Q, then ctrl+l)" in probed
            # the header draws the snapshot a moment after it is published
            await async_wait_for("the header to say LOCKED", lambda: "LOCKED" in str(
                app.screen.query_one("#problems").render()), 10)

            await pilot.press("Q")
            await async_wait_for("the wizard", lambda: isinstance(app.screen, RecoveryScreen),
                                 10)
            wizard = app.screen
            await async_wait_for("the probe's advice", lambda: "are LOCKED" in
                                 text(wizard, "#rc-advice"), 60)
            states = text(wizard, "#rc-states")
            assert "node2: LOCKED" in states and "node3: LOCKED" in states, states
            for name in ("node2", "node3"):
                await async_wait_for(f"Unlock {name}… offered", lambda n=name: str(
                    wizard.query_one("#rc-unlock", Button).label).startswith(
                    f"Unlock {n}…"), 60)
                await confirm(pilot, app, "ctrl+l", wizard, f"{name} is unlocked", 120,
                              value=key)
                assert vlab.ssh(name, "docker info --format '{{.Swarm.LocalNodeState}}'") \
                    == "active"
            await async_wait_for("nothing left to unlock", lambda: wizard.query_one(
                "#rc-unlock", Button).disabled, 60)
        wait_for("three managers again (the quorum healed, no new cluster)",
                 lambda: three_managers(vlab), 90)
        entries = audit.read_journal(state)
        unlocks = [e for e in entries if e["operation"] == "unlock"]
        assert [e["result"] for e in unlocks] == ["ok", "ok"], unlocks
        assert unlocks[0]["cli"] == "ssh node2 docker swarm unlock   # the unlock key typed " \
                                    "at its prompt"
    finally:
        for name in ("node2", "node3"):  # a failed test: unlock by hand, key on stdin
            if vlab.ssh(name, "docker info --format '{{.Swarm.LocalNodeState}}'",
                        check=False) == "locked":
                subprocess.run(vlab.ssh_argv(name, "docker swarm unlock"),  # noqa: ASYNC221
                               input=key + "\n", capture_output=True, text=True, timeout=60)
        wait_for("three managers", lambda: three_managers(vlab), 90)
        vlab.ssh("node1", "docker swarm update --autolock=false")


async def test_stopped_engines_are_started_through_the_wizard_and_the_quorum_heals(
        vlab: Lab, lab_app: Any, state: Path) -> None:  # noqa: F811
    """Two of three managers' dockerd stopped: their raft state is on their disks, and
    starting them heals the swarm. The wizard offered only a new cluster on node1.
    swarmtui starts during the outage (the on-call's case): the engine names its managers
    by address only, and they are shown and reached by their ssh_config aliases."""
    cluster = vlab.ssh("node1", "docker info --format '{{.Swarm.Cluster.ID}}'")
    try:
        for name in ("node2", "node3"):
            vlab.stop_dockerd(name)
        wait_for("node1 alone to lose the quorum (docker node ls)", lambda: subprocess.run(
            vlab.ssh_argv("node1", "docker node ls"), capture_output=True, text=True,
            timeout=60).returncode != 0, QUORUM_LOSS_S)
        app = with_reach(lab_app(vlab), vlab, recheck=3.0)
        async with app.run_test(size=(80, 24)) as pilot:
            message = await async_wait_for("the header to list both engines stopped", lambda: (
                app.snapshot is not None and "node2 dockerd not running; node3 dockerd not "
                "running" in (app.snapshot.message or "") and app.snapshot.message), 90)
            assert "Start the engine of node2, node3 (Q, then ctrl+t)" in message, message
            await pilot.press("Q")
            await async_wait_for("the wizard", lambda: isinstance(app.screen, RecoveryScreen),
                                 10)
            wizard = app.screen
            advice = await async_wait_for("the probe's advice", lambda: (
                "are stopped" in text(wizard, "#rc-advice") and text(wizard, "#rc-advice")),
                60)
            assert "First, start the engine of node2, node3 (ctrl+t)" in advice, advice
            assert "start the engine of node2 first (ctrl+t)" in text(wizard, "#status")
            for name in ("node2", "node3"):
                await async_wait_for(f"Start {name}'s engine… offered", lambda n=name: (
                    app.screen is wizard and str(wizard.query_one(
                        "#rc-start", Button).label).startswith(f"Start {n}'s engine…")), 60)
                await confirm(pilot, app, "ctrl+t", wizard, f"the engine on {name}", 120)
            await async_wait_for("no engine left to start", lambda: wizard.query_one(
                "#rc-start", Button).disabled, 60)
            await async_wait_for("the wizard to say the quorum is back", lambda: (
                "✔ the quorum is back: 3 managers, leader node" in text(wizard,
                                                                        "#rc-headline")), 60)
        wait_for("three managers again (the quorum healed)", lambda: three_managers(vlab), 90)
        assert vlab.ssh("node1", "docker info --format '{{.Swarm.Cluster.ID}}'") == cluster, \
            "a new cluster was forced"
        starts = [e for e in audit.read_journal(state) if e["operation"] == "start engine"]
        assert [(e["result"], e["cli"]) for e in starts] == [
            ("ok", f"ssh {n} /etc/docker/swarmtui-lab-dockerd start") for n in ("node2", "node3")
        ], starts
    finally:
        for name in ("node2", "node3"):
            vlab.start_dockerd(name)
        wait_for("three managers", lambda: three_managers(vlab), 90)


async def test_a_former_manager_now_a_worker_is_promoted_by_the_wizard(
        vlab: Lab, lab_app: Any, state: Path) -> None:  # noqa: F811
    leader = next(h for h, v in managers(vlab).items() if v == "Ready Leader")
    demoted = next(h for h in ("node3", "node2") if h != leader)
    vlab.ssh(leader, f"docker node demote {demoted}")
    try:
        app = with_reach(lab_app(vlab), vlab, recheck=3.0)
        async with app.run_test(size=(80, 24)) as pilot:
            await async_wait_for("two managers listed on the main screen", lambda: (
                app.snapshot is not None and len(app.snapshot.managers) == 2
                and isinstance(app.screen, MainScreen)), 60)
            started = time.monotonic()
            await app.push_screen(RecoveryScreen(leader=Host(leader)))
            await pilot.pause()
            wizard = app.screen
            wizard.query_one("#rc-hosts", Input).value = ", ".join(NODES)
            await async_wait_for(f"{demoted} seen a worker to promote", lambda: (
                f"{demoted}: a worker of this cluster: promote" in text(wizard, "#rc-others")),
                60)
            kept = next(h for h in NODES if h not in (leader, demoted))
            assert f"{kept}: a manager of this cluster" in text(wizard, "#rc-others")
            assert str(wizard.query_one("#rc-rejoin", Button).label).startswith(
                f"Promote {demoted}…")
            await confirm(pilot, app, "ctrl+j", wizard, f"{demoted} is a manager again "
                          "(promoted)", 120)
            await async_wait_for("nothing left to bring back", lambda: wizard.query_one(
                "#rc-rejoin", Button).disabled, 30)
            took = time.monotonic() - started
        assert three_managers(vlab), managers(vlab)
        print(f"\npromote through the wizard: {took:.1f} s")
        entries = audit.read_journal(state)
        top = next(e for e in entries if e["operation"] == "recover: promote manager")
        assert top["result"] == "ok" and top["cli"] == \
            f"ssh {leader} docker node promote {demoted}"
    finally:
        if not three_managers(vlab):
            vlab.ssh(leader, f"docker node promote {demoted}", check=False)
            wait_for("three managers", lambda: three_managers(vlab), MANAGER_BACK_S)


async def test_a_restore_from_the_backup_screen_then_promote_and_rejoin_the_others(
        vlab: Lab, lab_app: Any, tmp_path: Path, state: Path) -> None:  # noqa: F811
    wait_for("three managers", lambda: three_managers(vlab), 90)
    started = time.monotonic()
    out = tmp_path / "out"
    opts = ConnectOptions(trust=fixed_trust("never"),
                          ssh_config=ssh_config_files([vlab.ssh_config]))
    # the backup itself (the Backup screen's is test_ui_backup's): node2, the quorum held
    made = await create_backup(CreateRequest(parse_endpoint("node2"), opts, out))
    assert made.backup is not None, made.refused
    try:
        app = with_reach(lab_app(vlab), vlab, recheck=3.0)
        async with app.run_test(size=(80, 24)) as pilot:
            await lose_two_managers_of_three(app, vlab)
            await pilot.press("K")
            await async_wait_for("the Backup screen",
                                 lambda: isinstance(app.screen, BackupScreen), 10)
            screen = app.screen
            assert isinstance(screen, BackupScreen)
            screen.query_one("#bk-output", Input).value = str(out)
            await pilot.press("f5")
            await async_wait_for("the backup listed", lambda: len(screen.backups) == 1, 10)
            await async_wait_for("the host named from the backup", lambda: screen.query_one(
                "#rs-host", Input).value == "node2", 10)
            await send(pilot, app, "ctrl+o", "node2", screen, "restored on node2", 300)
            assert vlab.ssh("node2", "docker node ls --filter name=node2 --format "
                            "'{{.Status}} {{.ManagerStatus}}'") == "Ready Leader"
            # node1 brought back by hand as a worker of the restored swarm (the token
            # through the API, as an admin's script would: never in an argv)
            vlab.ssh("node1", "docker swarm leave --force", timeout=120)
            join_as_worker(vlab, "node1", "node2")
            wait_for("node1 a Ready worker of the restored swarm", lambda: "Ready" in [
                r.split(" ", 1)[1] for r in vlab.ssh("node2", "docker node ls --format "
                "'{{.Hostname}} {{.Status}}{{.ManagerStatus}}'").splitlines()
                if r.startswith("node1 ")], 90)
            screen.query_one("#rs-rejoin", Button).press()
            await async_wait_for("the recovery wizard on the restored leader", lambda:
                                 isinstance(app.screen, RecoveryScreen)
                                 and app.screen.query("#rc-others"), 10)  # composed
            await pilot.pause()
            wizard = app.screen
            hosts = wizard.query_one("#rc-hosts", Input)
            if hosts.value.replace(" ", "") != "node1,node2,node3":
                hosts.value = ", ".join(NODES)
            await async_wait_for("node1 seen a worker to promote", lambda: (
                "node1: a worker of this cluster: promote" in text(wizard, "#rc-others")), 60)
            await send(pilot, app, "ctrl+j", None, wizard,  # past the step's own 120 s
                       "node1 is a manager again (promoted)", 200)
            await async_wait_for("Re-join node3… offered", lambda: str(wizard.query_one(
                "#rc-rejoin", Button).label).startswith("Re-join node3…"), 60)
            await send(pilot, app, "ctrl+j", "node3", wizard, "node3 is a manager again", 300)
            await async_wait_for("nothing left to bring back", lambda: wizard.query_one(
                "#rc-rejoin", Button).disabled, 30)
        # the oracle: the restored leader's node list, three managers and no stale entry
        rows = sorted(vlab.ssh("node2", "docker node ls --format '{{.Hostname}} {{.Status}} "
                               "{{.ManagerStatus}}'").splitlines())
        assert rows == ["node1 Ready Reachable", "node2 Ready Leader",
                        "node3 Ready Reachable"], rows
        print(f"\nrestore from the Backup screen, promote, re-join: "
              f"{time.monotonic() - started:.0f} s")
        entries = audit.read_journal(state)
        clis = {e["operation"]: e["cli"] for e in entries}
        assert clis["backup restore"].startswith("swarmtui backup restore node2 ")
        assert clis["recover: promote manager"] == "ssh node2 docker node promote node1"
        assert all(e["result"] == "ok" for e in entries), [e for e in entries
                                                           if e["result"] != "ok"]
    finally:
        for name in NODES:  # a failed test leaves no engine stopped behind
            if not vlab.host(name).running_dockerd():
                vlab.start_dockerd(name)


def join_as_worker(lab: Lab, host: str, leader: str) -> None:
    import docker

    def api(name: str) -> docker.APIClient:
        return docker.APIClient(base_url=f"unix://{lab.host(name).docker_socket}",
                                version="1.41", timeout=120)

    lead, node = api(leader), api(host)
    try:
        token = lead.inspect_swarm()["JoinTokens"]["Worker"]
        try:
            node.join_swarm([f"{lab.host(leader).address}:2377"], token,
                            listen_addr="0.0.0.0:2377", advertise_addr=lab.host(host).address)
        except docker.errors.APIError as exc:
            if not joining_in_background(exc):
                raise
    finally:
        lead.close()
        node.close()
