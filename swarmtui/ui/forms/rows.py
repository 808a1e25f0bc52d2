"""Repeating rows of the service form: published ports and mounts (add / remove)."""

from __future__ import annotations

import itertools

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Select, Static

from swarmtui.swarm.create.service_form import (
    MOUNT_TYPES,
    PROTOCOLS,
    PUBLISH_MODES,
    MountField,
    PortField,
)
from swarmtui.ui.forms.common import Touchable, markup

_serial = itertools.count(1)


class RemoveRow(Message):
    def __init__(self, row: FormRow) -> None:
        super().__init__()
        self.row = row


class FormRow(Touchable):
    """One row of inputs and the messages for it."""

    DEFAULT_CSS = "FormRow { height: auto; }"
    KIND = "row"

    def __init__(self) -> None:
        self.serial = next(_serial)
        super().__init__(id=f"{self.KIND}-{self.serial}", classes=f"{self.KIND}-row")

    def wid(self, name: str) -> str:
        return f"{self.KIND}-{self.serial}-{name}"

    def compose_fields(self) -> ComposeResult:
        yield from ()

    def compose(self) -> ComposeResult:
        with Horizontal(classes="row"):
            yield from self.compose_fields()
            yield Button("−", id=self.wid("remove"), compact=True,
                         tooltip="remove this row")
        yield Static("", classes="field-error -empty")

    def show_errors(self, messages: list[str]) -> None:
        err = self.query_one(".field-error", Static)
        err.update(markup("\n".join(messages)))
        err.set_class(not messages, "-empty")

    @on(Button.Pressed)
    def _remove(self, event: Button.Pressed) -> None:
        if event.button.id == self.wid("remove"):
            event.stop()
            self.post_message(RemoveRow(self))


class PortRow(FormRow):
    """target → published / protocol / mode."""

    KIND = "port"

    def __init__(self, port: PortField | None = None) -> None:
        super().__init__()
        self.port = port or PortField()

    def compose_fields(self) -> ComposeResult:
        p = self.port
        yield Input(p.target, placeholder="target (container) port", id=self.wid("target"),
                    compact=True)
        yield Input(p.published, placeholder="published (empty: Swarm picks)",
                    id=self.wid("published"), compact=True)
        yield Select([(x, x) for x in PROTOCOLS], allow_blank=False,
                     value=p.protocol if p.protocol in PROTOCOLS else "tcp",
                     id=self.wid("protocol"), compact=True)
        yield Select([(x, x) for x in PUBLISH_MODES], allow_blank=False,
                     value=p.mode if p.mode in PUBLISH_MODES else "ingress",
                     id=self.wid("mode"), compact=True)

    def value(self) -> PortField:
        return PortField(
            target=self.query_one(f"#{self.wid('target')}", Input).value.strip(),
            published=self.query_one(f"#{self.wid('published')}", Input).value.strip(),
            protocol=str(self.query_one(f"#{self.wid('protocol')}", Select).value),
            mode=str(self.query_one(f"#{self.wid('mode')}", Select).value),
        )


class MountRow(FormRow):
    """type / source / target / read-only."""

    KIND = "mount"

    def __init__(self, mount: MountField | None = None) -> None:
        super().__init__()
        self.mount_field = mount or MountField()

    def compose_fields(self) -> ComposeResult:
        m = self.mount_field
        yield Select([(x, x) for x in MOUNT_TYPES], allow_blank=False,
                     value=m.type if m.type in MOUNT_TYPES else "volume",
                     id=self.wid("type"), compact=True)
        yield Input(m.source, placeholder="source (volume name / host path)",
                    id=self.wid("source"), compact=True)
        yield Input(m.target, placeholder="target path in the container",
                    id=self.wid("target"), compact=True)
        yield Checkbox("ro", m.readonly, id=self.wid("readonly"), compact=True)

    def value(self) -> MountField:
        return MountField(
            type=str(self.query_one(f"#{self.wid('type')}", Select).value),
            source=self.query_one(f"#{self.wid('source')}", Input).value.strip(),
            target=self.query_one(f"#{self.wid('target')}", Input).value.strip(),
            readonly=self.query_one(f"#{self.wid('readonly')}", Checkbox).value,
        )


def row_messages(errors: dict[str, str], name: str, index: int) -> list[str]:
    """Messages for "name[index].field" paths, prefixed with the field."""
    prefix = f"{name}[{index}]"
    out = []
    for path, msg in errors.items():
        if path == prefix or path.startswith(prefix + "."):
            out.append(msg)
    return out
