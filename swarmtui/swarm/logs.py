"""Service logs: follow streams of one or several services, merged by timestamp, and
their lines parsed for people.

A stream is `GET /services/{id}/logs?follow=1&details=1&timestamps=1` on the store's
API client (so it goes through the SSH tunnel). Closing it closes the response's
socket, which ends a blocked read in another thread. `MergedLogs` reads one stream per
service, each in its own thread; `merge_into` keeps the lines in timestamp order.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from swarmtui.secrets import redact
from swarmtui.swarm.fetch import describe_error
from swarmtui.swarm.state import ClusterSnapshot

if TYPE_CHECKING:
    from docker.types.daemon import CancellableStream

#: lines of history a follow starts with (None: all of them, for `since`)
TAIL = 500
#: the last lines of a task that keeps exiting, in its service's detail
LAST_LINES = 5


def stamp_key(ts: str) -> str:
    """An RFC 3339 timestamp as a key that sorts by time: the engine trims trailing
    zeros of the fraction ("…:01.5Z"), so the fraction is padded to nanoseconds."""
    if len(ts) < 19 or ts[10:11] != "T":
        return ""
    frac = ts[19:].rstrip("Z")
    frac = frac[1:] if frac.startswith(".") else ""
    return f"{ts[:19]}.{frac[:9].ljust(9, '0')}"


@dataclass(frozen=True)
class LogLine:
    time: str  # "03:12:01.332"
    source: str  # "ticker.1@node1"
    text: str
    #: the whole timestamp, as a sort key (stamp_key); "" when the line had none
    stamp: str = ""
    service_id: str = ""

    def render(self, timestamps: bool = True) -> str:
        head = f"{self.time} " if timestamps and self.time else ""
        return f"{head}{self.source} | {self.text}" if self.source else f"{head}{self.text}"


def parse_log_line(raw: str, snap: ClusterSnapshot | None, service_id: str = "") -> LogLine:
    """ "2026-…Z com.docker.swarm.node.id=…,…task.id=… message" → a LogLine."""
    ts, _, rest = raw.partition(" ")
    stamp = stamp_key(ts)
    time = stamp[11:23]
    if not stamp:
        rest = raw
    details: dict[str, str] = {}
    if rest.startswith("com.docker.swarm") or "=" in rest.split(" ", 1)[0]:
        head, _, rest = rest.partition(" ")
        for pair in head.split(","):
            k, _, v = pair.partition("=")
            details[k] = v
    task_id = details.get("com.docker.swarm.task.id", "")
    node_id = details.get("com.docker.swarm.node.id", "")
    source = task_id[:12]
    if snap is not None:
        task = snap.tasks.get(task_id)
        if task is not None:
            source = snap.task_name(task)
        node = snap.node_hostname(node_id) if node_id else ""
        if node:
            source = f"{source}@{node}"
    service_id = service_id or details.get("com.docker.swarm.service.id", "")
    return LogLine(time, source, redact(rest.rstrip("\n")), stamp, service_id)


def merge_into(lines: deque[LogLine], new: Iterable[LogLine]) -> bool:
    """Add `new` to `lines` (bounded by its maxlen) in timestamp order. True when they all
    went after the last line (a view may append them); False when older lines arrived
    and the order was rebuilt (a view must redraw). Lines without a timestamp go last."""
    batch = sorted(new, key=lambda ln: ln.stamp or "~")
    if not batch:
        return True
    last = lines[-1].stamp or "~" if lines else ""
    if (batch[0].stamp or "~") >= last:
        lines.extend(batch)
        return True
    merged = sorted([*lines, *batch], key=lambda ln: ln.stamp or "~")  # two sorted runs
    lines.clear()
    lines.extend(merged)
    return False


_SPAN = re.compile(r"(\d+)([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def since_time(text: str, now: datetime) -> datetime:
    """`docker service logs --since` values: a duration back from now ("30s", "10m",
    "1h30m", "2d") or a UTC date/time ("2026-12-01", "2026-12-01T10:00[:00]").
    Raises ValueError with what is allowed."""
    value = text.strip()
    if value and _SPAN.sub("", value) == "":
        seconds = sum(int(n) * _UNITS[u] for n, u in _SPAN.findall(value))
        return now - timedelta(seconds=seconds)
    try:
        when = datetime.fromisoformat(value.removesuffix("Z"))
    except ValueError:
        raise ValueError(f"since {value!r}: give a duration (30s, 10m, 1h30m, 2d) or a UTC "
                         "time (2026-12-01T10:00)") from None
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    if when > now:
        raise ValueError(f"since {value!r} is in the future")
    return when


class LogStream:
    """An open follow stream: iterate for byte chunks; `close()` from any thread ends it."""

    def __init__(self, stream: CancellableStream,
                 on_close: Callable[[LogStream], None] | None = None) -> None:
        self._stream = stream
        self._on_close = on_close

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._stream:
            yield chunk if isinstance(chunk, bytes) else bytes(chunk)

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the socket may already be gone
            self._stream.close()
        if self._on_close is not None:
            self._on_close(self)


def open_service_logs(api: Any, service_id: str, tty: bool = False, tail: int | None = TAIL,
                      since: datetime | None = None) -> CancellableStream:
    """docker-py's `service_logs(follow=True, …)`, keeping the response so it can be closed."""
    params: dict[str, Any] = {"details": True, "follow": True, "stdout": True,
                              "stderr": True, "timestamps": True,
                              "tail": "all" if tail is None else str(tail)}
    if since is not None:
        params["since"] = f"{since.timestamp():.9f}"
    url = api._url("/services/{0}/logs", service_id)
    res = api._get(url, params=params, stream=True)
    from docker.types.daemon import CancellableStream  # docker-py on first use (httpget.py)

    return CancellableStream(api._get_result_tty(True, res, tty), res)


