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
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: at or above this many tasks + services a re-list pauses the collector (a small
#: cluster's full pass takes a few ms: nothing to win there)
BIG = 3000


@contextmanager
def paused(big: bool) -> Iterator[None]:
    """Pause the cyclic collector while the body runs (when `big`), then freeze the
    survivors. Only the store's refresher thread calls it. After the first list the young
    generations hold the whole new snapshot, so that one collection walks it all (once;
    freezing without it kept garbage cycles of that list — +30 MiB peak measured)."""
    if not big:
        yield
        return
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.collect(1)  # garbage cycles made meanwhile are found before the freeze
        gc.freeze()
        if was_enabled:
            gc.enable()
