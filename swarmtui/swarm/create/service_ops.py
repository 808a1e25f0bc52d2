"""Operations on services: create from the form, edit (full-spec update), attach/detach a network.

How a form screen drives these (no I/O until apply):

1. On every change: ``validate(form, inv)`` for the per-field messages and
   ``create_cli(form)`` (or ``EditService(...).cli``) for the live CLI preview.
2. On submit: ``op.guard(snapshot, read_only=…)`` → blocks / warnings / preview
   (for an edit, the preview is the spec diff).
3. ``op.apply(api)`` in a worker thread; then poll ``op.converged(snapshot)``
   with fresh snapshots until ``done``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from swarmtui.swarm import format as fmt
from swarmtui.swarm.create.base import (
    CreateOperation,
    GuardResult,
    OperationError,
    Progress,
    engine_errors,
    fresh_inventory,
    guard_result,
)
from swarmtui.swarm.create.diff import SpecChange, spec_diff
from swarmtui.swarm.create.inventory import Inventory
from swarmtui.swarm.create.service_cli import create_cli, update_cli
from swarmtui.swarm.create.service_form import (
    CONSTRAINT_RE,
    FormInvalidError,
    ServiceForm,
    errors_by_field,
    validate,
)
from swarmtui.swarm.create.service_spec import (
    EditConflictError,
    build_spec,
    create_kwargs,
    form_from_spec,
    merge_form,
)
from swarmtui.swarm.explain import updates
from swarmtui.swarm.models import ApiDict, Node, Service
from swarmtui.swarm.ops.base import update_service_spec

# ----------------------------------------------------------------- live form state


@dataclass(frozen=True)
class FormState:
    """What a form screen shows after each keystroke: messages per field and the CLI line."""

    #: field path ("name", "ports[0].published", …) → message
    errors: dict[str, str]
    #: `docker service create …`, or `docker service update …` when editing ("" = no change)
    cli: str

    @property
    def valid(self) -> bool:
        return not self.errors


def form_state(form: ServiceForm, snapshot: Any = None, *,
               original: ServiceForm | None = None, editing: str | None = None) -> FormState:
    """Validate-as-you-type and the live CLI equivalent, with no I/O.

    `snapshot`: the domain snapshot or an Inventory (None skips the cluster checks).
    When editing, pass the service name and the form as first filled (`original`).
    """
    inv = Inventory.of(snapshot) if snapshot is not None else None
    errors = errors_by_field(validate(form, inv, editing=editing))
    if editing is not None and original is not None:
        cli = update_cli(original, form)
    else:
        cli = create_cli(form)
    return FormState(errors, cli)


# ----------------------------------------------------------------- placement preview


def node_matches(node: Node, constraints: list[str]) -> bool:
    """Does `node` satisfy every constraint (swarmkit semantics, case-insensitive values)?"""
    for c in constraints:
        m = CONSTRAINT_RE.match(c)
        if not m:
            return False
        key, op, want = m.groups()
        have: str | None
        if key == "node.id":
            have = node.id
        elif key == "node.hostname":
            have = node.hostname
        elif key == "node.role":
            have = node.role
        elif key == "node.platform.os":
            have = node.os
        elif key == "node.platform.arch":
            have = node.arch
        elif key.startswith("node.labels."):
            have = node.labels.get(key[len("node.labels."):])
        elif key.startswith("engine.labels."):
            have = node.engine_labels.get(key[len("engine.labels."):])
        else:
            return False
        equal = have is not None and have.lower() == want.lower()
        if (op == "==") != equal:
            return False
    return True


def placement_warnings(form: ServiceForm, inv: Inventory) -> list[str]:
    if not inv.nodes:
        return []
    active = inv.active_nodes()
    fits = [n for n in active if node_matches(n, [c.strip() for c in form.constraints])]
    if not fits:
        why = "these constraints" if form.constraints else "availability"
        return [f"no Active, Ready node satisfies {why}: tasks will stay Pending "
                "(\"no suitable node\") until one does"]
    return []


def _summary(form: ServiceForm, inv: Inventory) -> list[str]:
    lines = []
    if form.mode == "global":
        count = len([n for n in inv.active_nodes()
                     if node_matches(n, [c.strip() for c in form.constraints])])
        lines.append(f"global service: one task on each matching Active node ({count} now)")
    else:
        n = form.replicas.strip()
        lines.append("replicated service: " + (fmt.count(int(n), "task") if n.isdigit()
                                               else f"{n} tasks"))
    lines.append(f"image {form.image.strip()}")
    for p in form.ports:
        pub = p.published.strip() or "a free port chosen by Swarm"
        lines.append(f"publishes {pub} → {p.target.strip()}/{p.protocol} ({p.mode})")
    if form.networks:
        lines.append("networks: " + ", ".join(n.strip() for n in form.networks))
    return lines


# ----------------------------------------------------------------- progress


def service_progress(inv: Inventory, service_name: str, *,
                     since_update: datetime | None = None,
                     expect_update: bool = False) -> Progress:
    """Convergence of one service: rolling update state, else running == desired tasks.

    `since_update` is the UpdateStatus.StartedAt seen before the change was sent:
    an update status with the same start time is an older one and is ignored.
    """
    svc = inv.service(service_name)
    if svc is None:
        return Progress(False, f"waiting for service {service_name} to appear")
    if expect_update:
        if svc.update_state is None or svc.update_started_at == since_update:
            return Progress(False, "waiting for the rolling update to start")
        state = svc.update_state
        named = updates.named_message(inv.snapshot, svc)[0]  # "task web.2", not its ID
        msg = f": {named}" if named else ""
        if state == "paused":
            return Progress(True, f"update paused{msg}", failed=True)
        if state == "rollback_completed":
            return Progress(True, f"update rolled back{msg}", failed=True)
        if state == "rollback_paused":
            return Progress(True, f"rollback paused{msg}", failed=True)
        if state == "rollback_started":
            return Progress(False, f"rolling back{msg}")
        if state == "updating":
            return Progress(False, f"updating: {_counts(inv, svc)}{msg}")
        # completed: fall through to the task count
    return _tasks_progress(inv, svc)


def _counts(inv: Inventory, svc: Service) -> str:
    running = svc.running if svc.running is not None else len(
        [t for t in inv.tasks_of(svc.id) if t.is_running and t.wants_running])
    desired = svc.desired if svc.desired is not None else "?"
    return f"{running}/{desired} tasks running"


def _tasks_progress(inv: Inventory, svc: Service) -> Progress:
    tasks = [t for t in inv.tasks_of(svc.id) if t.wants_running]
    if svc.mode == "global":
        desired = len([n for n in inv.active_nodes() if node_matches(n, list(svc.constraints))])
    elif svc.desired is not None:
        desired = svc.desired
    else:
        desired = svc.spec_replicas or 0
    running = len([t for t in tasks if t.is_running])
    if svc.running is not None and svc.desired is not None and svc.mode != "global":
        running, desired = svc.running, svc.desired
    if running >= desired and (tasks or desired == 0 or not inv.tasks):
        return Progress(True, f"{running}/{desired} tasks running")
    problems = sorted({t.error or t.message for t in tasks if not t.is_running and
                       (t.error or t.message)})
    failed_recent = [t for t in inv.tasks_of(svc.id) if t.state in ("failed", "rejected")]
    why = ""
    if problems:
        why = f" ({'; '.join(problems[:2])})"
    elif failed_recent:
        last = max(failed_recent, key=lambda t: t.timestamp.timestamp() if t.timestamp else 0.0)
        why = f" (last failure: {last.error or last.message})"
    return Progress(False, f"{running}/{desired} tasks running{why}")


# ----------------------------------------------------------------- create


class CreateService(CreateOperation):
    """`docker service create …` from the form."""

    name = "create service"
    kind = "service"

    def __init__(self, form: ServiceForm) -> None:
        super().__init__(form.name.strip())
        self.form = form

    @property
    def cli(self) -> str:
        return create_cli(self.form)

    def check(self, inv: Inventory) -> GuardResult:
        errors = validate(self.form, inv)
        if errors:
            return guard_result(blocks=[str(e) for e in errors])
        return guard_result(warnings=placement_warnings(self.form, inv),
                            preview=_summary(self.form, inv))

    def spec(self, inv: Inventory | None = None) -> ApiDict:
        """The ServiceSpec that apply will send (IDs of networks/secrets resolved via `inv`)."""
        return build_spec(self.form, inv)

    def apply(self, api: Any) -> str:
        inv = fresh_inventory(api)
        errors = validate(self.form, inv)
        if errors:
            raise OperationError("; ".join(str(e) for e in errors))
        with engine_errors(f"creating service {self.target}"):
            result = api.create_service(**create_kwargs(build_spec(self.form, inv)))
        self.applied["service_id"] = str(result.get("ID"))
        warnings = [str(w) for w in (result.get("Warnings") or [])]
        return f"service {self.target} created" + (f" ({'; '.join(warnings)})" if warnings else "")

    def progress(self, snapshot: Any) -> Progress:
        return service_progress(Inventory.of(snapshot), self.target)


# ----------------------------------------------------------------- edit


class EditService(CreateOperation):
    """Change a service from the edit form: full-spec update with its version."""

    name = "update service"
    kind = "service"
    #: a rolling update replaces tasks one batch at a time (delay + monitor per batch)
    timeout = 180.0

    def __init__(self, service_name: str, form: ServiceForm, original: ServiceForm | None = None
                 ) -> None:
        super().__init__(service_name)
        self.service_name = service_name
        self.form = form
        #: the form as it was filled (for the CLI's --*-add/--*-rm); computed in guard if None
        self.original = original
        self._since: datetime | None = None
        self._task_change = True

    @property
    def cli(self) -> str:
        if self.original is None:
            return f"docker service update {self.service_name}"
        return update_cli(self.original, self.form) or f"docker service update {self.service_name}"

    def changes(self, inv: Inventory) -> list[SpecChange]:
        """The spec diff this edit makes on the service as `inv` lists it (three-way:
        EditConflictError when someone else changed a field the user changed too)."""
        svc = inv.service(self.service_name)
        if svc is None:
            return []
        new = merge_form(svc.spec, self.form, inv, base=self.original)
        return spec_diff(svc.spec, new, names=inv.names_by_id())

    def check(self, inv: Inventory) -> GuardResult:
        svc = inv.service(self.service_name)
        if svc is None:
            return guard_result(blocks=[f"service {self.service_name} no longer exists"])
        if svc.is_job:
            return guard_result(blocks=[f"service {svc.name} is a {svc.mode}: jobs cannot be "
                                        "edited with this form (re-create the job instead)"])
        if self.original is None:
            self.original = form_from_spec(svc.spec, inv)
        blocks = [str(e) for e in validate(self.form, inv, editing=svc.name)]
        if svc.mode in ("replicated", "global") and self.form.mode != svc.mode:
            blocks.append(f"mode: a {svc.mode} service cannot become {self.form.mode}; "
                          "remove it and create it again")
        if blocks:
            return guard_result(blocks=blocks)
        try:
            changes = self.changes(inv)
        except EditConflictError as exc:
            return guard_result(blocks=[str(exc)])
        if not changes:
            return guard_result(blocks=["nothing changed"])
        return guard_result(warnings=placement_warnings(self.form, inv),
                            preview=[str(c) for c in changes])

    def apply(self, api: Any) -> str:
        inv = fresh_inventory(api)
        changes: list[SpecChange] = []
        base = self.original

        def mutate(spec: ApiDict) -> None:
            # three-way on the spec as read on THIS attempt: a retry after "out of
            # sequence" merges onto the newer spec and never writes old values back
            new = merge_form(spec, self.form, inv, base=base)
            changes[:] = spec_diff(spec, new)
            spec.clear()
            spec.update(new)

        try:
            _, before = update_service_spec(api, self.service_name, mutate,
                                            before_write=self.before_write)
        except (FormInvalidError, EditConflictError) as exc:
            raise OperationError(str(exc)) from None
        self._since = Service.from_api(before).update_started_at
        self._task_change = any(c.path.startswith("TaskTemplate") for c in changes)
        self.applied["service_id"] = before.get("ID")
        return f"service {self.service_name} updated ({fmt.count(len(changes), 'field')} changed)"

    def progress(self, snapshot: Any) -> Progress:
        return service_progress(Inventory.of(snapshot), self.service_name,
                                since_update=self._since, expect_update=self._task_change)


# ----------------------------------------------------------------- networks of a service


class _NetworkChange(CreateOperation):
    attach = True
    kind = "service"

    def __init__(self, service_name: str, network: str) -> None:
        super().__init__(service_name)
        self.service_name = service_name
        self.network = network
        self._since: datetime | None = None

    @property
    def cli(self) -> str:
        flag = "--network-add" if self.attach else "--network-rm"
        import shlex

        return shlex.join(["docker", "service", "update", flag, self.network, self.service_name])

    def _new_form(self, svc: Service, inv: Inventory) -> ServiceForm:
        form = form_from_spec(svc.spec, inv)
        net = inv.network(self.network)
        name = net.name if net else self.network
        if self.attach:
            form.networks.append(name)
        else:
            form.networks = [n for n in form.networks if n != name]
        return form

    def check(self, inv: Inventory) -> GuardResult:
        svc = inv.service(self.service_name)
        if svc is None:
            return guard_result(blocks=[f"service {self.service_name} no longer exists"])
        net = inv.network(self.network)
        on = net is not None and (net.id in svc.networks or net.name in svc.networks)
        if self.attach and on:
            return guard_result(blocks=[f"service {svc.name} is already on network {self.network}"])
        if not self.attach and not on:
            return guard_result(blocks=[f"service {svc.name} is not on network {self.network}"])
        form = self._new_form(svc, inv)
        errors = [e.message for e in validate(form, inv, editing=svc.name)
                  if e.field.startswith("networks")]
        if errors:
            return guard_result(blocks=errors)
        new = merge_form(svc.spec, form, inv)
        verb = "joins" if self.attach else "leaves"
        return guard_result(
            warnings=["the service's tasks are replaced (rolling update) to change networks"],
            preview=[f"service {svc.name} {verb} network {self.network}"]
            + [str(c) for c in spec_diff(svc.spec, new, names=inv.names_by_id())])

    def apply(self, api: Any) -> str:
        inv = fresh_inventory(api)

        def mutate(spec: ApiDict) -> None:
            svc = Service.from_api({"Spec": copy.deepcopy(spec)})
            new = merge_form(spec, self._new_form(svc, inv), inv)
            spec.clear()
            spec.update(new)

        try:
            _, before = update_service_spec(api, self.service_name, mutate,
                                            before_write=self.before_write)
        except FormInvalidError as exc:
            raise OperationError(str(exc)) from None
        self._since = Service.from_api(before).update_started_at
        verb = "attached to" if self.attach else "detached from"
        return f"service {self.service_name} {verb} network {self.network}"

    def progress(self, snapshot: Any) -> Progress:
        return service_progress(Inventory.of(snapshot), self.service_name,
                                since_update=self._since, expect_update=True)


class AttachNetwork(_NetworkChange):
    """`docker service update --network-add NET SERVICE`."""

    name = "attach service to network"
    attach = True


class DetachNetwork(_NetworkChange):
    """`docker service update --network-rm NET SERVICE`."""

    name = "detach service from network"
    attach = False
