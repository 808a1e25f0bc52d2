"""Keep Python's cyclic garbage collector from stalling every thread during a big re-list.

A 20,000-task list is ~150,000 tracked containers (the API dicts and the models); while
they are built, the collector's full passes walk all of them *with the GIL held*: 0.26,
0.29 and 0.63 s stalls were measured in one start at 20,000 tasks, and a keystroke waits
for each. Snapshots are acyclic (dicts, lists, frozen dataclasses): reference counting
frees them, the collector never needs to. So during a re-list the collector is paused;
after it, the young generations are collected (no garbage cycle is kept; only what a
poll changed is alive there, so that is cheap) and what is alive is moved to the
permanent generation (`gc.freeze`), out of later full passes. An older snapshot is still
freed by reference counting when a newer one replaces it.

The start of the app is paused the same way (`hold_start` from the command line,
`started` 1 s after the first view is shown, or 2 s after the app mounts when no
cluster is shown): importing ~800 modules ran ~160 collections,
one a full pass, 55-70 ms of CPU of a 0.6 s start. Holds nest (the start and the first
re-list overlap): the collector runs again when the last one is released.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: at or above this many tasks + services a re-list pauses the collector (a small
#: cluster's full pass takes a few ms: nothing to win there)
BIG = 3000

_lock = threading.Lock()
_holds = 0
#: whether the collector was enabled when the first hold began
_was_enabled = True


def hold() -> None:
    """Pause the collector until the matching `release` (holds nest; any thread)."""
    global _holds, _was_enabled
    with _lock:
        if _holds == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holds += 1


def release() -> None:
    """End a `hold`. The last one collects the young generations (garbage cycles made
    meanwhile are found), freezes the survivors and lets the collector run again."""
    global _holds
    with _lock:
        _holds -= 1
        if _holds:
            return
        gc.collect(1)
        gc.freeze()
        if _was_enabled:
            gc.enable()


_start_held = False


def hold_start() -> None:
    """The app's start: no collection until `started` (both on the main thread)."""
    global _start_held
    if not _start_held:
        _start_held = True
        hold()


def started() -> None:
    """The first view is on screen (or the app ends): end `hold_start`'s hold, once."""
    global _start_held
    if _start_held:
        _start_held = False
        release()


@contextmanager
def paused(big: bool) -> Iterator[None]:
    """Pause the cyclic collector while the body runs (when `big`), then freeze the
    survivors. The store's refresher thread calls it. After the first list the young
    generations hold the whole new snapshot, so that one collection walks it all (once;
    freezing without it kept garbage cycles of that list — +30 MiB peak measured)."""
    if not big:
        yield
        return
    hold()
    try:
        yield
    finally:
        release()
