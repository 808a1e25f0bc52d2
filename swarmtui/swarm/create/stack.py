"""Deploy a stack from a compose file through the Engine API, and remove a stack.

What `docker stack deploy -c FILE STACK` and `docker stack rm STACK` do, without
a docker CLI: networks, secrets and configs first (created when missing),
then services (created, or updated with their full spec and version). Every
object carries ``com.docker.stack.namespace=STACK``, so the docker CLI's
``stack ls / services / ps`` see the stack.
"""

from __future__ import annotations

import copy
import shlex
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from swarmtui.swarm import format as fmt
from swarmtui.swarm.create.base import (
    CreateOperation,
    GuardResult,
    OperationError,
    Progress,
    api_error_text,
    guard_result,
)
from swarmtui.swarm.create.compose_plan import PlannedObject, StackPlan
from swarmtui.swarm.create.diff import spec_diff
from swarmtui.swarm.create.inventory import STACK_LABEL, Inventory
from swarmtui.swarm.create.objects import Hidden
from swarmtui.swarm.create.service_ops import service_progress
from swarmtui.swarm.create.service_spec import create_kwargs
from swarmtui.swarm.models import ApiDict, Service
from swarmtui.swarm.ops.base import update_service_spec


@dataclass(frozen=True)
class StackAction:
    """One line of the deploy preview."""

    #: "create", "update", "unchanged", "keep", "external"
    action: str
    #: "service", "network", "secret", "config"
    kind: str
    name: str
    details: tuple[str, ...] = ()

    def __str__(self) -> str:
        head = f"{self.action} {self.kind} {self.name}"
        return head + "".join(f"\n    {d}" for d in self.details)


def _fill_refs(spec: ApiDict, ids: dict[tuple[str, str], str]) -> ApiDict:
    """A copy of `spec` with SecretID/ConfigID filled from (kind, name) → id."""
    spec = copy.deepcopy(spec)
    cs = spec["TaskTemplate"]["ContainerSpec"]
    for kind in ("secret", "config"):
        key = kind.capitalize()
        for ref in cs.get(f"{key}s") or []:
            ref[f"{key}ID"] = ids.get((kind, ref[f"{key}Name"]), ref.get(f"{key}ID", ""))
    return spec


def _net_targets(spec: ApiDict, inv: Inventory) -> ApiDict:
    """A copy of `spec` with network names replaced by IDs (the engine stores IDs)."""
    spec = copy.deepcopy(spec)
    for n in spec["TaskTemplate"].get("Networks") or []:
        net = inv.network(n["Target"])
        if net is not None:
            n["Target"] = net.id
    return spec


#: values the engine writes into a stored spec when the request left them out
ENGINE_DEFAULTS: dict[tuple[str, ...], Any] = {
    ("TaskTemplate", "ContainerSpec", "Isolation"): "default",
    ("TaskTemplate", "Runtime"): "container",
    ("UpdateConfig", "FailureAction"): "pause",
    ("UpdateConfig", "MaxFailureRatio"): 0,
    ("UpdateConfig", "Order"): "stop-first",
    ("UpdateConfig", "Monitor"): 5_000_000_000,
    ("RollbackConfig", "FailureAction"): "pause",
    ("RollbackConfig", "MaxFailureRatio"): 0,
    ("RollbackConfig", "Order"): "stop-first",
    ("RollbackConfig", "Monitor"): 5_000_000_000,
    ("EndpointSpec", "Mode"): "vip",
}


def _get(doc: Any, path: tuple[str, ...]) -> Any:
    for k in path:
        if not isinstance(doc, dict) or k not in doc:
            return None
        doc = doc[k]
    return doc


def _comparable(new: ApiDict, current: ApiDict) -> ApiDict:
    """`new` as the engine would store it over `current`.

    Keeps the ForceUpdate counter, and the defaults the engine filled in where
    `new` says nothing, so that deploying an unchanged file shows no change.
    """
    new = copy.deepcopy(new)
    force = _get(current, ("TaskTemplate", "ForceUpdate"))
    if force is not None:
        new["TaskTemplate"]["ForceUpdate"] = force
    for path, default in ENGINE_DEFAULTS.items():
        parent = _get(new, path[:-1])
        if isinstance(parent, dict) and path[-1] not in parent \
                and _get(current, path) == default:
            parent[path[-1]] = default
    return new


