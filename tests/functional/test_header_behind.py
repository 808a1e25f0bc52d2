"""The header seen behind a dialog says what the cluster says now: a progress view said
"Done: node3 is Ready" over a header still reading "node3 is Down since 27 s"."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Static

from swarmtui.ui.flow import ConfirmScreen
from swarmtui.ui.screens.main import MainScreen
from swarmtui.ui.widgets.health import HealthHeader
from tests.functional.conftest import open_service_form, static_app
from tests.waiting import async_wait_for


async def test_the_header_behind_a_dialog_follows_the_cluster() -> None:
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        snap, store, main = app.snapshot, app.store, app.screen
        assert snap is not None and store is not None and isinstance(main, MainScreen)
        summary = main.query_one(HealthHeader).query_one("#summary", Static)

        def header() -> str:  # the header's line as drawn (the dialog's picture lacks it)
            return " ".join(str(summary.render()).split())

        total = len(snap.nodes)
        assert f"nodes {total}/{total}" in header()
        await pilot.press("1", "d")
        await async_wait_for("the drain dialog", lambda: isinstance(app.screen, ConfirmScreen))
        gone = next(iter(snap.nodes))
        fewer = {k: v for k, v in snap.nodes.items() if k != gone}
        store._publish(snap.with_kind("nodes", fewer, at=store.now() + timedelta(seconds=2)),
                       frozenset({"nodes"}))
        n = total - 1
        await async_wait_for(f"nodes {n}/{n} behind the dialog",
                             lambda: f"nodes {n}/{n}" in header(), 10)
        assert isinstance(app.screen, ConfirmScreen)


async def test_every_screen_seen_behind_a_dialog_follows_the_cluster() -> None:
    """Not the header alone: the pane behind the dialog, and a detail screen behind a
    dialog opened from it, show each snapshot as it comes (they are in sight, dimmed)."""
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        snap, store, main = app.snapshot, app.store, app.screen
        assert snap is not None and store is not None and isinstance(main, MainScreen)
        nodes = main.table("nodes")
        gone = next(n.id for n in snap.nodes.values() if n.hostname == "node3")
        await async_wait_for("node3's row", lambda: gone in nodes.rows, 10)
        await pilot.press("1", "d")
        await async_wait_for("the drain dialog", lambda: isinstance(app.screen, ConfirmScreen))
        fewer = {k: v for k, v in snap.nodes.items() if k != gone}
        store._publish(snap.with_kind("nodes", fewer, at=store.now() + timedelta(seconds=2)),
                       frozenset({"nodes"}))
        await async_wait_for("node3's row gone behind the dialog",
                             lambda: gone not in nodes.rows, 10)
        assert isinstance(app.screen, ConfirmScreen)


async def test_a_form_behind_its_confirmation_is_not_judged_again() -> None:
    """A form is in sight behind its confirmation and progress, but what it sent is in
    the cluster by then: it said "a service named 'newsvc' already exists" in red behind
    "Sent: service newsvc created"."""
    from dataclasses import replace

    from textual.widgets import Input


    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        snap, store = app.snapshot, app.store
        assert snap is not None and store is not None
        form = await open_service_form(app, pilot)
        form.query_one("#name", Input).value = "newsvc"
        form.query_one("#image", Input).value = "busybox:latest"
        await pilot.press("ctrl+s")
        await async_wait_for("the confirmation", lambda: isinstance(app.screen, ConfirmScreen))
        web = next(iter(snap.services.values()))
        made = {**snap.services, "newsvc-id": replace(web, id="newsvc-id", name="newsvc")}
        store._publish(snap.with_kind("services", made, at=store.now() + timedelta(seconds=2)),
                       frozenset({"services"}))
        await async_wait_for("the snapshot", lambda: app.snapshot is not None and any(
            s.name == "newsvc" for s in app.snapshot.services.values()), 10)
        await pilot.pause()
        assert not form.query_one("#error-name", Static).content, \
            form.query_one("#error-name", Static).content
