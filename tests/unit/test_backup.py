"""Backups without a swarm: the quorum maths, the manifest, the archive check, the engine
detector's answers, the cron line and the command line's bad input."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import json
import os
import subprocess
import sys
import tarfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from swarmtui.backup.command import cron_line, terminal_yes
from swarmtui.backup.manifest import (
    FORMAT,
    Backup,
    Manifest,
    ManifestError,
    backup_name,
    check_archive,
    find_backup,
    list_backups,
    write_private,
)
from swarmtui.backup.quorum import Manager, backup_verdict, managers_from_nodes
from swarmtui.backup.recover import (
    RaftState,
    RecoveryAdvice,
    parse_probe,
    rank_managers,
)
from swarmtui.bootstrap.engine import (
    CONTROLS,
    EngineControlError,
    detect_engine_control,
)
from swarmtui.bootstrap.remote import CommandResult
from swarmtui.swarm.health import majority
from swarmtui.swarm.noleader import quorum_lost


def mgr(name: str, reachable: bool = True, leader: bool = False) -> Manager:
    return Manager(id=f"id-{name}", hostname=name, addr=f"10.0.0.{name[-1]}:2377",
                   reachable=reachable, leader=leader)


# --- quorum --------------------------------------------------------------------------


def test_a_manager_of_three_may_be_stopped_and_the_leader_is_pointed_away_from() -> None:
    three = [mgr("node1", leader=True), mgr("node2"), mgr("node3")]
    v = backup_verdict(three, "id-node2")
    assert v.allowed and (v.reachable_before, v.reachable_after, v.needed) == (3, 2, 2)
    assert any("losing one more manager" in w for w in v.warnings)
    lead = backup_verdict(three, "id-node1")
    assert lead.allowed
    assert lead.safe_instead[0] in ("node2", "node3")
    assert any("is the leader" in w and "node2" in w for w in lead.warnings)


def test_two_managers_refuse_and_name_the_quorum() -> None:
    v = backup_verdict([mgr("node1", leader=True), mgr("node2")], "id-node2")
    assert not v.allowed
    assert "stopping node2's engine leaves 1 of 2 managers reachable" in v.block
    assert "lose its quorum (needs 2)" in v.block
    assert v.safe_instead == ()


def test_three_with_one_down_refuse_and_say_which_to_bring_back() -> None:
    v = backup_verdict([mgr("node1", leader=True), mgr("node2"), mgr("node3", False)],
                       "id-node1")
    assert not v.allowed
    assert "leaves 1 of 3 managers reachable" in v.block and "bring node3 back" in v.block


def test_a_single_manager_needs_force_and_says_the_control_plane_stops() -> None:
    v = backup_verdict([mgr("node1", leader=True)], "id-node1")
    assert not v.allowed and "only manager" in v.block and "--force" in v.block


def test_a_worker_is_refused_and_the_managers_that_are_safe_are_named() -> None:
    v = backup_verdict([mgr("node1", leader=True), mgr("node2"), mgr("node3")], "id-worker")
    assert not v.allowed and "not a manager" in v.block
    assert v.safe_instead == ("node2", "node3", "node1")  # non-leaders first


@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=9),
       st.integers(min_value=0, max_value=8))
def test_the_verdict_allows_exactly_when_a_majority_stays_reachable(
    states: list[tuple[bool, bool]], pick: int,
) -> None:
    managers = [mgr(f"n{i}", reachable=r, leader=lead) for i, (r, lead) in enumerate(states)]
    target = managers[pick % len(managers)]
    v = backup_verdict(managers, target.id)
    after = sum(m.reachable for m in managers) - (1 if target.reachable else 0)
    assert v.reachable_after == after
    assert v.allowed == (len(managers) > 1 and after >= majority(len(managers)))
    if not v.allowed:
        assert v.block
    for name in v.safe_instead:  # whatever is named instead keeps the majority
        assert sum(m.reachable for m in managers) - 1 >= majority(len(managers))
        assert name != target.hostname


def test_managers_are_read_from_the_node_list() -> None:
    nodes: list[dict[str, Any]] = [
        {"ID": "a", "Description": {"Hostname": "node1"},
         "ManagerStatus": {"Leader": True, "Reachability": "reachable", "Addr": "10.0.0.1:2377"}},
        {"ID": "b", "Description": {"Hostname": "node2"},
         "ManagerStatus": {"Reachability": "unreachable", "Addr": "10.0.0.2:2377"}},
        {"ID": "c", "Description": {"Hostname": "worker"}},
    ]
    got = managers_from_nodes(nodes)
    assert [(m.hostname, m.reachable, m.leader, m.host) for m in got] == [
        ("node1", True, True, "10.0.0.1"), ("node2", False, False, "10.0.0.2")]


# --- manifest ------------------------------------------------------------------------


def manifest(**over: Any) -> Manifest:
    base: dict[str, Any] = dict(
        swarm_id="swarm1", node_id="node-id", hostname="node2", node_addr="10.0.0.2:2377",
        engine_version="20.10.24", created="2026-12-01T03:17:00+00:00", autolock=False,
        managers=3, docker_root="/var/lib/docker", archive="x.tar.gz", size=3, sha256="ab",
        source="ssh://root@node2")
    base.update(over)
    return Manifest(**base)


def test_a_manifest_round_trips_and_bad_ones_are_named() -> None:
    m = manifest(autolock=True)
    assert Manifest.from_json(m.to_json()) == m
    data = json.loads(m.to_json())
    assert "unlock_key" not in data, "no key in a manifest, only a file name"
    with pytest.raises(ManifestError, match="format"):
        Manifest.from_json(json.dumps({**data, "format": 99}))
    with pytest.raises(ManifestError, match="'size' should be int"):
        Manifest.from_json(json.dumps({**data, "size": "big"}))
    with pytest.raises(ManifestError, match="no 'swarm_id'"):
        Manifest.from_json(json.dumps({k: v for k, v in data.items() if k != "swarm_id"}))
    with pytest.raises(ManifestError, match="not JSON"):
        Manifest.from_json("{")


FIELDS = [f.name for f in dataclasses.fields(Manifest)]
VALUES = st.one_of(st.integers(), st.text(max_size=5), st.booleans(), st.none(),
                   st.just(FORMAT))


@given(st.one_of(st.text(), st.dictionaries(st.sampled_from(FIELDS), VALUES).map(json.dumps)))
def test_any_text_is_a_manifest_or_a_manifest_error(text: str) -> None:
    with contextlib.suppress(ManifestError):
        assert isinstance(Manifest.from_json(text), Manifest)


def test_backup_names_sort_by_time_and_hold_only_file_characters() -> None:
    when = datetime(2026, 12, 1, 3, 17, tzinfo=UTC)
    assert backup_name("node2", when) == "swarm-node2-20261201T031700Z"
    assert "/" not in backup_name("../etc/x y", when)


def make_archive(path: Path, members: tuple[str, ...]) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for name in members:
            info = tarfile.TarInfo(name)
            data = b"x"
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_the_archive_check_wants_a_whole_managers_directory(tmp_path: Path) -> None:
    good = tmp_path / "good.tar.gz"
    make_archive(good, ("swarm/raft/wal", "swarm/certificates/swarm-node.crt",
                        "swarm/state.json"))
    assert check_archive(good) == 3
    partial = tmp_path / "partial.tar.gz"
    make_archive(partial, ("swarm/state.json",))
    with pytest.raises(ManifestError, match="lacks swarm/raft"):
        check_archive(partial)
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(good.read_bytes()[:40])
    with pytest.raises(ManifestError, match="not a whole"):
        check_archive(cut)


def test_list_and_find_backups(tmp_path: Path) -> None:
    old = manifest(archive="old.tar.gz", created="2026-11-01T00:00:00+00:00")
    new = manifest(archive="new.tar.gz", created="2026-12-01T00:00:00+00:00")
    for m, stem in ((old, "old"), (new, "new")):
        write_private(tmp_path / f"{stem}.json", m.to_json())
        (tmp_path / m.archive).write_bytes(b"abc")
    (tmp_path / "broken.json").write_text("[]")
    found, problems = list_backups(tmp_path)
    assert [b.manifest.archive for b in found] == ["new.tar.gz", "old.tar.gz"]
    assert len(problems) == 1 and "broken.json" in problems[0]
    assert oct(os.stat(tmp_path / "new.json").st_mode & 0o777) == "0o600"
    assert find_backup("old", tmp_path).archive_path == tmp_path / "old.tar.gz"
    assert find_backup(str(tmp_path / "new.tar.gz"), tmp_path).manifest == new
    (tmp_path / "old.tar.gz").unlink()
    with pytest.raises(ManifestError, match="missing"):
        find_backup("old", tmp_path)
    with pytest.raises(ManifestError, match="backup list"):
        find_backup("nothing", tmp_path)


# --- engine control ------------------------------------------------------------------


class Answer:
    """A CommandRunner that answers one fixed output (the detector's parsing)."""

    def __init__(self, stdout: str, status: int = 0) -> None:
        self.result = CommandResult(status, stdout, "")
        self.commands: list[str] = []

    async def run(self, command: str, **_: Any) -> CommandResult:
        self.commands.append(command)
        return self.result


@pytest.mark.parametrize(("said", "stop"), [
    ("lab\n", "/etc/docker/swarmtui-lab-dockerd stop"),
    ("systemd\n", "systemctl stop docker"),
    ("systemd-socket\n", "systemctl stop docker.socket docker"),
    ("sysvinit\n", "service docker stop"),
    ("openrc\n", "rc-service docker stop"),
])
async def test_the_detector_maps_each_service_manager(said: str, stop: str) -> None:
    control = await detect_engine_control(Answer(said))
    assert control.stop == stop and control is CONTROLS[control.kind]


async def test_no_service_manager_is_a_clear_error() -> None:
    with pytest.raises(EngineControlError, match="by hand"):
        await detect_engine_control(Answer("none\n"))


# --- command line --------------------------------------------------------------------


def test_the_cron_line_never_asks_and_writes_where_asked(tmp_path: Path) -> None:
    args = argparse.Namespace(ssh_config=[str(tmp_path / "lab.cfg")], config=None,
                              profile=None, manager="node2", force=False, autolock_ok=False)
    line = cron_line(args, "node2", tmp_path / "out")
    assert line.startswith("17 3 * * * ")
    assert "backup create" in line and "--trust-host-key never" in line
    assert f"--output {tmp_path / 'out'}" in line and " node2 " in line
    assert f"--ssh-config {tmp_path / 'lab.cfg'}" in line and "2>&1" in line
    assert "--autolock-ok" not in line
    args.autolock_ok = True  # cron has no terminal to ask on: the answer is in the line
    assert "--autolock-ok" in cron_line(args, "node2", tmp_path / "out")


@pytest.mark.parametrize(("typed", "goes_on"), [
    ("y\n", True), ("YES\n", True), ("\n", False), ("n\n", False), ("yess\n", False),
    ("", False),  # end of input
])
async def test_the_autolock_question_goes_on_only_on_yes(
        typed: str, goes_on: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(typed))
    out = io.StringIO()
    assert await terminal_yes(out)("autolock is on, with 3 managers: …") is goes_on
    assert out.getvalue().startswith("warning: autolock is on, with 3 managers")


def run_cli(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SWARMTUI_CONFIG": str(tmp / "none.toml"),
           "SWARMTUI_STATE_DIR": str(tmp / "state")}
    return subprocess.run([sys.executable, "-m", "swarmtui", "backup", *args],
                          capture_output=True, text=True, timeout=60, env=env)


def test_bad_input_gets_a_sentence_not_a_traceback(tmp_path: Path) -> None:
    listed = run_cli("list", "--dir", str(tmp_path / "empty"), tmp=tmp_path)
    assert listed.returncode == 0 and "no backups" in listed.stdout
    missing = run_cli("restore", "node9", "nothing", "--dir", str(tmp_path), tmp=tmp_path)
    assert missing.returncode == 1 and "no backup 'nothing'" in missing.stderr
    local = run_cli("create", "unix:///var/run/docker.sock", tmp=tmp_path)
    assert local.returncode == 1 and "not reached over SSH" in local.stderr
    profile = run_cli("create", "--profile", "nope", tmp=tmp_path)
    assert profile.returncode == 2 and "no profile 'nope'" in profile.stderr
    for r in (listed, missing, local, profile):
        assert "Traceback" not in r.stderr
    cron = run_cli("create", "node2", "--print-cron", tmp=tmp_path)
    assert cron.returncode == 0 and "backup create" in cron.stdout


# --- quorum lost: which manager to recover from ----------------------------------------


@pytest.mark.parametrize("said", [
    "Error response from daemon: rpc error: code = Unknown desc = The swarm does not have a "
    "leader. It's possible that too few managers are online. Make sure more than half of "
    "the managers are online.",
    "Error response from daemon: rpc error: code = DeadlineExceeded desc = context deadline "
    "exceeded",
    "rpc error: code = 2 desc = raft: no elected cluster leader",
    "Error response from daemon: rpc error: code = Unknown desc = context deadline exceeded",
    "rpc error: code = 14 desc = grpc: the connection is unavailable",
])
def test_the_engines_words_for_a_lost_quorum_are_recognised(said: str) -> None:
    assert quorum_lost(said)


@pytest.mark.parametrize("said", ["This node is not a swarm manager.", "no such service: web",
                                  "rpc error: code = NotFound desc = node x not found"])
def test_other_errors_are_not_a_lost_quorum(said: str) -> None:
    assert not quorum_lost(said)


def probe_output(now: float, files: list[tuple[str, float]], engine: str = "up") -> str:
    return "\n".join([f"now {now}", f"engine {engine}",
                      *(f"file {name} {mtime:.0f}" for name, mtime in files)])


WAL0 = "0000000000000000-0000000000000000.wal"


def test_the_probe_reads_indexes_from_names_and_the_age_from_the_hosts_clock() -> None:
    out = probe_output(1000.5, [("0000000000000002-0000000000002710.snap", 990),
                                ("0000000000000001-0000000000001000.snap", 900),
                                (WAL0, 800), ("0000000000000001-0000000000002711.wal", 995)])
    s = parse_probe("node1", out)
    assert (s.snapshot_term, s.snapshot_index, s.wal_index) == (2, 10000, 0x2711)
    assert s.last_write_age == pytest.approx(5.5)
    assert s.engine_up and s.readable
    assert parse_probe("node2", "now 1\nengine down\nraft none").error.startswith("no raft")


def test_the_freshest_manager_is_picked_whatever_the_clocks_say() -> None:
    # node2's clock is an hour ahead, but it stopped writing long ago (its own clock says so)
    node1 = parse_probe("node1", probe_output(1000, [(WAL0, 998)]))
    node2 = parse_probe("node2", probe_output(4600, [(WAL0, 3000)], engine="down"))
    node3 = parse_probe("node3", probe_output(1000, [(WAL0, 990)]))
    gone = RaftState("node4", error="no SSH answer")
    advice = RecoveryAdvice(tuple(rank_managers([node2, gone, node3, node1])))
    assert [s.host for s in advice.ranked] == ["node1", "node3", "node2", "node4"]
    assert advice.best is node1
    assert advice.text.startswith("node1 has the most recent raft state")
    assert "node3, node2 have the same snapshot and WAL segment" in advice.text
    ahead = parse_probe("node5", probe_output(1000, [("0000000000000003-0000000000004e20.snap",
                                                      100), (WAL0, 100)]))
    assert rank_managers([node1, ahead])[0] is ahead, "a later snapshot beats a later write"
    assert RecoveryAdvice((gone,)).best is None


@given(st.text())
def test_any_probe_output_parses_to_a_state(text: str) -> None:
    assert isinstance(parse_probe("h", text), RaftState)


# --- autolocked backups: restored with the key, for one manager only (moby#36852) -------


def test_an_autolocked_backup_needs_its_key_and_a_single_manager() -> None:
    from swarmtui.backup.restore import autolock_refusal

    key = "SWMKEY-1-" + "A" * 43
    assert autolock_refusal(manifest(autolock=False, managers=3), "") == ""
    no_key = autolock_refusal(manifest(autolock=True, managers=1), "")
    assert "autolock on" in no_key and "Give the unlock key" in no_key
    assert "Nothing was changed" in no_key
    assert "SWMKEY-1-" in autolock_refusal(manifest(autolock=True, managers=1), "hunter2")
    many = autolock_refusal(manifest(autolock=True, managers=3), key)
    assert "of 3 managers" in many and "moby/moby#36852" in many
    assert "docker swarm update --autolock=false" in many and key not in many
    assert autolock_refusal(manifest(autolock=True, managers=1), key) == ""


def test_the_restore_operation_refuses_before_anything_with_what_to_do(tmp_path: Path) -> None:
    from swarmtui.backup.ops import BackupRestore
    from swarmtui.backup.rejoin import Host
    from swarmtui.connect.hostkeys import fixed_trust
    from swarmtui.connect.nodes import NodePool
    from swarmtui.connect.options import ConnectOptions
    from swarmtui.swarm.state import ClusterSnapshot

    m = manifest(autolock=True, managers=1)
    path = tmp_path / "b.json"
    path.write_text(m.to_json())
    (tmp_path / m.archive).write_bytes(b"x")
    backup = Backup(m, path)
    pool = NodePool(ConnectOptions(trust=fixed_trust("never")))
    refused = BackupRestore(pool, Host("node3"), backup).guard(ClusterSnapshot())
    assert not refused.allowed and "Give the unlock key" in refused.blocks[0]
    op = BackupRestore(pool, Host("node3"), backup, unlock_key="SWMKEY-1-" + "B" * 43)
    verdict = op.guard(ClusterSnapshot())
    assert verdict.allowed and any("unlock it and turn autolock off" in p
                                   for p in verdict.preview)
    assert "SWMKEY" not in op.cli and op.confirm_text == "node3"
    assert BackupRestore(pool, Host("node3"), backup).guard(
        ClusterSnapshot(), read_only=True).blocks[0].startswith("read-only")


def test_a_join_that_goes_on_in_the_background_is_not_a_failure() -> None:
    import docker.errors
    import requests

    from swarmtui.backup.rejoin import joining_in_background

    def error(status: int, explanation: str) -> docker.errors.APIError:
        response = requests.Response()
        response.status_code = status
        return docker.errors.APIError("join", response=response, explanation=explanation)

    slow = ("Timeout was reached before node joined. The attempt to join the swarm will "
            "continue in the background. Use the \"docker info\" command to see the current "
            "swarm status of your node.")
    assert joining_in_background(error(503, slow))
    assert not joining_in_background(error(503, "rpc error: code = Unavailable"))
    assert not joining_in_background(error(400, slow))


def test_a_host_procedure_reads_an_engine_outside_any_swarm_and_nothing_else() -> None:
    """The runner reads a snapshot before a host procedure (restore, recovery, unlock):
    HostsOnly's engine answers /info empty, so no list is asked of a swarm without quorum."""
    from swarmtui.backup.ops import HostsOnly
    from swarmtui.swarm.fetch import fetch_snapshot

    snap = fetch_snapshot(HostsOnly().api())
    assert not snap.is_manager and not snap.nodes
    assert snap.message and "not part of a swarm" in snap.message
