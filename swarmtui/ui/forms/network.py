"""New overlay network (overlaps refused as typed), remove a network, and attach /
detach a service to / from a network."""

from __future__ import annotations

import shlex
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Select, Static, TextArea

from swarmtui.swarm.create.network import (
    CreateNetwork,
    NetworkForm,
    network_create_argv,
    validate_network,
)
from swarmtui.swarm.create.service_form import errors_by_field
from swarmtui.swarm.create.service_ops import AttachNetwork, DetachNetwork
from swarmtui.ui.forms.common import Field, FieldsFormScreen, FormScreen, lines_of, markup
from swarmtui.ui.widgets.footer import KeysFooter


def _bottom(submit_label: str) -> ComposeResult:
    with Vertical(id="form-bottom"):
        yield Static("", id="form-cli")
        yield Static("", id="form-status")
        with Horizontal(id="form-buttons"):
            yield Button(submit_label, id="submit", variant="primary", disabled=True,
                         compact=True)
            yield Button("Cancel \\[Esc]", id="cancel", compact=True)


class NetworkFormScreen(FieldsFormScreen):
    """`docker network create -d overlay …`: name, subnet/gateway, attachable, encrypted,
    labels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Create", id="forms.network.submit"),
    ]

    def compose(self) -> ComposeResult:
        yield Static("New overlay network", id="form-title")
        with VerticalScroll(id="form-body"):
            yield self._field("name", "Name", Input(placeholder="e.g. appnet", id="name",
                                                    compact=True))
            yield self._field("subnet", "Subnet (empty: Swarm picks one)",
                              Input(placeholder="e.g. 10.20.0.0/24", id="subnet", compact=True))
            yield self._field("gateway", "Gateway (empty: the first address)",
                              Input(placeholder="e.g. 10.20.0.1", id="gateway", compact=True))
            yield self._field("attachable", "", Checkbox(
                "attachable (standalone containers may join)", id="attachable", compact=True))
            yield self._field("encrypted", "", Checkbox(
                "encrypted (IPsec between nodes)", id="encrypted", compact=True))
            yield self._field("labels", "Labels (key=value, one per line)",
                              TextArea(id="labels", compact=True))
        yield from _bottom("Create")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()
        self.refresh_form()

    def read_form(self) -> NetworkForm:
        return NetworkForm(
            name=self.query_one("#name", Input).value,
            subnet=self.query_one("#subnet", Input).value,
            gateway=self.query_one("#gateway", Input).value,
            attachable=self.query_one("#attachable", Checkbox).value,
            encrypted=self.query_one("#encrypted", Checkbox).value,
            labels=lines_of(self.query_one("#labels", TextArea).text),
        )

    def refresh_form(self) -> None:
        if not self.fields or not self.composed:
            return
        form = self.read_form()
        errors = errors_by_field(validate_network(form, self.inventory()))
        self.show_verdict(errors, shlex.join(network_create_argv(form)), lists=("labels",))

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Checkbox.Changed)
    def _changed(self) -> None:
        self.refresh_form()

    @on(Button.Pressed, "#submit")
    def action_submit(self) -> None:
        self.refresh_form()
        if self.refused_invalid(self.valid):
            return
        self.submit(CreateNetwork(self.read_form()))


class ServiceNetworksScreen(FormScreen):
    """Attach a service to an overlay network, or detach it from one of its networks."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Review", id="forms.netattach.submit"),
    ]

    def __init__(self, service: str, *, attach: bool = True) -> None:
        super().__init__()
        self.service = service
        self.attach = attach

    def _choices(self) -> list[str]:
        inv = self.inventory()
        if inv is None:
            return []
        svc = inv.service(self.service)
        if svc is None:
            return []
        on_now = {inv.network_name(n) for n in svc.networks}
        if self.attach:
            return sorted(n.name for n in inv.networks
                          if n.scope == "swarm" and not n.ingress and n.name not in on_now)
        return sorted(on_now)

    def compose(self) -> ComposeResult:
        verb = "Attach" if self.attach else "Detach"
        prep = "to" if self.attach else "from"
        yield Static(markup(f"{verb} service {self.service} {prep} a network"), id="form-title")
        choices = self._choices()
        with VerticalScroll(id="form-body"):
            if choices:
                yield Field("Network", Select([(c, c) for c in choices], allow_blank=False,
                                              value=choices[0], id="network", compact=True),
                            path="network")
            else:
                why = ("there is no overlay network it is not already on (N on the Networks "
                       "pane creates one)") if self.attach else "it is on no network"
                yield Static(markup(f"Nothing to choose: {why}."), classes="hint")
            yield Static("The service's tasks are replaced (a rolling update) to change "
                         "networks.", classes="hint")
        yield from _bottom(verb)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.refresh_form()
        if self.query("#network"):
            self.query_one("#network", Select).focus()

    def _op(self) -> AttachNetwork | DetachNetwork | None:
        if not self.query("#network"):
            return None
        net = str(self.query_one("#network", Select).value)
        cls = AttachNetwork if self.attach else DetachNetwork
        return cls(self.service, net)

    def refresh_form(self) -> None:
        if not self.composed:
            return
        op = self._op()
        self.query_one("#form-cli", Static).update(markup(op.cli if op else ""))
        self.query_one("#submit", Button).disabled = op is None

    @on(Select.Changed)
    def _changed(self) -> None:
        self.refresh_form()

    @on(Button.Pressed, "#submit")
    def action_submit(self) -> None:
        op = self._op()
        if op is not None:
            self.submit(op)
