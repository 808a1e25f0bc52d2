"""Pictures of every pane at 80×24 and 160×48 from a recorded cluster state.

The state is a recording of real API dicts from a lab (fixtures/cluster.json),
handed to the app through a StaticStore: this tests how things look, not how
they behave (the lab tests do that).
"""

from __future__ import annotations

import pytest

from tests.functional.conftest import static_app

PANES = {"nodes": "1", "services": "2", "tasks": "3", "networks": "4", "stacks": "5"}


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
@pytest.mark.parametrize("pane", list(PANES))
def test_pane_picture(snap_compare, pane: str, size: tuple[int, int]) -> None:
    assert snap_compare(static_app(), press=[PANES[pane]], terminal_size=size)


def test_read_only_badge_picture(snap_compare) -> None:
    assert snap_compare(static_app(read_only=True), terminal_size=(100, 30))


def test_light_theme_picture(snap_compare) -> None:
    assert snap_compare(static_app(theme="swarm-light"), press=["2"], terminal_size=(100, 30))


def test_service_drilldown_picture(snap_compare) -> None:
    async def open_web(pilot) -> None:
        app = pilot.app
        await pilot.press("2")
        web = app.snapshot.service_by_name("web")
        app.screen.active_table.select_key(web.id)
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(static_app(), terminal_size=(100, 40), run_before=open_web)
