"""Swarm-level operations against a real lab swarm (issue 6): token rotation keeps the
spec (autolock), unlocking a restarted manager, init, settings, force-new-cluster.

The docker CLI on the lab hosts is the oracle. Every secret seen is collected and, after
each test, must appear in no log line and no exception message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import asyncssh
import docker
import pytest

from swarmtui.audit import read_journal
from swarmtui.bootstrap.plan import PlanOptions
from swarmtui.bootstrap.remote import CommandResult, SshRunner
from swarmtui.bootstrap.runner import HostBootstrap
from swarmtui.lab import Lab
from swarmtui.secrets import Secret, redact
from swarmtui.swarm.ops import swarm as swops
from swarmtui.swarm.ops.runner import FixedEngine, run_operation
from swarmtui.swarm.swarminit import InitOptions, candidate_advertise_addresses, init_swarm
from swarmtui.swarm.swarmkeys import (
    get_unlock_key,
    join_tokens,
    local_node_state,
    rotate_join_token,
    rotate_token_cli,
    set_autolock,
    unlock_manager,
)
from swarmtui.swarm.swarmleave import (
    FORCE_NEW_CLUSTER_CONSEQUENCES,
    force_new_cluster,
    force_new_cluster_cli,
    leave_consequences,
    leave_swarm,
)
from swarmtui.swarm.swarmsettings import SwarmSettings, apply_settings, ca_info, read_settings
from swarmtui.swarm.swarmspec import SwarmSpecError, inspect
from tests.waiting import wait_for


class Leaks:
    """Secrets seen in a test, and messages that must not contain them."""

    def __init__(self) -> None:
        self.secrets: list[str] = []
        self.messages: list[str] = []

    def keep(self, *values: Secret | None) -> None:
        self.secrets += [v.reveal() for v in values if v is not None]

    def raised(self, exc: BaseException) -> str:
        text = "".join(str(a) for a in exc.args) + str(exc) + repr(exc)
        self.messages.append(text)
        return str(exc)


@pytest.fixture
def leaks(tmp_path: Path) -> Iterator[Leaks]:
    path = tmp_path / "swarmtui-test.log"
    handler = logging.FileHandler(path)
    root = logging.getLogger()
    old = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    found = Leaks()
    try:
        yield found
    finally:
        root.removeHandler(handler)
        handler.close()
        root.setLevel(old)
        log = path.read_text(errors="replace")
        assert log, "nothing was logged: the leak check would be vacuous"
        for text in [log, *found.messages]:
            assert "SWMTKN" not in text and "SWMKEY" not in text
            for secret in found.secrets:
                assert secret not in text


def api_for(ssh_forward: Callable[..., object], lab: Lab, host: str) -> docker.APIClient:
    fwd = ssh_forward(lab, host)
    return docker.APIClient(base_url=fwd.base_url, version="auto")  # type: ignore[attr-defined]


async def connect(lab: Lab, host: str) -> asyncssh.SSHClientConnection:
    return await asyncssh.connect(lab.host(host).address, username="root",
                                  known_hosts=str(lab.known_hosts),
                                  client_keys=[str(lab.client_key)])


async def try_join(lab: Lab, host: str, token: Secret, manager: str) -> CommandResult:
    """`docker swarm join` on a lab host with the token on stdin (never on a command line)."""
    async with await connect(lab, host) as conn:
        res = await SshRunner(conn).run(
            'IFS= read -r T && docker swarm join --token "$T" ' + manager,
            input=token.reveal().encode() + b"\n", timeout=90)
    return CommandResult(res.exit_status, redact(res.stdout, token),
                         redact(res.stderr, token))


def cli_autolock(lab: Lab, host: str = "node1") -> str:
    return lab.ssh(host, ["docker", "info", "--format",
                          "{{.Swarm.Cluster.Spec.EncryptionConfig.AutoLockManagers}}"])


def manager_status(lab: Lab) -> dict[str, str]:
    out = lab.ssh("node1", ["docker", "node", "ls", "--format",
                            "{{.Hostname}} {{.Status}} {{.ManagerStatus}}"])
    return {r.split()[0]: " ".join(r.split()[1:]) for r in out.splitlines() if r.strip()}


async def test_rotating_the_worker_token_keeps_autolock_and_retires_the_old_token(
        make_lab, ssh_forward, leaks: Leaks, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lab = make_lab(nodes=4, managers=1, members=3)
    api = api_for(ssh_forward, lab, "node1")
    key = set_autolock(api, True)
    leaks.keep(key)
    assert key is not None and cli_autolock(lab) == "true"
    before = join_tokens(api)
    leaks.keep(before.worker, before.manager)
    settings_before = inspect(api).spec

    after = rotate_join_token(api, "worker")
    leaks.keep(after.worker, after.manager)
    assert after.worker != before.worker
    assert after.manager == before.manager  # only the worker token rotated
    assert cli_autolock(lab) == "true", "rotation must not switch autolock off"
    assert inspect(api).spec == settings_before
    assert get_unlock_key(api) == key
    assert rotate_token_cli("worker") == "docker swarm join-token --rotate worker"

    manager = before.manager_addr
    assert manager == f"{lab.host('node1').address}:2377"
    old = await try_join(lab, "node4", before.worker, manager)
    assert old.exit_status != 0, old
    assert "token" in old.output.lower()
    assert "node4" not in manager_status(lab)
    new = await try_join(lab, "node4", after.worker, manager)
    assert new.ok, new.output
    wait_for("node4 Ready", lambda: manager_status(lab).get("node4", "").startswith("Ready"), 60)

    # the manager token too, as an operation (guard, journal), still keeping the spec
    op = swops.RotateJoinToken("manager")
    outcome = run_operation(api, op, journal_path=tmp_path / "audit.jsonl")
    assert outcome.ok and "invalidates" in outcome.guard.warnings[0]
    rotated = op.applied["tokens"]
    leaks.keep(rotated.manager)
    journal = (tmp_path / "audit.jsonl").read_text()
    assert "docker swarm join-token --rotate manager" in journal
    leaks.messages.append(journal)
    assert rotated.manager != before.manager and cli_autolock(lab) == "true"
    logging.getLogger("swarmtui.test").info("rotated: %s / %s", rotated.masked(), rotated)
    api.close()


async def test_unlock_a_restarted_manager_through_a_tunnel_to_it(
        make_lab, ssh_forward, leaks: Leaks, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lab = make_lab(nodes=3, managers=3)
    api1 = api_for(ssh_forward, lab, "node1")
    journal = tmp_path / "audit.jsonl"
    enable = swops.SetAutolock(True)
    outcome = run_operation(api1, enable, journal_path=journal, wait=True, timeout=20)
    assert outcome.ok and outcome.converged, outcome.message
    key = enable.applied["unlock_key"]
    leaks.keep(key)
    assert key is not None and cli_autolock(lab) == "true"
    again = run_operation(api1, swops.SetAutolock(True), journal_path=journal)
    assert again.status == "refused" and "already on" in again.message

    lab.stop_dockerd("node2")
    lab.start_dockerd("node2")
    api2 = api_for(ssh_forward, lab, "node2")
    wait_for("node2 locked", lambda: local_node_state(api2) == "locked", 30)
    wait_for("node1 to see node2 unreachable",
             lambda: "Unreachable" in manager_status(lab).get("node2", ""), 60)

    wrong = Secret("SWMKEY-1-" + "A" * 43)
    leaks.keep(wrong)
    with pytest.raises(SwarmSpecError) as bad:
        unlock_manager(api2, wrong)
    assert "Check the key" in leaks.raised(bad.value)
    with pytest.raises(SwarmSpecError) as garbage:
        unlock_manager(api2, "not-a-key")
    assert "start with" in leaks.raised(garbage.value)
    with pytest.raises(SwarmSpecError) as not_locked:
        unlock_manager(api1, key)
    assert "not locked" in leaks.raised(not_locked.value)

    unlock_manager(api2, key)
    assert local_node_state(api2) == "active"
    wait_for("node2 Reachable again",
             lambda: manager_status(lab).get("node2") == "Ready Reachable", 60)

    # rotate the unlock key: the old one is kept to show, the new one works
    rotate = swops.RotateUnlockKey()
    assert run_operation(api1, rotate, journal_path=journal).ok
    rotation = rotate.applied["rotation"]
    leaks.keep(rotation.old, rotation.new)
    assert rotation.old == key and rotation.new is not None and rotation.new != key
    assert "old key" in rotation.advice
    assert cli_autolock(lab) == "true"

    # autolock off: no key any more, spec otherwise intact
    assert run_operation(api1, swops.SetAutolock(False), journal_path=journal).ok
    assert cli_autolock(lab) == "false" and get_unlock_key(api1) is None

    # the audit journal: every attempt, with its CLI equivalent, and no secret
    entries = read_journal(journal)
    assert [(e["cli"], e["result"]) for e in entries] == [
        ("docker swarm update --autolock=true", "ok"),
        ("docker swarm update --autolock=true", "refused"),
        ("docker swarm unlock-key --rotate", "ok"),
        ("docker swarm update --autolock=false", "ok"),
    ]
    leaks.messages.append(journal.read_text())
    api1.close()
    api2.close()


async def test_init_with_options_then_settings_then_bootstrap_a_manager(
        make_lab, ssh_forward, leaks: Leaks) -> None:  # type: ignore[no-untyped-def]
    lab = make_lab(nodes=2, swarm=False)
    n1 = lab.host("node1")
    async with await connect(lab, "node1") as conn:
        candidates = await candidate_advertise_addresses(SshRunner(conn))
    assert [c.address for c in candidates] == [n1.address]  # docker0 and lo left out

    api1 = api_for(ssh_forward, lab, "node1")
    opts = InitOptions(advertise_addr=n1.address, listen_addr=f"{n1.address}:2377",
                          data_path_port=7789, default_addr_pool=("10.123.0.0/16",),
                          subnet_size=26, autolock=True)
    result = init_swarm(api1, opts)
    leaks.keep(result.unlock_key, result.tokens.worker, result.tokens.manager)
    assert result.unlock_key is not None and "--autolock" in result.cli
    assert "SWMTKN" not in " ".join(result.tokens.masked().values())
    info = lab.ssh("node1", ["docker", "info", "--format",
                             "{{.Swarm.NodeID}} {{.Swarm.Cluster.DataPathPort}} "
                             "{{.Swarm.Cluster.SubnetSize}} {{.Swarm.Cluster.DefaultAddrPool}} "
                             "{{.Swarm.Cluster.Spec.EncryptionConfig.AutoLockManagers}}"])
    assert info == f"{result.node_id} 7789 26 [10.123.0.0/16] true"
    with pytest.raises(SwarmSpecError) as twice:
        init_swarm(api1, opts)
    assert "leave it first" in leaks.raised(twice.value)

    current = read_settings(api1)
    wanted = SwarmSettings(timedelta(hours=720), timedelta(seconds=10), 3)
    assert wanted.cli(current) == ("docker swarm update --cert-expiry 720h0m0s "
                                   "--dispatcher-heartbeat 10s --task-history-limit 3")
    assert apply_settings(api1, wanted) == wanted
    spec = lab.ssh("node1", ["docker", "info", "--format",
                             "{{.Swarm.Cluster.Spec.CAConfig.NodeCertExpiry}} "
                             "{{.Swarm.Cluster.Spec.Dispatcher.HeartbeatPeriod}} "
                             "{{.Swarm.Cluster.Spec.Orchestration.TaskHistoryRetentionLimit}} "
                             "{{.Swarm.Cluster.Spec.EncryptionConfig.AutoLockManagers}}"])
    assert spec == "720h0m0s 10s 3 true"
    with pytest.raises(SwarmSpecError) as invalid:
        apply_settings(api1, SwarmSettings(timedelta(minutes=10),
                                                 timedelta(seconds=5), 3))
    assert "at least 1h" in leaks.raised(invalid.value)
    ca = ca_info(api1)
    assert ca.root_subject == "CN=swarm-ca" and (ca.days_left() or 0) > 3650

    # bring node2 in as a manager with the bootstrap wizard's engine
    async with await connect(lab, "node2") as conn:
        boot = HostBootstrap(SshRunner(conn), FixedEngine(api1), host="node2",
                             options=PlanOptions(role="manager"))
        await boot.probe()
        plan = boot.plan()
        assert plan.will_join and "as a manager" in plan.step("join").title  # type: ignore[union-attr]
        done = await boot.apply(reprobe=False)
        assert done.ok and done.node_ready, done.message
    wait_for("node2 a reachable manager",
             lambda: manager_status(lab).get("node2") == "Ready Reachable", 60)

    # leaving: a manager needs force; the consequences say so
    api2 = api_for(ssh_forward, lab, "node2")
    with pytest.raises(SwarmSpecError) as refused:
        leave_swarm(api2, force=False)
    assert "force" in leaks.raised(refused.value).lower()
    assert "cannot form a quorum" in leave_consequences(True, 2, 2)
    api1.close()
    api2.close()


async def test_force_new_cluster_recovers_a_lost_quorum(
        make_lab, ssh_forward, leaks: Leaks) -> None:  # type: ignore[no-untyped-def]
    lab = make_lab(nodes=3, managers=3)
    n1 = lab.host("node1")
    lab.stop_dockerd("node2")
    lab.stop_dockerd("node3")
    api1 = api_for(ssh_forward, lab, "node1")
    # (node1 needs ~30 s to notice the lost quorum; force-new-cluster does not wait for it)
    node_id = force_new_cluster(api1, advertise_addr=n1.address)
    assert force_new_cluster_cli(n1.address) == \
        f"docker swarm init --force-new-cluster --advertise-addr {n1.address}"
    assert "dropped" in FORCE_NEW_CLUSTER_CONSEQUENCES
    wait_for("node1 leads a working swarm again",
             lambda: manager_status(lab).get("node1") == "Ready Leader", 60)
    status = lab.ssh("node1", ["docker", "node", "inspect", "self", "--format",
                               "{{.ID}} {{.ManagerStatus.Leader}}"])
    assert status == f"{node_id} true"
    tokens = join_tokens(api1)
    leaks.keep(tokens.worker, tokens.manager)
    logging.getLogger("swarmtui.test").info("after force-new-cluster: %s", tokens)
    api1.close()
