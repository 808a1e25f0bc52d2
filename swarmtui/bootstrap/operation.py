"""Applying bootstrap plans as one Operation, so the one runner enforces read-only,
journals the commands (redacted) and says what happened, as for every other change.

The work itself runs on SSH connections that live on the caller's event loop; the
caller hands a blocking `run()` that waits for it (the runner calls apply from a
thread). ``applied["results"]``: host → ApplyResult.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from swarmtui.bootstrap.plan import Plan
from swarmtui.bootstrap.runner import ApplyResult
from swarmtui.secrets import redact
from swarmtui.swarm import format as fmt
from swarmtui.swarm.ops.base import DockerAPI, GuardResult, Operation, OperationError
from swarmtui.swarm.state import ClusterSnapshot


class ApplyPlans(Operation):
    """Install Docker, open ports and join: the pending steps of each host's plan."""

    name = "bootstrap host"
    kind = "host"
    follows_cluster = False  # each host's result (joined, seen Ready) is the answer
    timeout = 900.0

    def __init__(self, plans: Mapping[str, Plan],
                 run: Callable[[], Mapping[str, ApplyResult]],
                 warnings: Sequence[str] = ()) -> None:
        super().__init__((), tuple(plans))
        self.hosts = tuple(plans)  # the commands run there, not on the manager
        self.plans = dict(plans)
        self.run = run
        self.warnings = tuple(warnings)

    @property
    def title(self) -> str:
        steps = sum(len(p.pending) for p in self.plans.values())
        where = next(iter(self.plans)) if len(self.plans) == 1 else f"{len(self.plans)} hosts"
        return f"apply {fmt.count(steps, 'step')} on {where} (as root)"

    @property
    def cli(self) -> str:
        """The commands, redacted; several hosts each under a "# host" line."""
        if len(self.plans) == 1:
            plan = next(iter(self.plans.values()))
            return "\n".join(redact(c) for s in plan.pending for c in s.commands)
        lines: list[str] = []
        for host, plan in self.plans.items():
            lines += [f"# {host}"] + [redact(c) for s in plan.pending for c in s.commands]
        return "\n".join(lines)

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        todo = {h: p for h, p in self.plans.items() if not p.nothing_to_do}
        if not todo:
            hosts = "the host is" if len(self.plans) == 1 else "the hosts are"
            return GuardResult(blocks=(f"nothing to do: {hosts} already as planned",))
        blocked = [f"{h}: stops before “{s.title}”: {s.blocked}"
                   for h, p in todo.items() for s in p.blocked]
        preview = [f"{h}: {s.title}" if len(todo) > 1 else s.title
                   for h, p in todo.items() for s in p.pending]
        return GuardResult(warnings=self.warnings + tuple(blocked), preview=tuple(preview))

    def apply(self, api: DockerAPI) -> str:
        results = dict(self.run())
        self.applied["results"] = results
        said = "; ".join(f"{h}: {r.message}" for h, r in results.items())
        if not all(r.ok for r in results.values()):
            raise OperationError(redact(said))
        return redact(said)

    def converged(self, snapshot: ClusterSnapshot) -> tuple[bool, str]:
        return True, "done"
