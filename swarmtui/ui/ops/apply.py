"""Sending an operation from the UI: the blocking part, run in a thread worker.

`send_operation` wraps `swarm.ops.run_operation` (guard on a fresh snapshot → typed
confirmation → apply → audit journal) and adds what the screen needs to say: whether
a multi-node change was only half applied when it failed. No textual here, so the
logic is usable (and testable) without a screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from swarmtui.swarm import format as fmt
from swarmtui.swarm.fetch import FetchError, describe_error, fetch_snapshot
from swarmtui.swarm.ops import Operation, Outcome, run_operation
from swarmtui.swarm.ops.runner import journal
from swarmtui.swarm.secrets import redact
from swarmtui.swarm.state import ClusterSnapshot

if TYPE_CHECKING:
    from swarmtui.swarm.sync.store import Store
    from swarmtui.ui.app import SwarmApp


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


def audit_labels(app: SwarmApp) -> tuple[str, str]:
    """(cluster, manager endpoint) for the audit journal, from the app and its store."""
    store = app.store
    if store is None:
        return str(app.profile or ""), ""
    view, label = store.view, store.label
    cluster = app.profile or view.cluster or label
    return cluster, view.endpoint or label


def refuse_read_only(op: Operation, *, cluster: str, endpoint: str) -> Outcome:
    """Journal a read-only refusal. No network I/O: run_operation refuses before any."""
    return run_operation(None, op, read_only=True, cluster=cluster, endpoint=endpoint)


def send_operation(
    store: Store | None,
    op: Operation,
    *,
    read_only: bool,
    typed_confirmation: str | None,
    cluster: str,
    endpoint: str,
) -> Sent:
    """guard (fresh snapshot) → apply → journal. Blocking: call it from a thread.

    Never raises: every failure comes back as an "error" Outcome with a message
    meant for people, and is journaled.
    """
    if read_only and op.mutating:
        return Sent(refuse_read_only(op, cluster=cluster, endpoint=endpoint), fmt.now_utc())
    try:
        if store is None:
            raise FetchError("there is no connection to a Docker engine")
        api = store.api()
    except Exception as exc:
        text = redact(f"not connected to a manager: {describe_error(exc)}")
        out = Outcome("error", text)
        out.journal_error = _journal_quietly(op, text, cluster, endpoint)
        return Sent(out, fmt.now_utc())
    before: ClusterSnapshot | None
    try:
        before = fetch_snapshot(api)
    except FetchError:
        before = None  # run_operation fetches again, and journals why it cannot
    try:
        outcome = run_operation(api, op, snapshot=before, read_only=read_only,
                                typed_confirmation=typed_confirmation, cluster=cluster,
                                endpoint=endpoint)
    except Exception as exc:  # run_operation catches apply errors; this is a last resort
        text = redact(f"{op.name} failed: {describe_error(exc)}")
        out = Outcome("error", text)
        out.journal_error = _journal_quietly(op, text, cluster, endpoint)
        return Sent(out, fmt.now_utc())
    finished = fmt.now_utc()
    if outcome.status != "error" or before is None or len(op.target_ids) < 2:
        return Sent(outcome, finished)
    changed, unchanged = changed_targets(api, op, before)
    return Sent(outcome, finished, changed, unchanged)


def changed_targets(api: Any, op: Operation,
                    before: ClusterSnapshot) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """After a failed multi-target change: which targets' version moved since `before`."""
    try:
        after = fetch_snapshot(api)
    except FetchError:
        return (), ()
    kind = "nodes" if op.kind == "node" else "services"
    old, new = getattr(before, kind), getattr(after, kind)
    changed, unchanged = [], []
    for oid, label in zip(op.target_ids, op.target_labels, strict=True):
        a, b = old.get(oid), new.get(oid)
        # a target that is gone was not changed by us (someone removed it meanwhile)
        if a is not None and b is not None and b.version != a.version:
            changed.append(label)
        else:
            unchanged.append(label)
    return tuple(changed), tuple(unchanged)


def _journal_quietly(op: Operation, text: str, cluster: str, endpoint: str) -> str | None:
    """Journal an error; a journal that cannot be written is reported, not raised."""
    try:
        journal(op, "error", text, cluster=cluster, endpoint=endpoint)
    except OSError as exc:
        return f"the audit journal could not be written: {exc.strerror or exc}"
    return None
