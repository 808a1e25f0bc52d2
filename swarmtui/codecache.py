"""Dataclasses' generated methods from a code cache (issue 17: the start's CPU).

Python 3.11's `dataclasses` writes each class's `__init__`, `__repr__`, `__eq__`, … as
source text and compiles it (`exec` of a string) every time the class is made: ~550
functions of ~120 classes (swarmtui's, Textual's, asyncssh's) on the way to the first
view, ~0.36 G instructions of parsing and compiling — a sixth of the whole start. The text
depends only on the class's fields and options, and the same text always compiles to the
same code. `install()` gives the `dataclasses` module (only it) an `exec` that compiles
each text once and keeps its code object; at exit, `save()` writes the code objects used
(with `marshal`, as `__pycache__` keeps a module's) to the user's cache directory, for the
next start. The functions made are what `dataclasses` makes: it still runs the same text's
code in the class's globals, with the same locals.

The cache is keyed by the whole text, per interpreter (its bytecode magic number and
optimisation level are in the file's name): a stale entry is never used, only not found.
A file that is unreadable, not this user's, writable by others, or not a cache is ignored
(and replaced at exit); one that cannot be written is no error: the next start compiles
again. No textual here.
"""

from __future__ import annotations

import atexit
import builtins
import contextlib
import dataclasses
import importlib.util
import marshal
import os
import stat
import sys
import tempfile
from pathlib import Path
from types import CodeType
from typing import Any

#: a file holding more texts than this keeps only the ones the last run used
LIMIT = 4000
_TAG = f"{sys.implementation.cache_tag}-{importlib.util.MAGIC_NUMBER.hex()}" \
       f"-O{sys.flags.optimize}"
_FORMAT = ("swarmtui-dataclass-code", 1, _TAG)

_code: dict[str, CodeType] = {}
_used: set[str] = set()
_path: Path | None = None
_fresh = False


def default_path() -> Path:
    """`dataclass-code-<interpreter>.marshal` in the user's cache directory."""
    import platformdirs

    return platformdirs.user_cache_path("swarmtui", appauthor=False) / \
        f"dataclass-code-{_TAG}.marshal"


def load(path: Path) -> dict[str, CodeType]:
    """The cache at `path` ({} when missing or not to be trusted)."""
    try:
        with path.open("rb") as f:
            st = os.fstat(f.fileno())
            if st.st_uid != os.getuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                return {}
            data = marshal.loads(f.read())  # (marshal.load reads a file a few bytes a call)
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not (isinstance(data, tuple) and len(data) == 2 and data[0] == _FORMAT
            and isinstance(data[1], dict)):
        return {}
    return {k: v for k, v in data[1].items()
            if isinstance(k, str) and isinstance(v, CodeType)}


def _exec(source: Any, globals: Any = None, locals: Any = None, /) -> None:
    """`exec` for the dataclasses module: a text compiles once (the cache's code after)."""
    global _fresh
    if isinstance(source, str):
        text = source
        code = _code.get(text)
        if code is None:
            # what exec(text) compiles: dataclasses has no __future__ flags to inherit
            code = _code[text] = compile(text, "<string>", "exec", dont_inherit=True)
            _fresh = True
        _used.add(text)
        source = code
    builtins.exec(source, globals, locals)


def install(path: Path | None = None) -> None:
    """Dataclasses made from now on take their methods' code from the cache at `path`
    (default: `default_path()`); it is saved at exit when this run compiled a new one."""
    global _path
    if vars(dataclasses).get("exec") is _exec:
        return
    try:
        _path = path if path is not None else default_path()
    except Exception:  # no home directory to put a cache in: compile as ever
        return
    _code.update(load(_path))
    dataclasses.exec = _exec  # type: ignore[attr-defined]
    atexit.register(save)


def uninstall() -> None:
    """Back to the built-in `exec` (and nothing kept)."""
    global _path, _fresh
    if vars(dataclasses).get("exec") is _exec:
        del dataclasses.exec  # type: ignore[attr-defined]
    atexit.unregister(save)
    _code.clear()
    _used.clear()
    _path, _fresh = None, False


def save() -> None:
    """Write the cache when this run compiled something new (atomically; errors ignored)."""
    global _fresh
    if not _fresh or _path is None:
        return
    keep = _code if len(_code) <= LIMIT else {t: _code[t] for t in _used}
    try:
        _path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".dataclass-code-", dir=_path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                marshal.dump((_FORMAT, keep), f)
            os.replace(tmp, _path)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    except (OSError, ValueError):
        return
    _fresh = False
