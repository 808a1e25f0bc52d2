"""Logs of one service or several merged (a stack, marked services): follow, every line
prefixed `service.slot@node` and coloured per task, search within, pause, timestamps,
since; bounded scrollback.

The streams are the store's (`Store.merged_logs`: one per service, through the SSH
tunnel, each read in its own thread); a UI timer takes what arrived and merges it by
timestamp (swarm/logs.merge_into). Leaving the screen closes the streams; stopping the
store closes every stream it opened.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.highlighter import Highlighter
from rich.markup import escape
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Input, Log, Static

from swarmtui.swarm import format as fmt
from swarmtui.swarm.logs import LogLine, MergedLogs, merge_into, parse_log_line, since_time
from swarmtui.ui.widgets.footer import KeysFooter

if TYPE_CHECKING:
    from datetime import datetime

    from swarmtui.ui.app import SwarmApp

MAX_LINES = 20_000
#: one colour per task prefix, in the order the tasks first write
COLOURS = ("cyan", "magenta", "green", "yellow", "bright_blue", "bright_red",
           "bright_cyan", "bright_magenta", "bright_green", "bright_yellow")


class PrefixColours(Highlighter):
    """Colours the `service.slot@node` prefix of a rendered line, one colour per task."""

    def __init__(self) -> None:
        self.colour: dict[str, str] = {}

    def highlight(self, text: Text) -> None:
        plain = text.plain
        end = plain.find(" | ")
        if end <= 0:
            return
        source = plain[:end].rsplit(" ", 1)[-1]
        colour = self.colour.get(source)
        if colour is None:
            colour = self.colour[source] = COLOURS[len(self.colour) % len(COLOURS)]
        text.stylize(colour, end - len(source), end)


class LogScreen(Screen[None]):
    DEFAULT_CSS = """
    LogScreen #log-title { background: $panel; padding: 0 1; }
    LogScreen Log { height: 1fr; background: $surface; }
    /* compact (one row, no border, focused or not): the row shows what is typed */
    LogScreen Input { display: none; padding: 0 1; background: $boost; }
    LogScreen Input.shown { display: block; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="logs.back"),
        Binding("slash", "search", "Search", id="logs.search"),
        Binding("space,p", "pause", "Pause/follow", id="logs.pause"),
        Binding("t", "timestamps", "Timestamps", id="logs.timestamps"),
        Binding("S", "since", "Since", id="logs.since"),
        Binding("G,end", "follow_end", "End", show=False, id="logs.end"),
    ]

    def __init__(self, service_ids: str | Sequence[str], what: str = "") -> None:
        """The logs of one service, or of several merged; `what` names them in the title
        ("stack app"); by default their names."""
        super().__init__()
        self.service_ids = [service_ids] if isinstance(service_ids, str) else list(service_ids)
        self.what = what
        self.lines: deque[LogLine] = deque(maxlen=MAX_LINES)
        self._logs: MergedLogs | None = None
        self.paused = False
        self.held = 0  # lines that arrived while paused
        self.needle = ""
        self.timestamps = True
        self.since: datetime | None = None
        self.since_text = ""
        self.error = ""

    @property
    def swarm_app(self) -> SwarmApp:
        return self.app  # type: ignore[return-value]

    @property
    def ended(self) -> bool:
        """Every stream opened has ended."""
        return self._logs is not None and self._logs.done

    def compose(self) -> ComposeResult:
        yield Static("", id="log-title")
        log = Log(id="log", max_lines=MAX_LINES, auto_scroll=True, highlight=True)
        log.highlighter = PrefixColours()
        yield log
        yield Input(placeholder="search: show only lines containing… (Esc clears)",
                    compact=True, id="log-search")
        yield Input(placeholder="since: 30s, 10m, 1h30m, 2d or a UTC time 2026-12-01T10:00 "
                    "(empty: the last lines)", compact=True, id="log-since")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one(Log).focus()
        self.set_interval(0.1, self._drain)
        self._open()
        self._title()

    def on_unmount(self) -> None:
        self.close_stream()

    def close_stream(self) -> None:
        logs, self._logs = self._logs, None
        if logs is not None:
            logs.close()

    def _open(self) -> None:
        """(Re)open the streams: the last lines of each, or everything since `since`."""
        self.close_stream()
        store = self.swarm_app.store
        if store is None:
            self.error = "cannot read logs: not connected"
            return
        self._logs = store.merged_logs(self.service_ids, since=self.since,
                                       **({"tail": None} if self.since else {}))
        self._logs.start()

    def _names(self) -> str:
        snap = self.swarm_app.snapshot
        names = []
        for sid in self.service_ids:
            svc = snap.services.get(sid) if snap else None
            names.append(svc.name if svc else sid[:12])
        return self.what or ", ".join(names)

    def _errors(self) -> str:
        if self.error:
            return self.error
        errors = self._logs.errors if self._logs is not None else {}
        if not errors:
            return ""
        snap = self.swarm_app.snapshot
        said = []
        for sid, why in errors.items():
            svc = snap.services.get(sid) if snap else None
            said.append(f"{svc.name if svc else sid[:12]}: {why}" if len(self.service_ids) > 1
                        else why)
        return "cannot read logs: " + "; ".join(said)

    def _title(self) -> None:
        state = "PAUSED" if self.paused else "following"
        if self.ended:
            state = "stream ended"
        errors = self._errors()
        if errors:
            state = f"[$error]{escape(errors)}[/]"
        since = f" · since {self.since_text}" if self.since_text else ""
        held = f" · {fmt.count(self.held, 'new line')} held" if self.held else ""
        shown = len(self.query_one(Log).lines)
        found = fmt.count(shown, "line") if shown else "no line matches"
        match = f" · search {self.needle!r}: {found}" if self.needle else ""
        silent = ("the service has written nothing yet" if len(self.service_ids) == 1
                  else "they have written nothing yet")
        total = fmt.count(len(self.lines), "line") if self.lines or errors else silent
        self.query_one("#log-title", Static).update(
            f"[b]logs of {self._names()}[/b] · {state}{since}{held}{match} · {total}")

    def _drain(self) -> None:
        logs = self._logs
        raw = logs.take() if logs is not None else []
        if not raw:
            if self.error or self.ended or (logs is not None and logs.errors):
                self._title()
            return
        snap = self.swarm_app.snapshot
        new = [parse_log_line(text, snap, sid) for sid, text in raw]
        in_order = merge_into(self.lines, new)
        if self.paused:
            self.held += len(new)
        elif in_order:
            self._write(sorted(new, key=lambda ln: ln.stamp or "~"))
        else:
            self._rewrite()
        self._title()

    def shown_lines(self) -> list[str]:
        """What the view shows now (tests compare it with `docker service logs`)."""
        return list(self.query_one(Log).lines)

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
        for box in self.query(Input):
            if box.has_focus or (box.id == "log-search" and self.needle):
                box.value = ""
                box.remove_class("shown")
                if box.id == "log-search":
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

    def action_since(self) -> None:
        box = self.query_one("#log-since", Input)
        box.value = self.since_text
        box.add_class("shown")
        box.focus()

    @on(Input.Submitted, "#log-since")
    def _since_done(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        try:
            since = since_time(value, fmt.now_utc()) if value else None
        except ValueError as exc:
            self.notify(str(exc), severity="warning")
            return  # the box stays open with what was typed
        event.input.remove_class("shown")
        self.query_one(Log).focus()
        self.since, self.since_text = since, value
        self.lines.clear()
        self.held = 0
        self.query_one(Log).clear()
        self._open()
        self._title()

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
