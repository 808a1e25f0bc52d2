"""Quorum preview for changes of the manager set (promote, demote, remove).

Managers N → N′ and reachable R → R′ over the *combined* change (several nodes
at once). Blocks: no manager left; quorum already lost; reachable managers below
a majority afterwards. Named warnings: N′ even, N′ above 7, tolerance dropping to 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from swarmtui.swarm import format as fmt
from swarmtui.swarm.health import fault_tolerance, majority
from swarmtui.swarm.models import Node
from swarmtui.swarm.state import ClusterSnapshot


@dataclass(frozen=True)
class QuorumPreview:
    managers_before: int
    managers_after: int
    reachable_before: int
    reachable_after: int
    tolerance_before: int
    tolerance_after: int
    blocks: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def lines(self) -> tuple[str, ...]:
        """Preview lines: "managers 3 → 4", "fault tolerance 1 → 1", reachable after."""
        return (
            f"managers {self.managers_before} → {self.managers_after}",
            f"fault tolerance {self.tolerance_before} → {self.tolerance_after} "
            f"(⌊(N−1)/2⌋ managers may fail)",
            f"reachable managers {self.reachable_before} → {self.reachable_after} "
            + (f"(a majority of {self.managers_after} is {majority(self.managers_after)})"
               if self.managers_after > 0 else "(no manager left)"),
        )


def quorum_preview(
    snapshot: ClusterSnapshot,
    *,
    promote: Iterable[Node] = (),
    demote: Iterable[Node] = (),
) -> QuorumPreview:
    """The manager-set change of promoting `promote` and demoting/removing `demote`.

    Nodes already in the target role are ignored. A promoted node counts as
    reachable after the change only if it is Ready now.
    """
    managers = {n.id: n for n in snapshot.managers}
    n_before = len(managers)
    r_before = sum(1 for m in managers.values() if m.is_reachable_manager)
    adds = [n for n in promote if n.id not in managers]
    drops = [managers[n.id] for n in demote if n.id in managers]
    n_after = n_before + len(adds) - len(drops)
    r_after = (
        r_before
        + sum(1 for n in adds if n.state == "ready")
        - sum(1 for n in drops if n.is_reachable_manager)
    )
    t_before, t_after = fault_tolerance(n_before), fault_tolerance(n_after)
    blocks: list[str] = []
    warnings: list[str] = []
    if not adds and not drops:
        return QuorumPreview(n_before, n_after, r_before, r_after, t_before, t_after, (), ())
    if n_after <= 0:
        last = ", ".join(m.name for m in drops)
        blocks.append(
            f"{last} {'is' if len(drops) == 1 else 'are'} the last manager"
            f"{'' if len(drops) == 1 else 's'}: the swarm cannot be left without a manager "
            "(promote another node first)"
        )
    elif n_before and r_before < majority(n_before):
        blocks.append(
            f"the swarm has lost quorum ({r_before} of {n_before} managers reachable, "
            f"{majority(n_before)} needed): it cannot accept a manager change; bring the "
            "unreachable managers back (or, as a last resort, `docker swarm init "
            "--force-new-cluster` on a surviving manager)"
        )
    elif r_after < majority(n_after):
        blocks.append(
            f"after this change only {r_after} of {n_after} managers would be reachable and "
            f"a majority needs {majority(n_after)}: the swarm would lose quorum"
        )
    if n_after > 0 and not blocks:
        if n_after % 2 == 0:
            warnings.append(
                f"{n_after} managers is an even number: it tolerates {t_after} failure"
                f"{'' if t_after == 1 else 's'}, no more than {n_after - 1} would — "
                "add or remove one more"
            )
        if n_after > 7:
            warnings.append(
                f"{n_after} managers is more than 7: every write needs more acknowledgements "
                "and gets slower; 3, 5 or 7 managers is the usual choice"
            )
        if t_after == 0 and t_before > 0:
            warnings.append(
                f"fault tolerance drops to 0: losing any one of the {n_after} managers "
                "stops the swarm from being managed"
            )
        spare = r_after - majority(n_after)
        if spare == 0 and t_after > 0:
            warnings.append(
                f"with {fmt.count(n_after - r_after, 'manager')} already unreachable, one more "
                "manager "
                "loss would break quorum"
            )
    for n in adds:
        if n.state != "ready":
            warnings.append(
                f"{n.name} is {n.status_text}: it would count as a manager without being reachable"
            )
    return QuorumPreview(
        n_before, n_after, r_before, r_after, t_before, t_after, tuple(blocks), tuple(warnings)
    )
