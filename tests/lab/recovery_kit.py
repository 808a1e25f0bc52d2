"""What the backup and recovery TUI tests share: the journal that must hold no secret, the
managers as `docker node ls` says them, and an app whose node pool reaches the lab."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from swarmtui import audit
from swarmtui.connect.endpoint import parse_endpoint
from swarmtui.connect.hostkeys import fixed_trust
from swarmtui.connect.nodes import NodePool
from swarmtui.connect.options import ConnectOptions
from swarmtui.connect.sshconf import ssh_config_files
from swarmtui.lab import Lab
from swarmtui.lab.preflight import LabError
from swarmtui.swarm.reach.watch import NodeReach
from swarmtui.ui.app import SwarmApp


@pytest.fixture(autouse=True)
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The test's own journal; after the test, no join token or unlock key in it."""
    monkeypatch.setenv(audit.ENV_STATE_DIR, str(tmp_path / "state"))
    journal = tmp_path / "state" / audit.JOURNAL_NAME
    yield journal
    if journal.exists():
        text = journal.read_text()
        assert "SWMTKN" not in text and "SWMKEY" not in text, "a secret reached the journal"


def managers(lab: Lab, on: str = "node1") -> dict[str, str]:
    """hostname → "Status ManagerStatus" as `docker node ls` on `on` says ({} if it fails)."""
    try:
        rows = lab.ssh(on, "docker node ls --format '{{.Hostname}} {{.Status}} "
                       "{{.ManagerStatus}}'").splitlines()
    except LabError:
        return {}
    return {r.split()[0]: r.split(" ", 1)[1] for r in rows if r.strip()}


def with_reach(app: SwarmApp, lab: Lab, recheck: float) -> SwarmApp:
    """`app` with a node pool that reaches the lab's hosts over SSH from node1."""
    opts = ConnectOptions(trust=fixed_trust("never"),
                          ssh_config=ssh_config_files([lab.ssh_config]))
    assert app.store is not None
    app.store.attach_reach(NodeReach(NodePool(opts, manager=parse_endpoint("node1"),
                                              connect_timeout=3.0), recheck=recheck))
    return app