def task_log_tail(api: Any, task_id: str, tail: int = LAST_LINES, tty: bool = False) -> list[str]:
    """The last `tail` lines a task wrote (`GET /tasks/{id}/logs`, no follow: through the
    manager, while the task's container is kept), redacted."""
    params = {"stdout": True, "stderr": True, "tail": str(tail), "timestamps": False,
              "details": False}
    res = api._get(api._url("/tasks/{0}/logs", task_id), params=params, stream=False)
    data = api._get_result_tty(False, res, tty)
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else str(data)
    return [redact(line) for line in text.splitlines()[-tail:]]


#: open a follow stream: (service id, tty, tail, since) → LogStream; raises on failure
Opener = Callable[[str, bool, "int | None", "datetime | None"], LogStream]


class MergedLogs:
    """The follow streams of several services (one thread each), their raw lines handed
    over as they arrive; `close()` (any thread) ends every stream."""

    def __init__(self, open_stream: Opener, services: Sequence[tuple[str, bool]],
                 tail: int | None = TAIL, since: datetime | None = None) -> None:
        self._open = open_stream
        self.services = list(services)  # (service id, tty)
        self.tail = tail
        self.since = since
        self._queue: deque[tuple[str, str]] = deque()
        self._streams: list[LogStream] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        #: service id → why its stream could not be read / broke
        self.errors: dict[str, str] = {}
        #: services whose stream ended
        self.ended: set[str] = set()

    def start(self) -> None:
        for service_id, tty in self.services:
            threading.Thread(target=self._follow, args=(service_id, tty), daemon=True,
                             name=f"logs-{service_id[:12]}").start()

    @property
    def done(self) -> bool:
        """Every stream has ended (or never opened)."""
        return len(self.ended) == len(self.services)

    def take(self) -> list[tuple[str, str]]:
        """The (service id, raw line) pairs that arrived since the last take."""
        out: list[tuple[str, str]] = []
        while self._queue:
            out.append(self._queue.popleft())
        return out

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            streams, self._streams = self._streams, []
        for stream in streams:
            stream.close()

    def _follow(self, service_id: str, tty: bool) -> None:
        try:
            try:
                stream = self._open(service_id, tty, self.tail, self.since)
            except Exception as exc:
                self.errors[service_id] = describe_error(exc)
                return
            with self._lock:
                self._streams.append(stream)
            if self._stop.is_set():
                stream.close()
                return
            pending = ""
            try:
                for chunk in stream:
                    if self._stop.is_set():
                        break
                    pending += chunk.decode("utf-8", errors="replace")
                    *complete, pending = pending.split("\n")
                    self._queue.extend((service_id, ln) for ln in complete)
            except Exception as exc:
                if not self._stop.is_set():
                    self.errors[service_id] = f"stream broke: {describe_error(exc)}"
            if pending:
                self._queue.append((service_id, pending))
        finally:
            self.ended.add(service_id)
