"""Importing asyncssh without its compiler probes (issue 17: the start's wall time).

asyncssh probes two optional C libraries when it is imported, with
`ctypes.util.find_library`: liboqs (`asyncssh/crypto/pq.py`: the sntrup761 key exchange)
and libnettle (`asyncssh/crypto/umac.py`: the umac MACs). On Linux, `find_library` reads
the linker cache (`ldconfig -p`) and, for a name not in it, compiles a test program with
gcc and then runs ld — per name. liboqs is seldom installed: its two names cost ~45 ms of
wall time of every start, in child processes the start waits for.

`import_asyncssh()` imports it once with `find_library` answering from the linker cache
(one `ldconfig -p`, read once), then from the directories of LD_LIBRARY_PATH and the
system's library directories — where the dynamic loader looks, so a library found by the
probes' gcc/ld fallbacks but in none of these could not be loaded by its name anyway.
Only during that import and on the thread that imports (the start's main thread, before
any other thread runs); `find_library` is itself again afterwards. What asyncssh finds is
what it would have found: the same libraries, the same algorithms offered.

X.509 certificates as SSH keys (`asyncssh/crypto/x509.py`) need pyOpenSSL: without it,
that module fails on `from OpenSSL import crypto` — after importing `cryptography.x509`
first, ~130 M instructions (~40 ms of CPU) of every start for a support that then is not
there. When pyOpenSSL is not installed, `import_asyncssh()` lets that import fail at once
(asyncssh catches the ImportError, as it would have): the same algorithms are offered.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator

_SYSTEM_DIRS = ("/lib", "/usr/lib", "/lib64", "/usr/lib64", "/usr/local/lib",
                f"/usr/lib/{os.uname().machine}-linux-gnu",
                f"/lib/{os.uname().machine}-linux-gnu")


def _linker_cache() -> str:
    try:
        return subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True,
                              env={**os.environ, "LC_ALL": "C", "LANG": "C"},
                              check=False).stdout
    except OSError:
        return ""


def cached_find_library(cache: str) -> Callable[[str], str | None]:
    """A `find_library` answering from `cache` (the text of `ldconfig -p`), then from the
    loader's directories."""
    listed: dict[str, list[str]] = {}

    def files(d: str) -> list[str]:
        if d not in listed:
            try:
                listed[d] = os.listdir(d)
            except OSError:
                listed[d] = []
        return listed[d]

    def find(name: str) -> str | None:
        stem = name if name.startswith("lib") else f"lib{name}"
        m = re.search(rf"^\s+({re.escape(stem)}\.so[.\d]*)\s", cache, re.M)
        if m:
            return m.group(1)
        dirs = [d for d in os.environ.get("LD_LIBRARY_PATH", "").split(":") if d]
        for d in (*dirs, *_SYSTEM_DIRS):
            names = sorted(f for f in files(d) if f.startswith(f"{stem}.so")
                           and not f[len(stem) + 3:].strip(".0123456789"))
            if names:
                return names[-1]
        return None

    return find


@contextlib.contextmanager
def _probes_from_cache() -> Iterator[None]:
    real = ctypes.util.find_library
    ctypes.util.find_library = cached_find_library(_linker_cache())  # type: ignore[assignment]
    try:
        yield
    finally:
        ctypes.util.find_library = real


#: asyncssh's X.509 module, which imports pyOpenSSL after cryptography.x509
_X509 = "asyncssh.crypto.x509"


@contextlib.contextmanager
def _x509_without_openssl() -> Iterator[None]:
    """Without pyOpenSSL, asyncssh's X.509 module fails before it is run (see above)."""
    if _X509 in sys.modules or importlib.util.find_spec("OpenSSL") is not None:
        yield
        return
    sys.modules[_X509] = None  # type: ignore[assignment]  # import → ModuleNotFoundError
    try:
        yield
    finally:
        if sys.modules.get(_X509, 0) is None:
            del sys.modules[_X509]


def import_asyncssh() -> None:
    """`import asyncssh`, its library probes answered from the linker cache and its X.509
    module not tried without pyOpenSSL (see above). Linux only (elsewhere, and once
    imported, a plain import)."""
    if "asyncssh" in sys.modules or not sys.platform.startswith("linux"):
        import asyncssh  # noqa: F401
        return
    with _probes_from_cache(), _x509_without_openssl():
        import asyncssh  # noqa: F401
