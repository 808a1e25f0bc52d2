"""A manager known only by its swarm address (swarmtui started while the quorum is lost:
the engine names its managers by address only) goes by its ssh_config alias."""

from __future__ import annotations

from pathlib import Path

from swarmtui.connect.sshconf import alias_for


def test_the_plain_alias_whose_hostname_is_the_address(tmp_path: Path) -> None:
    cfg = tmp_path / "config"
    cfg.write_text("Host *\n    User ops\n\n"
                   "Host web-*\n    HostName 10.0.0.12\n\n"
                   "Host bastion\n    HostName 10.0.0.1\n\n"
                   "Host mgr2 node2\n    HostName 10.0.0.12\n    ProxyJump bastion\n\n"
                   "Host=node3\n    HostName=10.0.0.13\n")
    assert alias_for("10.0.0.12", [cfg]) == "mgr2"  # not the pattern web-*
    assert alias_for("10.0.0.13", [cfg]) == "node3"
    assert alias_for("10.0.0.99", [cfg]) is None
    assert alias_for("10.0.0.12", [tmp_path / "missing"]) is None
