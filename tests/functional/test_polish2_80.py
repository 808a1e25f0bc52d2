"""Session 8's "noticed, not fixed", at 80×24: each as a Swarm admin would expect it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from textual.widgets import Static

from swarmtui.swarm.ops.runner import Outcome, Sent
from swarmtui.swarm.ops.services import ScaleService
from swarmtui.swarm.reach.probe import Cause
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.swarm.sync.store import StaticStore
from swarmtui.ui.app import SwarmApp
from swarmtui.ui.flow import ProgressScreen
from tests.functional.conftest import open_scale_of, static_app
from tests.functional.test_newcomer_80 import footer_keys, footer_line, screen_lines
from tests.unit.test_swarm_fixtures import cluster, service, snap, task
from tests.waiting import async_wait_for


def no_such_image() -> ClusterSnapshot:
    """web (1 replica) whose task node1's engine rejected: No such image: nosuch:1."""
    bad = task("t1", "s1", state="rejected", err="No such image: nosuch:1", node_id="m1")
    bad["Spec"]["ContainerSpec"]["Image"] = "nosuch:1"
    return snap(nodes=cluster(1, workers=1),
                services=[service("s1", "web", running=0, image="nosuch:1")], tasks=[bad])


def sent_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The runner's answer stands in for a send (the static store has no engine)."""
    from swarmtui.ui.flow import progress

    monkeypatch.setattr(progress, "send_operation", lambda *_a, **_k: Sent(
        Outcome("ok", "web scaled to 1"), datetime.now(UTC)))


async def progress_timed_out(app: SwarmApp, op: Any) -> str:
    screen = ProgressScreen(op, None, timeout=0.5)
    app.push_screen(screen)
    await async_wait_for("sent", lambda: screen.sent is not None, 10)
    assert app.snapshot is not None
    screen.show_snapshot(replace(app.snapshot, taken_at=datetime.now(UTC)), frozenset())
    await async_wait_for("the time limit", lambda: screen.phase == "timeout", 20)
    await async_wait_for("the words on screen", lambda: "converge" in "".join(
        screen_lines(app)), 10)
    return "\n".join(str(s.content) for s in screen.query(Static))


