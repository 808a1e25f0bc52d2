"""Running an operation end to end, for non-UI callers and tests.

guard → (typed confirmation) → apply → journal → optionally wait for convergence.
Read-only mode refuses before any network I/O (no snapshot is even fetched).
Every attempt — refused, failed or done — is written to the audit journal.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from swarmtui import audit
from swarmtui.swarm.fetch import FetchError, fetch_snapshot
from swarmtui.swarm.ops.base import READ_ONLY_BLOCK, DockerAPI, GuardResult, Operation
from swarmtui.swarm.secrets import redact
from swarmtui.swarm.state import ClusterSnapshot


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
            endpoint=endpoint,
            detail=dict(detail or {}),
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
        message = op.apply(api)
    except Exception as exc:  # OperationError, or anything unexpected from docker-py
        text = redact(str(exc) or type(exc).__name__)
        log("error", text)
        return Outcome("error", text, guard)
    log("ok", None, {"result": message})
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
