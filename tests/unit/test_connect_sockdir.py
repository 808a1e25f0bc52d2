"""The private socket directories: removed on SIGTERM/SIGHUP, swept when their owner died.

Real processes, real signals (issue 15 item 11); the lab version with a real SSH tunnel
is in tests/lab/test_faults.py.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from swarmtui.connect import sockdir

ROOT = Path(__file__).resolve().parents[2]

HOLDER = """
import sys, time
from swarmtui.connect.sockdir import make_private_dir
path = make_private_dir()
print(path, flush=True)
time.sleep(120)
"""


def holder(tmp: Path, *, ignore_hup: bool = False) -> tuple[subprocess.Popen[str], Path]:
    """A real process that made a socket directory (under `tmp`) and waits."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp)}
    pre = "import signal; signal.signal(signal.SIGHUP, signal.SIG_IGN)\n" if ignore_hup else ""
    proc = subprocess.Popen([sys.executable, "-c", pre + HOLDER], stdout=subprocess.PIPE,
                            text=True, env=env)
    assert proc.stdout is not None
    path = Path(proc.stdout.readline().strip())
    assert path.is_dir() and path.name.startswith("swarmtui-")
    assert (path / "owner").read_text().split()[0] == str(proc.pid)
    return proc, path


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_killed_process_removes_its_socket_dir(tmp_path: Path, sig: signal.Signals) -> None:
    proc, path = holder(tmp_path)
    proc.send_signal(sig)
    assert proc.wait(10) == -sig  # it still ends as the signal says
    assert not path.exists()


def test_an_ignored_sighup_stays_ignored(tmp_path: Path) -> None:
    proc, path = holder(tmp_path, ignore_hup=True)
    try:
        proc.send_signal(signal.SIGHUP)
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(1)  # nohup'ed: alive, and its tunnel's directory with it
        assert path.is_dir()
    finally:
        proc.terminate()
        proc.wait(10)
    assert not path.exists()


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A directory whose socket paths stay short: under pytest-xdist tmp_path can pass the
    90 characters after which make_private_dir uses /tmp instead (the sweep of tmp_path
    then missed the dead holder's directory)."""
    path = Path(tempfile.mkdtemp(prefix="st-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_sweep_removes_dirs_whose_owner_is_gone_and_keeps_live_ones(short_tmp: Path) -> None:
    tmp_path = short_tmp
    alive, alive_path = holder(tmp_path)
    dead, dead_path = holder(tmp_path)
    dead.kill()  # SIGKILL: nothing can clean up
    dead.wait(10)
    assert dead_path.is_dir()
    # a pid reused by another process: same pid, another start time
    reused = tmp_path / "swarmtui-reused"
    reused.mkdir(mode=0o700)
    (reused / "owner").write_text(f"{alive.pid} 1\n")
    # an older swarmtui's directory (no owner file) with a dead socket, an hour old
    legacy = tmp_path / "swarmtui-legacy"
    legacy.mkdir(mode=0o700)
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(legacy / "docker.sock"))
    os.utime(legacy, (time.time() - 3600, time.time() - 3600))
    # a legacy directory whose socket answers: in use, kept
    busy = tmp_path / "swarmtui-busy"
    busy.mkdir(mode=0o700)
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(busy / "docker.sock"))
    listener.listen()
    os.utime(busy, (time.time() - 3600, time.time() - 3600))
    other = tmp_path / "not-ours-dead"
    other.mkdir()
    try:
        removed = sockdir.sweep([str(tmp_path)])
        assert sorted(removed) == sorted(str(p) for p in (dead_path, reused, legacy))
        assert alive_path.is_dir() and busy.is_dir() and other.is_dir()
    finally:
        listener.close()
        alive.terminate()
        alive.wait(10)


def test_the_first_dir_of_a_process_sweeps_the_dead(tmp_path: Path) -> None:
    dead, dead_path = holder(tmp_path)
    dead.kill()
    dead.wait(10)
    proc, path = holder(tmp_path)  # its first make_private_dir() sweeps
    try:
        assert not dead_path.exists() and path.is_dir()
    finally:
        proc.terminate()
        proc.wait(10)
