"""Applying a plan: order, skip-if-done, stop at the first failure, the token on stdin only.

The host is a small in-memory shell stand-in implementing the CommandRunner protocol
(no sockets); the real thing over SSH is in tests/lab/test_bootstrap_lab.py.
"""

from __future__ import annotations

import logging

import pytest

from swarmtui.bootstrap.facts import assess
from swarmtui.bootstrap.plan import PlanOptions, make_plan
from swarmtui.bootstrap.remote import CommandResult, OutputCallback, SshRunner
from swarmtui.bootstrap.runner import ApplyEvent, apply_plan
from swarmtui.secrets import Secret
from swarmtui.swarm.swarmspec import SwarmSpecError
from tests.unit.test_bootstrap import CLUSTER, TOKEN, UFW_FIREWALL, make_probe, not_installed, ok


class FakeHost:
    """Answers commands by substring; records what ran, with stdin and sudo."""

    def __init__(self, answers: dict[str, CommandResult]) -> None:
        self.answers = answers
        self.ran: list[tuple[str, bool, bytes | None]] = []

    async def run(self, command: str, *, sudo: bool = False, input: bytes | None = None,
                  timeout: float = 60, on_output: OutputCallback | None = None) -> CommandResult:
        self.ran.append((command, sudo, input))
        for needle, result in self.answers.items():
            if needle in command:
                if on_output is not None and result.stdout:
                    on_output("stdout", result.stdout)
                if on_output is not None and result.stderr:
                    on_output("stderr", result.stderr)
                return result
        return CommandResult(0, "", "")


def fresh_plan():  # type: ignore[no-untyped-def]
    return make_plan(assess(make_probe(firewall=ok(UFW_FIREWALL), **not_installed()), CLUSTER),
                     PlanOptions(), host="node4")


async def token() -> Secret:
    return Secret(TOKEN)


async def test_runs_pending_steps_in_order_and_feeds_the_token_on_stdin(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    host = FakeHost({
        "command -v dockerd": CommandResult(1, "", ""),  # install check: not yet
        "docker info >/dev/null": CommandResult(1, "", ""),
        "ufw status": CommandResult(1, "", ""),
        "LocalNodeState": CommandResult(1, "", ""),
        "docker swarm join": CommandResult(
            0, f"This node joined a swarm as a worker. (token {TOKEN})\n", ""),
    })
    events: list[ApplyEvent] = []
    result = await apply_plan(fresh_plan(), host, join_token=token, on_event=events.append)
    assert result.ok and result.complete, result
    assert result.done == ("install-docker", "start-docker", "firewall", "join")
    commands = [c for c, _, _ in host.ran]
    assert all(sudo for _, sudo, _ in host.ran)
    ordered = [next(i for i, c in enumerate(commands) if needle in c) for needle in
               ("apt-get install", "systemctl enable --now docker", "ufw allow 4789/udp",
                "docker swarm join")]
    assert ordered == sorted(ordered)
    join = next((c, i) for c, _, i in host.ran if "docker swarm join" in c)
    assert TOKEN not in join[0] and "read -r SWARM_JOIN_TOKEN" in join[0]
    assert join[1] == TOKEN.encode() + b"\n"
    texts = [e.text for e in events]
    assert any("This node joined a swarm" in t for t in texts)
    assert not any(TOKEN in t or "SWMTKN" in t for t in texts)
    assert "SWMTKN" not in caplog.text


async def test_a_step_done_meanwhile_is_skipped() -> None:
    host = FakeHost({"command -v dockerd": CommandResult(0, "/usr/sbin/dockerd", ""),
                     "LocalNodeState": CommandResult(0, "", "")})
    result = await apply_plan(fresh_plan(), host, join_token=token)
    assert "install-docker" in result.skipped and "join" in result.skipped
    assert not any("apt-get install" in c for c, _, _ in host.ran)


async def test_stops_at_the_first_failure_with_output_and_advice() -> None:
    host = FakeHost({
        "command -v dockerd": CommandResult(1, "", ""),
        "apt-get update": CommandResult(100, "", "E: Could not get lock /var/lib/dpkg/lock"),
    })
    events: list[ApplyEvent] = []
    result = await apply_plan(fresh_plan(), host, join_token=token, on_event=events.append)
    assert not result.ok and result.failed is not None
    assert result.failed.key == "install-docker"
    assert "Could not get lock" in result.output and "apt/dnf" in result.advice
    assert not any("apt-get install" in c or "systemctl" in c for c, _, _ in host.ran)
    assert events[-1].kind == "fail"
    assert "failed" in result.message


async def test_token_trouble_is_a_clean_failure_without_the_token() -> None:
    async def broken() -> Secret:
        raise SwarmSpecError(f"Reading the join tokens failed: {TOKEN} refused")

    host = FakeHost({"LocalNodeState": CommandResult(1, "", "")})
    plan = make_plan(assess(make_probe(), CLUSTER))
    result = await apply_plan(plan, host, join_token=broken)
    assert not result.ok and result.failed is not None and result.failed.key == "join"
    assert "SWMTKN" not in result.output + result.advice + result.message
    assert not any("docker swarm join" in c for c, _, _ in host.ran)


async def test_a_join_failure_never_echoes_the_token() -> None:
    host = FakeHost({"LocalNodeState": CommandResult(1, "", ""),
                     "docker swarm join": CommandResult(1, "", f"invalid token {TOKEN}")})
    result = await apply_plan(make_plan(assess(make_probe(), CLUSTER)), host, join_token=token)
    assert not result.ok and "SWMTKN" not in result.output and "invalid token" in result.output


async def test_a_blocked_step_stops_the_run() -> None:
    host = FakeHost({})
    plan = make_plan(assess(make_probe(**{"reach:100.64.7.11:2377": ok("via=bash rc=124\n")}),
                            CLUSTER))
    events: list[ApplyEvent] = []
    result = await apply_plan(plan, host, join_token=token, on_event=events.append)
    assert result.ok and not result.complete and result.blocked is not None
    assert result.blocked.key == "join" and events[-1].kind == "blocked"
    assert host.ran == []


def test_sudo_wrapping() -> None:
    runner = SshRunner(None, sudo_password="s3cret")  # type: ignore[arg-type]
    line, reads = runner.wrap_sudo("docker info --format '{{json .}}'", "M1")
    # stdin up to the marker is skipped whether sudo read the password line or not
    assert reads and line == (
        "sudo -S -p '' sh -c 'while IFS= read -r _swarmtui_l && [ \"$_swarmtui_l\" != M1 ]; "
        "do :; done; unset _swarmtui_l; docker info --format '\"'\"'{{json .}}'\"'\"''")
    assert "s3cret" not in line
    runner.set_sudo_password(None)
    assert runner.wrap_sudo("true", "M1") == ("sudo -n sh -c true", False)
