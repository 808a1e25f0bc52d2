"""Service operations: scale, force update, rollback, update image, remove."""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from swarmtui.swarm import format as fmt
from swarmtui.swarm.explain import updates
from swarmtui.swarm.explain.scheduling import host_ports
from swarmtui.swarm.fetch import describe_error
from swarmtui.swarm.models import Service
from swarmtui.swarm.ops.base import (
    DockerAPI,
    GuardResult,
    Operation,
    OperationError,
    Progress,
    Spec,
    update_service_spec,
)
from swarmtui.swarm.ops.placement import eligible_nodes, pending_reason
from swarmtui.swarm.ops.validate import InputError, parse_replicas, validate_image
from swarmtui.swarm.state import ClusterSnapshot

if TYPE_CHECKING:
    from collections.abc import Callable

    from swarmtui.connect.nodes import NodePool


class ServiceOperation(Operation):
    """Base for operations on one service (given as a Service model)."""

    kind = "service"

    def __init__(self, service: Service) -> None:
        self.service = service
        super().__init__((service.id,), (service.name,))

    @property
    def service_id(self) -> str:
        return self.target_ids[0]

    @property
    def service_name(self) -> str:
        return self.target_labels[0]

    def _live(self, snapshot: ClusterSnapshot) -> Service | None:
        return snapshot.services.get(self.service_id)

    def _gone(self) -> GuardResult:
        return GuardResult(blocks=(f"service {self.service_name} no longer exists",))


# ---------------------------------------------------------------------- scale


class ScaleService(ServiceOperation):
    """`docker service scale NAME=N` — replicated services only. `raw` is what was typed."""

    name = "scale"

    def __init__(self, service: Service, raw: str) -> None:
        super().__init__(service)
        self.raw = raw

    @property
    def cli(self) -> str:
        """With the count that is sent ("007" → 7); what was typed when it is refused."""
        try:
            count = str(self.replicas())
        except InputError:
            count = self.raw.strip()
        return fmt.cli_join("docker", "service", "scale", f"{self.service_name}={count}")

    def replicas(self) -> int:
        """The validated count; raises InputError."""
        return parse_replicas(self.raw)

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        svc = self._live(snapshot)
        if svc is None:
            return self._gone()
        if svc.mode == "global":
            return GuardResult(
                blocks=(
                    f"{svc.name} is a global service: it runs one task on every eligible node "
                    "and has no replica count; change its placement constraints or node "
                    "availability instead",
                )
            )
        if svc.is_job:
            return GuardResult(blocks=(f"{svc.name} is a job ({svc.mode}): jobs are not scaled",))
        try:
            n = self.replicas()
        except InputError as exc:
            return GuardResult(blocks=(str(exc),))
        before = svc.spec_replicas if svc.spec_replicas is not None else (svc.desired or 0)
        warnings: list[str] = []
        if n == before:
            return GuardResult(blocks=(f"nothing to do: {svc.name} already has "
                                       f"{fmt.count(n, 'replica')}",))
        if n == 0:
            warnings.append(f"{svc.name} will stop all its tasks (0 replicas)")
        eligible = eligible_nodes(snapshot, svc)
        if n > 0 and not eligible:
            warnings.append(
                f"no node can run {svc.name} now (constraints: "
                f"{', '.join(svc.constraints) or 'none'}): new tasks will stay Pending"
            )
        elif svc.max_per_node and n > svc.max_per_node * len(eligible):
            warnings.append(
                f"at most {svc.max_per_node} per node on "
                f"{fmt.count(len(eligible), 'eligible node')}: "
                f"only {svc.max_per_node * len(eligible)} can run"
            )
        elif host_ports(svc) and n > len(eligible):
            ports = ", ".join(f"{port}/{proto}" for port, proto in host_ports(svc))
            warnings.append(
                f"{svc.name} publishes {ports} in host mode: one task per node, and "
                f"{fmt.count(len(eligible), 'node')} can run it — "
                f"{fmt.count(n - len(eligible), 'task')} will stay "
                "Pending (publish in ingress mode, or leave the published port empty)"
            )
        preview = (
            f"{svc.name}: replicas {before} → {n} (running now: {svc.running}/{svc.desired})",
        )
        return GuardResult((), tuple(warnings), preview)

    def apply(self, api: DockerAPI) -> str:
        try:
            n = self.replicas()
        except InputError as exc:
            raise OperationError(str(exc)) from exc

        def mutate(spec: Spec) -> None:
            mode = spec.get("Mode") or {}
            if "Replicated" not in mode:
                raise OperationError(f"{self.service_name} is not a replicated service")
            spec["Mode"] = {"Replicated": {**(mode.get("Replicated") or {}), "Replicas": n}}

        update_service_spec(api, self.service_id, mutate, before_write=self.before_write)
        self.applied["replicas"] = n
        return f"{self.service_name} scaled to {n}"

    def converged(self, snapshot: ClusterSnapshot) -> tuple[bool, str]:
        svc = self._live(snapshot)
        n = self.applied.get("replicas")
        if svc is None:
            return True, f"{self.service_name} was removed"
        if n is None:
            try:
                n = self.replicas()
            except InputError as exc:
                return True, str(exc)
        if svc.desired == n and svc.running == n:
            return True, f"{svc.name}: {n}/{n} running"
        return (
            False,
            f"{svc.name}: {svc.running}/{svc.desired} running{pending_reason(snapshot, svc.id)}",
        )


