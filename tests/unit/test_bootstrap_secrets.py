"""Secrets in bootstrap (issue 15): the sudo password never becomes the join token, never
shows in a repr or in output; output redaction holds across reads; the join puts the
token in no argv; nft names read from the host never reach a root shell line; the
script export neither follows a symlink nor keeps a file's mode.

`LocalConn` stands in for an asyncssh connection by running the line with the local
/bin/sh, with a `sudo` of ours first on PATH that behaves as sudo does with a password
(reads one line) or with NOPASSWD / cached credentials (reads nothing). The real sudo
over real SSH is tested in tests/lab/test_bootstrap_lab.py.
"""

from __future__ import annotations

import asyncio
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from swarmtui.bootstrap.export import ExportError, write_script
from swarmtui.bootstrap.facts import assess
from swarmtui.bootstrap.firewall import nft_names_ok, parse_firewall
from swarmtui.bootstrap.plan import TOKEN_VAR, join_command, make_plan
from swarmtui.bootstrap.remote import PASSWORD_MASK, SshRunner, StreamRedactor, SudoPassword
from tests.unit.test_bootstrap import CLUSTER, NFT_FIREWALL, TOKEN, make_probe, ok

PASSWORD = "s3cret pass!"


@dataclass
class _Done:
    exit_status: int | None


class _Proc:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self._p = proc
        self.stdin = self
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    def write(self, data: bytes) -> None:
        assert self._p.stdin is not None
        self._p.stdin.write(data)

    def write_eof(self) -> None:
        assert self._p.stdin is not None
        self._p.stdin.close()

    async def wait(self) -> _Done:
        return _Done(await self._p.wait())

    def close(self) -> None:
        pass


class LocalConn:
    """Runs each command line with the local shell; `sudo` is the fake one in `bindir`.
    The user is not root: `id -u` answers 1000."""

    def __init__(self, bindir: Path) -> None:
        self.env = {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}"}

    async def create_process(self, line: str, encoding: Any = None) -> _Proc:
        if line == "id -u":
            line = "echo 1000"
        proc = await asyncio.create_subprocess_shell(
            line, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=self.env)
        return _Proc(proc)


def fake_sudo(tmp_path: Path, asks: bool) -> Path:
    """A `sudo -S -p '' CMD…` that reads the password line only if `asks`."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    read = "IFS= read -r pw; [ \"$pw\" = '" + PASSWORD + "' ] || exit 1\n" if asks else ""
    script = bindir / "sudo"
    script.write_text("#!/bin/sh\nwhile [ \"${1#-}\" != \"$1\" ]; do\n"
                      "  case $1 in -p) shift 2;; *) shift;; esac\ndone\n" + read
                      + 'exec "$@"\n')
    script.chmod(0o755)
    return bindir


@pytest.mark.parametrize("asks", [True, False], ids=["sudo-asks", "nopasswd-or-cached"])
async def test_the_command_reads_only_its_input_whether_sudo_asks_or_not(
        tmp_path: Path, asks: bool) -> None:
    runner = SshRunner(LocalConn(fake_sudo(tmp_path, asks)),  # type: ignore[arg-type]
                       sudo_password=SudoPassword(PASSWORD))
    res = await runner.run(f"IFS= read -r {TOKEN_VAR} && echo \"token=${TOKEN_VAR}\"",
                           sudo=True, input=TOKEN.encode() + b"\n")
    assert res.ok, res
    assert res.stdout == "token=<join token redacted>\n"  # the token, not the password
    res = await runner.run("cat", sudo=True, input=b"line one\nline two\n")
    assert res.stdout == "line one\nline two\n"


async def test_the_password_is_redacted_from_output_and_errors(tmp_path: Path) -> None:
    runner = SshRunner(LocalConn(fake_sudo(tmp_path, False)),  # type: ignore[arg-type]
                       sudo_password=PASSWORD)
    seen: list[str] = []
    res = await runner.run(f"echo 'you typed {PASSWORD}'; echo '{PASSWORD}' >&2; exit 2",
                           sudo=True, on_output=lambda _s, t: seen.append(t))
    assert res.exit_status == 2
    assert PASSWORD not in res.output and PASSWORD not in "".join(seen)
    assert res.stdout == f"you typed {PASSWORD_MASK}\n"


def test_the_password_holder_masks_itself() -> None:
    pw = SudoPassword(PASSWORD)
    assert PASSWORD not in repr(pw) and PASSWORD not in str(pw) and PASSWORD not in f"{pw}"
    assert PASSWORD not in repr((("node9", pw), {}))  # as a worker's description is made
    assert pw.reveal() == PASSWORD and pw and not SudoPassword("")


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 4096])
def test_stream_redaction_holds_across_chunk_boundaries(size: int) -> None:
    text = (f"joining with {TOKEN}\nsudo said: {PASSWORD}.\n" * 3) + "x" * 5000 + TOKEN
    red = StreamRedactor(PASSWORD)
    out = "".join(red.feed(text[i:i + size]) for i in range(0, len(text), size)) + red.flush()
    assert "SWMTKN" not in out and PASSWORD not in out
    assert out.count("<join token redacted>") == 4 and out.count(PASSWORD_MASK) == 3
    assert out.replace("<join token redacted>", TOKEN).replace(PASSWORD_MASK, PASSWORD) == text


# ----------------------------------------------------------------------------- the join


async def test_the_join_puts_the_token_in_no_argv(tmp_path: Path) -> None:
    """The join command run by a shell: every process it starts is recorded with its argv
    (curl and python3 stand-ins on PATH); the token reaches them only on stdin."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "argv.log"
    for tool in ("curl", "python3"):
        (bindir / tool).write_text(f"#!/bin/sh\necho \"{tool} $*\" >> {log}\n"
                                   f"cat > {tmp_path}/{tool}.stdin\necho 200\n")
        (bindir / tool).chmod(0o755)
    line = f"IFS= read -r {TOKEN_VAR} && " + join_command("worker", "10.0.0.1:2377",
                                                          "10.0.0.4")
    proc = await asyncio.create_subprocess_exec(
        "/bin/sh", "-c", line, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        env={"PATH": f"{bindir}:/usr/bin:/bin"})
    out, _ = await proc.communicate(TOKEN.encode() + b"\n")
    assert proc.returncode == 0 and b"joined a swarm as a worker" in out
    argv = log.read_text()
    assert "curl" in argv and "/swarm/join" in argv and TOKEN not in argv
    assert TOKEN not in line
    import json
    body = json.loads((tmp_path / "curl.stdin").read_text())
    assert body == {"ListenAddr": "0.0.0.0:2377", "RemoteAddrs": ["10.0.0.1:2377"],
                    "AdvertiseAddr": "10.0.0.4", "JoinToken": TOKEN}


