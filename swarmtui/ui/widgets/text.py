"""Showing text: text that is mostly the same as before (issue 17: idle CPU), and
label-and-value lines that wrap under their value.

Textual's `Static.update` lays the whole screen out again every time, even when the text
is what it was: a status bar, a header or a tab label re-set on every 2 s poll and every
ping cost a full reflow and repaint each for nothing.
"""

from __future__ import annotations

import sys
from typing import Any

from textual.content import Content
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widgets import Input, Static

#: narrower than this beside the indent, a line wraps as Textual wraps it
MIN_VALUE_WIDTH = 12


def show_text(widget: Static, text: str, *, layout: bool = True) -> bool:
    """Set `widget`'s text (markup) unless it already shows it; True when it changed.
    `layout=False` for a widget whose size the text cannot change (one line, full width):
    only the widget is repainted then, not the screen laid out again."""
    if isinstance(widget.content, str) and widget.content == text:
        return False
    widget.update(text, layout=layout)
    return True



class Hanging(Visual):
    """`content` whose lines, when they wrap, go on under their value column: a hanging
    indent of `indent` cells ("why          keeps exiting …" goes on under "keeps")."""

    def __init__(self, content: Content, indent: int) -> None:
        self.content = content
        self.indent = indent
        self._fitted: tuple[int, Content] | None = None

    def __str__(self) -> str:
        return str(self.content)

    def fitted(self, width: int) -> Content:
        """The lines wrapped at `width`, each one's wrapped part under its value."""
        if self._fitted is not None and self._fitted[0] == width:
            return self._fitted[1]
        out: list[Content] = []
        for line in self.content.split("\n", allow_blank=True):
            if line.cell_length <= width or width < self.indent + MIN_VALUE_WIDTH:
                out.append(line)
                continue
            rows = line[self.indent:].wrap(width - self.indent)
            out.append(line[:self.indent] + rows[0])
            out.extend(row.pad_left(self.indent) for row in rows[1:])
        fitted = Content("\n").join(out)
        self._fitted = (width, fitted)
        return fitted

    def render_strips(self, width: int, height: int | None, style: Style,
                      options: RenderOptions) -> list[Strip]:
        return self.fitted(width).render_strips(width, height, style, options)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.content.get_optimal_width(rules, container_width)

    def get_minimal_width(self, rules: RulesMap) -> int:
        return self.content.get_minimal_width(rules)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return self.fitted(width).get_height(rules, width)


class HangingStatic(Static):
    """A Static of label-and-value lines (a detail's summary) that wrap under the value."""

    def __init__(self, content: str = "", *, indent: int, **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self.indent = indent

    def render(self) -> Visual:
        visual = self.visual
        return Hanging(visual, self.indent) if isinstance(visual, Content) else visual


def is_text_field(widget: object) -> bool:
    """Whether `widget` takes typed characters (an Input or a TextArea). TextArea is not
    imported for the question (its module and documents cost ~8 ms of every start, and no
    start screen has one): until a form imports it, no widget can be one."""
    if isinstance(widget, Input):
        return True
    text_area = sys.modules.get("textual.widgets._text_area")
    return text_area is not None and isinstance(widget, text_area.TextArea)
