"""The UI thread's turn: background threads step aside while it handles the user's input.

CPython runs one thread at a time (the GIL). A thread that computes (the rows worker's
20,000 rows, the store's merge of a re-list) keeps it for up to the switch interval (5 ms)
each time another thread asks for it — and the UI thread asks dozens of times while it
handles one key, once per turn of its event loop (each waits on its selector with the GIL
released). A pane switch of ~30 ms of UI-thread CPU took 130-230 ms while the Tasks rows
were being built beside it.

So the app says when input arrives (`input_now`, from the thread that reads the
terminal, before the UI thread even runs), and long background loops call `step_aside()`
every millisecond or two of their work: while input came within the last `HOLD_S`, they
sleep — the GIL free — until then. An idle UI costs them one clock read per call. Input
that never stops (a key held down) holds them back at most `HOLD_S` per call, so the
background still moves on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

#: how long after an input event the UI thread is given the GIL alone: a key's handling
#: and its paint (a pane switch at 20,000 tasks: ~30-60 ms of CPU, more under load)
HOLD_S = 0.15

_until = 0.0
#: the UI thread (Textual's event loop runs on the main thread): it never steps aside
_UI = threading.main_thread().ident


def input_now() -> None:
    """The user pressed a key or clicked (any thread)."""
    global _until
    _until = time.monotonic() + HOLD_S


def busy() -> bool:
    """Whether the UI thread is handling input now."""
    return time.monotonic() < _until


def step_aside() -> None:
    """A background loop's pause point: while the UI thread handles input, wait for it
    (at most `HOLD_S`); else return at once. On the UI thread itself: return at once."""
    wait = _until - time.monotonic()
    if wait > 0 and threading.get_ident() != _UI:
        time.sleep(min(wait, HOLD_S))


def stepping(items: Iterable[T], every: int) -> Iterator[T]:
    """`items`, with a `step_aside()` before each `every` of them (a loop of ~1-2 ms of
    work per `every` items steps aside within that long of an input)."""
    for n, item in enumerate(items):
        if not n % every:
            step_aside()
        yield item