# ----------------------------------------------------------------------------- nft names

EVIL = "x;touch${IFS}/tmp/pwned"


def test_an_nft_chain_name_from_the_host_never_reaches_a_command() -> None:
    evil = NFT_FIREWALL.replace("chain input {", f"chain {EVIL} {{")
    assert evil != NFT_FIREWALL
    fw = parse_firewall(evil)
    assert fw.kind == "unknown" and fw.nft_chain is None and "by hand" in fw.detail
    plan = make_plan(assess(make_probe(firewall=ok(evil)), CLUSTER))
    assert all(EVIL not in c for s in plan.steps for c in (*s.commands, s.check or ""))
    # facts made some other way still cannot smuggle it in
    facts = assess(make_probe(firewall=ok(NFT_FIREWALL)), CLUSTER)
    bad = replace(facts, firewall=replace(facts.firewall, nft_chain=("inet", "filter", EVIL)))
    step = make_plan(bad).step("firewall")
    assert step is not None and all(EVIL not in c for c in (*step.commands, step.check or ""))
    assert nft_names_ok("inet", "filter", "input") and not nft_names_ok("inet", "f", "a b")
    assert not nft_names_ok("inet; reboot", "filter", "input")


# ----------------------------------------------------------------------------- export


def test_export_writes_a_private_new_file_and_replaces_atomically(tmp_path: Path) -> None:
    path = tmp_path / "boot.sh"
    path.write_text("old")
    path.chmod(0o666)
    write_script(path, "#!/bin/sh\necho new\n")
    assert path.read_text() == "#!/bin/sh\necho new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o700
    assert [p.name for p in tmp_path.iterdir()] == ["boot.sh"]  # no temporary left


def test_export_refuses_a_symlink_and_leaves_its_target_alone(tmp_path: Path) -> None:
    target = tmp_path / "authorized_keys"
    target.write_text("precious")
    link = tmp_path / "boot.sh"
    link.symlink_to(target)
    with pytest.raises(ExportError, match="symbolic link"):
        write_script(link, "#!/bin/sh\n")
    assert target.read_text() == "precious" and link.is_symlink()
    with pytest.raises(ExportError, match="directory"):
        write_script(tmp_path, "#!/bin/sh\n")
    with pytest.raises(ExportError, match="no user"):
        write_script(Path("~nosuchuser-zz/boot.sh"), "#!/bin/sh\n")
    with pytest.raises(ExportError, match="not a directory"):
        write_script(tmp_path / "missing" / "boot.sh", "#!/bin/sh\n")


def _no_curl(tmp_path: Path) -> Path:
    """A PATH with the shell's builtins, grep and python3 only."""
    import shutil
    import sys

    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "grep").symlink_to(shutil.which("grep") or "/bin/grep")
    (bindir / "python3").symlink_to(os.path.realpath(sys.executable))
    return bindir


async def test_without_curl_python3_posts_the_join_to_the_engine_socket(tmp_path: Path) -> None:
    """No curl on the host: the real python3 sends POST /swarm/join with the body on the
    engine's socket (here a recording HTTP server on a unix socket), token in no argv."""
    import json

    from swarmtui.bootstrap.plan import ENGINE_SOCKET

    sock = str(tmp_path / "docker.sock")
    got: dict[str, object] = {}

    async def engine(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        length = int(next(h.split(":")[1] for h in head.split("\r\n")
                          if h.lower().startswith("content-length")))
        got["request"], got["body"] = head.split("\r\n")[0], await reader.readexactly(length)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_unix_server(engine, sock)
    bindir = _no_curl(tmp_path)
    line = (f"IFS= read -r {TOKEN_VAR} && "
            + join_command("manager", "10.0.0.1:2377", "").replace(ENGINE_SOCKET, sock))
    async with server:
        proc = await asyncio.create_subprocess_exec(
            "/bin/sh", "-c", line, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env={"PATH": str(bindir)})
        out, err = await proc.communicate(TOKEN.encode() + b"\n")
    assert proc.returncode == 0, err
    assert out == b"This node joined a swarm as a manager.\n"
    assert got["request"] == "POST /swarm/join HTTP/1.1"
    assert json.loads(got["body"]) == {  # type: ignore[arg-type]
        "ListenAddr": "0.0.0.0:2377", "RemoteAddrs": ["10.0.0.1:2377"], "JoinToken": TOKEN}