# ------------------------------------------------------------------ updates


class _UpdateLike(ServiceOperation):
    """Operations that start a rolling update and converge on UpdateStatus."""

    timeout = 120.0
    done_state = "completed"

    def _start(self, api: DockerAPI, mutate: Callable[[Spec], None] | None,
               rollback: bool = False, expect_version: int | None = None) -> dict[str, Any]:
        """Send the spec change (or the rollback) and remember where the update started
        from: converged() waits for an update newer than that one. Returns the service as
        it was before."""
        _n, before = update_service_spec(
            api, self.service_id, mutate, rollback=rollback, before_write=self.before_write,
            expect_version=expect_version,
        )
        us = before.get("UpdateStatus") or {}
        self.applied["prev_started"] = fmt.parse_ts(us.get("StartedAt"))
        self.applied["prev_version"] = int((before.get("Version") or {}).get("Index") or 0)
        return before

    def converged(self, snapshot: ClusterSnapshot) -> tuple[bool, str]:
        p = self.progress(snapshot)
        return p.done, p.text

    def progress(self, snapshot: ClusterSnapshot) -> Progress:
        """Convergence; `failed` when the update paused or was rolled back."""
        svc = self._live(snapshot)
        if svc is None:
            return Progress(True, f"{self.service_name} was removed")
        prev: datetime | None = self.applied.get("prev_started")
        prev_version: int = self.applied.get("prev_version", 0)
        fresh = svc.update_started_at is not None and svc.update_started_at != prev
        state = svc.update_state
        named, task = updates.named_message(snapshot, svc)  # "task web.2", not its ID
        msg = f": {named}" if named else ""
        ro = updates.rollout(snapshot, svc)
        if fresh and ro is not None and state in ("paused", "rollback_paused"):
            cause = updates.paused_cause(snapshot, svc, task)
            if not cause and self._cause_may_follow():
                # the service turns paused a moment before its task list shows the task
                # that failed: wait for its error rather than end without it
                return Progress(False, f"{svc.name}: {ro.text} — reading the failed task")
            hint = " — R rolls back to the previous spec" if state == "paused" else ""
            return Progress(True, f"{svc.name}: {ro.text}{' — ' + cause if cause else ''}{hint}",
                            failed=True)
        if fresh and state == "rollback_completed" and self.done_state != state:
            return Progress(True, f"{svc.name}: the update failed and was rolled back{msg}",
                            failed=True)
        if fresh and state == self.done_state:
            if svc.converged:
                return Progress(True, f"{svc.name}: {svc.update_text}, "
                                      f"{svc.running}/{svc.desired} running")
            return Progress(False, f"{svc.name}: {svc.update_text}, {svc.running}/{svc.desired} "
                                   f"running{pending_reason(snapshot, svc.id)}")
        if state is None and svc.version > prev_version and svc.converged:
            # the engine found nothing to replace (no task change): done
            return Progress(True, f"{svc.name}: nothing to replace, "
                                  f"{svc.running}/{svc.desired} running")
        if fresh and ro is not None and ro.active:  # "updating: 1 of 3 updated — the pace"
            progress = f"{ro.text} — {updates.pace(svc)}"
        else:
            progress = f"{svc.update_text or 'waiting'}{msg}" if fresh else \
                "waiting for the update"
        return Progress(False, f"{svc.name}: {progress}{pending_reason(snapshot, svc.id)}")


    #: how long a paused update waits for its failed task's error to reach the snapshot
    CAUSE_WAIT_S = 15.0

    def _cause_may_follow(self) -> bool:
        """True until CAUSE_WAIT_S after the pause was first seen without its cause."""
        first: float = self.applied.setdefault("paused_seen", time.monotonic())
        return time.monotonic() - first < self.CAUSE_WAIT_S


class ForceUpdateService(_UpdateLike):
    """`docker service update --force NAME`: replace every task (restart) with the same spec."""

    name = "force-update"

    @property
    def cli(self) -> str:
        return fmt.cli_join("docker", "service", "update", "--force", self.service_name)

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        svc = self._live(snapshot)
        if svc is None:
            return self._gone()
        warnings = []
        if svc.update_state == "updating":
            warnings.append(f"{svc.name} is already updating: this starts the update over")
        preview = (
            f"{svc.name}: all {fmt.count(svc.running or 0, 'running task')} are replaced one batch "
            "at a time "
            "(update config), spec unchanged",
        )
        return GuardResult((), tuple(warnings), preview)

    def apply(self, api: DockerAPI) -> str:
        def mutate(spec: Spec) -> None:
            tt = spec.setdefault("TaskTemplate", {})
            tt["ForceUpdate"] = int(tt.get("ForceUpdate") or 0) + 1

        self._start(api, mutate)
        return f"{self.service_name}: forced update started"


