"""A RECORDED-SHAPE API server: the lab engine's real responses, multiplied to a scale the
lab cannot hold (1,000 nodes, 5,000 services, 100,000 tasks), served over a unix socket.

`record()` reads the real lab engine's /nodes, /services?status=true, /tasks, /networks,
/info, /swarm, /version (and the small lists the app also reads). `synthesize()` keeps
every object's shape exactly (all fields, as recorded) and changes only identities and
counts: IDs, names, hostnames, the task's service/node/slot, the service status counts,
/info's node and manager counts. `RecordedShapeServer` serves those bytes over a unix socket
(HTTP/1.1, what docker-py speaks); /events stays open and quiet. Reached from swarmtui as
`ssh://node1/PATH/docker.sock`: the lab host's sshd forwards to it (a real SSH hop; a
filesystem unix socket is reachable from the host's network namespace).

Synthetic nodes carry loopback addresses (127.0.x.y): nothing is ever sent elsewhere.
"""

from __future__ import annotations

import copy
import http.client
import json
import socket
import socketserver
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

#: what is recorded from the real engine, and served
PATHS = ("/version", "/info", "/swarm", "/nodes", "/services?status=true", "/tasks",
         "/networks", "/secrets", "/configs")


class _UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=60)
        self._path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(self._path)


def record(engine_socket: str) -> dict[str, Any]:
    """The real engine's answers (decoded JSON), path → body."""
    out: dict[str, Any] = {}
    for path in PATHS:
        conn = _UnixHTTP(engine_socket)
        conn.request("GET", "/v1.41" + path)
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        if resp.status != 200:
            raise RuntimeError(f"recording {path}: HTTP {resp.status} {body[:200]!r}")
        out[path] = json.loads(body)
    return out


def _ident(kind: str, i: int) -> str:
    """A 25-character id, like the engine's (unique per kind and index)."""
    return f"{kind}{i:0{24}x}"[-25:].rjust(25, "0")


def synthesize(rec: dict[str, Any], nodes: int, services: int,
               tasks_per_service: int) -> dict[str, bytes]:
    """Responses of the recorded shape at the given scale, path → encoded body."""
    manager = next(n for n in rec["/nodes"] if n.get("ManagerStatus", {}).get("Leader"))
    worker = next((n for n in rec["/nodes"] if "ManagerStatus" not in n), manager)
    svc_t = next(s for s in rec["/services?status=true"] if "Replicated" in s["Spec"]["Mode"])
    task_t = next(t for t in rec["/tasks"] if t["ServiceID"] == svc_t["ID"])

    node_list: list[dict[str, Any]] = []
    for i in range(nodes):
        n = copy.deepcopy(manager if i == 0 else worker)
        if i:
            n["ID"] = _ident("n", i)
        n["Description"]["Hostname"] = f"rsnode{i:04d}"
        n["Status"]["Addr"] = f"127.0.{i // 250}.{i % 250 + 1}"
        node_list.append(n)

    svc_list: list[dict[str, Any]] = []
    task_list: list[dict[str, Any]] = []
    for s in range(services):
        svc = copy.deepcopy(svc_t)  # 5,000: cheap enough
        svc["ID"] = _ident("s", s)
        svc["Spec"]["Name"] = f"rssvc{s:04d}"
        svc["Spec"]["Mode"]["Replicated"]["Replicas"] = tasks_per_service
        running = tasks_per_service if s % 10 else tasks_per_service // 2
        svc["ServiceStatus"] = {"RunningTasks": running, "DesiredTasks": tasks_per_service,
                                "CompletedTasks": 0}
        svc_list.append(svc)
        for k in range(tasks_per_service):
            ti = s * tasks_per_service + k
            t = dict(task_t)  # shared sub-objects but those changed: json.dumps copies
            t["Status"] = dict(task_t["Status"])
            t["ID"] = _ident("t", ti)
            t["ServiceID"] = svc["ID"]
            t["NodeID"] = node_list[ti % nodes]["ID"]
            t["Slot"] = k + 1
            t["Version"] = {"Index": 1000 + ti}
            if k >= running:
                t["Status"]["State"] = "pending"
                t["DesiredState"] = "running"
                t["Status"]["Message"] = "pending task scheduling"
                t["Status"]["Err"] = "no suitable node (scheduling constraints not satisfied " \
                                     "on 1000 nodes)"
                t["Status"].pop("ContainerStatus", None)
                t.pop("NodeID", None)
            task_list.append(t)

    info = copy.deepcopy(rec["/info"])
    info["Swarm"]["Nodes"] = nodes
    info["Swarm"]["Managers"] = 1
    out = {p: _encode(rec[p]) for p in PATHS}
    out["/info"] = _encode(info)
    out["/nodes"] = _encode(node_list)
    out["/services?status=true"] = _encode(svc_list)
    out["/services"] = out["/services?status=true"]
    out["/tasks"] = _encode(task_list)
    return out


def _encode(value: Any) -> bytes:
    """As the engine encodes (Go's encoding/json): compact, one line, a newline after."""
    return json.dumps(value, separators=(",", ":")).encode() + b"\n"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (the base's name)
        return

    def address_string(self) -> str:
        return "unix"

    def _send(self, code: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Api-Version", "1.41")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self) -> None:  # noqa: N802  (the stdlib's name)
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802
        path = self.path
        if path.startswith("/v1."):
            path = path[path.index("/", 1):]
        base, _, query = path.partition("?")
        self.server.hits[base] = self.server.hits.get(base, 0) + 1
        if base == "/_ping":
            self._send(200, b"OK", "text/plain")
            return
        if base == "/events":  # a quiet swarm: the stream stays open, nothing happens
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.flush()
            self.server.closing.wait()
            return
        key = base + ("?status=true" if base == "/services" and "status=true" in query else "")
        body = self.server.bodies.get(key)
        if body is None:
            self._send(404, json.dumps({"message": f"recorded-shape server: no {base}"}).encode())
            return
        self._send(200, body)


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    bodies: dict[str, bytes]
    hits: dict[str, int]
    closing: threading.Event


class RecordedShapeServer:
    """Serves `synthesize()`'s bodies on `path` in a background thread until closed."""

    def __init__(self, path: str, bodies: dict[str, bytes]) -> None:
        self.path = path
        self._srv = _Server(path, _Handler)
        self._srv.bodies = bodies
        self._srv.hits = {}
        self._srv.closing = threading.Event()
        self._thread = threading.Thread(target=self._srv.serve_forever, daemon=True)

    @property
    def hits(self) -> dict[str, int]:
        return self._srv.hits

    def __enter__(self) -> RecordedShapeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._srv.closing.set()
        self._srv.shutdown()
        self._srv.server_close()


def sizes(bodies: dict[str, bytes]) -> Iterator[tuple[str, int]]:
    for path in ("/nodes", "/services?status=true", "/tasks"):
        yield path, len(bodies[path])
