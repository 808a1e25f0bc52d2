"""Service logs: follow with timestamps and task@node prefixes, search within, pause.

The stream is the store's (`Store.service_logs`, through the SSH tunnel), read
in a thread worker into a queue; a UI timer drains the queue. Leaving the screen
closes the stream; stopping the store closes every stream it opened.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Input, Log, Static

from swarmtui.swarm.fetch import FetchError, describe_error
from swarmtui.swarm.logs import LogLine, LogStream, parse_log_line
from swarmtui.ui.widgets.footer import KeysFooter

if TYPE_CHECKING:
    from swarmtui.ui.app import SwarmApp

MAX_LINES = 20_000


def count(n: int, noun: str) -> str:
    """The count with its noun: 1 line, 2 lines."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


class LogScreen(Screen[None]):
    DEFAULT_CSS = """
    LogScreen #log-title { background: $panel; padding: 0 1; }
    LogScreen Log { height: 1fr; background: $surface; }
    LogScreen #log-search { display: none; height: 1; border: none; padding: 0 1;
                            background: $boost; }
    LogScreen #log-search.shown { display: block; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="logs.back"),
        Binding("slash", "search", "Search", id="logs.search"),
        Binding("space,p", "pause", "Pause/follow", id="logs.pause"),
        Binding("t", "timestamps", "Timestamps", id="logs.timestamps"),
        Binding("G,end", "follow_end", "End", show=False, id="logs.end"),
    ]

    def __init__(self, service_id: str) -> None:
        super().__init__()
        self.service_id = service_id
        self.lines: deque[LogLine] = deque(maxlen=MAX_LINES)
        self._queue: deque[str] = deque()
        self._stream: LogStream | None = None
        self._stop = threading.Event()
        self.paused = False
        self.held = 0  # lines that arrived while paused
        self.needle = ""
        self.timestamps = True
        self.error = ""
        self.ended = False

    @property
    def swarm_app(self) -> SwarmApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static("", id="log-title")
        yield Log(id="log", max_lines=MAX_LINES, auto_scroll=True)
        yield Input(placeholder="search: show only lines containing… (Esc clears)",
                    id="log-search")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one(Log).focus()
        self._title()
        self.set_interval(0.1, self._drain)
        self._follow()

    def on_unmount(self) -> None:
        self.close_stream()

    def close_stream(self) -> None:
        self._stop.set()
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()

    def _service_name(self) -> str:
        snap = self.swarm_app.snapshot
        svc = snap.services.get(self.service_id) if snap else None
        return svc.name if svc else self.service_id[:12]

    def _title(self) -> None:
        state = "PAUSED" if self.paused else "following"
        if self.ended:
            state = "stream ended"
        if self.error:
            state = f"[$error]{self.error}[/]"
        held = f" · {count(self.held, 'new line')} held" if self.held else ""
        shown = len(self.query_one(Log).lines)
        match = f" · search {self.needle!r}: {count(shown, 'line')}" if self.needle else ""
        total = count(len(self.lines), "line") if self.lines or self.error else \
            "the service has written nothing yet"
        self.query_one("#log-title", Static).update(
            f"[b]logs of {self._service_name()}[/b] · {state}{held}{match} · {total}")

    @work(thread=True, exit_on_error=False, group="logs")
    def _follow(self) -> None:
        app = self.swarm_app
        snap = app.snapshot
        svc = snap.services.get(self.service_id) if snap else None
        tty = bool(((svc.spec.get("TaskTemplate") or {}).get("ContainerSpec") or {}).get("TTY")
                   ) if svc else False
        if app.store is None:
            self.error = "cannot read logs: not connected"
            return
        try:
            stream = app.store.service_logs(self.service_id, tty)
        except FetchError as exc:
            self.error = f"cannot read logs: {exc}"
            return
        self._stream = stream
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
                self._queue.extend(complete)
        except Exception as exc:
            if not self._stop.is_set():
                self.error = f"log stream broke: {describe_error(exc)}"
        if pending:
            self._queue.append(pending)
        self.ended = True

    def _drain(self) -> None:
        if not self._queue:
            if self.error or self.ended:
                self._title()
            return
        snap = self.swarm_app.snapshot
        new: list[LogLine] = []
        while self._queue:
            new.append(parse_log_line(self._queue.popleft(), snap))
        self.lines.extend(new)
        if self.paused:
            self.held += len(new)
        else:
            self._write(new)
        self._title()

    def _write(self, lines: list[LogLine]) -> None:
        needle = self.needle.lower()
        out = [ln.render(self.timestamps) for ln in lines]
        if needle:
            out = [t for t in out if needle in t.lower()]
        if out:
            self.query_one(Log).write_lines(out)

    def _rewrite(self) -> None:
        log = self.query_one(Log)
        log.clear()
        self._write(list(self.lines))
        self._title()

    # ------------------------------------------------------------- actions
    def action_back(self) -> None:
        search = self.query_one("#log-search", Input)
        if search.has_focus or self.needle:
            search.value = ""
            search.remove_class("shown")
            self.needle = ""
            self._rewrite()
            self.query_one(Log).focus()
            return
        self.close_stream()
        self.app.pop_screen()

    def action_search(self) -> None:
        search = self.query_one("#log-search", Input)
        search.add_class("shown")
        search.focus()

    @on(Input.Changed, "#log-search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.needle = event.value
        self._rewrite()

    @on(Input.Submitted, "#log-search")
    def _search_done(self) -> None:
        self.query_one(Log).focus()

    def action_pause(self) -> None:
        self.paused = not self.paused
        log = self.query_one(Log)
        log.auto_scroll = not self.paused
        if not self.paused and self.held:
            self.held = 0
            self._rewrite()
            log.scroll_end(animate=False)
        self._title()

    def action_timestamps(self) -> None:
        self.timestamps = not self.timestamps
        self._rewrite()

    def action_follow_end(self) -> None:
        if self.paused:
            self.action_pause()
        self.query_one(Log).scroll_end(animate=False)
