"""known_hosts hardening against real sshd on the lab (issue 15 item 8); OpenSSH's `ssh`
is the oracle for what a saved file means."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

import pytest

from swarmtui.connect.endpoint import parse_endpoint
from swarmtui.connect.errors import HostKeyChangedError, SessionHostKeyChangedError
from swarmtui.connect.hostkeys import HostKeyQuestion, SessionTrust, TrustDecision, fixed_trust
from swarmtui.connect.link import ClusterLink
from swarmtui.connect.options import ConnectOptions
from swarmtui.connect.sshconf import ssh_config_files
from swarmtui.connect.tunnel import open_engine
from swarmtui.lab import Lab


def ssh_config(tmp_path: Path, lab: Lab, alias: str, host: str, known_hosts: Path | str,
               extra: str = "") -> Path:
    cfg = tmp_path / f"ssh_config_{alias}"
    cfg.write_text(f"Host {alias}\n    HostName {lab.host(host).address}\n    User root\n"
                   f"    IdentityFile {lab.client_key}\n    IdentitiesOnly yes\n"
                   f"    UserKnownHostsFile {known_hosts}\n{extra}")
    return cfg


def openssh_accepts(lab: Lab, host: str, known_hosts: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["ssh", "-F", str(lab.ssh_config), "-o", f"UserKnownHostsFile={known_hosts}",
         "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", host, "hostname"],
        capture_output=True, text=True, timeout=20)


def openssh_settings(cfg: Path, host: str) -> str:
    """`ssh -G`: the settings OpenSSH itself applies to `host` (lower-cased)."""
    return subprocess.run(["ssh", "-F", str(cfg), "-G", host], capture_output=True, text=True,
                          check=True).stdout.lower()


class Asked:
    def __init__(self, answer: TrustDecision) -> None:
        self.answer = answer
        self.questions: list[HostKeyQuestion] = []

    async def __call__(self, q: HostKeyQuestion) -> TrustDecision:
        self.questions.append(q)
        return self.answer


async def test_an_unparsable_known_hosts_line_is_skipped(lab: Lab, tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    known.write_text("a-line-cut-short\n" + lab.known_hosts.read_text())
    assert openssh_accepts(lab, "node1", known).returncode == 0  # OpenSSH skips it too
    cfg = ssh_config(tmp_path, lab, "skip1", "node1", known)
    link = ClusterLink([parse_endpoint("skip1")], trust=fixed_trust("never"), ssh_config=[cfg])
    try:
        status = await link.connect()
        assert (await asyncio.to_thread(link.api.info))["Name"] == "node1"
    finally:
        await link.close()
    assert f"{known} line 1 cannot be read and was skipped" in (status.note or "")
    print(f"\nstatus with a bad known_hosts line: {status.message!r}")


async def test_hash_known_hosts_saves_a_hashed_line_openssh_accepts(
        lab: Lab, tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    cfg = ssh_config(tmp_path, lab, "hashed1", "node1", known, "    HashKnownHosts yes\n")
    link = ClusterLink([parse_endpoint("hashed1")], trust=fixed_trust("save"), ssh_config=[cfg])
    try:
        await link.connect()
    finally:
        await link.close()
    text = known.read_text()
    assert text.startswith("|1|") and lab.host("node1").address not in text
    result = openssh_accepts(lab, "node1", known)
    assert result.returncode == 0 and result.stdout.strip() == "node1", result.stderr


async def test_save_to_dev_null_says_it_saved_nothing(lab: Lab, tmp_path: Path) -> None:
    cfg = ssh_config(tmp_path, lab, "null1", "node1", "/dev/null")
    asked = Asked(TrustDecision.SAVE)
    link = ClusterLink([parse_endpoint("null1")], trust=asked, ssh_config=[cfg])
    try:
        status = await link.connect()
        assert (await asyncio.to_thread(link.api.info))["Name"] == "node1"
    finally:
        await link.close()
    (q,) = asked.questions
    assert q.can_save is False and "nothing can be saved" in q.text
    assert "trusted for this run only: UserKnownHostsFile is /dev/null, so nothing was saved" \
        in (status.note or ""), status.note


@pytest.fixture
def node3_key_restored(lab: Lab):  # type: ignore[no-untyped-def]
    """node3's host key is changed by the test; put the original back after."""
    key = lab.host("node3").host_key
    saved = {p: p.read_bytes() for p in (key, Path(f"{key}.pub"))}
    yield
    lab.stop_sshd("node3")
    for p, data in saved.items():
        p.write_bytes(data)
    lab.start_sshd("node3")


async def test_a_key_trusted_once_that_changes_is_refused(
        lab: Lab, tmp_path: Path, node3_key_restored: None) -> None:
    known = tmp_path / "known_hosts"
    cfg = ssh_config(tmp_path, lab, "once3", "node3", known)
    asked = Asked(TrustDecision.ONCE)
    # the options one ClusterLink keeps for its whole run (its session)
    options = ConnectOptions(trust=asked, ssh_config=ssh_config_files([cfg]),
                             session_trust=SessionTrust())
    engine = await open_engine(parse_endpoint("once3"), options)
    await engine.close()
    assert len(asked.questions) == 1
    lab.regenerate_host_key("node3")
    log = lab.host("node3").path / "sshd.log"
    accepted = log.read_text().count("Accepted")
    with pytest.raises(SessionHostKeyChangedError) as info:
        await open_engine(parse_endpoint("once3"), options)
    assert isinstance(info.value, HostKeyChangedError)  # the app shows it as a refusal
    assert len(asked.questions) == 1  # not asked as if unknown
    assert "CHANGED during this run" in str(info.value)
    assert asked.questions[0].fingerprint in str(info.value)
    assert log.read_text().count("Accepted") == accepted  # never authenticated
    assert not known.exists() or known.read_text() == ""


async def test_the_first_hops_own_proxyjump_is_honoured(lab: Lab, tmp_path: Path) -> None:
    """behind3 → ProxyJump hop2 (node2), whose own ssh_config says ProxyJump node1: the
    path is node1 → node2 → node3, as OpenSSH takes it."""
    cfg = tmp_path / "ssh_config"
    cfg.write_text(
        ssh_config(tmp_path, lab, "behind3", "node3", lab.known_hosts,
                   "    ProxyJump hop2\n").read_text()
        + ssh_config(tmp_path, lab, "hop2", "node2", lab.known_hosts,
                     "    ProxyJump node1\n").read_text())
    assert "proxyjump node1" in openssh_settings(cfg, "hop2")
    link = ClusterLink([parse_endpoint("behind3")], trust=fixed_trust("never"),
                       ssh_config=[cfg, lab.ssh_config])
    try:
        await link.connect()
        assert (await asyncio.to_thread(link.api.info))["Name"] == "node3"
    finally:
        await link.close()

    def last_login_from(host: str) -> str:
        log = (lab.host(host).path / "sshd.log").read_text()
        return [line for line in log.splitlines() if "Accepted publickey" in line][-1]

    assert f"from {lab.host('node1').address} " in last_login_from("node2")
    assert f"from {lab.host('node2').address} " in last_login_from("node3")


def test_openssh_is_here() -> None:
    assert shutil.which("ssh") and shutil.which("ssh-keygen")
