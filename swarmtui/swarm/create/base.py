"""The domain's Operation, adapted for the create/change operations of this package.

Every operation here is a :class:`swarmtui.swarm.ops.Operation` (name, target,
``cli``, ``mutating``, ``confirm_text``, ``guard`` → blocks/warnings/preview,
``apply(api) -> str``, ``converged(snapshot) -> (done, text)``), so it runs
through the same confirm → audit journal → progress path (``run_operation``).

Guards here accept either the domain's :class:`ClusterSnapshot` or an
:class:`Inventory` (which can also carry secrets and configs, which the
snapshot does not list). Read-only mode is refused first, before any I/O.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from swarmtui.swarm import format as fmt
from swarmtui.swarm.create.inventory import Inventory
from swarmtui.swarm.fetch import describe_error
from swarmtui.swarm.ops.base import (
    READ_ONLY_BLOCK,
    GuardResult,
    Operation,
    OperationError,
    Progress,
    is_out_of_sequence,
)
from swarmtui.swarm.state import ClusterSnapshot

__all__ = [
    "READ_ONLY_BLOCK", "CreateOperation", "GuardResult", "OperationError", "Progress",
    "api_error_text", "engine_errors", "fresh_inventory", "guard_result", "is_out_of_sequence",
]


def guard_result(blocks: Iterable[str] = (), warnings: Iterable[str] = (),
                 preview: Iterable[str] = ()) -> GuardResult:
    return GuardResult(tuple(blocks), tuple(warnings), tuple(preview))


def removal_guard(what: str, users: Sequence[str], free_them: str,
                  preview: str) -> GuardResult:
    """Removing `what` is refused while services use it (`free_them`: what to do first);
    else the preview of the removal."""
    if users:
        return guard_result(blocks=[f"{what} is used by {fmt.plural(len(users), 'service')} "
                                    f"{', '.join(users)} — "
                                    f"{free_them}"])
    return guard_result(preview=[preview])


def api_error_text(exc: BaseException) -> str:
    """The engine's own explanation of an API error, in one line."""
    return describe_error(exc)


@contextmanager
def engine_errors(what: str, scrub: Callable[[str], str] = str) -> Iterator[None]:
    """Any engine/transport error inside → OperationError("WHAT failed: <the engine's
    words>"), with `scrub` applied (a secret's value), and no chained cause."""
    try:
        yield
    except OperationError:
        raise
    except Exception as exc:
        raise OperationError(f"{what} failed: {scrub(api_error_text(exc))}") from None


def fresh_inventory(api: Any) -> Inventory:
    """The cluster as it is now, with secrets and configs (their IDs go into specs)."""
    with engine_errors("reading the cluster"):
        return Inventory.read(api, tasks=False)


class CreateOperation(Operation):
    """Base of the operations in swarmtui.swarm.create: one target, by name."""

    #: removals want the target's name typed to confirm
    typed_to_confirm = False

    def __init__(self, label: str) -> None:
        super().__init__((), (label,))

    @property
    def confirm_text(self) -> str | None:
        return self.target if self.typed_to_confirm else None

    def guard(
        self,
        snapshot: ClusterSnapshot | Inventory | Any,
        *,
        read_only: bool = False,
        connected_node_id: str | None = None,
    ) -> GuardResult:
        """Blocks, warnings and preview; read-only refused first; never does network I/O."""
        if self.mutating and read_only:
            return GuardResult(blocks=(READ_ONLY_BLOCK,))
        if isinstance(snapshot, ClusterSnapshot) and not snapshot.is_manager:
            why = snapshot.message or "the engine is not a swarm manager"
            return GuardResult(blocks=(f"cannot change the swarm: {why}",))
        return self.check(Inventory.of(snapshot))

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        return self.check(Inventory.of(snapshot))

    @abstractmethod
    def check(self, inv: Inventory) -> GuardResult:
        """The operation-specific part of the guard (pure)."""

    def progress(self, snapshot: ClusterSnapshot | Inventory | Any) -> Progress:
        """Convergence with a failure flag (paused / rolled back updates)."""
        return Progress(True, "done")

    def converged(self, snapshot: ClusterSnapshot | Inventory | Any) -> tuple[bool, str]:
        p = self.progress(snapshot)
        return p.done, p.text
