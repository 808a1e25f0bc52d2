"""Issue 15 item 4 in the app: a config file that cannot be read, or whose read_only is not
a real boolean, must not come up read-write: the header says READ-ONLY and the
notification says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from swarmtui.config import load_settings
from swarmtui.swarm.sync.store import StaticStore
from swarmtui.ui.app import SwarmApp
from tests.functional.conftest import recorded_state


@pytest.mark.parametrize("text", ['read_only = "yes"\n', "read_only = true\n[keymap\n"])
async def test_a_bad_config_starts_read_only_and_says_why(tmp_path: Path, text: str) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(text)
    snap, now = recorded_state()
    app = SwarmApp(StaticStore(snap, label="recorded lab", now=now),
                   settings=load_settings(cfg))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert app.read_only is True
        notes = [n.message for n in app._notifications]
        assert any("READ-ONLY" in n and str(cfg) in n and "line " in n for n in notes), notes
        header = app.screen.query_one("HealthHeader #summary")
        assert "READ-ONLY" in str(header.render())
