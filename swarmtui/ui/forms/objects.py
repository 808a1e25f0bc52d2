"""Secrets and configs: a pane-like list (never the data; which services use each),
create from a file or typed text, remove (refused while in use, naming the services).

A typed value goes from the password Input straight into a :class:`Hidden` when the
field is left (Enter, Tab, or Create) and the widget is cleared at once: the screen
then shows only its length. It is never echoed, notified, logged or journaled (the
CLI equivalent shows ``printf %s '***' | docker secret create NAME -``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, DataTable, Input, Static, TextArea

from swarmtui.swarm import format as fmt
from swarmtui.swarm.create.objects import (
    CreateObject,
    Hidden,
    ObjectForm,
    RemoveObject,
    object_create_cli,
    object_rows,
    validate_object,
)
from swarmtui.swarm.create.service_form import errors_by_field
from swarmtui.ui.context import swarm_app
from swarmtui.ui.flow import confirmation
from swarmtui.ui.forms.common import FieldsFormScreen, FormScreen, lines_of, markup
from swarmtui.ui.widgets.footer import KeysFooter

COLUMNS = ("NAME", "ID", "CREATED", "STACK", "USED BY")


class ObjectsScreen(FormScreen):
    """The secrets (kind="secret") or configs (kind="config") of the swarm."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "New", id="forms.objects.new"),
        Binding("d,delete", "remove", "Remove", id="forms.objects.remove"),
        Binding("ctrl+r", "refresh", "Refresh", id="forms.objects.refresh"),
    ]
    CLOSE_WHEN_DONE = False
    DEFAULT_CSS = "ObjectsScreen DataTable { height: 1fr; }"

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self._shown: list[tuple[str, ...]] | None = None

    def compose(self) -> ComposeResult:
        yield Static(markup(f"{self.kind.capitalize()}s (names and users only; the "
                            "data is never shown)"), id="form-title")
        yield DataTable(id="objects", cursor_type="row", zebra_stripes=True)
        yield Static("", id="form-status")
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        table.focus()
        self.refresh_form()
        self.request_refresh(f"{self.kind}s")

    def on_screen_resume(self) -> None:
        self.refresh_form()

    def refresh_form(self) -> None:
        if not self.composed:
            return
        inv = self.inventory()
        table = self.query_one(DataTable)
        rows = object_rows(inv, self.kind) if inv is not None else []
        cells: list[tuple[str, ...]] = [
            (r.name, r.id[:12], r.created_at[:19].replace("T", " "), r.stack or "",
             ", ".join(r.used_by) or "—") for r in rows]
        if cells == self._shown:
            return  # unchanged: keep the cursor and scroll as they are
        self._shown = cells
        keep = table.cursor_row
        table.clear()
        for row in cells:
            table.add_row(*row, key=row[0])
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        self.set_status(f"{fmt.count(len(rows), self.kind)} · n new · d remove"
                        if rows else f"no {self.kind}s yet · n creates one")

    def selected(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return str(key.value) if key.value is not None else None

    def action_new(self) -> None:
        if self.read_only:
            self.notify("read-only mode: creating is disabled", severity="warning")
            return
        self.app.push_screen(NewObjectScreen(self.kind))

    def action_remove(self) -> None:
        name = self.selected()
        if name is None:
            self.notify(f"no {self.kind} selected", severity="warning")
            return
        self.app.push_screen(confirmation(swarm_app(self), RemoveObject(self.kind, name)))

    def action_refresh(self) -> None:
        self.request_refresh(f"{self.kind}s", "services")


class NewObjectScreen(FieldsFormScreen):
    """`docker secret create` / `docker config create` from typed text or a local file."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Create", id="forms.object.submit"),
    ]

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.value: Hidden | None = None

    def compose(self) -> ComposeResult:
        yield Static(markup(f"New {self.kind}"), id="form-title")
        with VerticalScroll(id="form-body"):
            yield self._field("name", "Name", Input(placeholder="e.g. db_password", id="name",
                                                    compact=True))
            yield self._field("file", "From a file on this machine (or leave empty and type "
                                      "the value below)",
                              Input(placeholder="e.g. ~/secrets/db_password.txt", id="file",
                                    compact=True))
            yield self._field("text", "Value (hidden; Enter or Tab stores it and clears the "
                                      "field)",
                              Input(placeholder="type the value", password=True, id="text",
                                    compact=True))
            yield Static("no value stored", id="value-state", classes="hint")
            yield self._field("labels", "Labels (key=value, one per line)",
                              TextArea(id="labels", compact=True))
        with Vertical(id="form-bottom"):
            yield Static("", id="form-cli")
            yield Static("", id="form-status")
            with Horizontal(id="form-buttons"):
                yield Button("Create", id="submit", variant="primary", disabled=True,
                             compact=True)
                yield Button("Cancel \\[Esc]", id="cancel", compact=True)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()
        self.refresh_form()

    # ----------------------------------------------------- the hidden value
    def take_value(self) -> None:
        """Move what is in the password field into the Hidden and clear the widget."""
        field = self.query_one("#text", Input)
        if field.value:
            self.value = Hidden(field.value)
            with field.prevent(Input.Changed):
                field.value = ""
            self.query_one("#value-state", Static).update(
                f"value stored: {len(self.value)} bytes (hidden; type again to replace it)")
        self.refresh_form()

    @on(Input.Submitted, "#text")
    def _text_submitted(self) -> None:
        self.take_value()

    def on_descendant_blur(self, event: Any) -> None:
        if getattr(event.widget, "id", None) == "text":
            self.take_value()

    # ------------------------------------------------------------- the form
    def read_form(self) -> ObjectForm:
        return ObjectForm(kind=self.kind, name=self.query_one("#name", Input).value,
                          text=self.value, file=self.query_one("#file", Input).value,
                          labels=lines_of(self.query_one("#labels", TextArea).text))

    def refresh_form(self) -> None:
        if not self.fields or not self.composed:
            return
        form = self.read_form()
        errors = errors_by_field(validate_object(form, self.inventory()))
        if self.query_one("#text", Input).value:
            errors.pop("text", None)  # typed, not stored yet (Enter/Tab/Create stores it)
        self.show_verdict(errors, object_create_cli(form), lists=("labels",))

    @on(Input.Changed)
    @on(TextArea.Changed)
    def _changed(self, event: Any) -> None:
        if getattr(event, "input", None) is not None and event.input.id == "text":
            return  # nothing of the value is looked at until it is stored
        self.refresh_form()

    @on(Button.Pressed, "#submit")
    def action_submit(self) -> None:
        self.take_value()
        if self.refused_invalid(self.valid):
            return
        self.request_refresh(f"{self.kind}s")
        self.submit(CreateObject(self.read_form()))