async def test_a_timeout_on_an_image_no_node_has_says_it_will_not_converge(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """"No such image" never passes by itself: the view names the cause (the explainer's
    words) and what to do, not "the cluster may still get there"."""
    sent_at_once(monkeypatch)
    s = no_such_image()
    app = SwarmApp(StaticStore(s, label="img"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = await progress_timed_out(app, ScaleService(s.services["s1"], "1"))
        flat = " ".join(text.split())
        assert "web will not converge: image nosuch:1 is not on mgr1" in flat, text
        assert "No such image: nosuch:1" in flat, text
        assert "may still get there" not in flat, text
        assert "docker service update --image IMAGE web" in flat, text


async def test_a_timeout_on_a_task_still_starting_still_says_it_may_get_there(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A cause that can pass (a task still preparing) keeps the old, true words."""
    sent_at_once(monkeypatch)
    s = snap(nodes=cluster(1, workers=1), services=[service("s1", "web", running=0)],
             tasks=[task("t1", "s1", state="preparing", node_id="m1")])
    app = SwarmApp(StaticStore(s, label="slow"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = await progress_timed_out(app, ScaleService(s.services["s1"], "1"))
        flat = " ".join(text.split())
        assert "Not converged after" in flat and "may still get there" in flat, text
        assert "will not converge" not in flat, text


async def test_nothing_to_do_offers_no_confirm_key_and_esc_closes() -> None:
    """ctrl+s opens on the current replicas: the button says "Nothing to do", so the
    footer offers no ^y Confirm and Esc says Close (the footer said "^y Confirm"); once a
    new count is typed, Confirm and Cancel are back. Esc closes with nothing said."""
    from textual.widgets import Button

    app = static_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        main = app.screen
        dialog = await open_scale_of(app, pilot, "web")
        go = dialog.query_one("#ops-go", Button)
        await async_wait_for("nothing to do", lambda: str(go.label) == "Nothing to do")
        await async_wait_for("the footer's Close", lambda: "esc Close" in footer_line(app))
        assert "Confirm" not in footer_line(app) and "Cancel" not in footer_line(app)
        assert "Close [Esc]" in str(dialog.query_one("#ops-cancel", Button).label)
        await pilot.press("backspace", "9")
        await async_wait_for("a change to confirm", lambda: str(go.label) == "Confirm: scale")
        await async_wait_for("the footer's Confirm", lambda: "^y Confirm" in footer_line(app)
                             and "esc Cancel" in footer_line(app))
        await pilot.press("backspace", "3")
        await async_wait_for("nothing to do again", lambda: "esc Close" in footer_line(app))
        await pilot.press("escape")
        await async_wait_for("closed", lambda: app.screen is main)
        assert not any("Cancelled" in (n.title or "") for n in app._notifications)


def fake_probe(monkeypatch: pytest.MonkeyPatch, causes: list[Cause]) -> None:
    """The recovery wizard's two probes answer at once: raft states (the third freshest)
    and each manager's state as given."""
    from swarmtui.backup.recover import RaftState, RecoveryAdvice
    from swarmtui.swarm.reach.probe import Diagnosis
    from swarmtui.ui.screens.wizards import recovery

    async def raft(_pool: Any, hosts: list[Any]) -> RecoveryAdvice:
        return RecoveryAdvice(tuple(RaftState(h.hostname, 3, 102 - i, 122 - i, 5.0)
                                    for i, h in enumerate(reversed(hosts))))

    async def states(_pool: Any, items: list[Any]) -> list[Diagnosis]:
        return [Diagnosis(item[0], cause, "") for item, cause in zip(items, causes,
                                                                     strict=True)]

    monkeypatch.setattr(recovery, "probe_pool", raft)
    monkeypatch.setattr(recovery, "probe_many", states)


def in_view(screen: Any, selector: str) -> bool:
    """The widget is shown whole inside the wizard's scrolled view (above the footer)."""
    from textual.containers import VerticalScroll

    w = screen.query_one(selector)
    view = screen.query_one(VerticalScroll).region
    return bool(w.display and w.region.height and w.region.y >= view.y
                and w.region.bottom <= view.bottom)


@pytest.mark.parametrize(("causes", "step", "action"), [
    ([Cause.DOCKERD_DOWN, Cause.DOCKERD_DOWN, Cause.HOST_UNREACHABLE], 1, "#rc-start"),
    ([Cause.LOCKED, Cause.LOCKED, Cause.HOST_UNREACHABLE], 1, "#rc-unlock"),
    ([Cause.HOST_UNREACHABLE, Cause.HEALTHY, Cause.HOST_UNREACHABLE], 2, "#rc-force"),
], ids=["engines-stopped", "locked", "force"])
async def test_the_recovery_step_to_act_on_is_in_view_at_80x24(
        monkeypatch: pytest.MonkeyPatch, causes: list[Cause], step: int,
        action: str) -> None:
    """The step to act on is shown whole, with its button in view without scrolling; the
    others are one line each (steps 2 and 3 were below the fold, and so was step 1's
    own Start button under the probe's lines)."""
    from textual.widgets import Button

    from swarmtui.ui.screens.wizards.recovery import RecoveryScreen
    from tests.functional.test_backup_screens import app_with_pool, quorum_lost

    fake_probe(monkeypatch, causes)
    app = app_with_pool(quorum_lost())
    async with app.run_test(size=(80, 24)) as pilot:
        await async_wait_for("the first snapshot", lambda: app.snapshot is not None, 10)
        await pilot.press("Q")
        screen = await async_wait_for("the wizard", lambda: app.screen if isinstance(
            app.screen, RecoveryScreen) else None, 10)
        await async_wait_for("probed", lambda: screen.advice is not None, 20)
        assert not screen.query_one(action, Button).disabled
        await async_wait_for(f"{action} in view", lambda: in_view(screen, action), 10)
        await async_wait_for("the step's header in view", lambda: in_view(
            screen, f"#rc-s{step}"), 10)
        for other in {1, 2, 3} - {step}:
            assert not screen.query_one(f"#rc-b{other}").display, other
        said = " ".join(" ".join(screen_lines(app)).split())
        if step == 1:  # the freshest, for the "else", is named on the folded step 2
            assert "if step 1 brings no majority back: ctrl+s on 100.64.174.13" in said, said
        footer = footer_line(app)
        assert ("^t" in footer) == (action == "#rc-start"), footer
        assert ("^l" in footer) == (action == "#rc-unlock"), footer


def palette_prompts(app: Any) -> list[str]:
    from textual.command import CommandList

    lists = app.screen.query(CommandList)
    if not lists:
        return []
    found = lists.first()
    return [str(found.get_option_at_index(i).prompt) for i in range(found.option_count)]


@pytest.mark.parametrize("read_only", [True, False], ids=["read-only", "read-write"])
async def test_read_only_palette_opens_on_what_can_be_done(read_only: bool) -> None:
    """Read-only: the palette listed Drain, Activate, Promote … first, each refused when
    chosen. Now it lists no change; typing one finds it below, dimmed, marked read-only,
    saying it is refused. The footer dims a change's key. Not read-only: as before."""
    from textual.command import CommandPalette

    app = static_app(read_only=read_only)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        footer = await footer_keys(app)
        drain = next(k for k in footer if k.description == "Drain")
        assert drain.disabled is read_only
        assert not next(k for k in footer if k.description == "Filter").disabled
        await pilot.press("ctrl+p")
        await async_wait_for("the palette", lambda: isinstance(app.screen, CommandPalette))
        listed = await async_wait_for("its entries", lambda: palette_prompts(app), 10)
        opens = " ".join(listed)
        assert ("Drain" in opens) is not read_only, listed
        assert ("Initialise a swarm" in opens) is not read_only, listed
        assert "Inspect" in opens and "Mark" in opens, listed
        await pilot.press(*"drain")
        hits = await async_wait_for("drain found", lambda: [
            p for p in palette_prompts(app) if p.startswith("Drain")], 10)
        assert ("(read-only)" in hits[0]) is read_only, hits
        assert ("READ-ONLY: refused" in hits[0]) is read_only, hits


@pytest.mark.parametrize("size", [(80, 24), (120, 30)], ids=["80x24", "120x30"])
async def test_help_keeps_key_and_description_readable_at_80_columns(
        size: tuple[int, int]) -> None:
    """At 80 columns the id column took a third of the width and every description
    wrapped: there the id follows the description, dim; from 110 columns it has its
    own column again."""
    from swarmtui.ui.screens.help import HelpScreen

    app = static_app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await async_wait_for("help", lambda: isinstance(app.screen, HelpScreen), 10)
        await pilot.pause()
        lines = screen_lines(app)
        nodes = next(line for line in lines if "Nodes — the Nodes pane" in line)
        assert "Nodes — the Nodes pane (docker node ls)" in nodes, lines
        assert "pane.nodes" in nodes, lines  # the id on the same line, whole
        header = next(line for line in lines if "what it does" in line)
        assert ("its id" in header) is (size[0] < 110), header
        assert (header.rstrip(" ▎▊").split()[-1] == "id") is (size[0] >= 110), header
