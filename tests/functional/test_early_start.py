"""The early start (swarmtui/startup.py): the store connects before the app is built, and the
app then runs on that store's loop — against a lab host over real SSH, the docker CLI as
the oracle. The app runs headless with an auto pilot, as `swarmtui TARGET` runs it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from swarmtui import startup
from swarmtui.cli import build_parser
from swarmtui.ui.app import SwarmApp
from swarmtui.ui.screens.main import MainScreen
from swarmtui.ui.screens.trust import TrustScreen
from tests.functional.test_trust_lab import _config_with_known_hosts
from tests.waiting import async_wait_for, wait_for

pytestmark = pytest.mark.lab


def _run_early(argv: list[str], pilot: Callable[[Pilot[int], startup.Early], Awaitable[None]],
               before: Callable[[startup.Early], None] | None = None) -> startup.Early:
    args = build_parser().parse_args(argv)
    early = startup.begin(args)
    assert early is not None
    if before is not None:
        before(early)
    app = SwarmApp(settings=early.settings, ssh_config=list(args.ssh_config),
                   trust_mode=args.trust_host_key, target=args.target, early=early)

    async def auto(p: Pilot[int]) -> None:
        try:
            await pilot(p, early)
        finally:
            await app.action_quit()

    loop = early.handover()
    try:
        app.run(headless=True, size=(120, 40), loop=loop, auto_pilot=auto)
    finally:
        startup.finish(loop)
    assert app.return_code == 0, app._exception
    return early


def test_early_store_is_the_apps_and_shows_the_cluster(lab, tmp_path: Path) -> None:
    names = set(lab.ssh("node1", "docker node ls --format '{{.Hostname}}'").split())

    async def check(pilot: Pilot[int], early: startup.Early) -> None:
        app = pilot.app
        assert isinstance(app, SwarmApp)
        await async_wait_for("the nodes on screen", lambda: isinstance(app.screen, MainScreen)
                             and len(app.screen.table("nodes").rows) == len(names), 30)
        assert app.store is early.store
        screen = app.screen
        assert isinstance(screen, MainScreen)
        shown = {cells["hostname"].removesuffix(" *")
                 for cells in screen.pane_rows("nodes").values()}
        assert shown == names

    _run_early(["--config", str(tmp_path / "none.toml"), "--ssh-config", str(lab.ssh_config),
                "--trust-host-key", "never", "node1"], check)


def test_the_node_pool_waits_for_the_first_view_then_samples_at_once(lab, tmp_path: Path
                                                                    ) -> None:
    """The early store connects (and lists) while the UI is imported; the node pool's SSH
    handshakes (live stats, the doctor) would take that one core from it: the pool is made
    once the first view is on screen, and its first samples come at once then."""
    from swarmtui.connect.linkstatus import LinkState

    def connected_without_a_pool(early: startup.Early) -> None:
        store = early.store
        wait_for("the early link connected", lambda: store.link.status.state
                 == LinkState.CONNECTED and store.snapshot is not None, 30)
        assert store.reach is None  # listed, but no node pool before the first view

    async def check(pilot: Pilot[int], early: startup.Early) -> None:
        app = pilot.app
        assert isinstance(app, SwarmApp)
        await async_wait_for("the nodes on screen", lambda: isinstance(app.screen, MainScreen)
                             and len(app.screen.table("nodes").rows) == 3, 30)
        await async_wait_for("every node's live stats", lambda: app.snapshot is not None
                             and {"node1", "node2", "node3"} <= set(app.snapshot.stats), 30)
        assert early.store.reach is not None

    _run_early(["--config", str(tmp_path / "none.toml"), "--ssh-config", str(lab.ssh_config),
                "--trust-host-key", "never", "node1"], check, before=connected_without_a_pool)


def test_unknown_host_key_is_asked_once_the_app_is_up(lab, tmp_path: Path) -> None:
    cfg = _config_with_known_hosts(lab, tmp_path, "")

    async def trust_once(pilot: Pilot[int], early: startup.Early) -> None:
        app = pilot.app
        await async_wait_for("the trust prompt", lambda: isinstance(app.screen, TrustScreen)
                             and app.screen.query("#fingerprint"), 20)
        await pilot.press("o")
        await async_wait_for("the cluster", lambda: isinstance(app.screen, MainScreen)
                             and app.snapshot is not None and len(app.snapshot.nodes) == 3, 20)

    _run_early(["--config", str(tmp_path / "none.toml"), "--ssh-config", str(cfg), "node1"],
               trust_once)
    assert (tmp_path / "known_hosts").read_text() == ""  # once: nothing saved
