"""The start runs without the cyclic collector (gcpause.hold_start, from the command line)
and lets it run again once the main screen has painted its first view."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from swarmtui.swarm.sync import gcpause
from swarmtui.ui import app as app_module
from swarmtui.ui.screens import main as main_module
from swarmtui.ui.screens.main import MainScreen
from tests.functional.conftest import static_app
from tests.waiting import async_wait_for


@pytest.fixture(autouse=True)
def collector_back() -> Iterator[None]:
    yield
    gcpause.started()
    gc.unfreeze()
    gc.enable()


async def test_the_collector_runs_again_soon_after_the_first_view(monkeypatch) -> None:
    monkeypatch.setattr(app_module, "STARTED_AFTER_S", 600.0)  # only the screen ends it
    monkeypatch.setattr(main_module, "GC_AFTER_FIRST_VIEW_S", 0.3)
    gcpause.hold_start()
    assert not gc.isenabled()
    app = static_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, MainScreen) and app.screen.shown is not None
        await async_wait_for("the collector back", gc.isenabled, 5, interval=0.05)
        assert gc.get_freeze_count() > 0  # what the start made is out of later full passes
