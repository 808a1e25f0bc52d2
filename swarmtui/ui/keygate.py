"""Keys read at once are handled one after another, each where the keys before it left
the focus.

Textual hands a key to the widget focused when the app reads it, and the widget handles
it later, in its own queue; the binding it reaches (`/` opens the filter, Tab moves to the
next field) runs later still, back in the app. Keys that arrive in one read — typed fast
over a slow SSH link, while a poll holds the process for a moment, or pasted — were all
queued for the first key's widget before that key had moved the focus: "/node2" typed
fast drained node1 (the `d` reached the table), "web<Tab>busybox" filled one field.

`KeyGate` holds the keys after one that may move the focus until that key has gone
through its widget, the widget's ancestors and the app (a callback queued behind it at
each step, then once more in the app for the `focus()` its action asked for), then hands
the next one on. Typing into a text field moves no focus and passes straight through.
If a step can never run (its widget went away with the key), the next key goes on at the
next check (`CHECK_S`); none waits longer than `LONGEST_S`.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from textual import events
from textual.message_pump import MessagePump
from textual.timer import Timer

from swarmtui.ui.widgets.text import is_text_field

#: how often a key in flight is checked for a step that cannot run any more (its widget
#: went away with the key), and the longest it holds the keys after it in any case
CHECK_S = 0.5
LONGEST_S = 10.0


def _ready(screen: Any) -> bool:
    """A screen that is mounted and has been shown (its auto-focus done)."""
    return bool(screen.is_mounted) and screen.stack_updates > 0


def _gone(pump: MessagePump | None) -> bool:
    return pump is not None and (pump._closing or pump._closed)


class KeyGate:
    """Hands the app's fresh keys on in order (see the module's docstring)."""

    def __init__(self, app: MessagePump, handle: Callable[[events.Key], Awaitable[None]]
                 ) -> None:
        self._app = app
        #: handles one fresh key the way Textual does (priority bindings, then forwards it)
        self._handle = handle
        self._held: deque[events.Key] = deque()
        self._seq = 0
        self._busy = 0  # the key in flight (its number: a late step of an older one is ignored)
        self._at: MessagePump | None = None  # where its next step waits
        self._since = 0.0
        self._check: Timer | None = None
        self._shown: Any = None  # the screen last found ready

    def admit(self, event: events.Key) -> bool:
        """True when `event` may be handled now; else it waits for the key before it."""
        if self._busy or self._held:
            self._held.append(event)
            return False
        return True

    def handled(self, event: events.Key, target: MessagePump) -> None:
        """`event` was just handled by the app and, unless a priority binding took it,
        forwarded to `target`: hold the next keys until it has gone all the way."""
        if event.is_forwarded and is_text_field(target) \
                and event.is_printable:
            return  # typing: the field takes it; the focus stays
        chain: list[MessagePump] = []
        if event.is_forwarded:
            node: Any = target
            while node is not None and node is not self._app:
                chain.append(node)
                node = node._parent
        chain.append(self._app)  # its bindings; then (_step's end) what they queued there
        self._seq += 1
        self._busy = self._seq
        self._since = time.monotonic()
        if self._check is None:
            self._check = self._app.set_interval(CHECK_S, self._checked)
        self._step(self._busy, chain, 0)

    async def _checked(self) -> None:
        if not self._busy:
            if self._check is not None:
                self._check.stop()
                self._check = None
        elif _gone(self._at) or time.monotonic() - self._since > LONGEST_S:
            await self._release(self._busy, waited=True)

    def _step(self, token: int, chain: Sequence[MessagePump], at: int) -> None:
        if token != self._busy:
            return
        if at == len(chain):
            self._at = self._app
            self._app.call_later(self._release, token)
            return
        self._at = chain[at]
        if not chain[at].call_later(self._step, token, chain, at + 1):
            self._step(token, chain, at + 1)  # that widget is gone: on to its parent

    async def _release(self, token: int, waited: bool = False) -> None:
        if token != self._busy:
            return
        screen: Any = getattr(self._app, "screen", None)
        if not waited and screen is not None and screen is not self._shown:
            if _ready(screen):  # a screen the key opened: built, shown, then the focus
                self._shown = screen  # its mount asked for (one more turn of the app)
                self._app.call_later(self._release, token)
            else:
                self._app.call_after_refresh(self._release, token)
            return
        self._busy = 0
        self._at = None
        while self._held and not self._busy:
            await self._handle(self._held.popleft())
