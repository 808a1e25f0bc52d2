"""The trust prompt, through the real connect path (ClusterLink over asyncssh) to a lab host.

The lab's ssh_config is copied with its own known_hosts file, so the host key is
unknown (→ the prompt) or recorded wrong (→ the refusal, with nothing to accept it).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from textual.widgets import Button

from swarmtui.ui.app import SwarmApp
from swarmtui.ui.screens.first_contact import FirstContactScreen
from swarmtui.ui.screens.main import MainScreen
from swarmtui.ui.screens.trust import RefusedScreen, TrustScreen
from tests.waiting import async_wait_for

pytestmark = pytest.mark.lab


def _config_with_known_hosts(lab, tmp_path: Path, known: str) -> Path:
    kh = tmp_path / "known_hosts"
    kh.write_text(known)
    cfg = tmp_path / "ssh_config"
    cfg.write_text(lab.ssh_config.read_text().replace(str(lab.known_hosts), str(kh)))
    return cfg


def _wrong_key_line(lab) -> str:
    pub = Path(f"{lab.host('node2').host_key}.pub").read_text().split()
    return f"{lab.host('node1').address} {pub[0]} {pub[1]}\n"


def _fingerprint(lab, host: str) -> str:
    out = subprocess.run(["ssh-keygen", "-lf", f"{lab.host(host).host_key}.pub"],
                         capture_output=True, text=True, check=True).stdout
    return out.split()[1]


async def test_unknown_host_key_asks_and_trust_once_connects(lab, tmp_path) -> None:
    cfg = _config_with_known_hosts(lab, tmp_path, "")
    app = SwarmApp(ssh_config=[str(cfg)], target="node1")
    async with app.run_test(size=(100, 30)) as pilot:
        await async_wait_for("the trust prompt", lambda: isinstance(app.screen, TrustScreen)
                             and app.screen.query("#fingerprint"), 20)
        shown = str(app.screen.query_one("#fingerprint").render())
        assert _fingerprint(lab, "node1") in shown
        assert "ED25519" in shown
        assert {b.id for b in app.screen.query(Button)} == {"once", "save", "cancel"}
        await pilot.press("o")
        await async_wait_for("the cluster", lambda: isinstance(app.screen, MainScreen) and
                             app.snapshot is not None and len(app.snapshot.nodes) == 3, 20)
    assert (tmp_path / "known_hosts").read_text() == ""  # once: nothing saved


async def test_cancel_refuses_and_says_so(lab, tmp_path) -> None:
    cfg = _config_with_known_hosts(lab, tmp_path, "")
    app = SwarmApp(ssh_config=[str(cfg)], target="node1")
    async with app.run_test(size=(100, 30)) as pilot:
        await async_wait_for("the trust prompt", lambda: isinstance(app.screen, TrustScreen)
                             and app.screen.query("#fingerprint"), 20)
        await pilot.press("escape")
        await async_wait_for("the first-contact screen", lambda: isinstance(
            app.screen, FirstContactScreen), 20)
        text = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert "node1" in text
        assert "Traceback" not in text
    assert app.snapshot is None


async def test_changed_host_key_is_refused_with_no_accept_button(lab, tmp_path) -> None:
    # node1 recorded with node2's key: what a reinstalled (or impersonated) host looks like
    cfg = _config_with_known_hosts(lab, tmp_path, _wrong_key_line(lab))
    app = SwarmApp(ssh_config=[str(cfg)], target="node1")
    async with app.run_test(size=(100, 30)):
        await async_wait_for("the refusal", lambda: any(
            isinstance(s, RefusedScreen) and s.query("#message") and s.query(Button)
            for s in app.screen_stack), 20)  # nested containers mount their children later
        refused = next(s for s in app.screen_stack if isinstance(s, RefusedScreen))
        message = str(refused.query_one("#message").render())
        assert "CHANGED" in message and str(tmp_path / "known_hosts") in message
        assert [b.id for b in refused.query(Button)] == ["close"]
        assert not any(isinstance(s, TrustScreen) for s in app.screen_stack)
    assert app.snapshot is None
