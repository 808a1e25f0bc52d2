"""Explain, do not relay: the cause of every service that is not converged.

A pure function of (snapshot, now), computed once per snapshot wherever health
is computed. ``explain_all(snap, now)`` maps service IDs to an
:class:`Explanation`; ``rollout(snap, svc)`` gives an update's progress.
"""

from __future__ import annotations

from datetime import datetime

from swarmtui.swarm.explain.causes import Explanation, explain_service
from swarmtui.swarm.explain.updates import Rollout, changed_since_previous, rollout, short_change
from swarmtui.swarm.state import ClusterSnapshot

__all__ = ["Explanation", "Rollout", "changed_since_previous", "explain_all",
           "explain_service", "rollout", "short_change"]


def explain_all(snap: ClusterSnapshot, now: datetime) -> dict[str, Explanation]:
    """Service ID → the cause, for every service not converged or whose update stopped.

    Memoized per snapshot (ages in the words are as of the first call: a new snapshot
    comes with every poll)."""
    return dict(snap.memo("explain.all", lambda: _explain_all(snap, now)))


def _explain_all(snap: ClusterSnapshot, now: datetime) -> dict[str, Explanation]:
    out: dict[str, Explanation] = {}
    for svc in snap.services.values():
        if svc.converged and svc.update_state not in (
            "paused", "rollback_paused", "rollback_completed", "rollback_started"
        ):
            continue
        found = explain_service(snap, svc, now)
        if found is not None:
            out[svc.id] = found
    return out
