"""A printable key that reaches a form or wizard screen itself, not one of its fields:
typed before the screen had focused a field (ui/keygate.py hands the keys after `n` to
the form once it is built; one may still arrive while focus sits on no field).

While no field has the focus, a form is still a place to type in: a printable key the
app binds (`w` walkthrough, `q` quit, `?` help) is text for the first field, as it is
once a field has the focus; a key of the screen's own (the tokens screen's `w` copy)
still acts."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.containers import ScrollableContainer
from textual.screen import Screen
from textual.widgets import Input


def take_key(screen: Screen[Any], event: events.Key) -> None:
    """A printable key that reached `screen` itself, not a field: typing goes to the
    focused Input, or to the first one while no field is focused yet."""
    if not event.is_printable or event.character is None:
        return
    target = screen.focused
    if target is None or isinstance(target, ScrollableContainer):
        bound = screen.app.active_bindings.get(event.key)
        if bound is not None and bound.node is not screen.app:
            return  # the screen's own key
        target = next((w for w in screen.query(Input) if not w.disabled), None)
    # else an Input focused since the key was sent to the screen (an Input takes the
    # printable keys it has the focus for): the key is its text
    if not isinstance(target, Input):
        return
    event.stop()
    if screen.focused is not target:
        # focused now, not after the keys queued behind this one, and without the
        # select-all of a focus (the next key typed would replace this one)
        selecting = target.select_on_focus
        target.select_on_focus = False
        screen.set_focus(target)
        target.call_later(setattr, target, "select_on_focus", selecting)  # after its Focus
    target.insert_text_at_cursor(event.character)
