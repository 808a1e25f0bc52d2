"""A printable key that reaches a form or wizard screen itself, not one of its fields:
typed before the screen had focused a field (ui/keygate.py hands the keys after `n` to
the form once it is built; one may still arrive while focus sits on no field)."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.containers import ScrollableContainer
from textual.screen import Screen
from textual.widgets import Input


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
