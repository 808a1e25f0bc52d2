"""Issue 16, the first half of the tutorial walked at 80×24 (init, tokens, bootstrap,
network, service, scale, restart, update and rollback, drain): what a newcomer met."""

from __future__ import annotations

from textual.widgets._toast import Toast

from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.swarm.sync.store import StaticStore
from swarmtui.ui.app import SwarmApp
from swarmtui.ui.screens.wizards.init_swarm import InitSwarmScreen
from tests.functional.test_newcomer_80 import screen_lines
from tests.waiting import async_wait_for


def not_in_a_swarm() -> ClusterSnapshot:
    """What the store makes of an engine outside any swarm (GET /info only)."""
    return ClusterSnapshot.from_api(
        info={"Name": "node1", "Swarm": {"LocalNodeState": "inactive", "NodeID": ""}},
        message="node1 is not part of a swarm (docker swarm init or join first)")


async def test_not_in_a_swarm_says_how_in_the_pane_and_no_toast_follows_into_the_wizard(
        ) -> None:
    """The offer to initialise is where the eye is (the empty Nodes pane), whole at 80
    columns; no toast covers the status bar, nor the init wizard's intro after `I`."""
    app = SwarmApp(StaticStore(not_in_a_swarm(), label="node1"))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await async_wait_for("the first snapshot", lambda: app.snapshot is not None, 10)
        await pilot.pause()
        text = " ".join(" ".join(screen_lines(app)).split())
        assert ("node1 is not in a swarm: press I or open the palette (:) → Initialise a "
                "swarm to create one (docker swarm init), or join it to an existing swarm."
                in text), text
        assert not list(app._notifications)
        await pilot.press("I")
        await async_wait_for("the init wizard", lambda: isinstance(app.screen, InitSwarmScreen))
        await pilot.pause()
        assert not [t for t in app.screen.query(Toast) if t.region.area]
        assert "This engine is not in a swarm." in screen_lines(app)[2]


async def test_f5_while_the_bootstrap_probe_runs_is_said_in_view_and_kept() -> None:
    """At 80×24 the apply section is below the fold: F5 pressed during a slow probe is
    answered beside the probe's own line (the lab test sees the confirmation open by
    itself once the plan is made)."""
    from swarmtui.ui.screens.wizards.bootstrap import BootstrapScreen
    from tests.functional.conftest import static_app

    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = BootstrapScreen()
        app.push_screen(screen)
        await async_wait_for("the wizard", lambda: app.screen is screen)
        await pilot.press("f5")  # nothing probed yet
        await pilot.pause()
        said = " ".join(" ".join(screen_lines(app)).split())
        assert "Probe the host first (F2): the plan is made from what it finds." in said, said
        screen.probing = True  # as while probe_host awaits the host over SSH
        await pilot.press("f5")
        await pilot.pause()
        assert screen.apply_when_planned
        said = " ".join(" ".join(screen_lines(app)).split())
        assert ("Still probing the host (read-only). F5 pressed: the plan opens for "
                "confirmation once it is ready.") in said, said


async def test_the_tokens_screen_says_how_to_rotate_at_80_columns() -> None:
    """Its footer has room for reveal and copy only: the section names the rotate keys."""
    from swarmtui.ui.screens.wizards.tokens import TokensScreen
    from tests.functional.conftest import static_app

    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = TokensScreen()
        app.push_screen(screen)
        await async_wait_for("the tokens screen", lambda: app.screen is screen)
        await pilot.pause()
        said = " ".join(" ".join(screen_lines(app)[:6]).split())
        assert "Join commands w / m copy · W / M rotate" in said, said
        footer = screen_lines(app)[-1]
        assert "Rotate" not in footer  # the reason the intro says it