class DeployStack(CreateOperation):
    """`docker stack deploy -c FILE STACK` through the Engine API."""

    name = "deploy stack"
    kind = "stack"
    #: seconds the progress view waits: several services may roll one task at a time
    timeout = 180.0

    def __init__(self, plan: StackPlan) -> None:
        super().__init__(plan.stack)
        self.plan = plan
        self._updated: dict[str, datetime | None] = {}
        self._created: list[str] = []

    @property
    def target(self) -> str:
        return self.plan.stack

    @property
    def cli(self) -> str:
        path = str(self.plan.path) if self.plan.path else "docker-compose.yml"
        return shlex.join(["docker", "stack", "deploy", "-c", path, self.plan.stack])

    # ------------------------------------------------------------------ guard
    def actions(self, inv: Inventory) -> tuple[list[StackAction], list[str], list[str]]:
        """(preview actions, blocks, warnings) for the plan against the cluster."""
        acts: list[StackAction] = []
        blocks: list[str] = list(self.plan.errors)
        warnings: list[str] = list(self.plan.warnings)
        for net in self.plan.networks:
            existing = inv.network(net.name)
            if net.external:
                if existing is None:
                    blocks.append(f"external network '{net.name}' does not exist: create it "
                                  "first")
                else:
                    acts.append(StackAction("external", "network", net.name))
            elif existing is not None:
                if existing.scope != "swarm":
                    blocks.append(f"network '{net.name}' exists but is a local "
                                  f"{existing.driver} network; services need an overlay")
                acts.append(StackAction("keep", "network", net.name, ("exists; left as it is",)))
            else:
                details = []
                ipam = (net.create or {}).get("ipam")
                if ipam:
                    details.append("subnet " + ", ".join(
                        str(c.get("Subnet")) for c in ipam["Config"] if c.get("Subnet")))
                acts.append(StackAction("create", "network", net.name, tuple(details)))
        for obj in (*self.plan.secrets, *self.plan.configs):
            acts_obj, blk = self._object_action(obj, inv)
            if acts_obj:
                acts.append(acts_obj)
            blocks.extend(blk)
        names = inv.names_by_id()
        taken = inv.published_ports()
        for ps in self.plan.services:
            for p in (ps.spec.get("EndpointSpec") or {}).get("Ports") or []:
                user = taken.get((p.get("PublishedPort") or 0, p["Protocol"]))
                if p.get("PublishedPort") and p["PublishMode"] == "ingress" and user \
                        and user != ps.name:
                    blocks.append(f"service {ps.short}: published port {p['PublishedPort']}/"
                                  f"{p['Protocol']} is already used by service '{user}'")
            svc = inv.service(ps.name)
            if svc is None or svc.name != ps.name:
                mode = ps.spec["Mode"]
                count = "global" if "Global" in mode else \
                    fmt.count(mode["Replicated"]["Replicas"], "replica")
                image = ps.spec["TaskTemplate"]["ContainerSpec"]["Image"]
                acts.append(StackAction("create", "service", ps.name, (f"{image}, {count}",)))
                continue
            if svc.stack != self.plan.stack:
                warnings.append(f"service {ps.name} exists outside stack {self.plan.stack}; "
                                "deploying takes it over")
            new = _comparable(_net_targets(_fill_refs(ps.spec, _obj_ids(inv)), inv), svc.spec)
            changes = spec_diff(svc.spec, new, names=names)
            if changes:
                acts.append(StackAction("update", "service", ps.name,
                                        tuple(str(c) for c in changes)))
            else:
                acts.append(StackAction("unchanged", "service", ps.name))
        planned = {ps.name for ps in self.plan.services}
        for svc in inv.services:
            if svc.stack == self.plan.stack and svc.name not in planned:
                warnings.append(f"service {svc.name} is in stack {self.plan.stack} but not in "
                                "the compose file: it is left running")
        return acts, blocks, warnings

    def _object_action(self, obj: PlannedObject, inv: Inventory
                       ) -> tuple[StackAction | None, list[str]]:
        if not inv.has_objects:
            return StackAction("create" if not obj.external else "external", obj.kind, obj.name,
                               (f"from {obj.source}", "(existing secrets/configs not listed)")
                               ), []
        existing = inv.stored(obj.kind, obj.name)
        if obj.external:
            if existing is None:
                return None, [f"external {obj.kind} '{obj.name}' does not exist: create it first"]
            return StackAction("external", obj.kind, obj.name), []
        if existing is not None:
            return StackAction("keep", obj.kind, obj.name,
                               (f"exists; {obj.kind}s cannot change: rename it in the compose "
                                "file to use new data",)), []
        return StackAction("create", obj.kind, obj.name, (f"from {obj.source}",)), []

    def check(self, inv: Inventory) -> GuardResult:
        acts, blocks, warnings = self.actions(inv)
        return guard_result(blocks=blocks, warnings=warnings, preview=[str(a) for a in acts])

    # ------------------------------------------------------------------ apply
    def apply(self, api: Any) -> str:
        if self.plan.errors:
            raise OperationError("; ".join(self.plan.errors))
        done: list[str] = []
        try:
            inv = Inventory.read(api, tasks=False)
            for net in self.plan.networks:
                if net.external or inv.network(net.name) is not None:
                    continue
                assert net.create is not None
                api.create_network(**net.create)
                done.append(f"network {net.name} created")
            for obj in (*self.plan.secrets, *self.plan.configs):
                if obj.external or inv.stored(obj.kind, obj.name) is not None:
                    continue
                data = Hidden(obj.path.read_bytes() if obj.path else (obj.inline or b""))
                try:
                    if obj.kind == "secret":
                        api.create_secret(obj.name, data.reveal(), labels=obj.labels)
                    else:
                        api.create_config(obj.name, data.reveal(), labels=obj.labels)
                except Exception as exc:
                    raise OperationError(f"creating {obj.kind} {obj.name} failed: "
                                         f"{data.scrub(api_error_text(exc))}") from None
                done.append(f"{obj.kind} {obj.name} created")
            inv = Inventory.read(api, tasks=False)
            ids = _obj_ids(inv)
            for ps in self.plan.services:
                spec = _fill_refs(ps.spec, ids)
                svc = inv.service(ps.name)
                if svc is None or svc.name != ps.name:
                    api.create_service(**create_kwargs(spec))
                    self._created.append(ps.name)
                    done.append(f"service {ps.name} created")
                    continue
                if not spec_diff(svc.spec, _comparable(_net_targets(spec, inv), svc.spec)):
                    continue
                self._update(api, ps.name, _net_targets(spec, inv))
                done.append(f"service {ps.name} updated")
        except OperationError as exc:
            raise OperationError(_partial(done, str(exc))) from None
        except Exception as exc:
            raise OperationError(_partial(done, api_error_text(exc))) from None
        return f"stack {self.plan.stack} deployed: " + ("; ".join(done) or "nothing to change")

    def _update(self, api: Any, name: str, spec: ApiDict) -> None:
        task_change = [False]

        def mutate(current: ApiDict) -> None:
            new = _comparable(spec, current)
            task_change[0] = any(c.path.startswith("TaskTemplate")
                                 for c in spec_diff(current, new))
            current.clear()
            current.update(new)

        _, before = update_service_spec(api, name, mutate, before_write=self.before_write)
        if task_change[0]:
            # tasks are replaced: follow the rolling update (UpdateStatus) of this service
            self._updated[name] = Service.from_api(before).update_started_at

    def progress(self, snapshot: Any) -> Progress:
        inv = Inventory.of(snapshot)
        pending = []
        for ps in self.plan.services:
            p = service_progress(inv, ps.name, since_update=self._updated.get(ps.name),
                                 expect_update=ps.name in self._updated)
            if p.failed:
                return Progress(True, f"{ps.name}: {p.text}", failed=True)
            if not p.done:
                pending.append(f"{ps.short}: {p.text}")
        if pending:
            return Progress(False, "; ".join(pending))
        return Progress(True, f"stack {self.plan.stack}: every service converged")


