"""The start runs without the cyclic collector (gcpause.hold_start, from the command line)
and lets it run again once the main screen has painted its first view."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from swarmtui.swarm.sync import gcpause
from swarmtui.ui import app as app_module
from swarmtui.ui.screens.main import MainScreen
from tests.functional.conftest import static_app


@pytest.fixture(autouse=True)
def collector_back() -> Iterator[None]:
    yield
    gcpause.started()
    gc.unfreeze()
    gc.enable()


async def test_the_collector_runs_again_once_the_first_view_is_painted(monkeypatch) -> None:
    monkeypatch.setattr(app_module, "STARTED_AFTER_S", 600.0)  # only the screen ends it
    gcpause.hold_start()
    assert not gc.isenabled()
    app = static_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, MainScreen) and app.screen.shown is not None
        await pilot.pause()
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0  # what the start made is out of later full passes
