"""The operation shape every create/change in this package follows.

Mirrors the domain's Operation (name, target, ``cli``, ``mutating``,
``confirm_text``, ``guard`` → blocks/warnings/preview, ``apply(api)``,
``converged(snapshot)``) so these plug into the same confirm → audit → progress
path. Guards never do I/O: read-only mode and invalid input are refused before
any request is sent.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from swarmtui.swarm.create.inventory import Inventory

READ_ONLY_BLOCK = "read-only mode: changes are disabled (started with --read-only or the profile)"


@dataclass
class GuardResult:
    """What the confirmation shows: blocks refuse the operation; warnings and preview inform."""

    blocks: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: lines saying what will happen (created/changed objects, spec diff …)
    preview: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.blocks


@dataclass(frozen=True)
class Progress:
    """One look at convergence: ``done`` ends the progress view; ``failed`` says it went wrong."""

    done: bool
    text: str
    failed: bool = False


@dataclass(frozen=True)
class ApplyResult:
    """What apply did, in words (ids of created objects in ``ids``); never secret data."""

    text: str
    ids: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


class OperationError(Exception):
    """An operation failed at apply time; the message is for a person (no secret values)."""


class CreateOperation(ABC):
    """Base of every operation in swarmtui.swarm.create."""

    #: short verb phrase, e.g. "create service"
    name: str = ""
    mutating: bool = True

    @property
    @abstractmethod
    def target(self) -> str:
        """The object acted on, by name."""

    @property
    @abstractmethod
    def cli(self) -> str:
        """The exact docker CLI equivalent (safe to show and journal: no secret values)."""

    @property
    def confirm_text(self) -> str | None:
        """Text the user must type to confirm (destructive operations), else None."""
        return None

    def guard(self, snapshot: Any, *, read_only: bool = False) -> GuardResult:
        """Check against the cluster state (an Inventory or the domain snapshot); no I/O."""
        if read_only and self.mutating:
            return GuardResult(blocks=[READ_ONLY_BLOCK])
        return self.check(Inventory.of(snapshot))

    @abstractmethod
    def check(self, inv: Inventory) -> GuardResult:
        """The operation-specific part of the guard."""

    @abstractmethod
    def apply(self, api: Any) -> ApplyResult:
        """Send the change (blocking docker.APIClient). Raises OperationError."""

    def converged(self, snapshot: Any) -> Progress:
        """Has the cluster reached the intended state? Default: done at once."""
        return Progress(True, "done")


def api_error_text(exc: BaseException) -> str:
    """The engine's own explanation from an APIError (its `explanation`), else str(exc)."""
    explanation = getattr(exc, "explanation", None)
    if explanation:
        return str(explanation)
    return str(exc)


def retry_out_of_sequence(fn: Callable[[], Any], attempts: int = 5) -> Any:
    """Call `fn` (which re-reads the spec and version itself) again on "update out of sequence"."""
    for attempt in range(attempts):
        try:
            return fn()
        except Exception as exc:  # docker.errors.APIError; kept generic to avoid the import
            if "out of sequence" not in api_error_text(exc).lower() or attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")
