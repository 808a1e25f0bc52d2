"""The engine's reads as plain GETs (connect/httpget.py): the parts that need no engine.
Against a real engine: tests/lab/test_httpget.py."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import docker.constants
import pytest

from swarmtui.connect.httpget import (
    API_VERSION_MAX,
    EngineHTTP,
    filters_param,
    pick_version,
)
from swarmtui.swarm.fetch import FetchError, describe_error, list_kind


def test_the_newest_version_read_is_docker_pys() -> None:
    # a read and a docker-py call of one engine ask the same API version
    assert API_VERSION_MAX == docker.constants.DEFAULT_DOCKER_API_VERSION


@pytest.mark.parametrize(("server", "picked"), [
    ("1.41", "1.41"), ("1.45", "1.45"), ("1.47", API_VERSION_MAX), ("1.9", "1.9"),
    (None, API_VERSION_MAX), ("", API_VERSION_MAX)])
def test_the_lower_version_is_picked(server: str | None, picked: str) -> None:
    assert pick_version(server) == picked


def test_filters_are_lists_as_docker_py_sends_them() -> None:
    from docker.utils import convert_filters

    given = {"scope": "swarm", "type": ["node", "service"], "dangling": True}
    assert json.loads(filters_param(given)) == json.loads(convert_filters(given))


def test_a_socket_that_is_not_there_is_a_clear_fetch_error(tmp_path: Path) -> None:
    reader = EngineHTTP(str(tmp_path / "docker.sock"), timeout=2)
    with pytest.raises(FetchError, match="the Docker engine is not reachable"):
        list_kind(reader, "nodes")


def test_a_refused_socket_is_a_clear_fetch_error(tmp_path: Path) -> None:
    import socket

    path = str(tmp_path / "docker.sock")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(path)  # bound, never listening: connections are refused
    try:
        with pytest.raises(FetchError, match="the Docker engine is not reachable"):
            list_kind(EngineHTTP(path, timeout=2), "nodes")
    finally:
        sock.close()


def test_a_silent_socket_times_out_clearly(tmp_path: Path) -> None:
    import socket

    path = str(tmp_path / "docker.sock")
    server = socket.socket(socket.AF_UNIX)
    server.bind(path)
    server.listen(1)  # accepts, never answers
    try:
        with pytest.raises(OSError) as caught:
            EngineHTTP(path, timeout=0.3).get("/nodes")
        assert "did not answer in time" in describe_error(caught.value)
    finally:
        server.close()


def test_closing_an_event_stream_ends_a_blocked_read(tmp_path: Path) -> None:
    import socket

    path = str(tmp_path / "docker.sock")
    server = socket.socket(socket.AF_UNIX)
    server.bind(path)
    server.listen(1)
    peer: list[socket.socket] = []

    def answer() -> None:  # an event stream that stays open with no event
        conn, _ = server.accept()
        peer.append(conn)
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")

    t = threading.Thread(target=answer)
    t.start()
    try:
        stream = EngineHTTP(path).events({"type": ["service"]})
        t.join(5)
        got: list[object] = []
        reading = threading.Thread(target=lambda: got.extend(stream))
        reading.start()
        stream.close()
        reading.join(5)
        assert not reading.is_alive() and got == []
    finally:
        for conn in peer:
            conn.close()
        server.close()


def test_asyncssh_probes_answered_from_the_linker_cache_find_what_ctypes_finds() -> None:
    import ctypes.util

    from swarmtui.connect.sshlib import _linker_cache, cached_find_library

    find = cached_find_library(_linker_cache())
    for name in ("oqs", "liboqs", "nettle", "c", "ssl", "z"):  # asyncssh's probes, and some
        assert find(name) == ctypes.util.find_library(name), name


def test_asyncssh_offers_the_same_algorithms_imported_either_way() -> None:
    import subprocess
    import sys

    show = ("import asyncssh.kex, asyncssh.mac, asyncssh.encryption, asyncssh.public_key as "
            "pk; print(asyncssh.kex.get_kex_algs(), asyncssh.mac.get_mac_algs(), "
            "asyncssh.encryption.get_encryption_algs(), pk.get_public_key_algs(), "
            "pk.get_certificate_algs(), pk.get_x509_certificate_algs(), pk._x509_available)")
    plain = subprocess.run([sys.executable, "-c", f"import asyncssh; {show}"],
                           capture_output=True, text=True, check=True).stdout
    ours = subprocess.run([sys.executable, "-c", "from swarmtui.connect.sshlib import "
                           f"import_asyncssh; import_asyncssh(); {show}"],
                          capture_output=True, text=True, check=True).stdout
    assert ours == plain and "umac" in plain


def test_asyncssh_without_pyopenssl_skips_its_x509_module_as_it_would_fail() -> None:
    """asyncssh's X.509 support needs pyOpenSSL; without it, its module imported
    cryptography.x509 (~130 M instructions of the start) before failing."""
    import importlib.util
    import subprocess
    import sys

    show = "import sys; print('cryptography.x509' in sys.modules, 'asyncssh.crypto.x509' " \
           "in sys.modules, sys.modules.get('OpenSSL') is not None)"
    plain = subprocess.run([sys.executable, "-c", f"import asyncssh; {show}"],
                           capture_output=True, text=True, check=True).stdout.split()
    ours = subprocess.run([sys.executable, "-c", "from swarmtui.connect.sshlib import "
                           f"import_asyncssh; import_asyncssh(); {show}"],
                          capture_output=True, text=True, check=True).stdout.split()
    if importlib.util.find_spec("OpenSSL") is not None:
        assert ours == plain == ["True", "True", "True"]  # X.509 keys work: all of it loads
    else:
        assert plain[0] == "True" and ours == ["False", "False", "False"]
