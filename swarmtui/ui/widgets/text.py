"""Showing text that is mostly the same as before (issue 17: idle CPU).

Textual's `Static.update` lays the whole screen out again every time, even when the text
is what it was: a status bar, a header or a tab label re-set on every 2 s poll and every
ping cost a full reflow and repaint each for nothing.
"""

from __future__ import annotations

import sys

from textual.widgets import Input, Static


def show_text(widget: Static, text: str, *, layout: bool = True) -> bool:
    """Set `widget`'s text (markup) unless it already shows it; True when it changed.
    `layout=False` for a widget whose size the text cannot change (one line, full width):
    only the widget is repainted then, not the screen laid out again."""
    if isinstance(widget.content, str) and widget.content == text:
        return False
    widget.update(text, layout=layout)
    return True



def is_text_field(widget: object) -> bool:
    """Whether `widget` takes typed characters (an Input or a TextArea). TextArea is not
    imported for the question (its module and documents cost ~8 ms of every start, and no
    start screen has one): until a form imports it, no widget can be one."""
    if isinstance(widget, Input):
        return True
    text_area = sys.modules.get("textual.widgets._text_area")
    return text_area is not None and isinstance(widget, text_area.TextArea)
