"""Back to any spec of a service's history (swarm/spec_history.py): the engine's
PreviousSpec through `docker service rollback`, or a spec swarmtui applied before, sent
whole with the version the user chose from (a service that moved since is refused)."""

from __future__ import annotations

from typing import Any

from swarmtui.swarm import format as fmt
from swarmtui.swarm.create.diff import SpecChange
from swarmtui.swarm.models import Service
from swarmtui.swarm.ops.base import (
    DockerAPI,
    GuardResult,
    OperationError,
    Spec,
    stale_message,
)
from swarmtui.swarm.ops.placement import pending_reason
from swarmtui.swarm.ops.services import _UpdateLike
from swarmtui.swarm.spec_history import SpecVersion, changes_since, restore_redacted
from swarmtui.swarm.state import ClusterSnapshot


def _cli_of(service: Service, target: Spec) -> str:
    """`docker service update …` with the flags that make the current spec the target's
    (the edit form's CLI); the spec itself is sent whole."""
    from swarmtui.swarm.create.service_cli import update_cli
    from swarmtui.swarm.create.service_spec import form_from_spec

    try:
        line = update_cli(form_from_spec(service.spec), form_from_spec(target))
    except Exception:  # a spec the form cannot hold: the CLI line says the whole spec
        line = ""
    return line or fmt.cli_join("docker", "service", "update", service.name)


class RestoreServiceSpec(_UpdateLike):
    """Make a spec of the service's history the current one again."""

    name = "restore-spec"

    def __init__(self, service: Service, version: SpecVersion) -> None:
        super().__init__(service)
        self.version = version
        #: the service's version when the user chose (a later one is refused)
        self.seen_version = service.version
        self.done_state = "rollback_completed" if version.source == "previous" else "completed"
        self._cli = (fmt.cli_join("docker", "service", "rollback", service.name)
                     if version.source == "previous" else _cli_of(service, version.spec))

    @property
    def cli(self) -> str:
        return self._cli

    @property
    def title(self) -> str:
        return f"restore {self.service_name} to its {self.version.label}"

    def changes(self, current: Spec) -> list[SpecChange]:
        """What restoring changes: current → the chosen spec."""
        return [SpecChange(c.path, c.new, c.old) for c in changes_since(self.version,
                                                                         current)]

    def _target(self, current: Spec) -> Spec:
        spec, missing = restore_redacted(self.version.spec, current)
        if missing:
            raise OperationError(
                f"the journal keeps no value for {', '.join(missing)} (redacted) and the "
                "current spec has none: set it with e (edit), then restore")
        return spec

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        svc = self._live(snapshot)
        if svc is None:
            return self._gone()
        if svc.version != self.seen_version:
            return GuardResult(blocks=(stale_message(svc.name, self.seen_version,
                                                     svc.version),))
        if self.version.source == "current":
            return GuardResult(blocks=(f"nothing to do: this is {svc.name}'s current spec",))
        if self.version.source == "previous" and not isinstance(svc.raw.get("PreviousSpec"),
                                                                dict):
            return GuardResult(blocks=(f"{svc.name} has no previous spec any more",))
        try:
            self._target(svc.spec)
        except OperationError as exc:
            return GuardResult(blocks=(str(exc),))
        changes = self.changes(svc.spec)
        if not changes:
            return GuardResult(blocks=(f"nothing to do: {svc.name} already has this spec",))
        preview = tuple(f"{svc.name}: {c}" for c in changes)
        warnings: tuple[str, ...] = ()
        if svc.update_state in ("updating", "rollback_started"):
            warnings = (f"{svc.name} is updating now: this starts another update",)
        return GuardResult((), warnings, preview)

    def apply(self, api: DockerAPI) -> str:
        previous = self.version.source == "previous"

        def mutate(spec: Spec) -> None:
            target = self._target(spec)
            spec.clear()
            spec.update(target)

        before = self._start(api, None if previous else mutate, rollback=previous,
                             expect_version=self.seen_version)
        self.applied["task_change"] = any(
            c.path.startswith("TaskTemplate") for c in self.changes(before.get("Spec") or {}))
        return f"{self.service_name}: back to its {self.version.label}"

    def converged(self, snapshot: ClusterSnapshot) -> tuple[bool, str]:
        svc: Any = self._live(snapshot)
        if svc is None:
            return True, f"{self.service_name} was removed"
        if svc.version <= self.applied.get("prev_version", 0):
            return False, f"{svc.name}: waiting for the new spec"
        if self.applied.get("task_change", True):
            return super().converged(snapshot)
        if svc.converged:  # no task change (replicas, labels): no rolling update
            return True, f"{svc.name}: {svc.running}/{svc.desired} running"
        return False, (f"{svc.name}: {svc.running}/{svc.desired} running"
                       f"{pending_reason(snapshot, svc.id)}")
