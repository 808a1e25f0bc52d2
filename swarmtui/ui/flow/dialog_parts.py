"""What the confirmation dialogs share (the confirm and progress screens, the export
dialog): their CSS, the dimmed main screen behind them, an operation's title in words,
and the marked, redacted lines of a verdict."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.color import Color
from textual.screen import ModalScreen

from swarmtui.secrets import redact
from swarmtui.swarm.ops.base import Operation


def dialog_css(screen: str, dialog: str, *, border: str = "round $warning") -> str:
    """The CSS every confirmation dialog shares: centred box, CLI line, colours."""
    return f"""
    {screen} {{ align: center middle; background: $background 60%; }}
    {screen} > {dialog} {{
        width: 90%; max-width: 110; height: auto; max-height: 90%;
        border: {border}; background: $surface; padding: 0 1;
    }}
    {screen} .ops-label {{ color: $text-muted; }}
    {screen} .ops-cli {{ background: $boost; padding: 0 1; margin-bottom: 1; }}
    {screen} .ops-warn {{ color: $warning; }}
    {screen} .ops-error {{ color: $error; }}
    {screen} Horizontal {{ height: auto; margin-top: 1; }}
    {screen} Button {{ margin-right: 2; width: auto; min-width: 16; }}
    """


def see_through(screen: ModalScreen[Any]) -> None:
    """Let the main screen show dimmed behind a dialog (the app's CSS makes screens opaque)."""
    value = screen.app.get_css_variables().get("background")
    if value:
        with contextlib.suppress(Exception):
            screen.styles.background = Color.parse(value).with_alpha(0.6)


#: how an operation's name reads in a title ("remove service web")
_VERBS = {
    "promote": "Promote", "demote": "Demote", "drain": "Drain", "activate": "Activate",
    "pause": "Pause", "label-add": "Add a label to", "label-rm": "Remove a label from",
    "node-rm": "Remove node", "scale": "Scale", "force-update": "Restart (force update)",
    "rollback": "Roll back", "update-image": "Update the image of",
    "service-rm": "Remove service",
}


def display_title(op: Operation) -> str:
    """ "Drain node2", "Remove service web" — the operation in words for a title."""
    verb = _VERBS.get(op.name)
    if verb is None:  # e.g. the forms' operations: their own title ("create service web")
        title = op.title
        return title[:1].upper() + title[1:]
    return f"{verb} {op.target}"


def mark_line(mark: str, line: str, style: str = "bold") -> Text:
    """One redacted item with its mark ("•", "⚠", "✖"): never markup, never a secret."""
    text = Text()
    text.append(f"{mark} ", style=style)
    text.append(redact(line))
    return text


def mark_lines(mark: str, items: Sequence[str], style: str = "bold") -> Text:
    """Several marked items, one a line."""
    return Text("\n").join(mark_line(mark, line, style) for line in items)
