"""Pilot tests of the operation keys on the session lab (real SSH, no fake Docker API).

Nothing here leaves a change behind: confirmations are cancelled, blocked or refused,
and the one service removed is created by the test itself. The docker CLI on node1
is the oracle. Waits are conditions with deadlines.
"""

from __future__ import annotations

import uuid

import pytest
from textual.widgets import Button, Input, OptionList

from swarmtui.ui.flow import ConfirmScreen
from tests.functional.test_ops_helpers import (
    cli_text,
    confirm_screen,
    journal_fixture,  # noqa: F401  (the `journal` fixture)
    loaded,
    node_id,
    ops_app_fixture,  # noqa: F401  (the `ops_app` fixture)
    progress_done,
    read_journal,
    select_row,
)
from tests.waiting import async_wait_for, wait_for

pytestmark = pytest.mark.lab


def availability(lab, host: str) -> str:
    return lab.ssh("node1", f"docker node inspect -f '{{{{.Spec.Availability}}}}' {host}").strip()


async def test_confirmation_shows_the_exact_cli_and_cancel_sends_nothing(
        lab, ops_app, journal) -> None:
    app = ops_app(lab)
    async with app.run_test(size=(120, 40)) as pilot:
        main = await loaded(app)
        await select_row(main, "nodes", node_id(app, "node2"))
        await pilot.press("d")
        dialog = await confirm_screen(app)
        assert cli_text(dialog) == "docker node update --availability drain node2"
        # the drain preview comes from the live state: it names what can take the tasks
        text = " ".join(dialog.verdict.preview + dialog.verdict.warnings)
        assert "node2" in text
        assert not dialog.verdict.blocks
        assert not dialog.query_one("#ops-go", Button).disabled
        await pilot.press("escape")
        assert app.screen is main
    assert availability(lab, "node2") == "active"
    assert read_journal(journal) == []  # cancelled: nothing was attempted


async def test_typed_value_drives_the_cli_and_the_blocks(lab, ops_app, journal) -> None:
    app = ops_app(lab)
    async with app.run_test(size=(120, 40)) as pilot:
        main = await loaded(app)
        await select_row(main, "nodes", node_id(app, "node3"))
        await pilot.press("L")
        dialog = await confirm_screen(app)
        assert dialog.query_one("#ops-value", Input).has_focus
        assert dialog.verdict.blocks  # nothing typed yet: blocked
        await pilot.press(*"zone=b")
        assert cli_text(dialog) == "docker node update --label-add zone=b node3"
        assert not dialog.verdict.blocks
        await pilot.press("backspace", "backspace")  # "zone=" is a valid --label-add too
        await pilot.press("backspace", "backspace", "backspace", "backspace", *"=x")
        assert any("no key" in b for b in dialog.verdict.blocks), dialog.verdict
        assert dialog.query_one("#ops-go", Button).disabled
        await pilot.press("escape")
    assert read_journal(journal) == []


async def test_demoting_the_last_manager_is_blocked(lab, ops_app, journal) -> None:
    app = ops_app(lab)
    async with app.run_test(size=(120, 40)) as pilot:
        main = await loaded(app)
        await select_row(main, "nodes", node_id(app, "node1"))
        await pilot.press("minus")
        dialog = await confirm_screen(app)
        assert cli_text(dialog) == "docker node demote node1"
        assert any("last manager" in b for b in dialog.verdict.blocks), dialog.verdict
        assert any("managers 1 → 0" in p for p in dialog.verdict.preview)
        go = dialog.query_one("#ops-go", Button)
        assert go.disabled and "Blocked" in str(go.label)
        shown = str(dialog.query_one("#ops-blocks").render())
        assert "last manager" in shown
        await pilot.press("ctrl+y")  # the confirm key does nothing while blocked
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
    assert lab.ssh("node1", "docker node inspect -f '{{.Spec.Role}}' node1").strip() == "manager"
    assert read_journal(journal) == []


async def test_removing_a_service_needs_its_name_typed(lab, ops_app, journal) -> None:
    name = f"rmme{uuid.uuid4().hex[:6]}"
    lab.ssh("node1", f"docker service create -d --no-resolve-image --name {name} "
                     "--replicas 1 --stop-grace-period 1s busybox:latest sleep 3600")
    try:
        app = ops_app(lab)
        async with app.run_test(size=(120, 40)) as pilot:
            main = await loaded(app)
            svc = await async_wait_for("the service", lambda: app.snapshot.service_by_name(name),
                                       30)
            await select_row(main, "services", svc.id)
            await pilot.press("ctrl+d")
            dialog = await confirm_screen(app)
            assert cli_text(dialog) == f"docker service rm {name}"
            typed = dialog.query_one("#ops-typed", Input)
            go = dialog.query_one("#ops-go", Button)
            assert typed.has_focus and go.disabled
            await pilot.press(*name[:-1], "enter")  # not the name: refused, nothing sent
            assert isinstance(app.screen, ConfirmScreen) and go.disabled
            await pilot.press(name[-1])
            assert not go.disabled
            await pilot.press("enter")
            done = await progress_done(app, 60)
            assert done.phase == "converged", done.last_text
        wait_for("the service gone from the CLI", lambda: name not in lab.ssh(
            "node1", "docker service ls --format '{{.Name}}'"), 30)
        lines = read_journal(journal)
        assert [(e["operation"], e["result"], e["cli"]) for e in lines] == [
            ("service-rm", "ok", f"docker service rm {name}")]
        assert lines[0]["endpoint"] and lines[0]["cluster"]
    finally:
        lab.ssh("node1", f"docker service rm {name}", check=False)


