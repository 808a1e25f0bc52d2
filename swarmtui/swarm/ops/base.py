"""The Operation protocol and the safe way to update node and service specs.

An operation is planned from model objects, **guarded** against a snapshot
(blocks, warnings, preview lines — no network I/O), **applied** with a blocking
docker-py APIClient, then **converged**: polled snapshots tell when the cluster
has done what was asked (or why it cannot).

Spec updates always send the *full current spec* with its version index, and
re-read + retry on "update out of sequence" (someone else changed the object
in between), with a growing wait: nothing another client set (labels,
constraints, …) is lost.
"""

from __future__ import annotations

import contextlib
import copy
import random
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from swarmtui.secrets import redact
from swarmtui.swarm.fetch import describe_error
from swarmtui.swarm.state import ClusterSnapshot

DockerAPI = Any
Spec = dict[str, Any]

#: How many times a spec update is re-read and retried on "update out of sequence".
UPDATE_ATTEMPTS = 5

READ_ONLY_BLOCK = "read-only mode: changes are disabled (started with --read-only or the profile)"


@dataclass(frozen=True)
class Progress:
    """One look at convergence. ``failed``: it ended but not as asked (paused, rolled back)."""

    done: bool
    text: str
    failed: bool = False


class OperationError(Exception):
    """Applying an operation failed; the message is safe to show and to journal."""


@dataclass(frozen=True)
class GuardResult:
    """What the confirmation shows before anything is sent.

    ``blocks``: reasons the operation is refused (nothing will be sent).
    ``warnings``: things to read before confirming. ``preview``: what will happen.
    """

    blocks: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    preview: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return not self.blocks

    def __add__(self, other: GuardResult) -> GuardResult:
        return GuardResult(
            self.blocks + other.blocks,
            self.warnings + other.warnings,
            self.preview + other.preview,
        )


class Operation(ABC):
    """A change a user can make. Subclasses set the class attributes and implement the hooks.

    Attributes:
        name: short verb ("promote", "drain", "scale", …) — also the journal's operation.
        kind: "node" or "service".
        target_ids: IDs of the objects acted on.
        target_labels: their names (hostnames / service names), for people.
        mutating: False for read-only operations (none yet; all ops change the cluster).
        timeout: seconds the progress view waits for convergence.
        needs_manager: False for changes made on an engine that is not (or no longer) a
            working manager: init, join, leave, unlock, force-new-cluster.
        follows_cluster: False when the apply's answer is the whole result (nothing for
            the progress view to wait for in the cluster's lists).
        hosts: where the CLI ran over SSH, when not on the connected manager.
    """

    name: str = ""
    kind: str = ""
    mutating: bool = True
    timeout: float = 60.0
    needs_manager: bool = True
    follows_cluster: bool = True
    #: the host(s) the CLI runs on over SSH when it is not the connected manager's docker
    #: CLI (the bootstrap's "root@node2"): the journal and the script name them
    hosts: tuple[str, ...] = ()
    #: True when `check_io` has facts to look up for the confirmation (an image on the
    #: nodes, its registry): the confirm screen runs it in a thread, debounced
    checks_io: bool = False

    def __init__(self, target_ids: tuple[str, ...], target_labels: tuple[str, ...]) -> None:
        self.target_ids = target_ids
        self.target_labels = target_labels
        #: set by apply(): facts needed by converged() (versions, previous states)
        self.applied: dict[str, Any] = {}
        #: runs between reading and writing a spec (argument: attempt number). A seam for
        #: tests that race an external update; None in normal use.
        self.before_write: Callable[[int], None] | None = None

    # ---------------------------------------------------------------- describe

    @property
    @abstractmethod
    def cli(self) -> str:
        """The exact docker CLI command a person would type for the same change."""

    @property
    def title(self) -> str:
        """A one-line description, e.g. "drain node3"."""
        return f"{self.name} {', '.join(self.target_labels)}"

    @property
    def target(self) -> str:
        """The targets as one string (journal)."""
        return ", ".join(self.target_labels)

    @property
    def confirm_text(self) -> str | None:
        """For destructive operations, the name the user must type to confirm; else None."""
        return None

    def confirmation_ok(self, typed: str | None) -> bool:
        """True when no typed confirmation is needed, or `typed` matches it exactly."""
        need = self.confirm_text
        return need is None or (typed or "").strip() == need

    # ------------------------------------------------------------------- guard

    def guard(
        self,
        snapshot: ClusterSnapshot,
        *,
        read_only: bool = False,
        connected_node_id: str | None = None,
    ) -> GuardResult:
        """Blocks, warnings and preview from the live state. Never does network I/O.

        In read-only mode a mutating operation is refused here, first thing.
        """
        if self.mutating and read_only:
            return GuardResult(blocks=(READ_ONLY_BLOCK,))
        if self.needs_manager and (not snapshot.is_manager or snapshot.message):
            why = snapshot.message or "the engine is not a swarm manager"
            return GuardResult(blocks=(f"cannot change the swarm: {why}",))
        return self._guard(snapshot, connected_node_id or snapshot.local_node_id or None)

    @abstractmethod
    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        """Operation-specific checks (read-only and manager checks are already done)."""

    def check_io(self, api: DockerAPI, snapshot: ClusterSnapshot) -> GuardResult:
        """Facts that need I/O (see `checks_io`), as warnings and preview lines only: the
        guard decides what is blocked. Blocking; from a worker thread."""
        return GuardResult()

    # ------------------------------------------------------------------- apply

    @abstractmethod
    def apply(self, api: DockerAPI) -> str:
        """Send the change. Returns a short result sentence; raises OperationError."""

    # -------------------------------------------------------------- converge

    @abstractmethod
    def converged(self, snapshot: ClusterSnapshot) -> tuple[bool, str]:
        """(done, text): whether the cluster has reached what was asked, and a status line.

        When it cannot get there the text says why (e.g. "pending: no suitable node …").
        """


