"""The one runner: every change to a cluster goes through here.

guard → (typed confirmation) → apply → journal → optionally wait for convergence.

* **Read-only** is enforced here for every mutating Operation (node and service
  keys, forms, stacks, every swarm-level change): refused before any network I/O
  (no snapshot is even fetched), whatever the screen did or did not check.
* Every attempt — refused, failed or done — is written to the **audit journal**
  with the operation's equivalent **docker CLI line**; messages are **redacted**.
* Spec writes retry "update out of sequence" with growing waits (``ops.base``).
* ``send_operation`` is what a screen calls (from a thread): it gets the Docker
  client from an :class:`EngineSource` (anything with ``api()``: the store), and
  when a change fails — a lost reply included — re-reads the targets to say which
  of them changed anyway (half-applied), for one target as for several.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from swarmtui import audit
from swarmtui.secrets import redact
from swarmtui.swarm import format as fmt
from swarmtui.swarm.fetch import FetchError, describe_error, fetch_snapshot
from swarmtui.swarm.ops.base import (
    READ_ONLY_BLOCK,
    DockerAPI,
    GuardResult,
    Operation,
    is_out_of_sequence,
    recording_specs,
)
from swarmtui.swarm.spec_history import journal_specs
from swarmtui.swarm.state import ClusterSnapshot


class EngineSource(Protocol):
    """Where the runner gets its blocking Docker client (the store implements it).

    ``api()`` raises when there is no connection; the runner turns that into an
    "error" outcome with a sentence for people.
    """

    def api(self) -> DockerAPI: ...


@dataclass(frozen=True)
class FixedEngine:
    """An EngineSource for one client already at hand (an engine reached for one step,
    e.g. the node to unlock, or a test's client)."""

    client: DockerAPI

    def api(self) -> DockerAPI:
        return self.client


@dataclass
class Outcome:
    """What happened. ``status``: "refused", "error" or "ok"."""

    status: str
    message: str
    guard: GuardResult = field(default_factory=GuardResult)
    #: None when not waited for; else whether the cluster converged in time
    converged: bool | None = None
    converge_text: str = ""
    #: set when the journal line could not be written (the change itself may have happened)
    journal_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def journal(
    op: Operation,
    result: str,
    error: str | None = None,
    *,
    cluster: str = "",
    endpoint: str = "",
    path: Path | None = None,
    detail: dict[str, object] | None = None,
) -> None:
    """Write one audit line for `op`."""
    audit.record(
        audit.AuditEntry(
            operation=op.name,
            target=op.target,
            cli=op.cli,
            result=result,
            error=error,
            cluster=cluster,
            # where it ran: a bootstrapped host, not the manager the session is on
            endpoint=", ".join(op.hosts) or endpoint,
            detail=dict(detail or {}) | ({"manager": endpoint} if op.hosts else {}),
        ),
        path,
    )


def run_operation(
    api: DockerAPI,
    op: Operation,
    *,
    snapshot: ClusterSnapshot | None = None,
    read_only: bool = False,
    typed_confirmation: str | None = None,
    cluster: str = "",
    endpoint: str = "",
    journal_path: Path | None = None,
    wait: bool = False,
    timeout: float | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> Outcome:
    """guard → confirmation → apply → journal → (wait for convergence).

    `snapshot` defaults to a fresh fetch (pass the UI's current one to guard against
    what the user saw). `typed_confirmation` must equal ``op.confirm_text`` for
    destructive operations. Blocking: call it from a worker thread. With
    ``wait=False`` poll ``op.converged(snapshot)`` yourself for a progress view.
    """

    journal_errors: list[str] = []

    def log(result: str, error: str | None, detail: dict[str, object] | None = None) -> None:
        try:
            journal(
                op,
                result,
                error,
                cluster=cluster,
                endpoint=endpoint,
                path=journal_path,
                detail=detail,
            )
        except OSError as exc:  # a full disk must not hide what happened to the cluster
            journal_errors.append(f"the audit journal could not be written: {exc.strerror or exc}")

    outcome = _run(api, op, log, snapshot, read_only, typed_confirmation)
    outcome.journal_error = "; ".join(journal_errors) or None
    if wait and outcome.ok:
        done, text = wait_converged(api, op, timeout=timeout, on_progress=on_progress)
        outcome.converged, outcome.converge_text = done, text
    return outcome


def _run(
    api: DockerAPI,
    op: Operation,
    log: Callable[..., None],
    snapshot: ClusterSnapshot | None,
    read_only: bool,
    typed_confirmation: str | None,
) -> Outcome:

    if read_only and op.mutating:
        guard = GuardResult(blocks=(READ_ONLY_BLOCK,))
        log("refused", READ_ONLY_BLOCK)
        return Outcome("refused", READ_ONLY_BLOCK, guard)
    try:
        snap = snapshot if snapshot is not None else fetch_snapshot(api)
    except FetchError as exc:
        log("error", f"reading the cluster failed: {exc}")
        return Outcome("error", f"reading the cluster failed: {exc}")
    guard = op.guard(snap, read_only=read_only, connected_node_id=snap.local_node_id or None)
    if guard.blocks:
        text = "; ".join(guard.blocks)
        log("refused", text)
        return Outcome("refused", text, guard)
    if not op.confirmation_ok(typed_confirmation):
        text = f"not confirmed: type {op.confirm_text!r} to {op.name}"
        log("refused", text)
        return Outcome("refused", text, guard)
    try:
        with recording_specs() as written:
            message = op.apply(api)
    except Exception as exc:  # OperationError, or anything unexpected from docker-py
        text = redact(str(exc) or type(exc).__name__)
        log("error", text)
        return Outcome("error", text, guard)
    detail: dict[str, object] = {"result": message}
    if written:  # the service specs it wrote: their history (swarm/spec_history.py)
        detail["specs"] = journal_specs(written)
    log("ok", None, detail)
    return Outcome("ok", message, guard)


def wait_converged(
    api: DockerAPI,
    op: Operation,
    *,
    timeout: float | None = None,
    interval: float = 0.3,
    on_progress: Callable[[str], None] | None = None,
) -> tuple[bool, str]:
    """Poll snapshots until ``op.converged`` says done or the time limit passes.

    Returns (converged, text); on timeout the text says what was still missing.
    """
    limit = op.timeout if timeout is None else timeout
    deadline = time.monotonic() + limit
    text = "no snapshot yet"
    while True:
        try:
            done, text = op.converged(fetch_snapshot(api))
        except FetchError as exc:
            done, text = False, f"cannot read the cluster: {exc}"
        if on_progress is not None:
            on_progress(text)
        if done:
            return True, text
        if time.monotonic() >= deadline:
            return False, f"not converged after {limit:.0f} s: {text}"
        time.sleep(interval)


# ------------------------------------------------------------- from a screen


@dataclass(frozen=True)
class Sent:
    """What happened when an operation was sent."""

    outcome: Outcome
    #: when the apply finished (snapshots taken before say nothing about the result)
    finished_at: datetime
    #: on an error: targets that changed anyway / that did not (a half-applied change)
    changed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()

    @property
    def half_applied(self) -> bool:
        return bool(self.changed) and bool(self.unchanged)


def refuse_read_only(op: Operation, *, cluster: str = "", endpoint: str = "",
                     journal_path: Path | None = None) -> Outcome:
    """Journal a read-only refusal. No network I/O: run_operation refuses before any."""
    return run_operation(None, op, read_only=True, cluster=cluster, endpoint=endpoint,
                         journal_path=journal_path)


def send_operation(
    source: EngineSource | None,
    op: Operation,
    *,
    read_only: bool,
    typed_confirmation: str | None = None,
    cluster: str = "",
    endpoint: str = "",
    journal_path: Path | None = None,
) -> Sent:
    """guard (fresh snapshot) → apply → journal. Blocking: call it from a thread.

    Never raises: every failure comes back as an "error" Outcome with a message
    meant for people, and is journaled. After an error the targets are re-read:
    those whose version moved anyway are in ``changed`` (the reply may have been
    lost after the engine did it).
    """
    if read_only and op.mutating:
        out = refuse_read_only(op, cluster=cluster, endpoint=endpoint, journal_path=journal_path)
        return Sent(out, fmt.now_utc())

    def failed(text: str) -> Sent:
        out = Outcome("error", redact(text))
        try:
            journal(op, "error", out.message, cluster=cluster, endpoint=endpoint,
                    path=journal_path)
        except OSError as exc:
            out.journal_error = f"the audit journal could not be written: {exc.strerror or exc}"
        return Sent(out, fmt.now_utc())

    if source is None:
        return failed("not connected to a Docker engine")
    try:
        api = source.api()
    except Exception as exc:
        return failed(f"not connected to a manager: {describe_error(exc)}")
    before: ClusterSnapshot | None
    try:
        before = fetch_snapshot(api)
    except FetchError:
        before = None  # run_operation fetches again, and journals why it cannot
    try:
        outcome = run_operation(api, op, snapshot=before, read_only=read_only,
                                typed_confirmation=typed_confirmation, cluster=cluster,
                                endpoint=endpoint, journal_path=journal_path)
    except Exception as exc:  # run_operation catches apply errors; this is a last resort
        return failed(f"{op.name} failed: {describe_error(exc)}")
    finished = fmt.now_utc()
    if outcome.status != "error" or before is None or not op.target_ids \
            or is_out_of_sequence(Exception(outcome.message)):
        # refused or done; or someone else kept changing it (their versions, not ours)
        return Sent(outcome, finished)
    changed, unchanged = changed_targets(api, op, before)
    return Sent(outcome, finished, changed, unchanged)


def changed_targets(api: DockerAPI, op: Operation,
                    before: ClusterSnapshot) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """After a failed change: which targets' version moved since `before`.

    For nodes and services (the kinds the snapshot versions); other kinds say nothing.
    """
    if op.kind not in ("node", "service"):
        return (), ()
    try:
        after = fetch_snapshot(api)
    except FetchError:
        return (), ()
    old = before.nodes if op.kind == "node" else before.services
    new = after.nodes if op.kind == "node" else after.services
    changed, unchanged = [], []
    for oid, label in zip(op.target_ids, op.target_labels, strict=False):
        a, b = old.get(oid), new.get(oid)
        # a target that is gone was not changed by us (someone removed it meanwhile)
        if a is not None and b is not None and b.version != a.version:
            changed.append(label)
        else:
            unchanged.append(label)
    return tuple(changed), tuple(unchanged)
