"""Is it safe to stop this manager's engine for a backup? Pure maths on `GET /nodes`.

A backup stops the engine of the manager it copies (raft must not change under the
copy). While it is stopped, the other reachable managers must still be a majority of
all managers, or the swarm cannot be managed until the engine is back. That is refused
unless forced. A single manager always takes the control plane down for the backup's
few seconds (running containers go on): refused unless forced too, with that said.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from swarmtui.swarm.health import majority


@dataclass(frozen=True)
class Manager:
    """A manager as the node list shows it."""

    id: str
    hostname: str
    addr: str  # ManagerStatus.Addr ("10.0.0.5:2377")
    reachable: bool  # ManagerStatus.Reachability == "reachable"
    leader: bool

    @property
    def host(self) -> str:
        return self.addr.rsplit(":", 1)[0].strip("[]") if self.addr else ""


def managers_from_nodes(nodes: Iterable[Mapping[str, Any]]) -> list[Manager]:
    """The managers among `GET /nodes` dicts, by hostname."""
    out: list[Manager] = []
    for n in nodes:
        ms = n.get("ManagerStatus")
        if not isinstance(ms, Mapping):
            continue
        desc = n.get("Description") or {}
        out.append(Manager(
            id=str(n.get("ID", "")),
            hostname=str(desc.get("Hostname", "") or n.get("ID", "")[:12]),
            addr=str(ms.get("Addr", "")),
            reachable=ms.get("Reachability") == "reachable",
            leader=bool(ms.get("Leader")),
        ))
    return sorted(out, key=lambda m: m.hostname)


@dataclass(frozen=True)
class BackupVerdict:
    """What stopping `target`'s engine does to the quorum."""

    target: str  # hostname
    managers: int
    reachable_before: int
    reachable_after: int
    needed: int  # the majority of `managers`
    #: why it is refused without --force (empty: allowed)
    block: str
    warnings: tuple[str, ...]
    #: managers whose engine could be stopped instead without losing the majority
    safe_instead: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        return not self.block

    @property
    def summary(self) -> str:
        return (f"managers reachable {self.reachable_before} → {self.reachable_after} of "
                f"{self.managers} while the engine is stopped (a majority is {self.needed})")


def backup_verdict(managers: list[Manager], target_id: str) -> BackupVerdict:
    """The quorum while `target_id`'s engine is stopped. A target that is not a manager is
    blocked (its swarm directory holds no raft log worth restoring)."""
    total = len(managers)
    needed = majority(total)
    before = sum(1 for m in managers if m.reachable)
    target = next((m for m in managers if m.id == target_id), None)
    # stopping any reachable manager costs one; non-leaders first (no election)
    safe = tuple(m.hostname for m in sorted(managers, key=lambda m: m.leader)
                 if m.reachable and m.id != target_id and before - 1 >= needed and total > 1)
    if target is None:
        names = ", ".join(m.hostname for m in managers if m.reachable) or "none reachable"
        return BackupVerdict("this node", total, before, before, needed,
                             "this node is not a manager: only a manager holds the raft log "
                             f"a restore needs (managers: {names})", (), safe)
    after = before - (1 if target.reachable else 0)
    name = target.hostname
    warnings: list[str] = []
    block = ""
    if total == 1:
        block = (f"{name} is the only manager: while its engine is stopped the swarm cannot be "
                 "managed (no scheduling, no changes; running containers go on) until it is "
                 "started again a few seconds later; --force to go ahead")
    elif after < needed:
        block = (f"stopping {name}'s engine leaves {after} of {total} managers reachable: the "
                 f"swarm would lose its quorum (needs {needed})")
        down = [m.hostname for m in managers if not m.reachable]
        if down:
            block += f"; bring {', '.join(down)} back first"
        elif total == 2:
            block += "; two managers tolerate no failure: add a third manager first"
        block += ", or --force to go ahead anyway"
    elif target.leader and safe:
        warnings.append(f"{name} is the leader: stopping it makes the managers elect "
                        f"another (a few seconds without a leader); Docker advises backing "
                        f"up a manager that is not the leader, such as {safe[0]}")
    if after == needed and not block and total > 1:
        warnings.append(f"while {name}'s engine is stopped, losing one more manager would "
                        "break the quorum")
    return BackupVerdict(name, total, before, after, needed, block, tuple(warnings), safe)
