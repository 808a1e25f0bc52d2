"""known_hosts hardening (issue 15 item 8), the parts that need no host: a bad line is
skipped, keys are saved hashed when HashKnownHosts says so (OpenSSH's ssh-keygen is the
oracle), /dev/null cannot keep a key, a key trusted once is remembered per host, and the
first ProxyJump hop's own ProxyJump is followed. The lab versions are in
tests/lab/test_known_hosts_lab.py."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import asyncssh
import pytest

from swarmtui.connect.endpoint import parse_endpoint
from swarmtui.connect.errors import EndpointError
from swarmtui.connect.hostkeys import (
    SessionTrust,
    append_known_host,
    find_host_lines,
    known_hosts_for,
    question_for,
)
from swarmtui.connect.sshconf import jump_chain, resolve_ssh


def key() -> asyncssh.SSHKey:
    return asyncssh.generate_private_key("ssh-ed25519").convert_to_public()


def test_an_unparsable_line_is_skipped_with_a_warning(tmp_path: Path) -> None:
    good = key()
    kh = tmp_path / "known_hosts"
    pub = good.export_public_key("openssh").decode().split()
    kh.write_text(f"garbage\n10.0.0.1 {pub[0]} {pub[1]}\n@bogus h {pub[0]} {pub[1]}\n")
    with pytest.raises(ValueError):
        asyncssh.import_known_hosts(kh.read_text())  # what used to fail every connection
    warnings: list[str] = []
    known = known_hosts_for([kh], SessionTrust(), warnings)
    trusted, *_ = known.match("10.0.0.1", "", 22)
    assert [k.public_data for k in trusted] == [good.public_data]
    assert [w.split(" (")[0] for w in warnings] == [
        f"{kh} line 1 cannot be read and was skipped",
        f"{kh} line 3 cannot be read and was skipped"]


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs OpenSSH's ssh-keygen")
def test_a_hashed_save_is_found_by_ssh_keygen(tmp_path: Path) -> None:
    k = key()
    kh = tmp_path / "known_hosts"
    line = append_known_host(kh, "10.0.0.7", 2222, k, hashed=True)
    assert line.startswith("|1|") and "10.0.0.7" not in kh.read_text()
    found = subprocess.run(["ssh-keygen", "-F", "[10.0.0.7]:2222", "-f", str(kh)],
                           capture_output=True, text=True)
    assert found.returncode == 0 and "found: line 1" in found.stdout, found
    assert [ln.line for ln in find_host_lines([kh], "10.0.0.7", 2222)] == [1]
    trusted, *_ = known_hosts_for([kh], SessionTrust()).match("10.0.0.7", "", 2222)
    assert [t.public_data for t in trusted] == [k.public_data]
    # two saves, two salts
    append_known_host(kh, "10.0.0.7", 2222, k, hashed=True)
    first, second = kh.read_text().splitlines()
    assert first.split()[0] != second.split()[0]


def write_cfg(tmp_path: Path, text: str) -> Path:
    cfg = tmp_path / "ssh_config"
    cfg.write_text(text)
    return cfg


def test_hash_known_hosts_and_dev_null_are_read_from_ssh_config(tmp_path: Path) -> None:
    cfg = write_cfg(tmp_path, "Host hashed\n  HashKnownHosts yes\nHost nowhere\n"
                              "  UserKnownHostsFile /dev/null\nHost plain\n  HostName 10.0.0.9\n")
    assert resolve_ssh(parse_endpoint("hashed"), [cfg]).hash_known_hosts is True
    plain = resolve_ssh(parse_endpoint("plain"), [cfg])
    assert plain.hash_known_hosts is False and plain.can_save_keys
    nowhere = resolve_ssh(parse_endpoint("nowhere"), [cfg])
    assert not nowhere.can_save_keys
    q = question_for(key(), "nowhere", 22, None, nowhere.known_hosts,
                     can_save=nowhere.can_save_keys)
    assert "nothing can be saved" in q.text and "/dev/null" in q.text


def test_a_key_trusted_once_is_remembered_per_host() -> None:
    session = SessionTrust()
    first, second = key(), key()
    session.add("10.0.0.1", 22, first)
    assert session.trusted_other_key("10.0.0.1", 22, first) is None
    assert session.trusted_other_key("10.0.0.1", 22, second) == first.get_fingerprint("sha256")
    assert session.trusted_other_key("10.0.0.1", 2222, second) is None  # another port


def test_the_first_hops_own_proxyjump_is_followed(tmp_path: Path) -> None:
    cfg = write_cfg(tmp_path, "Host target\n  HostName 10.0.0.3\n  ProxyJump inner,second\n"
                              "Host inner\n  HostName 10.0.0.2\n  ProxyJump outer\n"
                              "Host outer\n  HostName 10.0.0.1\n"
                              "Host second\n  HostName 10.0.0.4\n  ProxyJump ignored\n"
                              "Host loop1\n  ProxyJump loop2\nHost loop2\n  ProxyJump loop1\n")
    chain = jump_chain(resolve_ssh(parse_endpoint("target"), [cfg]), [cfg])
    assert [t.hostname for t in chain] == ["10.0.0.1", "10.0.0.2", "10.0.0.4"]
    assert all(t.proxy_jump == () for t in chain)
    with pytest.raises(EndpointError, match="ProxyJump hops"):
        jump_chain(resolve_ssh(parse_endpoint("loop1"), [cfg]), [cfg])
