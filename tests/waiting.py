"""Wait on a condition with a deadline — never sleep and hope.

With SWARMTUI_WAIT_LOG=path set, every wait appends one JSON line to that file (the test,
what it waited for, the seconds it took, its deadline, whether it timed out), so a run
under load shows how close each wait came to its deadline (`python -m tests.waiting path`
prints the closest ones).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def _log(what: str, started: float, timeout: float, ok: bool) -> None:
    path = os.environ.get("SWARMTUI_WAIT_LOG")
    if not path:
        return
    test = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0].split("@", 1)[0]
    line = json.dumps({"test": test, "what": what, "took": round(time.monotonic() - started, 2),
                       "timeout": timeout, "ok": ok})
    with open(path, "a") as fh:
        fh.write(line + "\n")


def wait_for(what: str, probe: Callable[[], T], timeout: float = 30, interval: float = 0.1) -> T:
    """Call `probe` until it returns something truthy; return it, or fail naming `what`."""
    started = time.monotonic()
    deadline = started + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            _log(what, started, timeout, True)
            return last
        time.sleep(interval)
    _log(what, started, timeout, False)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}; last value: {last!r}")


async def async_wait_for(
    what: str, probe: Callable[[], T | Awaitable[T]], timeout: float = 30, interval: float = 0.05
) -> T:
    started = time.monotonic()
    deadline = started + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        value = probe()
        last = await value if asyncio.iscoroutine(value) else value  # type: ignore[assignment]
        if last:
            _log(what, started, timeout, True)
            return last  # type: ignore[return-value]
        await asyncio.sleep(interval)
    _log(what, started, timeout, False)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}; last value: {last!r}")


def _report(path: str, top: int = 25) -> None:
    """The waits of a logged run that came closest to their deadlines."""
    with open(path) as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    rows.sort(key=lambda r: r["took"] / max(r["timeout"], 0.001), reverse=True)
    for r in rows[:top]:
        flag = "" if r["ok"] else "  TIMED OUT"
        print(f"{r['took']:7.1f} s of {r['timeout']:5.0f} s ({r['took'] / r['timeout']:4.0%})"
              f"  {r['test']}  — {r['what']}{flag}")


if __name__ == "__main__":
    _report(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 25)
