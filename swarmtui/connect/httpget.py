"""The reads of the Engine API — lists, inspects, `docker info`, the event stream — as
plain HTTP GETs over the engine's local unix socket (issue 17).

docker-py (with requests, urllib3, charset_normalizer, http.cookiejar, email…) costs about
0.1 s of CPU to import, and the start is CPU-bound: the first view needs only GETs, and
`http.client` is already loaded. So the store lists through `EngineHTTP` on the socket the
SSH tunnel forwards (or the local one), and docker-py is imported when something needs
it (a change, logs, exec): `EngineConnection.api` is made on first use.

The same requests as docker-py's (`GET /v1.NN/nodes`, `/services?status=true`, …; one per
kind per refresh), the same error facts: an API error carries the engine's message as
`explanation` (what `swarm.fetch.describe_error` and the not-a-manager / no-leader checks
read); a transport error is the OSError (refused, no such file, timed out). GET only: there
is nothing here for the read-only wall to refuse.

`as_reader(api)` reads through a docker-py `APIClient` the same way (tests, TCP engines).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
from collections.abc import Iterator, Mapping
from typing import Any, Protocol
from urllib.parse import urlencode

#: the newest Engine API version read here; docker-py 7's DEFAULT_DOCKER_API_VERSION is the
#: same (a test checks), so a read and a docker-py call of one engine ask the same version
API_VERSION_MAX = "1.45"

Params = Mapping[str, str]


class EngineAPIError(Exception):
    """The engine answered a GET with an error status; `explanation` is its message."""

    def __init__(self, status: int, reason: str, path: str, explanation: str) -> None:
        self.status_code = status
        self.explanation = explanation
        side = "Client" if status < 500 else "Server"
        super().__init__(f"{status} {side} Error for {path}: {reason} ({explanation!r})")


class EventStream(Protocol):
    """The decoded objects of a JSON stream; `close()` (any thread) ends the iteration."""

    def __iter__(self) -> Iterator[Any]: ...

    def close(self) -> None: ...


class EngineReader(Protocol):
    """What the store reads the engine through (blocking: call from threads)."""

    def get(self, path: str, params: Params | None = None) -> bytes: ...

    def get_json(self, path: str, params: Params | None = None) -> Any: ...

    def events(self, filters: Mapping[str, Any]) -> EventStream: ...


def filters_param(filters: Mapping[str, Any]) -> str:
    """The Engine's `filters` query value (docker-py's `convert_filters`): each value a list."""
    out: dict[str, list[str]] = {}
    for key, value in filters.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        out[key] = [value] if isinstance(value, str) else [str(v) for v in value]
    return json.dumps(out)


def pick_version(server: str | None) -> str:
    """The lower of the engine's API version and API_VERSION_MAX."""
    if not server:
        return API_VERSION_MAX

    def key(v: str) -> tuple[int, ...]:
        return tuple(int(p) for p in v.split(".") if p.isdigit())

    return server if key(server) < key(API_VERSION_MAX) else API_VERSION_MAX


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float | None) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.timeout)
            sock.connect(self._path)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


class _Lines:
    """An event stream: one JSON object per line of a chunked response. `close()` (from
    any thread) shuts the socket down: a read blocked in the iterating thread returns, and
    that thread closes the connection (closing it under the read would break http.client)."""

    def __init__(self, conn: _UnixConnection, response: http.client.HTTPResponse) -> None:
        self._conn = conn
        self._response = response
        self._lock = threading.Lock()
        self._closed = False
        self._iterating = False

    def __iter__(self) -> Iterator[Any]:
        with self._lock:
            if self._closed:
                return
            self._iterating = True
        try:
            while line := self._response.readline():
                if line.strip():
                    yield json.loads(line)
        except (OSError, http.client.HTTPException):
            if not self._closed:
                raise
        finally:
            self._conn.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            iterating = self._iterating
        sock = self._conn.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if not iterating:
            self._conn.close()


class EngineHTTP:
    """GETs on an engine's unix socket; one kept-alive connection per calling thread (the
    store lists kinds side by side; through the SSH tunnel each new connection is a
    channel, one round trip more)."""

    def __init__(self, socket_path: str, version: str = API_VERSION_MAX,
                 timeout: float = 30.0) -> None:
        self.socket_path = socket_path
        self.version = version
        self.timeout = timeout
        self._local = threading.local()
        self._all: list[_UnixConnection] = []
        self._lock = threading.Lock()

    def _url(self, path: str, params: Params | None) -> str:
        query = f"?{urlencode(params)}" if params else ""
        return f"/v{self.version}{path}{query}"

    def _connection(self) -> _UnixConnection:
        conn: _UnixConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = _UnixConnection(self.socket_path, self.timeout)
            with self._lock:
                self._all.append(conn)
        return conn

    def get(self, path: str, params: Params | None = None) -> bytes:
        """The body of `GET path`; raises EngineAPIError (an error status) or OSError."""
        url = self._url(path, params)
        conn = self._connection()
        for attempt in (1, 2):
            try:
                conn.request("GET", url)
                response = conn.getresponse()
                body = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                conn.close()  # a kept-alive connection the server had closed: once more
                if attempt == 2:
                    raise
            except BaseException:
                conn.close()
                raise
        if response.status >= 400:
            raise EngineAPIError(response.status, response.reason, url, _message(body))
        return body

    def get_json(self, path: str, params: Params | None = None) -> Any:
        return json.loads(self.get(path, params))

    def events(self, filters: Mapping[str, Any]) -> EventStream:
        """`GET /events` (no timeout: it waits for events) on a connection of its own."""
        conn = _UnixConnection(self.socket_path, None)
        url = self._url("/events", {"filters": filters_param(filters)})
        try:
            conn.request("GET", url)
            response = conn.getresponse()
            if response.status >= 400:
                raise EngineAPIError(response.status, response.reason, url,
                                     _message(response.read()))
        except BaseException:
            conn.close()
            raise
        return _Lines(conn, response)

    def close(self) -> None:
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            conn.close()


def _message(body: bytes) -> str:
    """The engine's error message (`{"message": …}`), else the body's text."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return text
    return str(data.get("message") or text) if isinstance(data, dict) else text


class ApiClientReader:
    """The same reads through a docker-py `APIClient` (its errors are docker-py's)."""

    def __init__(self, api: Any) -> None:
        self.api = api

    def get(self, path: str, params: Params | None = None) -> bytes:
        response = self.api._get(self.api._url(path), params=dict(params or {}))
        self.api._raise_for_status(response)
        return bytes(response.content)

    def get_json(self, path: str, params: Params | None = None) -> Any:
        return json.loads(self.get(path, params))

    def events(self, filters: Mapping[str, Any]) -> EventStream:
        stream: EventStream = self.api.events(decode=True, filters=dict(filters))
        return stream


def as_reader(api: Any) -> EngineReader:
    """`api` itself when it is an EngineReader, else a reader on its docker-py client."""
    if isinstance(api, EngineHTTP | ApiClientReader):
        return api
    return ApiClientReader(api)
