"""Keys typed ahead of a screen: `n` then the name, faster than the form is built.

The keys after the one that opens a screen are already queued for the old screen's
table; they bubble to the app once the new screen is on top, and would land nowhere
(or fire the app's bindings). `KeysAhead` remembers the printable keys the main
screen passed on; the app hands those to the screen now on top, and that screen's
`take_key` gives them to its focused field, or its first one while focus sits on no
field (a focused Input takes every printable key itself, so one that reaches the
screen past a focused Input came before the focus moved there).
"""

from __future__ import annotations

from collections import deque
from typing import Any

from textual import events
from textual.containers import ScrollableContainer
from textual.screen import Screen
from textual.widgets import Input


class KeysAhead:
    """The last printable keys a screen passed on towards the app."""

    def __init__(self) -> None:
        self._keys: deque[tuple[events.Key, Screen[Any]]] = deque(maxlen=32)

    def passed(self, event: events.Key, screen: Screen[Any]) -> None:
        if event.is_printable:
            self._keys.append((event, screen))

    def forward(self, event: events.Key, top: Screen[Any]) -> bool:
        """True (and the key sent to `top`) when another screen passed it on but `top`
        is the screen the user is looking at now."""
        seen = next((pair for pair in self._keys if pair[0] is event), None)
        if seen is None:
            return False
        self._keys.remove(seen)
        if seen[1] is top:
            return False
        event.prevent_default()
        event.stop()
        top.post_message(events.Key(event.key, event.character))
        return True


def take_key(screen: Screen[Any], event: events.Key) -> None:
    """A printable key that reached `screen` itself, not a field: typing goes to the
    focused Input, or to the first one while no field is focused yet."""
    if not event.is_printable or event.character is None \
            or event.key in screen.app.active_bindings:
        return
    target = screen.focused
    if target is None or isinstance(target, ScrollableContainer):
        target = next((w for w in screen.query(Input) if not w.disabled), None)
    if not isinstance(target, Input):
        return
    event.stop()
    target.focus()
    target.insert_text_at_cursor(event.character)