# --------------------------------------------------------------- spec updates

R = TypeVar("R")

#: the first wait after an "update out of sequence" (seconds); doubled on each retry,
#: with jitter, so two clients racing on one object do not collide again in lock-step
RETRY_FIRST_WAIT = 0.05
RETRY_MAX_WAIT = 1.0


def is_out_of_sequence(exc: BaseException) -> bool:
    """The engine refused an update because the object changed since it was read."""
    text = str(getattr(exc, "explanation", "") or exc).lower()
    return "out of sequence" in text


def retry_wait(attempt: int) -> float:
    """Seconds to wait after failed attempt `attempt` (1-based): exponential, jittered."""
    base: float = min(RETRY_MAX_WAIT, RETRY_FIRST_WAIT * 2.0 ** (attempt - 1))
    return base * (0.5 + random.random() / 2)


def retry_out_of_sequence(
    step: Callable[[int], R],
    *,
    what: str,
    attempts: int = UPDATE_ATTEMPTS,
    error: Callable[[str], Exception] = OperationError,
    sleep: Callable[[float], None] = time.sleep,
) -> R:
    """Run `step(attempt)` — read fresh, change, write with the version read — until it
    does not end in "update out of sequence", waiting longer after each collision.

    `step` must re-read on every attempt (so a retry never writes what it read before).
    Any other exception passes through. After `attempts` collisions raises
    ``error(message)``; the message says what kept changing.
    """
    last: BaseException | None = None
    for attempt in range(1, attempts + 1):
        try:
            return step(attempt)
        except Exception as exc:
            if not is_out_of_sequence(exc):
                raise
            last = exc
        if attempt < attempts:
            sleep(retry_wait(attempt))
    raise error(redact(
        f"{what} kept changing under us: {attempts} attempts ended in 'update out of "
        f"sequence' ({describe_error(last) if last else ''}); try again"))


def _api_error(action: str, exc: BaseException) -> OperationError:
    return OperationError(redact(f"{action} failed: {describe_error(exc)}"))


