"""Service logs: the follow stream of one service, and its lines parsed for people.

The stream is `GET /services/{id}/logs?follow=1&details=1&timestamps=1` on the
store's API client (so it goes through the SSH tunnel). Closing it closes the
response's socket, which ends a blocked read in another thread.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from docker.types.daemon import CancellableStream

from swarmtui.secrets import redact
from swarmtui.swarm.state import ClusterSnapshot

#: lines of history a follow starts with
TAIL = 500


@dataclass(frozen=True)
class LogLine:
    time: str  # "03:12:01.332"
    source: str  # "ticker.1@node1"
    text: str

    def render(self, timestamps: bool = True) -> str:
        head = f"{self.time} " if timestamps and self.time else ""
        return f"{head}{self.source} | {self.text}" if self.source else f"{head}{self.text}"


def parse_log_line(raw: str, snap: ClusterSnapshot | None) -> LogLine:
    """ "2026-…Z com.docker.swarm.node.id=…,…task.id=… message" → a LogLine."""
    ts, _, rest = raw.partition(" ")
    time = ts[11:23] if len(ts) >= 23 and ts[10:11] == "T" else ""
    if not time:
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
    return LogLine(time, source, redact(rest.rstrip("\n")))


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


def open_service_logs(api: Any, service_id: str, tty: bool = False,
                      tail: int = TAIL) -> CancellableStream:
    """docker-py's `service_logs(follow=True, …)`, keeping the response so it can be closed."""
    params = {"details": True, "follow": True, "stdout": True, "stderr": True,
              "timestamps": True, "tail": str(tail)}
    url = api._url("/services/{0}/logs", service_id)
    res = api._get(url, params=params, stream=True)
    return CancellableStream(api._get_result_tty(True, res, tty), res)