def _partial(done: list[str], error: str) -> str:
    if done:
        return f"{error} (already done: {'; '.join(done)})"
    return error


def _obj_ids(inv: Inventory) -> dict[tuple[str, str], str]:
    ids = {("secret", o.name): o.id for o in inv.secrets}
    ids.update({("config", o.name): o.id for o in inv.configs})
    return ids


# ------------------------------------------------------------------------- remove


class RemoveStack(CreateOperation):
    """`docker stack rm STACK`: services first, then networks, secrets and configs."""

    name = "remove stack"
    kind = "stack"
    typed_to_confirm = True

    def __init__(self, stack: str, *, timeout: float = 60) -> None:
        super().__init__(stack)
        self.stack = stack
        #: how long apply waits for networks/secrets to be released by ending tasks
        self.release_timeout = timeout

    @property
    def cli(self) -> str:
        return shlex.join(["docker", "stack", "rm", self.stack])

    def members(self, inv: Inventory) -> dict[str, list[str]]:
        return {
            "service": sorted(s.name for s in inv.services if s.stack == self.stack),
            "network": sorted(n.name for n in inv.networks
                              if n.labels.get(STACK_LABEL) == self.stack),
            "secret": sorted(o.name for o in inv.secrets if o.stack == self.stack),
            "config": sorted(o.name for o in inv.configs if o.stack == self.stack),
        }

    def check(self, inv: Inventory) -> GuardResult:
        members = self.members(inv)
        if not any(members.values()):
            return guard_result(blocks=[f"there is no stack named '{self.stack}'"])
        preview = [f"remove {kind} {name}" for kind, names in members.items() for name in names]
        warnings = []
        if not inv.has_objects:
            warnings.append("the stack's secrets and configs are removed too (not listed here)")
        return guard_result(warnings=warnings, preview=preview)

    def apply(self, api: Any) -> str:
        label = {"label": f"{STACK_LABEL}={self.stack}"}
        done: list[str] = []
        problems: list[str] = []
        try:
            for s in api.services(filters=label):
                api.remove_service(s["ID"])
                done.append(f"service {s['Spec']['Name']}")
            deadline = time.monotonic() + self.release_timeout
            for kind, lister, remover in (
                ("network", api.networks, api.remove_network),
                ("secret", api.secrets, api.remove_secret),
                ("config", api.configs, api.remove_config),
            ):
                for obj in lister(filters=label):
                    ident = obj.get("Id") or obj.get("ID")
                    name = obj.get("Name") or (obj.get("Spec") or {}).get("Name")
                    err = _remove_retrying(remover, ident, deadline)
                    if err:
                        problems.append(f"{kind} {name}: {err}")
                    else:
                        done.append(f"{kind} {name}")
        except Exception as exc:
            raise OperationError(_partial([f"removed {d}" for d in done],
                                          api_error_text(exc))) from None
        if problems:
            raise OperationError(f"stack {self.stack} partly removed; left: "
                                 + "; ".join(problems))
        return f"stack {self.stack} removed: {', '.join(done)}"

    def progress(self, snapshot: Any) -> Progress:
        inv = Inventory.of(snapshot)
        members = self.members(inv)
        left = [fmt.count(len(v), k) for k, v in members.items() if v]
        if left:
            return Progress(False, f"waiting: {', '.join(left)} of stack {self.stack} remain")
        return Progress(True, f"stack {self.stack} is gone")