async def test_a_paused_update_says_its_cause_once_by_task_name_and_no_toast_covers_it(
        ) -> None:
    """At 80×24 the progress view of `u` to an image no node has: the end is said once
    (it was said twice, filling the dialog), naming the task xupd.1 (not its 25-character
    ID), with `R`; no toast says it again over the view (the user has not left it)."""
    from datetime import timedelta

    from textual.widgets import Button, Static

    from swarmtui.swarm.ops.runner import Outcome, Sent
    from swarmtui.swarm.ops.services import UpdateServiceImage
    from swarmtui.ui.flow.progress import ProgressScreen
    from tests.unit.test_explain import recorded

    snap, at = recorded()
    svc = snap.find_service("xupd")
    assert svc is not None
    task_id = svc.update_message.rsplit(" ", 1)[-1]
    app = SwarmApp(StaticStore(snap, label="recorded lab", now=at))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        # read-only: refused before anything is sent (no engine here); then as if it had
        # been sent and the store's next snapshot showed the update paused
        screen = ProgressScreen(UpdateServiceImage(svc, "nosuchimage:2"), None, read_only=True)
        app.push_screen(screen)
        await async_wait_for("refused", lambda: screen.phase == "refused")
        app.clear_notifications()
        screen.phase = "waiting"
        screen.sent = Sent(Outcome("ok", "xupd: image update started"), at - timedelta(hours=1))
        screen.show_snapshot(snap, frozenset())
        assert screen.phase == "failed"
        await pilot.pause()
        phase = str(screen.query_one("#ops-phase", Static).render())
        assert phase == ("Failed: xupd: update paused at 0 of 1 updated: update paused due to "
                         "failure or early termination of task xupd.1 — rejected: No such "
                         "image: nosuchimage:2 — R rolls back to the previous spec")
        assert str(screen.query_one("#ops-detail", Static).render()) == ""
        shown = " ".join(screen_lines(app))
        assert task_id not in shown, shown
        close = screen.query_one("#ops-close", Button).region
        assert close.area and "Close [Esc / Enter]" in screen_lines(app)[close.y + 1]
        assert not [t for t in screen.query(Toast) if t.region.area]
        assert not list(app._notifications), [n.message for n in app._notifications]


async def test_the_status_bar_says_not_in_a_swarm_whole_at_80_columns() -> None:
    """It said "· this engine is not part of a swarm: ini…" (cut); the header and the
    pane say the whole sentence, the bar its first clause."""
    from swarmtui.connect.linkstatus import role_from_info
    from swarmtui.swarm.sync.view import LinkView
    from swarmtui.ui.widgets.status import StatusBar

    role = role_from_info({"Swarm": {"LocalNodeState": "inactive"}})
    app = SwarmApp(StaticStore(not_in_a_swarm(), label="node1"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bar = app.screen.query_one(StatusBar)
        for message in (role.message, not_in_a_swarm().message):
            bar.show(LinkView("connected", endpoint="node1", via="ssh", latency_ms=6,
                              role_message=message))
            await pilot.pause()
            line = screen_lines(app)[bar.region.y].rstrip()
            assert "…" not in line, line
            assert line.endswith(" · 6 ms · this engine is not part of a swarm") or \
                line.endswith(" · 6 ms · node1 is not part of a swarm"), line


async def test_a_lone_problem_is_said_whole_in_the_header_at_80_columns() -> None:
    """After bootstrapping three workers the one problem was cut ("3 manage…") above a
    screen of blank rows: the lines left over take its words."""
    from tests.unit.test_swarm_fixtures import cluster, snap

    app = SwarmApp(StaticStore(snap(nodes=cluster(1, workers=3)), label="lab"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = screen_lines(app)
        assert lines[2].startswith(" • only one manager (mgr1): if it fails the swarm cannot")
        said = " ".join(" ".join(lines[2:4]).split())
        assert said.endswith("3 managers tolerate 1 failure"), lines[:5]
        assert "…" not in " ".join(lines[:4])


async def test_a_confirmation_with_a_field_and_a_warning_keeps_its_cli_line_in_view() -> None:
    """At 80×24, ctrl+s on a host-mode service with a count past the nodes: the CLI line,
    the field, the warning and the buttons are all on screen (the CLI had scrolled away)."""
    from textual.widgets import Button

    from swarmtui.ui.flow import ConfirmScreen
    from tests.unit.test_swarm_fixtures import cluster, service, snap, task

    port = {"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8080, "PublishMode": "host"}
    state = snap(nodes=cluster(1, workers=3),
                 services=[service("sw", "web", replicas=3, ports=[port])],
                 tasks=[task(f"w{i}", "sw", slot=i, node_id=f"w{i}") for i in range(1, 4)])
    app = SwarmApp(StaticStore(state, label="lab"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("2", "ctrl+s")
        await async_wait_for("the confirmation", lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("6")
        await async_wait_for("the warning", lambda: app.screen.verdict.warnings)
        await pilot.pause()
        text = " ".join(" ".join(screen_lines(app)).split())
        assert "docker service scale web=6" in text, text
        assert "one task per node" in text and "Pending" in text, text
        go = app.screen.query_one("#ops-go", Button)
        assert go.region.area and go.region.bottom <= 24
        assert app.focused is not None and app.focused.id == "ops-value"
        # the field takes one row, not three: with `u` to an image no node has (its
        # preview and warning three lines each) the dialog then still fits 80×24
        assert app.focused.region.height == 1
