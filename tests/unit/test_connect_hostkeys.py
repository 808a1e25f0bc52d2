"""known_hosts matching, trust answers, status messages and roles (no sockets)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

import asyncssh

from swarmtui.connect.hostkeys import (
    TrustDecision,
    append_known_host,
    find_host_lines,
    fixed_trust,
    known_hosts_line,
    question_for,
)
from swarmtui.connect.linkstatus import LinkState, LinkStatus, role_from_info, role_from_ping


def key() -> asyncssh.SSHKey:
    return asyncssh.generate_private_key("ssh-ed25519").convert_to_public()


def hashed(name: str) -> str:
    salt = b"0123456789abcdefghij"
    mac = hmac.new(salt, name.encode(), hashlib.sha1).digest()
    return f"|1|{base64.b64encode(salt).decode()}|{base64.b64encode(mac).decode()}"


def test_find_host_lines_plain_hashed_port_patterns(tmp_path: Path) -> None:
    k = key().export_public_key("openssh").decode().split()
    kh = tmp_path / "known_hosts"
    kh.write_text("\n".join([
        "# comment",
        f"other.example {k[0]} {k[1]}",
        f"{hashed('db1')} {k[0]} {k[1]}",
        f"[db2]:2222 {k[0]} {k[1]}",
        f"*.prod,!bad.prod {k[0]} {k[1]}",
        f"@revoked db3 {k[0]} {k[1]}",
        "garbage",
    ]) + "\n")
    assert [ln.line for ln in find_host_lines([kh], "db1", 22)] == [3]
    assert find_host_lines([kh], "db2", 22) == []
    assert [ln.line for ln in find_host_lines([kh], "db2", 2222)] == [4]
    assert [ln.line for ln in find_host_lines([kh], "web.prod", 22)] == [5]
    assert find_host_lines([kh], "bad.prod", 22) == []
    assert [(ln.line, ln.marker) for ln in find_host_lines([kh], "db3", 22)] == [(6, "@revoked")]
    assert [ln.line for ln in find_host_lines([kh], "nameless", 22, "other.example")] == [2]
    assert find_host_lines([tmp_path / "missing"], "db1", 22) == []


def test_question_and_saved_line(tmp_path: Path) -> None:
    k = key()
    q = question_for(k, "10.0.0.1", 22, None, tmp_path / "kh", alias="node1")
    assert q.key_type == "ED25519" and q.algorithm == "ssh-ed25519" and q.bits == 256
    assert q.fingerprint == k.get_fingerprint("sha256") and q.fingerprint.startswith("SHA256:")
    assert "node1 (10.0.0.1)" in q.text and q.fingerprint in q.text
    assert known_hosts_line("h", 2222, k).startswith("[h]:2222 ssh-ed25519 ")
    kh = tmp_path / "dir" / "known_hosts"
    kh.parent.mkdir()
    kh.write_text("x ssh-ed25519 AAAA")  # no trailing newline
    append_known_host(kh, "10.0.0.1", 22, k)
    lines = kh.read_text().splitlines()
    assert lines[0] == "x ssh-ed25519 AAAA" and lines[1].startswith("10.0.0.1 ssh-ed25519 ")
    found = find_host_lines([kh], "10.0.0.1", 22)
    assert found and found[0].key_blob == k.public_data
    fresh = tmp_path / "new" / "known_hosts"
    append_known_host(fresh, "h", 22, k)
    assert fresh.stat().st_mode & 0o777 == 0o600


async def test_fixed_trust() -> None:
    q = question_for(key(), "h", 22, None, Path("/kh"))
    assert await fixed_trust("once")(q) is TrustDecision.ONCE
    assert await fixed_trust("save")(q) is TrustDecision.SAVE
    assert await fixed_trust("never")(q) is TrustDecision.CANCEL
    assert await fixed_trust(TrustDecision.CANCEL)(q) is TrustDecision.CANCEL


def test_roles_from_info() -> None:
    manager = role_from_info({"Swarm": {"LocalNodeState": "active", "ControlAvailable": True,
                                        "NodeID": "n1", "NodeAddr": "10.0.0.1",
                                        "RemoteManagers": [{"NodeID": "n1",
                                                            "Addr": "10.0.0.1:2377"}]}})
    assert manager.kind == "manager" and manager.manager_addrs == ("10.0.0.1:2377",)
    worker = role_from_info({"Swarm": {"LocalNodeState": "active", "ControlAvailable": False,
                                       "RemoteManagers": [{"Addr": "10.0.0.9:2377"}]}})
    assert worker.kind == "worker" and "10.0.0.9:2377" in worker.message
    assert role_from_info({"Swarm": {"LocalNodeState": "inactive"}}).kind == "not-in-swarm"
    assert "initialise" in role_from_info({"Swarm": {"LocalNodeState": "inactive"}}).message
    assert role_from_info({"Swarm": {"LocalNodeState": "locked"}}).kind == "locked"
    assert role_from_info({}).kind == "not-in-swarm"
    assert role_from_ping("active/manager", None).kind == "manager"  # type: ignore[union-attr]
    assert role_from_ping(None, worker) is None
    assert role_from_ping("active/worker", worker).manager_addrs == worker.manager_addrs  # type: ignore[union-attr]


def test_status_messages() -> None:
    base = LinkStatus(LinkState.CONNECTED, "node1", "ssh", 2.4, None, 1)
    assert base.message == "connected to node1 via ssh, 2 ms"
    stale = LinkStatus(LinkState.RECONNECTING, "node1", None, None, 1000.0, 1, trying="node2")
    assert stale.describe(now=1012.2) == "stale for 12 s — reconnecting to node2"
    assert stale.stale_for(now=1012.0) == 12.0
    waiting = LinkStatus(LinkState.RECONNECTING, "node1", None, None, 1000.0, 1,
                         retry_in=4, error="node1: refused")
    assert waiting.describe(now=1003) == "stale for 3 s — retrying in 4 s (node1: refused)"
    failed = LinkStatus(LinkState.FAILED, "node1", None, None, None, 0, error="host key changed")
    assert failed.message == "not connected: host key changed"
