"""New service / edit service: every field of ``ServiceForm``, validated as typed.

Scrollable, sections collapsible (Enter on a section title toggles it), usable at
80×24 without a mouse: Tab moves between fields, ctrl+s submits. The message for a
field shows under it; the ``docker service create …`` (or ``update …``) equivalent
is kept up to date at the bottom; the Create button stays disabled while any field
is wrong. Submit → confirmation (CLI + preview; for an edit, the spec diff) →
apply → progress (tasks running / rolling update completed, paused, rolled back).
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Collapsible, Input, Select, Static, TextArea

from swarmtui.swarm.create.service_form import (
    FAILURE_ACTIONS,
    RESTART_CONDITIONS,
    UPDATE_ORDERS,
    ObjectRef,
    ServiceForm,
)
from swarmtui.swarm.create.service_ops import CreateService, EditService, form_state
from swarmtui.swarm.create.service_spec import form_from_spec
from swarmtui.ui.forms.common import (
    Field,
    FieldsFormScreen,
    items_of,
    lines_of,
    markup,
)
from swarmtui.ui.forms.rows import MountRow, PortRow, RemoveRow, row_messages
from swarmtui.ui.widgets.footer import KeysFooter

#: scalar text fields: (path, label, placeholder); a placeholder is an example ("e.g. …",
#: dim): it must never look like a value already filled in
TEXT_FIELDS: dict[str, list[tuple[str, str, str]]] = {
    "basics": [
        ("name", "Name", "e.g. web"),
        ("image", "Image", "e.g. busybox:latest"),
        ("command", "Command and arguments", "e.g. httpd -f -p 80"),
        ("entrypoint", "Entrypoint (optional)", ""),
        ("replicas", "Replicas", "e.g. 1"),
    ],
    "resources": [
        ("limit_cpus", "CPU limit", "e.g. 0.5"),
        ("limit_memory", "Memory limit", "e.g. 256M"),
        ("reserve_cpus", "CPU reservation", "e.g. 0.25"),
        ("reserve_memory", "Memory reservation", "e.g. 128M"),
    ],
    "restart": [
        ("restart_delay", "Restart delay", "e.g. 5s"),
        ("restart_max_attempts", "Max attempts", "e.g. 3"),
        ("restart_window", "Window", "e.g. 2m"),
    ],
    "update": [
        ("update_parallelism", "Parallelism", "e.g. 1"),
        ("update_delay", "Delay between batches", "e.g. 10s"),
    ],
    "health": [
        ("health_cmd", "Health command (shell)", "e.g. wget -q -O- localhost/ || exit 1"),
        ("health_interval", "Interval", "e.g. 30s"),
        ("health_timeout", "Timeout", "e.g. 5s"),
        ("health_retries", "Retries", "e.g. 3"),
        ("health_start_period", "Start period", "e.g. 10s"),
    ],
}
#: choices: path → (label, options); "" is the engine's default
CHOICES: dict[str, tuple[str, tuple[str, ...]]] = {
    "restart_condition": ("Restart condition", ("", *RESTART_CONDITIONS)),
    "update_failure_action": ("On update failure", ("", *FAILURE_ACTIONS)),
    "update_order": ("Update order", ("", *UPDATE_ORDERS)),
}
#: list fields typed one per line
LINE_FIELDS = {
    "env": ("Environment (KEY=value, one per line)", "e.g. LOG_LEVEL=info"),
    "constraints": ("Placement constraints (one per line)", "e.g. node.role==worker"),
    "preferences": ("Placement preferences (one per line)", "e.g. spread=node.labels.zone"),
    "labels": ("Service labels (key=value, one per line)", "e.g. team=web"),
}
#: list fields typed comma-separated on one line
ITEM_FIELDS = {
    "networks": ("Networks (overlay, comma-separated)", "e.g. appnet"),
    "secrets": ("Secrets (name or name:file, comma-separated)", "e.g. db_password"),
    "configs": ("Configs (name or name:/path, comma-separated)", "e.g. nginx_conf:/etc/nginx.conf"),
}


def _refs(text: str) -> list[ObjectRef]:
    out = []
    for item in items_of(text):
        source, _, target = item.partition(":")
        out.append(ObjectRef(source=source, target=target))
    return out


def _refs_text(refs: list[ObjectRef]) -> str:
    return ", ".join(f"{r.source}:{r.target}" if r.target else r.source for r in refs)


class ServiceFormScreen(FieldsFormScreen):
    """Create a service, or (with `editing`) change one, from the same form."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Create / review", id="forms.service.submit"),
        Binding("ctrl+t", "add_port", "Add port", id="forms.service.add_port"),
        Binding("ctrl+u", "add_mount", "Add mount", id="forms.service.add_mount"),
    ]

    def __init__(self, *, editing: str | None = None, original: ServiceForm | None = None
                 ) -> None:
        super().__init__()
        self.editing = editing
        self.original = original
        self.initial = original or ServiceForm()
        self.state: Any = None

    @classmethod
    def for_service(cls, app: Any, service_ref: str) -> ServiceFormScreen:
        """The edit form of a service of the app's snapshot, filled from its spec."""
        from swarmtui.swarm.create.inventory import Inventory

        snap = app.snapshot
        inv = Inventory.of(snap)
        svc = inv.service(service_ref)
        if svc is None:
            raise LookupError(f"no service {service_ref!r} in the current view")
        return cls(editing=svc.name, original=form_from_spec(svc.spec, inv))

    # ------------------------------------------------------------- layout
    def _text(self, path: str, label: str, placeholder: str) -> Field:
        value = str(getattr(self.initial, path))
        disabled = path == "name" and self.editing is not None
        return self._field(path, label, Input(value, placeholder=placeholder, id=path,
                                              compact=True, disabled=disabled))

    def _choice(self, path: str) -> Field:
        label, options = CHOICES[path]
        value = str(getattr(self.initial, path))
        opts = [(o or "(engine default)", o) for o in options]
        if value not in options:
            opts.append((value, value))
        return self._field(path, label, Select(opts, allow_blank=False, value=value, id=path,
                                               compact=True))

    def compose(self) -> ComposeResult:
        f = self.initial
        title = f"Edit service {self.editing}" if self.editing else "New service"
        yield Static(markup(title), id="form-title")
        with VerticalScroll(id="form-body"):
            for path, label, ph in TEXT_FIELDS["basics"][:4]:
                yield self._text(path, label, ph)
            yield self._field("mode", "Mode", Select(
                [("replicated", "replicated"), ("global", "global")], allow_blank=False,
                value=f.mode, id="mode", compact=True))
            path, label, ph = TEXT_FIELDS["basics"][4]
            yield self._text(path, label, ph)
            with Collapsible(title="Published ports", collapsed=False, id="sec-ports"):
                yield Static("target port → published port (empty: Swarm picks one from "
                             "30000-32767), protocol, mode", classes="hint")
                yield Vertical(*[PortRow(p) for p in f.ports], id="ports")
                yield Button("+ port (ctrl+t)", id="add-port", compact=True)
            yield self._items("networks", self._networks_hint())
            with Collapsible(title="Environment", collapsed=not f.env, id="sec-env"):
                yield self._lines("env")
            with Collapsible(title="Mounts", collapsed=not f.mounts, id="sec-mounts"):
                yield Static("type, source (volume name or host path), target, read-only",
                             classes="hint")
                yield Vertical(*[MountRow(m) for m in f.mounts], id="mounts")
                yield Button("+ mount (ctrl+u)", id="add-mount", compact=True)
            with Collapsible(title="Placement", collapsed=not (f.constraints or f.preferences),
                             id="sec-placement"):
                yield self._lines("constraints")
                yield self._lines("preferences")
            with Collapsible(title="Resources", collapsed=True, id="sec-resources"):
                for path, label, ph in TEXT_FIELDS["resources"]:
                    yield self._text(path, label, ph)
            with Collapsible(title="Restart policy", collapsed=True, id="sec-restart"):
                yield self._choice("restart_condition")
                for path, label, ph in TEXT_FIELDS["restart"]:
                    yield self._text(path, label, ph)
            with Collapsible(title="Update config", collapsed=True, id="sec-update"):
                for path, label, ph in TEXT_FIELDS["update"]:
                    yield self._text(path, label, ph)
                yield self._choice("update_failure_action")
                yield self._choice("update_order")
            with Collapsible(title="Health check", collapsed=True, id="sec-health"):
                for path, label, ph in TEXT_FIELDS["health"]:
                    yield self._text(path, label, ph)
                yield self._field("no_healthcheck", "", Checkbox(
                    "disable the image's health check", f.no_healthcheck,
                    id="no_healthcheck", compact=True))
            with Collapsible(title="Labels", collapsed=not f.labels, id="sec-labels"):
                yield self._lines("labels")
            with Collapsible(title="Secrets and configs", collapsed=not (f.secrets or f.configs),
                             id="sec-objects"):
                yield self._items("secrets")
                yield self._items("configs")
        with Vertical(id="form-bottom"):
            yield Static("", id="form-cli")
            yield Static("", id="form-status")
            with Horizontal(id="form-buttons"):
                yield Button("Review changes" if self.editing else "Create", id="submit",
                             variant="primary", disabled=True, compact=True)
                yield Button("Cancel \\[Esc]", id="cancel", compact=True)
        yield KeysFooter()

    def _lines(self, path: str) -> Field:
        label, ph = LINE_FIELDS[path]
        text = "\n".join(getattr(self.initial, path))
        return self._field(path, label, TextArea(text, id=path, compact=True,
                                                 placeholder=ph))

    def _items(self, path: str, hint: str = "") -> Field:
        label, ph = ITEM_FIELDS[path]
        value = getattr(self.initial, path)
        text = ", ".join(value) if path == "networks" else _refs_text(value)
        return self._field(path, label, Input(text, placeholder=ph, id=path, compact=True),
                           hint=hint)

    def _networks_hint(self) -> str:
        inv = self.inventory()
        if inv is None:
            return ""
        names = sorted(n.name for n in inv.networks if n.scope == "swarm" and not n.ingress)
        return ("overlay networks: " + ", ".join(names)) if names else \
            "no overlay networks yet (N on the Networks pane creates one)"

    def on_mount(self) -> None:
        self.query_one("#name" if not self.editing else "#image", Input).focus()
        self.refresh_form()

    # --------------------------------------------------------- reading
    def _value(self, path: str) -> str:
        w = self.query_one(f"#{path}")
        if isinstance(w, Input):
            return w.value
        if isinstance(w, Select):
            return str(w.value)
        if isinstance(w, TextArea):
            return w.text
        raise TypeError(path)

    def read_form(self) -> ServiceForm:
        """The form as typed now."""
        form = ServiceForm()
        for group in TEXT_FIELDS.values():
            for path, _, _ in group:
                setattr(form, path, self._value(path))
        for path in CHOICES:
            setattr(form, path, self._value(path))
        form.mode = self._value("mode")
        if form.mode == "global":
            form.replicas = ""
        for path in LINE_FIELDS:
            setattr(form, path, lines_of(self._value(path)))
        form.networks = items_of(self._value("networks"))
        form.secrets = _refs(self._value("secrets"))
        form.configs = _refs(self._value("configs"))
        form.ports = [row.value() for row in self.query(PortRow)]
        form.mounts = [row.value() for row in self.query(MountRow)]
        form.no_healthcheck = self.query_one("#no_healthcheck", Checkbox).value
        return form

    # -------------------------------------------------------- painting
    def refresh_form(self) -> None:
        if not self.fields or not self.composed:
            return
        form = self.read_form()
        state = form_state(form, self.snapshot, original=self.original, editing=self.editing)
        self.state = state
        errors = state.errors
        for i, row in enumerate(self.query(PortRow)):
            row.show_errors(row_messages(errors, "ports", i) if self.shows(row) else [])
        for i, mrow in enumerate(self.query(MountRow)):
            mrow.show_errors(row_messages(errors, "mounts", i) if self.shows(mrow) else [])
        self.query_one("#replicas", Input).disabled = form.mode == "global"
        cli = state.cli or ("nothing changed yet" if self.editing else "")
        self.show_verdict(errors, cli, lists=(*LINE_FIELDS, *ITEM_FIELDS),
                          unchanged=self.editing is not None and not state.cli)

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _changed(self) -> None:
        self.refresh_form()

    # --------------------------------------------------------- actions
    async def action_add_port(self) -> None:
        row = PortRow()
        await self.query_one("#ports", Vertical).mount(row)
        self.query_one("#sec-ports", Collapsible).collapsed = False
        row.query_one(Input).focus()
        self.refresh_form()

    async def action_add_mount(self) -> None:
        row = MountRow()
        await self.query_one("#mounts", Vertical).mount(row)
        self.query_one("#sec-mounts", Collapsible).collapsed = False
        row.query_one(Select).focus()
        self.refresh_form()

    @on(Button.Pressed, "#add-port")
    async def _add_port(self) -> None:
        await self.action_add_port()

    @on(Button.Pressed, "#add-mount")
    async def _add_mount(self) -> None:
        await self.action_add_mount()

    @on(RemoveRow)
    async def _remove_row(self, event: RemoveRow) -> None:
        await event.row.remove()
        self.refresh_form()

    @on(Button.Pressed, "#submit")
    def action_submit(self) -> None:
        self.refresh_form()
        if self.refused_invalid(self.state is not None and self.state.valid):
            return
        form = self.read_form()
        if self.editing:
            self.submit(EditService(self.editing, form, self.original))
        else:
            self.submit(CreateService(form))