class UpdateServiceImage(_UpdateLike):
    """`docker service update --image IMAGE NAME`."""

    name = "update-image"
    checks_io = True

    def __init__(self, service: Service, raw_image: str, pool: NodePool | None = None) -> None:
        super().__init__(service)
        self.raw = raw_image
        #: the node pool, to ask each node whether it has the image (None: not asked)
        self.pool = pool

    def check_io(self, api: DockerAPI, snapshot: ClusterSnapshot) -> GuardResult:
        """Is the image on a node, can its registry be reached (swarm/reach/images.py)."""
        from swarmtui.swarm.reach.images import check_image

        try:
            image = validate_image(self.raw)
        except InputError:
            return GuardResult()
        return check_image(api, image, list(snapshot.nodes.values()), self.pool).verdict()

    @property
    def cli(self) -> str:
        return fmt.cli_join(
            "docker", "service", "update", "--image", self.raw.strip(), self.service_name
        )

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        svc = self._live(snapshot)
        if svc is None:
            return self._gone()
        try:
            image = validate_image(self.raw)
        except InputError as exc:
            return GuardResult(blocks=(str(exc),))
        if image == svc.image_full:
            return GuardResult(blocks=(f"nothing to do: {svc.name} already runs {image}",))
        preview = (
            f"{svc.name}: image {svc.image_full} → {image}",
            "tasks are replaced one batch at a time; `docker service rollback` returns to the "
            "current image",
        )
        return GuardResult((), (), preview)

    def apply(self, api: DockerAPI) -> str:
        try:
            image = validate_image(self.raw)
        except InputError as exc:
            raise OperationError(str(exc)) from exc

        def mutate(spec: Spec) -> None:
            cs = spec.setdefault("TaskTemplate", {}).setdefault("ContainerSpec", {})
            cs["Image"] = image

        self._start(api, mutate)
        return f"{self.service_name}: updating to {image}"


class RollbackService(_UpdateLike):
    """`docker service rollback NAME`: return to the previous spec."""

    name = "rollback"
    done_state = "rollback_completed"

    @property
    def cli(self) -> str:
        return fmt.cli_join("docker", "service", "rollback", self.service_name)

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        svc = self._live(snapshot)
        if svc is None:
            return self._gone()
        prev = svc.raw.get("PreviousSpec")
        if not isinstance(prev, dict):
            return GuardResult(
                blocks=(f"{svc.name} has no previous spec to roll back to (never updated)",)
            )
        old_image = fmt.strip_digest(
            str(((prev.get("TaskTemplate") or {}).get("ContainerSpec") or {}).get("Image") or "")
        )
        preview = [f"{svc.name}: back to the previous spec"]
        if old_image and old_image != svc.image:
            preview.append(f"image {svc.image} → {old_image}")
        prev_mode = (prev.get("Mode") or {}).get("Replicated") or {}
        if svc.spec_replicas is not None and prev_mode.get("Replicas") not in (
            None,
            svc.spec_replicas,
        ):
            preview.append(f"replicas {svc.spec_replicas} → {prev_mode.get('Replicas')}")
        return GuardResult((), (), tuple(preview))

    def apply(self, api: DockerAPI) -> str:
        self._start(api, None, rollback=True)
        return f"{self.service_name}: rollback started"


# -------------------------------------------------------------------- remove


class RemoveService(ServiceOperation):
    """`docker service rm NAME` — needs the service name typed to confirm."""

    name = "service-rm"
    timeout = 60.0

    @property
    def cli(self) -> str:
        return fmt.cli_join("docker", "service", "rm", self.service_name)

    @property
    def confirm_text(self) -> str | None:
        return self.service_name

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        svc = self._live(snapshot)
        if svc is None:
            return self._gone()
        running = [t for t in snapshot.tasks_of_service(svc.id) if t.is_running]
        preview = [
            f"{svc.name} is deleted with its spec; its "
            f"{fmt.count(len(running), 'running task')} "
            f"{fmt.plural(len(running), 'stops', 'stop')}",
            "this cannot be undone (no rollback): re-create it from its spec if needed",
        ]
        warnings = []
        if svc.stack:
            warnings.append(
                f"{svc.name} belongs to stack {svc.stack}: `docker stack deploy` would re-create "
                "it; `docker stack rm` removes the whole stack"
            )
        if svc.ports:
            warnings.append(f"published ports are freed: {svc.ports_text or 'host ports'}")
        return GuardResult((), tuple(warnings), tuple(preview))

    def apply(self, api: DockerAPI) -> str:
        try:
            api.remove_service(self.service_id)
        except Exception as exc:
            raise OperationError(
                f"removing {self.service_name} failed: {describe_error(exc)}"
            ) from exc
        return f"removed service {self.service_name}"

    def converged(self, snapshot: ClusterSnapshot) -> tuple[bool, str]:
        if self.service_id in snapshot.services:
            return False, f"{self.service_name} is still listed"
        left = [t for t in snapshot.tasks_of_service(self.service_id) if t.is_running]
        if left:
            return False, f"{fmt.count(len(left), 'task')} of {self.service_name} still running"
        return True, f"{self.service_name} removed"
