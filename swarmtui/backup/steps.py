"""Timed, journaled steps: each one told to a listener as it starts and ends, and written
to the audit journal with its command-line equivalent (redacted there, as every line)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from swarmtui import audit
from swarmtui.secrets import redact

T = TypeVar("T")


@dataclass
class Step:
    name: str  # "stop the engine"
    cli: str  # what an admin would type for it
    state: Literal["running", "ok", "failed", "refused"] = "running"
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0
    detail: str = ""

    @property
    def line(self) -> str:
        mark = {"running": "…", "ok": "ok", "failed": "FAILED", "refused": "REFUSED"}[self.state]
        took = f"{self.seconds:6.2f} s" if self.state != "running" else "        "
        extra = f"  — {self.detail}" if self.detail else ""
        return redact(f"{mark:>7}  {took}  {self.name}{extra}")


Listener = Callable[[Step], None]


class StepError(Exception):
    """A step failed; the message says which and why (already redacted)."""


class Steps:
    """Runs the steps of one procedure, times them, tells `listener`, journals them."""

    def __init__(self, operation: str, target: str, endpoint: str,
                 listener: Listener | None = None, journal: bool = True) -> None:
        self.operation = operation  # "backup.create", "backup.restore"
        self.target = target
        self.endpoint = endpoint
        self.listener = listener
        self.journal = journal
        self.done: list[Step] = []

    def _tell(self, step: Step) -> None:
        if self.listener is not None:
            self.listener(step)

    def _record(self, step: Step, result: str, error: str | None) -> None:
        if not self.journal:
            return
        audit.record(audit.AuditEntry(
            operation=f"{self.operation}: {step.name}", target=self.target, cli=step.cli,
            result=result, error=error, endpoint=self.endpoint,
            detail={"seconds": round(step.seconds, 3)}))

    async def run(self, name: str, cli: str, work: Awaitable[T],
                  detail: Callable[[T], str] | None = None) -> T:
        step = Step(name, cli)
        self._tell(step)
        try:
            value = await work
        except BaseException as exc:
            step.seconds = time.monotonic() - step.started
            step.state = "failed"
            step.detail = redact(str(exc) or type(exc).__name__)
            self.done.append(step)
            self._tell(step)
            self._record(step, "error", step.detail)
            raise
        step.seconds = time.monotonic() - step.started
        step.state = "ok"
        if detail is not None:
            step.detail = redact(detail(value))
        self.done.append(step)
        self._tell(step)
        self._record(step, "ok", None)
        return value

    def refuse(self, name: str, cli: str, why: str) -> None:
        """Journal a refusal (nothing was done on the host)."""
        step = Step(name, cli, state="refused", detail=redact(why))
        self.done.append(step)
        self._tell(step)
        self._record(step, "refused", step.detail)
