"""Private socket directories (`/tmp/swarmtui-*`): made, owned, removed — also when killed.

Each SSH tunnel's local socket lives in a fresh 0700 directory. It is removed on
close; on SIGTERM and SIGHUP (a `kill`, a closed terminal or tmux pane) and at
interpreter exit, every directory this process still holds is removed before the
signal's usual action goes on. A SIGKILL or a crash cannot clean up, so each
directory records its owner (pid and process start time) and the first directory
made by a process sweeps the ones whose owner is gone.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from types import FrameType
from typing import Any

PREFIX = "swarmtui-"
OWNER_FILE = "owner"  # "PID START" of the process that made the directory
#: a directory without an owner file (made by an older swarmtui) is swept only past this age
#: and only if no socket in it answers
LEGACY_MIN_AGE_S = 60.0
SIGNALS = (signal.SIGTERM, signal.SIGHUP)

_live: set[str] = set()
_lock = threading.Lock()
_prepared = False


def _start_time(pid: int) -> str:
    """The process's start time in clock ticks since boot (/proc/PID/stat field 22): with
    the pid it names one process even after its pid is reused. "" where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else ""


def _bases() -> list[str]:
    out: list[str] = []
    for base in (tempfile.gettempdir(), "/tmp"):
        if base not in out:
            out.append(base)
    return out


def make_private_dir() -> str:
    """A fresh 0700 directory for a local socket, short enough for a UNIX socket path (108
    bytes, which a long $TMPDIR on macOS can break), recorded as ours."""
    prepare()
    path = tempfile.mkdtemp(prefix=PREFIX)  # mkdtemp makes it 0700
    if len(path) > 90:
        os.rmdir(path)
        path = tempfile.mkdtemp(prefix=PREFIX, dir="/tmp")
    with _lock:
        _live.add(path)
    pid = os.getpid()
    Path(path, OWNER_FILE).write_text(f"{pid} {_start_time(pid)}\n")
    return path


def remove_private_dir(path: str) -> None:
    with _lock:
        _live.discard(path)
    shutil.rmtree(path, ignore_errors=True)


def live_dirs() -> list[str]:
    with _lock:
        return sorted(_live)


def _remove_all() -> None:
    for path in live_dirs():
        remove_private_dir(path)


# --- signals ------------------------------------------------------------------------------


def prepare() -> None:
    """Clean-up on exit and on SIGTERM/SIGHUP, once (the first private dir does it). Call
    it on the main thread when a connection will be made from another one (signal
    handlers can only be set there)."""
    global _prepared
    with _lock:
        if _prepared:
            return
        _prepared = True
    atexit.register(_remove_all)
    install_signal_cleanup()
    with contextlib.suppress(OSError):
        sweep()


def install_signal_cleanup() -> None:
    """On SIGTERM/SIGHUP remove our directories, then do what the signal did before (a
    handler installed earlier is called; the default action ends the process as before).
    A signal that was ignored (nohup) stays ignored. Only possible on the main thread."""
    for sig in SIGNALS:
        try:
            previous = signal.getsignal(sig)
        except ValueError:
            continue
        if previous in (signal.SIG_IGN, None) or getattr(previous, "_swarmtui_cleanup", False):
            continue
        handler = _handler(previous)
        try:
            signal.signal(sig, handler)
        except ValueError:  # not the main thread: close() and atexit still clean up
            return


def _handler(previous: Any) -> Any:
    def on_signal(signum: int, frame: FrameType | None) -> None:
        _remove_all()
        if callable(previous):
            previous(signum, frame)
            return
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    on_signal._swarmtui_cleanup = True  # type: ignore[attr-defined]
    return on_signal


# --- sweeping what killed processes left ----------------------------------------------------


def _owner_gone(path: Path) -> bool:
    try:
        pid_text, _, start = (path / OWNER_FILE).read_text().strip().partition(" ")
        pid = int(pid_text)
    except FileNotFoundError:
        return _legacy_dead(path)
    except (OSError, ValueError):
        return False  # unreadable or odd: not ours to judge
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, another user's
    now = _start_time(pid)
    return bool(start and now and start != now)  # the pid was reused by another process


def _legacy_dead(path: Path) -> bool:
    """An older swarmtui's directory (no owner file): dead if old and no socket answers."""
    try:
        if time.time() - path.stat().st_mtime < LEGACY_MIN_AGE_S:
            return False
        entries = list(path.iterdir())
    except OSError:
        return False
    for entry in entries:
        if not entry.is_socket():
            return False  # something we did not make: leave it
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(1)
            try:
                s.connect(str(entry))
            except (ConnectionRefusedError, FileNotFoundError):
                continue
            except OSError:
                return False
            return False  # someone answers: in use
    return True


def sweep(bases: Iterable[str] | None = None) -> list[str]:
    """Remove `swarmtui-*` directories of this user whose owner process is gone. Returns
    what was removed."""
    removed: list[str] = []
    uid = os.getuid()
    for base in bases if bases is not None else _bases():
        try:
            entries = list(os.scandir(base))
        except OSError:
            continue
        for entry in entries:
            try:
                if not entry.name.startswith(PREFIX) or not entry.is_dir(follow_symlinks=False) \
                        or entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
            except OSError:
                continue
            if _owner_gone(Path(entry.path)):
                shutil.rmtree(entry.path, ignore_errors=True)
                if not os.path.exists(entry.path):
                    removed.append(entry.path)
    return removed