def update_node_spec(
    api: DockerAPI,
    node_id: str,
    mutate: Callable[[Spec], None],
    *,
    attempts: int = UPDATE_ATTEMPTS,
    before_write: Callable[[int], None] | None = None,
) -> int:
    """Read the node, apply `mutate` to a copy of its FULL spec, write it with its version.

    On "update out of sequence" re-read and retry (`retry_out_of_sequence`).
    `before_write(attempt)` runs between read and write (tests use it to race).
    Returns the number of attempts used; raises OperationError.
    """

    def step(attempt: int) -> int:
        try:
            current = api.inspect_node(node_id)
        except Exception as exc:
            raise _api_error("reading the node", exc) from exc
        spec = copy.deepcopy(current.get("Spec") or {})
        mutate(spec)
        if before_write is not None:
            before_write(attempt)
        try:
            api.update_node(node_id, current["Version"]["Index"], spec)
        except Exception as exc:
            if is_out_of_sequence(exc):
                raise
            raise _api_error("updating the node", exc) from exc
        return attempt

    return retry_out_of_sequence(step, what="the node", attempts=attempts)


#: the service specs written while the runner applies an operation (see recording_specs)
_WRITTEN: ContextVar[list[dict[str, Any]] | None] = ContextVar("swarmtui_specs_written",
                                                               default=None)


@contextlib.contextmanager
def recording_specs() -> Iterator[list[dict[str, Any]]]:
    """Collect every service spec `update_service_spec` writes inside the block (the
    runner journals them: the spec history of a service). Each item: service_id, name,
    version (the one written over) and spec (the spec now in effect)."""
    written: list[dict[str, Any]] = []
    token = _WRITTEN.set(written)
    try:
        yield written
    finally:
        _WRITTEN.reset(token)


class StaleVersionError(OperationError):
    """The service changed since the version the user chose from: nothing was sent."""


def stale_message(name: str, seen: int, now: int | None) -> str:
    moved = f"version {seen} then, {now} now" if now is not None else \
        f"version {seen} then, changed while sending"
    return (f"{name} changed since you chose from its history ({moved}): nothing was sent; "
            "reopen its history to see what changed")


def update_service_spec(
    api: DockerAPI,
    service_id: str,
    mutate: Callable[[Spec], None] | None,
    *,
    rollback: bool = False,
    attempts: int = UPDATE_ATTEMPTS,
    before_write: Callable[[int], None] | None = None,
    expect_version: int | None = None,
) -> tuple[int, dict[str, Any]]:
    """Like update_node_spec for a service; `rollback=True` asks for the previous spec.

    Sends the full current spec (POST /services/{id}/update?version=N[&rollback=previous]).
    `mutate` runs on the spec as read on each attempt. Returns (attempts used, the
    service as read before the successful write). With `expect_version`, a service at
    another version is not written (StaleVersionError), and neither is it retried.
    """

    def step(attempt: int) -> tuple[int, dict[str, Any]]:
        try:
            current = api.inspect_service(service_id)
        except Exception as exc:
            raise _api_error("reading the service", exc) from exc
        version = int(current["Version"]["Index"])
        name = str((current.get("Spec") or {}).get("Name") or service_id)
        if expect_version is not None and version != expect_version:
            raise StaleVersionError(stale_message(name, expect_version, version))
        spec = copy.deepcopy(current.get("Spec") or {})
        if mutate is not None:
            mutate(spec)
        params: dict[str, Any] = {"version": current["Version"]["Index"]}
        if rollback:
            params["rollback"] = "previous"
        if before_write is not None:
            before_write(attempt)
        try:
            # docker-py's update_service() cannot send rollback=previous nor a spec
            # verbatim, so post the spec ourselves through the client's own helpers.
            url = api._url("/services/{0}/update", service_id)
            resp = api._post_json(url, data=spec, params=params)
            api._result(resp, json=True)
        except Exception as exc:
            if is_out_of_sequence(exc) and expect_version is not None:
                raise StaleVersionError(stale_message(name, expect_version, None)) from None
            if is_out_of_sequence(exc):
                raise
            raise _api_error("updating the service", exc) from exc
        written = _WRITTEN.get()
        if written is not None:
            in_effect = current.get("PreviousSpec") if rollback else spec
            written.append({"service_id": str(current.get("ID") or service_id), "name": name,
                            "version": version, "spec": copy.deepcopy(in_effect or {})})
        return attempt, current

    return retry_out_of_sequence(step, what="the service", attempts=attempts)
