"""An engine that is not in a swarm offers the init wizard (key and palette)."""

from __future__ import annotations

import pytest
from textual.command import CommandList, CommandPalette

from swarmtui.ui.screens.wizards.init_swarm import InitSwarmScreen
from tests.waiting import async_wait_for

pytestmark = pytest.mark.lab


async def test_not_in_a_swarm_offers_the_init_wizard(make_lab, lab_app) -> None:
    lab = make_lab(nodes=1, managers=0, swarm=False)
    app = lab_app(lab)
    async with app.run_test(size=(120, 40)) as pilot:
        await async_wait_for("the first snapshot", lambda: app.snapshot is not None, 30)
        assert not app.snapshot.in_swarm

        main = app.screen
        # the offer is in the empty Nodes pane, where the eye is (not a toast)
        table = main.table("nodes")
        offer = await async_wait_for("the offer", lambda: "press I" in table.empty_message()
                                     and table.empty_message(), 10)
        assert offer.startswith("node1 is not in a swarm: press I or open the palette")
        assert not [n for n in app._notifications if "not in a swarm" in n.message]
        await pilot.press("colon", *"initialise")

        def hit() -> str | None:
            if not isinstance(app.screen, CommandPalette):
                return None
            lists = app.screen.query(CommandList)
            if not lists or lists.first().option_count == 0:
                return None
            return str(lists.first().get_option_at_index(0).prompt)

        assert "Initialise a swarm" in await async_wait_for("the wizard in the palette", hit, 10)
        await pilot.press("escape")
        await async_wait_for("back on the main screen", lambda: app.screen is main, 5)
        await pilot.press("I")
        await async_wait_for("the init wizard", lambda: isinstance(app.screen, InitSwarmScreen),
                             10)
        await pilot.press("escape")
    # nothing was initialised
    assert lab.ssh("node1", "docker info -f '{{.Swarm.LocalNodeState}}'").strip() == "inactive"
