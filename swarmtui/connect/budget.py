"""How many SSH connection attempts the node pool starts: a budget, so that reaching 1,000
nodes is a trickle, not a burst.

`AttemptBudget` is a token bucket: `burst` attempts at once (a lab of 3-5 nodes, or the
nodes of one screen, never wait), then `rate` a second. An attempt made for a person
(a shell, exec, an operation: the default) spends a token and never waits. An attempt
made in the background (inside `background()`: the stats sampler, the node doctor) waits
for a token when there is none; the waiting ones go in the order the screen asks for
(`order`: the cursor's node, the marked ones, the rows on screen), then first come first
served. At 1,000 nodes without SSH the first sweep had started 1,000 attempts within a
second (each parses the ssh_config in asyncssh with the GIL held): keystrokes waited
on them for up to 270 ms.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import itertools
import time
from collections.abc import Callable, Iterator, Mapping

_BACKGROUND: contextvars.ContextVar[bool] = contextvars.ContextVar("swarmtui_reach_background",
                                                                   default=False)


@contextlib.contextmanager
def background() -> Iterator[None]:
    """Attempts made within (this task's context) wait for the budget, in screen order."""
    token = _BACKGROUND.set(True)
    try:
        yield
    finally:
        _BACKGROUND.reset(token)


def in_background() -> bool:
    return _BACKGROUND.get()


class AttemptBudget:
    """A token bucket of connection attempts (see the module docstring). One event loop."""

    def __init__(self, burst: int = 16, rate: float = 8.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.burst = burst
        self.rate = rate
        self.clock = clock
        #: hostname -> rank (lower goes first); a hostname not in it ranks after all of them
        self.order: Mapping[str, int] = {}
        self._tokens = float(burst)
        self._at = clock()
        self._waiting: dict[asyncio.Future[None], tuple[str, int]] = {}
        self._seq = itertools.count()
        self._timer: asyncio.TimerHandle | None = None

    @property
    def waiting(self) -> int:
        """Background attempts waiting for a token."""
        return len(self._waiting)

    def _refill(self) -> None:
        now = self.clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._at) * self.rate)
        self._at = now

    async def take(self, hostname: str) -> None:
        """Return when an attempt to reach `hostname` may start."""
        self._refill()
        if not in_background():
            self._tokens -= 1  # a person asked: at once (the background waits longer)
            return
        if self._tokens >= 1 and not self._waiting:
            self._tokens -= 1
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[fut] = (hostname, next(self._seq))
        self._arm()
        try:
            await fut
        finally:
            self._waiting.pop(fut, None)  # cancelled while waiting: out of the queue

    def _arm(self) -> None:
        if self._timer is not None or not self._waiting:
            return
        wait = max(0.0, (1 - self._tokens) / self.rate)
        self._timer = asyncio.get_running_loop().call_later(wait, self._release)

    def _release(self) -> None:
        self._timer = None
        self._refill()
        last = len(self.order)
        while self._tokens >= 1 and self._waiting:
            fut = min(self._waiting, key=lambda f: (self.order.get(self._waiting[f][0], last),
                                                    self._waiting[f][1]))
            del self._waiting[fut]
            if fut.done():  # cancelled
                continue
            self._tokens -= 1
            fut.set_result(None)
        self._arm()
