"""The header seen behind a dialog says what the cluster says now: a progress view said
"Done: node3 is Ready" over a header still reading "node3 is Down since 27 s"."""

from __future__ import annotations

from datetime import timedelta

from swarmtui.ui.flow import ConfirmScreen
from tests.functional.conftest import static_app
from tests.functional.test_newcomer_80 import screen_lines
from tests.waiting import async_wait_for


async def test_the_header_behind_a_dialog_follows_the_cluster() -> None:
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        snap, store = app.snapshot, app.store
        assert snap is not None and store is not None
        total = len(snap.nodes)
        assert any(f"nodes {total}/{total}" in line for line in screen_lines(app))
        await pilot.press("1", "d")
        await async_wait_for("the drain dialog", lambda: isinstance(app.screen, ConfirmScreen))
        gone = next(iter(snap.nodes))
        fewer = {k: v for k, v in snap.nodes.items() if k != gone}
        store._publish(snap.with_kind("nodes", fewer, at=store.now() + timedelta(seconds=2)),
                       frozenset({"nodes"}))
        n = total - 1
        await async_wait_for(f"nodes {n}/{n} behind the dialog", lambda: any(
            f"nodes {n}/{n}" in line for line in screen_lines(app)), 5)
        assert isinstance(app.screen, ConfirmScreen)
