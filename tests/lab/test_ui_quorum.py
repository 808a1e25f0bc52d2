"""Quorum lost on the first screen: a real 3-manager swarm loses two managers' engines.

The app runs on node1 over real SSH; node2's and node3's dockerd are stopped (a real
fault). The docker CLI on node1 is the oracle that the quorum is gone.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import pytest

from swarmtui.lab import Lab
from swarmtui.swarm.noleader import HEADLINE, quorum_lost
from swarmtui.ui.screens.main import MainScreen
from swarmtui.ui.widgets.health import HealthHeader
from tests.functional.conftest import lab_app  # noqa: F401  (the fixture)
from tests.lab.recovery_kit import QUORUM_LOSS_S
from tests.waiting import async_wait_for, wait_for

pytestmark = pytest.mark.lab


async def test_the_first_screen_says_the_quorum_is_lost_with_the_last_known_managers(
        make_lab: Callable[..., Lab], lab_app) -> None:  # noqa: F811
    lab = make_lab(nodes=3, managers=3)
    app = lab_app(lab)
    async with app.run_test(size=(140, 40)):
        await async_wait_for("the first snapshot with three managers", lambda: (
            app.snapshot is not None and len(app.snapshot.managers) == 3), 30)
        assert isinstance(app.screen, MainScreen)
        header = app.screen.query_one(HealthHeader)
        lab.stop_dockerd("node2")
        lab.stop_dockerd("node3")

        def cli_says() -> str:
            proc = subprocess.run(lab.ssh_argv("node1", "docker node ls"), capture_output=True,
                                  text=True, timeout=60)
            return proc.stderr if proc.returncode else ""

        said = wait_for("node1 alone to lose the quorum (docker node ls)", cli_says,
                        QUORUM_LOSS_S)
        assert quorum_lost(said), said

        def header_says() -> tuple[str, str] | None:
            summary = str(header.query_one("#summary").render())
            problems = str(header.query_one("#problems").render())
            return (summary, problems) if "quorum lost" in summary else None

        summary, problems = await async_wait_for("the header to say the quorum is lost",
                                                 header_says, 90)
        assert HEADLINE in summary
        # the managers as the last good snapshot saw them, and what to do
        assert "Last known managers" in problems and "UTC, 3)" in problems, problems
        for name in ("node1", "node2", "node3"):
            assert name in problems, problems
        assert "--force-new-cluster" in problems and "start the engines" in problems
        assert app.snapshot is not None and app.snapshot.message
        assert app.snapshot.message.startswith(HEADLINE)
