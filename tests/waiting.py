"""Wait on a condition with a deadline — never sleep and hope."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T], timeout: float = 30, interval: float = 0.1) -> T:
    """Call `probe` until it returns something truthy; return it, or fail naming `what`."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}; last value: {last!r}")


async def async_wait_for(
    what: str, probe: Callable[[], T | Awaitable[T]], timeout: float = 30, interval: float = 0.05
) -> T:
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        value = probe()
        last = await value if asyncio.iscoroutine(value) else value  # type: ignore[assignment]
        if last:
            return last  # type: ignore[return-value]
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}; last value: {last!r}")
