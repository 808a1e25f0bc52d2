"""Watching the swarm event stream (managers only, scope=swarm) in a thread.

Events are *hints*: the consumer re-lists the kind named by ``on_event(kind)``
(debouncing bursts itself). Tasks have no events: poll them (see DESIGN.md).

Usage::

    watcher = EventWatcher(api, on_event=lambda kind: ..., on_end=lambda err: ...)
    watcher.start()
    ...
    watcher.close()   # closes the socket; the thread ends promptly

``on_event`` and ``on_end`` run in the watcher's thread: hand results to the UI
thread-safely (e.g. ``App.call_from_thread`` or ``post_message``).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable
from typing import Any

from swarmtui.connect.httpget import as_reader
from swarmtui.swarm.fetch import describe_error

#: Event ``Type`` → the kind to re-list (plural, as in ClusterSnapshot / fetch_kind).
EVENT_TYPES: dict[str, str] = {
    "node": "nodes",
    "service": "services",
    "network": "networks",
    "secret": "secrets",
    "config": "configs",
}


class EventStreamError(Exception):
    """The event stream failed; the message is safe to show."""


class EventWatcher:
    """Reads ``GET /events?filters={"scope": ["swarm"], "type": [...]}`` in a thread, through
    the engine's reads (connect/httpget.py) or a docker-py client.

    * ``on_event(kind)`` for each event ("nodes", "services", "networks", "secrets",
      "configs").
    * ``on_end(error)`` once, when the stream ends by itself: ``None`` for a clean
      end of stream, an :class:`EventStreamError` when it broke (tunnel lost,
      engine stopped). Not called after :meth:`close`.
    * ``close()`` closes the HTTP response and its socket, so the blocked read
      returns and the thread ends (a thread cannot be killed otherwise).
    """

    def __init__(
        self,
        api: Any,
        on_event: Callable[[str], None],
        on_end: Callable[[BaseException | None], None] | None = None,
        types: Iterable[str] = tuple(EVENT_TYPES),
        on_raw: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self._api = api
        self._on_event = on_event
        self._on_end = on_end
        self._on_raw = on_raw
        self._types = list(types)
        self._stream: Any = None
        self._closed = threading.Event()
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="swarm-events", daemon=True)
        #: number of events seen (useful for tests and a status line)
        self.count = 0

    # ----------------------------------------------------------------- control

    def start(self) -> EventWatcher:
        """Start the thread. Returns self."""
        self._thread.start()
        return self

    def wait_ready(self, timeout: float = 10) -> bool:
        """Wait until the stream request has been answered (events from now on are seen)."""
        return self._ready.wait(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def close(self, timeout: float = 5) -> None:
        """Stop watching: close the stream's socket and join the thread."""
        self._closed.set()
        with self._lock:
            stream = self._stream
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.close()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    # ------------------------------------------------------------------ thread

    def _run(self) -> None:
        error: BaseException | None = None
        try:
            stream = as_reader(self._api).events({"scope": "swarm", "type": self._types})
            with self._lock:
                self._stream = stream
            if self._closed.is_set():
                with contextlib.suppress(Exception):
                    stream.close()
                return
            self._ready.set()
            for event in stream:
                if self._closed.is_set():
                    break
                if not isinstance(event, dict):
                    continue
                self.count += 1
                if self._on_raw is not None:
                    self._on_raw(event)
                kind = EVENT_TYPES.get(str(event.get("Type") or event.get("type") or ""))
                if kind:
                    self._on_event(kind)
        except Exception as exc:  # stream broken: socket closed, tunnel lost, API error
            if not self._closed.is_set():
                error = EventStreamError(f"the event stream broke: {describe_error(exc)}")
        finally:
            self._ready.set()
        if not self._closed.is_set() and self._on_end is not None:
            self._on_end(error)
