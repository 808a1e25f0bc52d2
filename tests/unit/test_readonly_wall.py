"""The transport's read-only wall: a real HTTP server on a UNIX socket counts what
reaches it; a walled docker client sends reads and refuses writes before sending."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from swarmtui.connect.engines import unix_api_client
from swarmtui.connect.readonly import ReadOnlyTransportError, is_read_only, refuse_writes
from swarmtui.swarm.sync.live import ApiStore


class _Engine(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def __init__(self, path: str) -> None:
        self.seen: list[tuple[str, str]] = []
        super().__init__(path, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Engine

    def _answer(self) -> None:
        self.server.seen.append((self.command, self.path))
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = b'{"ApiVersion": "1.41", "Version": "20.10.24"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_DELETE = do_PUT = do_HEAD = _answer  # noqa: N815 (http.server names)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[_Engine]:
    server = _Engine(str(tmp_path / "docker.sock"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_walled_client_reads_and_refuses_every_write_before_sending(
        engine: _Engine, tmp_path: Path) -> None:
    api = unix_api_client(str(tmp_path / "docker.sock"), "1.41", 5)
    assert api.version()["ApiVersion"] == "1.41"  # a read goes through
    refuse_writes(api)
    refuse_writes(api)  # idempotent
    assert is_read_only(api)
    reads = len(engine.seen)
    writes = [
        lambda: api.update_node("n1", 7, {"Availability": "drain"}),
        lambda: api.remove_service("web"),
        lambda: api.create_network("net", driver="overlay"),
        lambda: api.init_swarm(),
    ]
    for write in writes:
        with pytest.raises(ReadOnlyTransportError) as caught:
            write()
        assert "refused before it was sent" in str(caught.value)
    assert len(engine.seen) == reads, f"a write reached the engine: {engine.seen[reads:]}"
    assert api.version()["Version"] == "20.10.24"
    assert all(method == "GET" for method, _ in engine.seen)


def test_a_read_only_store_hands_out_only_walled_clients(engine: _Engine,
                                                          tmp_path: Path) -> None:
    api = unix_api_client(str(tmp_path / "docker.sock"), "1.41", 5)
    assert not is_read_only(ApiStore(api, label="rw").api())
    assert is_read_only(ApiStore(api, label="ro", read_only=True).api())
