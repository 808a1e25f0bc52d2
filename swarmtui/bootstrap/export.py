"""Writing an exported bootstrap script to a file the user names, safely.

The script may hold the join token, and the path is typed by a person: so the file is
written new (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0700) under a temporary name in the target
directory and renamed over the path, which is atomic and never follows a symlink at the
path; a symlink or a directory there is refused outright, and an existing file's mode is
not kept. `~` and `~user` are expanded; an unknown user is an `ExportError`, as is every
OSError, in words.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from swarmtui.swarm.ops.validate import InputError
from swarmtui.swarm.ops.validate import user_path as _user_path

SCRIPT_MODE = 0o700


class ExportError(ValueError):
    """The script could not be written; the message says why, for a person."""


def user_path(raw: str | Path) -> Path:
    """`raw` with `~` / `~user` expanded; ExportError when there is no such user."""
    try:
        return _user_path(raw)
    except InputError as exc:
        raise ExportError(str(exc)) from None


def write_script(path: str | Path, script: str) -> Path:
    """Write `script` to `path` (mode 0700, replaced atomically); the path written."""
    target = user_path(path)
    if not target.name:
        raise ExportError("the path names no file: add a file name")
    parent = target.parent
    if not parent.is_dir():
        raise ExportError(f"{parent} is not a directory: choose an existing one")
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise ExportError(f"cannot use {target}: {exc.strerror or exc}") from None
    if st is not None and stat.S_ISLNK(st.st_mode):
        raise ExportError(f"{target} is a symbolic link: swarmtui does not write through "
                          "one; choose another path")
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise ExportError(f"{target} is a directory: add a file name")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise ExportError(f"{target} is not a regular file: choose another path")
    tmp = parent / f".{target.name}.{secrets.token_hex(6)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, SCRIPT_MODE)
        try:
            os.fchmod(fd, SCRIPT_MODE)  # whatever the umask
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(script)
                fh.flush()
                os.fsync(fh.fileno())
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target
