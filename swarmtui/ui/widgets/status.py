"""The status bar: cluster/profile, which manager and how, latency, connection state."""

from __future__ import annotations

import time

from textual.markup import escape
from textual.widgets import Static

from swarmtui.swarm.sync.view import LinkView
from swarmtui.ui.widgets.text import show_text

STATE_COLOUR = {
    "connected": "$success", "stale": "$warning", "connecting": "$primary",
    "failed": "$error", "closed": "$text-muted", "static": "$secondary",
}


def status_markup(view: LinkView, now: float | None = None) -> str:
    colour = STATE_COLOUR.get(view.state, "$foreground")
    cluster = f"[b]{escape(view.cluster)}[/b] · " if view.cluster and \
        view.cluster != view.endpoint else ""
    text = escape(view.describe(now))
    out = f"{cluster}[{colour}]●[/] [{colour}]{text}[/]"
    if view.role_message:
        out += f" · [$warning]{escape(first_clause(view.role_message))}[/]"
    return out


def first_clause(sentence: str) -> str:
    """ "node1 is not part of a swarm" of "node1 is not part of a swarm (docker swarm init
    or join first)": the header says the whole sentence; the one-line bar, cut at 80
    columns, says what it is."""
    for mark in (": ", " (", ". "):
        sentence = sentence.split(mark, 1)[0]
    return sentence


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, **kw: object) -> None:
        super().__init__("", **kw)  # type: ignore[arg-type]
        self.view: LinkView = LinkView("connecting")

    def on_mount(self) -> None:
        # stale seconds tick while the link is down
        self.set_interval(1.0, self._tick)

    def show(self, view: LinkView) -> None:
        self.view = view
        show_text(self, status_markup(view), layout=False)  # height 1, full width

    def _tick(self) -> None:
        if self.view.state in ("stale", "failed", "connecting"):
            show_text(self, status_markup(self.view, time.time()), layout=False)
