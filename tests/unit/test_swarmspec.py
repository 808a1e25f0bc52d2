"""Pure parts of swarm-level operations: CLI equivalents, validation, masking, durations."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from swarmtui.secrets import Secret, redact
from swarmtui.swarm.create.units import parse_duration
from swarmtui.swarm.swarminit import InitOptions, parse_ip_addr_json
from swarmtui.swarm.swarmkeys import JoinTokens, autolock_cli, rotate_token_cli
from swarmtui.swarm.swarmleave import force_new_cluster_cli, leave_cli, leave_consequences
from swarmtui.swarm.swarmsettings import SwarmSettings, ca_info_from, go_duration
from swarmtui.swarm.swarmspec import SwarmInspect, SwarmSpecError

TOKEN = "SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-1awxwuwd3z9j1z3puu7rcgdbx"
MTOKEN = "SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-7p73s1dx5in4tatdymyhg9hu2"
KEY = "SWMKEY-1-7c37Cc8654o6p38HnroywCi19pllOnGtbdZEgtKxZu8"

LAB_CA = """-----BEGIN CERTIFICATE-----
MIIBajCCARCgAwIBAgIUY6bd6ETrPTrXI91JmnM+EQkz81owCgYIKoZIzj0EAwIw
EzERMA8GA1UEAxMIc3dhcm0tY2EwHhcNMjYxMTIyMDI1ODAwWhcNNDYxMTE3MDI1
ODAwWjATMREwDwYDVQQDEwhzd2FybS1jYTBZMBMGByqGSM49AgEGCCqGSM49AwEH
A0IABPw7zeTxlBrn5D+SUSXSR1EiNiUYLs+GoaXeJhR2qI55KcJ+LJVx4bJgjONd
9p+VN8PX+An42rb2goqoVUIl5EOjQjBAMA4GA1UdDwEB/wQEAwIBBjAPBgNVHRMB
Af8EBTADAQH/MB0GA1UdDgQWBBQFizOlKpg4fJr95IWnkwaZHffUIjAKBggqhkjO
PQQDAgNIADBFAiBbr29djcdtRLfRTUkBbtF8FB+oI0GXr0IIG25jH+i6bwIhANa1
7eA/FF+FAFy3T0DqUV85HcVEhofbg3JDrac4t7pm
-----END CERTIFICATE-----
"""

LAB_SWARM = {
    "ID": "r47c58evzj16mljgbmm235kzl", "Version": {"Index": 10},
    "CreatedAt": "2026-11-22T03:02:30.146333642Z", "UpdatedAt": "2026-11-22T03:02:30.763Z",
    "Spec": {"Name": "default", "Labels": {},
             "Orchestration": {"TaskHistoryRetentionLimit": 5},
             "Raft": {"SnapshotInterval": 10000, "KeepOldSnapshots": 0,
                      "LogEntriesForSlowFollowers": 500, "ElectionTick": 10, "HeartbeatTick": 1},
             "Dispatcher": {"HeartbeatPeriod": 5000000000},
             "CAConfig": {"NodeCertExpiry": 7776000000000000}, "TaskDefaults": {},
             "EncryptionConfig": {"AutoLockManagers": True}},
    "TLSInfo": {"TrustRoot": LAB_CA}, "RootRotationInProgress": False,
    "DefaultAddrPool": None, "SubnetSize": 24, "DataPathPort": 4789,
    "JoinTokens": {"Worker": TOKEN, "Manager": MTOKEN},
}


def test_secret_masks_itself_everywhere() -> None:
    s = Secret(TOKEN)
    for shown in (str(s), repr(s), f"{s}", f"{s!r}", format(s, ""), str([s]), s.masked):
        assert "SWMTKN" not in shown and TOKEN not in shown
    assert s.reveal() == TOKEN
    assert "SWMKEY" not in str(Secret(KEY))


def test_redact_known_patterns_and_given_secrets() -> None:
    text = f"join with {TOKEN} or unlock with {KEY}; password hunter2"
    out = redact(text, "hunter2")
    assert "SWMTKN" not in out and "SWMKEY" not in out and "hunter2" not in out
    assert "join with" in out


def test_error_messages_are_redacted() -> None:
    exc = SwarmSpecError(f"unlock failed for {KEY}")
    assert "SWMKEY" not in str(exc)


def test_join_tokens_masked_until_revealed() -> None:
    tokens = JoinTokens(Secret(TOKEN), Secret(MTOKEN), "100.64.7.11:2377")
    masked = tokens.masked()
    assert masked["worker"].startswith("docker swarm join --token ")
    assert masked["worker"].endswith(" 100.64.7.11:2377")
    assert all("SWMTKN" not in v for v in masked.values())
    assert tokens.join_command("manager", reveal=True) == \
        f"docker swarm join --token {MTOKEN} 100.64.7.11:2377"
    assert "SWMTKN" not in repr(tokens)


@pytest.mark.parametrize(("text", "seconds"), [
    ("5s", 5), ("2160h", 2160 * 3600), ("1h30m", 5400), ("90d", 90 * 86400), ("500ms", 0.5),
    ("1m30s", 90),
])
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text, days=True) == seconds * 10**9


@pytest.mark.parametrize("bad", ["", "5", "5x", "h", "1h 2"])
def test_parse_duration_refuses(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad, days=True)


@pytest.mark.parametrize(("value", "text"), [
    (timedelta(hours=2160), "2160h0m0s"), (timedelta(seconds=5), "5s"),
    (timedelta(seconds=90), "1m30s"), (timedelta(milliseconds=500), "500ms"),
    (timedelta(0), "0s"), (7776000000000000, "2160h0m0s"),
])
def test_go_duration(value: timedelta | int, text: str) -> None:
    assert go_duration(value) == text


def test_settings_from_spec_validation_and_cli() -> None:
    current = SwarmSettings.from_spec(LAB_SWARM["Spec"])  # type: ignore[arg-type]
    assert current == SwarmSettings(timedelta(days=90), timedelta(seconds=5), 5)
    assert current.validate() == []
    wanted = SwarmSettings(timedelta(days=30), timedelta(seconds=10), 3)
    assert wanted.cli(current) == ("docker swarm update --cert-expiry 720h0m0s "
                                   "--dispatcher-heartbeat 10s --task-history-limit 3")
    assert SwarmSettings(timedelta(days=90), timedelta(seconds=5), 8).cli(current) == \
        "docker swarm update --task-history-limit 8"
    bad = SwarmSettings(timedelta(minutes=30), timedelta(milliseconds=100), -1)
    errors = bad.validate()
    assert len(errors) == 3
    assert "at least 1h" in errors[0] and "at least 1s" in errors[1] and "negative" in errors[2]
    spec = json.loads(json.dumps(LAB_SWARM["Spec"]))
    wanted.apply_to(spec)
    assert spec["CAConfig"]["NodeCertExpiry"] == 30 * 86400 * 10**9
    assert spec["Dispatcher"]["HeartbeatPeriod"] == 10 * 10**9
    assert spec["EncryptionConfig"] == {"AutoLockManagers": True}  # untouched


def test_init_options_cli_and_validation() -> None:
    opts = InitOptions(advertise_addr="100.64.7.11", listen_addr="100.64.7.11:2377",
                       data_path_port=7789, default_addr_pool=("10.20.0.0/16",),
                       subnet_size=26, autolock=True)
    assert opts.validate() == []
    assert opts.cli() == ("docker swarm init --advertise-addr 100.64.7.11 --listen-addr "
                          "100.64.7.11:2377 --data-path-port 7789 --default-addr-pool "
                          "10.20.0.0/16 --default-addr-pool-mask-length 26 --autolock")
    assert InitOptions().cli() == "docker swarm init"
    errors = InitOptions(data_path_port=80, default_addr_pool=("10.20.0.1/16", "nope"),
                         subnet_size=30).validate()
    assert len(errors) == 4


def test_cli_equivalents() -> None:
    assert rotate_token_cli("worker") == "docker swarm join-token --rotate worker"
    assert autolock_cli(True) == "docker swarm update --autolock=true"
    assert leave_cli(True) == "docker swarm leave --force"
    assert force_new_cluster_cli("100.64.7.12") == \
        "docker swarm init --force-new-cluster --advertise-addr 100.64.7.12"


def test_leave_consequences() -> None:
    assert "rescheduled" in leave_consequences(False, 3, 3)
    assert "lost for good" in leave_consequences(True, 1, 1)
    assert "cannot form a quorum" in leave_consequences(True, 3, 2)
    assert "Demote it first" in leave_consequences(True, 3, 3)


def test_swarm_inspect_and_ca_info_from_the_lab() -> None:
    sw = SwarmInspect.from_api(LAB_SWARM)
    assert sw.autolock and sw.version == 10 and sw.data_path_port == 4789
    assert "SWMTKN" not in repr(sw)
    ca = ca_info_from(sw)
    assert ca.root_subject == "CN=swarm-ca"
    assert ca.root_not_after == datetime(2046, 11, 17, 2, 58, tzinfo=UTC)
    assert ca.days_left(datetime(2046, 11, 7, tzinfo=UTC)) == 10
    assert ca.node_cert_expiry == timedelta(days=90) and not ca.notes
    assert ca_info_from(SwarmInspect.from_api({**LAB_SWARM, "TLSInfo": {}})).notes


IP_ADDR = json.dumps([
    {"ifname": "lo", "flags": ["LOOPBACK", "UP"], "addr_info": [
        {"family": "inet", "local": "127.0.0.1", "prefixlen": 8, "scope": "host"}]},
    {"ifname": "docker0", "flags": ["UP"], "addr_info": [
        {"family": "inet", "local": "172.17.0.1", "prefixlen": 16, "scope": "global"}]},
    {"ifname": "eth0", "flags": ["BROADCAST", "UP", "LOWER_UP"], "addr_info": [
        {"family": "inet", "local": "100.64.7.11", "prefixlen": 24, "scope": "global"},
        {"family": "inet6", "local": "fe80::1", "prefixlen": 64, "scope": "link"},
        {"family": "inet6", "local": "2001:db8::11", "prefixlen": 64, "scope": "global"}]},
    {"ifname": "eth1", "flags": ["BROADCAST", "UP"], "addr_info": [
        {"family": "inet", "local": "10.0.0.5", "prefixlen": 24, "scope": "global"}]},
    {"ifname": "veth12ab", "flags": ["UP"], "addr_info": []},
])


def test_candidate_advertise_addresses() -> None:
    got = [(c.interface, c.address) for c in parse_ip_addr_json(IP_ADDR)]
    assert got == [("eth0", "100.64.7.11"), ("eth1", "10.0.0.5"), ("eth0", "2001:db8::11")]
    assert parse_ip_addr_json("not json") == []


def snapshot(autolock: bool):  # type: ignore[no-untyped-def]
    from swarmtui.swarm.state import ClusterSnapshot

    swarm = json.loads(json.dumps({k: v for k, v in LAB_SWARM.items() if k != "TLSInfo"}))
    swarm["Spec"]["EncryptionConfig"]["AutoLockManagers"] = autolock
    info = {"Swarm": {"NodeID": "n1", "LocalNodeState": "active", "ControlAvailable": True}}
    return ClusterSnapshot.from_api(info=info, swarm=swarm)


def test_operations_guard_and_cli() -> None:
    from swarmtui.swarm.ops.swarm import (
        RotateJoinToken,
        RotateUnlockKey,
        SetAutolock,
        UpdateSwarmSettings,
    )

    on, off = snapshot(True), snapshot(False)
    rotate = RotateJoinToken("worker")
    g = rotate.guard(on)
    assert g.allowed and "invalidates" in g.warnings[0]
    assert rotate.cli == "docker swarm join-token --rotate worker"
    assert rotate.guard(on, read_only=True).blocks  # read-only mode refuses
    assert SetAutolock(True).guard(on).blocks == ("autolock is already on",)
    assert SetAutolock(True).guard(off).allowed
    assert "unlock key" in SetAutolock(True).guard(off).warnings[0]
    assert SetAutolock(False).cli == "docker swarm update --autolock=false"
    assert RotateUnlockKey().guard(off).blocks and RotateUnlockKey().guard(on).allowed
    current = SwarmSettings.from_spec(LAB_SWARM["Spec"])  # type: ignore[arg-type]
    same = UpdateSwarmSettings(current, current)
    assert same.guard(on).blocks == ("nothing to change",)
    bad = UpdateSwarmSettings(SwarmSettings(timedelta(minutes=1), timedelta(seconds=5), 5))
    assert "at least 1h" in bad.guard(on).blocks[0]
    ok = UpdateSwarmSettings(SwarmSettings(timedelta(days=30), timedelta(seconds=5), 5), current)
    assert ok.guard(on).allowed and ok.cli == "docker swarm update --cert-expiry 720h0m0s"


def test_settings_apply_three_way() -> None:
    """Only the fields the user changed are written onto the fresh spec; a field someone
    else changed meanwhile (differently) is refused, not overwritten."""
    import copy

    from swarmtui.swarm.swarmspec import SwarmSpecError

    base = SwarmSettings.from_spec(LAB_SWARM["Spec"])  # type: ignore[arg-type]
    mine = SwarmSettings(base.cert_expiry, base.dispatcher_heartbeat, 8)
    fresh: dict[str, Any] = copy.deepcopy(LAB_SWARM["Spec"])  # type: ignore[arg-type]
    fresh["Dispatcher"]["HeartbeatPeriod"] = 20 * 10**9  # theirs, meanwhile
    mine.apply_to(fresh, base)
    assert fresh["Dispatcher"]["HeartbeatPeriod"] == 20 * 10**9
    assert fresh["Orchestration"]["TaskHistoryRetentionLimit"] == 8
    fresh["Orchestration"]["TaskHistoryRetentionLimit"] = 3  # theirs, on our field
    with pytest.raises(SwarmSpecError, match="task history limit: you 8, now 3 \\(was 5\\)"):
        mine.apply_to(fresh, base)