async def test_read_only_refuses_before_anything_is_sent(lab, ops_app, journal) -> None:
    app = ops_app(lab, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        main = await loaded(app)
        await select_row(main, "nodes", node_id(app, "node2"))
        for key in ("d", "plus", "L", "ctrl+d"):
            await pilot.press(key)
            assert app.screen is main, key  # no confirmation is even opened
        notes = [n.message for n in app._notifications]
        assert len(notes) == 4 and all(m.startswith("READ-ONLY") for m in notes), notes
        assert "docker node update --availability drain node2" in notes[0]
    lines = read_journal(journal)
    assert [(e["operation"], e["result"]) for e in lines] == [
        ("drain", "refused"), ("promote", "refused"), ("label-add", "refused"),
        ("node-rm", "refused")]
    assert all("read-only" in e["error"] for e in lines)
    assert availability(lab, "node2") == "active"


async def test_scaling_a_global_service_says_why_not(lab, ops_app, journal) -> None:
    name = f"glob{uuid.uuid4().hex[:6]}"
    lab.ssh("node1", f"docker service create -d --no-resolve-image --name {name} --mode global "
                     "--stop-grace-period 1s busybox:latest sleep 3600")
    try:
        app = ops_app(lab)
        async with app.run_test(size=(120, 40)) as pilot:
            main = await loaded(app)
            svc = await async_wait_for("the service", lambda: app.snapshot.service_by_name(name),
                                       30)
            await select_row(main, "services", svc.id)
            await pilot.press("ctrl+s")
            assert app.screen is main
            notes = [n.message for n in app._notifications]
            assert any("global service" in m and "no replica count" in m for m in notes), notes
    finally:
        lab.ssh("node1", f"docker service rm {name}", check=False)
    assert read_journal(journal) == []


async def test_label_removal_picks_from_the_nodes_labels(lab, ops_app, journal) -> None:
    lab.ssh("node1", "docker node update --label-add opsk1=a --label-add opsk2=b node3")
    try:
        app = ops_app(lab)
        async with app.run_test(size=(120, 40)) as pilot:
            main = await loaded(app)
            nid = node_id(app, "node3")
            await async_wait_for("the labels", lambda: "opsk2" in app.snapshot.nodes[nid].labels,
                                 30)
            await select_row(main, "nodes", nid)
            await pilot.press("X")
            dialog = await confirm_screen(app)
            choices = dialog.query_one("#ops-choices", OptionList)
            ids = [choices.get_option_at_index(i).id for i in range(choices.option_count)]
            assert "opsk1" in ids and "opsk2" in ids
            await pilot.press("down")
            picked = ids[choices.highlighted or 0]
            assert cli_text(dialog) == f"docker node update --label-rm {picked} node3"
            await pilot.press("escape")
    finally:
        lab.ssh("node1", "docker node update --label-rm opsk1 --label-rm opsk2 node3",
                check=False)
    assert read_journal(journal) == []


async def test_space_marks_nodes_and_keys_act_on_all_marked(lab, ops_app, journal) -> None:
    app = ops_app(lab)
    async with app.run_test(size=(120, 40)) as pilot:
        main = await loaded(app)
        await select_row(main, "nodes", node_id(app, "node2"))
        await pilot.press("space")
        await select_row(main, "nodes", node_id(app, "node3"))
        await pilot.press("space")
        assert sorted(main.ops_marked) == sorted([node_id(app, "node2"), node_id(app, "node3")])
        bar = main.query_one("#ops-marks")
        assert "2 marked: node2, node3" in str(bar.render()) and bar.display
        await pilot.press("plus")
        dialog = await confirm_screen(app)
        assert cli_text(dialog) == "docker node promote node2 node3"
        # the quorum preview covers the combined change: 1 → 3 managers, odd
        assert "managers 1 → 3" in dialog.verdict.preview
        assert not any("even" in w for w in dialog.verdict.warnings)
        await pilot.press("escape")
        # the Services pane does not show node keys
        await pilot.press("2")

        def keys() -> set[str | None]:
            return {b.binding.id for b in main.active_bindings.values()}

        # the pane's own keys (a row-key such as scale only with a row to act on)
        await async_wait_for("the service keys", lambda: "forms.new-service" in keys(), 10)
        assert "ops.promote" not in keys()
    assert read_journal(journal) == []