def _remove_retrying(remover: Any, ident: str, deadline: float) -> str | None:
    """Remove; while the engine says the object is still in use (tasks shutting down), retry."""
    while True:
        try:
            remover(ident)
            return None
        except Exception as exc:
            text = api_error_text(exc)
            busy = any(w in text.lower() for w in ("in use", "active endpoints", "has active"))
            if not busy or time.monotonic() > deadline:
                return text
            time.sleep(0.25)


# ------------------------------------------------------------------------- stacks pane


@dataclass(frozen=True)
class StackRow:
    """One row of the stacks pane: the stack, its services, and its health in words."""

    name: str
    services: tuple[str, ...]
    running: int
    desired: int
    #: "healthy", "updating", "degraded", "update paused" or "down" (the worst of its services)
    health: str
    #: one line per service that is not healthy, e.g. "st_web: 1/3 tasks running"
    problems: tuple[str, ...]


_HEALTH_ORDER = ("healthy", "updating", "degraded", "update paused", "down")


def service_health(svc: Service) -> tuple[str, str | None]:
    """(health word, problem line or None) for one service."""
    running, desired = svc.running or 0, svc.desired or 0
    counts = f"{running}/{desired} tasks running"
    if svc.update_state in ("paused", "rollback_paused"):
        msg = f": {svc.update_message}" if svc.update_message else ""
        return "update paused", f"{svc.name}: {svc.update_text}{msg}"
    if svc.update_state in ("updating", "rollback_started"):
        return "updating", f"{svc.name}: {svc.update_text} ({counts})"
    if svc.running is None or svc.converged:
        return "healthy", None
    if running == 0 and desired > 0:
        return "down", f"{svc.name}: {counts}"
    return "degraded", f"{svc.name}: {counts}"


def stack_rows(snapshot: Any) -> list[StackRow]:
    """Stacks (services labelled com.docker.stack.namespace) with their health, by name."""
    inv = Inventory.of(snapshot)
    stacks: dict[str, list[Service]] = {}
    for s in inv.services:
        if s.stack:
            stacks.setdefault(s.stack, []).append(s)
    rows = []
    for name in sorted(stacks):
        services = sorted(stacks[name], key=lambda s: s.name)
        worst = "healthy"
        problems = []
        for s in services:
            health, problem = service_health(s)
            if _HEALTH_ORDER.index(health) > _HEALTH_ORDER.index(worst):
                worst = health
            if problem:
                problems.append(problem)
        rows.append(StackRow(
            name=name,
            services=tuple(s.name for s in services),
            running=sum(s.running or 0 for s in services),
            desired=sum(s.desired or 0 for s in services),
            health=worst,
            problems=tuple(problems),
        ))
    return rows
