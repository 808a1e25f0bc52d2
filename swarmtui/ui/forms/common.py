"""What every form screen shares: the base screen, labelled fields with their message
underneath, list parsing, and the step from "submit" to the confirmation and progress.

A form screen keeps no state of its own besides its widgets: it reads them into the
domain's form dataclass (``ServiceForm``, ``NetworkForm``, …) on every change, asks
the domain for the per-field messages and the CLI line (pure, no I/O), and paints them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.markup import escape
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from swarmtui.secrets import redact
from swarmtui.swarm import format as fmt
from swarmtui.swarm.create.inventory import Inventory
from swarmtui.swarm.ops.base import Operation
from swarmtui.ui.context import swarm_app
from swarmtui.ui.typeahead import take_key

FORM_CSS = """
    FormScreen { background: $background; }
    FormScreen #form-title { text-style: bold; color: $accent; padding: 0 1; height: 1; }
    FormScreen #form-body { padding: 0 1; height: 1fr; }
    FormScreen .field { height: auto; margin: 0 0 0 0; }
    FormScreen .field > Label { color: $text-muted; padding: 0 0 0 1; }
    FormScreen .field-error { color: $error; padding: 0 0 0 1; height: auto; }
    FormScreen .field-error.-empty { display: none; }
    FormScreen .hint { color: $text-muted; padding: 0 0 0 1; }
    FormScreen Input { height: 1; }
    FormScreen TextArea { height: 3; }
    FormScreen .row { height: 1; }
    FormScreen #ports, FormScreen #mounts { height: auto; }
    FormScreen .row Input { width: 1fr; }
    FormScreen .row Select { width: 14; }
    FormScreen .row Checkbox { width: 8; }
    FormScreen .row Button { width: 5; min-width: 5; }
    FormScreen Collapsible { padding: 0 0 0 1; margin: 0; border-top: none; }
    FormScreen Collapsible > Contents { padding: 0 0 0 1; }
    FormScreen CollapsibleTitle { padding: 0; text-style: bold; }
    FormScreen #form-bottom { height: auto; max-height: 8; background: $panel; padding: 0 1; }
    FormScreen #form-cli { color: $text; height: auto; max-height: 4; }
    FormScreen #form-status { color: $text-muted; height: auto; }
    FormScreen #form-status.-error { color: $error; }
    FormScreen #form-buttons { height: 1; }
    FormScreen #form-buttons Button { height: 1; min-width: 10; border: none; margin: 0 1 0 0; }
"""

_INDEXED = re.compile(r"^(\w+)\[(\d+)\](?:\.(\w+))?$")


def markup(text: object) -> str:
    """Text safe to put in a Static with markup (and never a secret)."""
    return escape(redact(str(text)))


def lines_of(text: str) -> list[str]:
    """The non-empty lines of a TextArea, stripped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def items_of(text: str) -> list[str]:
    """Comma/space separated items of an Input ("net1, net2")."""
    return [x for x in re.split(r"[,\s]+", text.strip()) if x]


class Touchable(Vertical):
    """A part of a form whose messages wait until it is touched: changed, or left after
    having the focus (or the form submitted), as good forms do: a new form is not red
    before anything is typed."""

    touched = False

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _changed(self) -> None:
        self.touched = True

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self.touched = True


class Field(Touchable):
    """A label, an input widget and the message under it (hidden while empty)."""

    DEFAULT_CSS = "Field { height: auto; }"

    def __init__(self, label: str, widget: Widget, *, path: str, hint: str = "") -> None:
        super().__init__(classes="field", id=f"field-{_css_id(path)}")
        self.label = label
        self.widget = widget
        self.path = path
        self.hint = hint

    def compose(self) -> ComposeResult:
        yield Label(self.label)
        yield self.widget
        if self.hint:
            yield Static(markup(self.hint), classes="hint")
        yield Static("", classes="field-error -empty", id=f"error-{_css_id(self.path)}")

    def show_error(self, message: str | None) -> None:
        err = self.query_one(".field-error", Static)
        err.update(markup(message) if message else "")
        err.set_class(not message, "-empty")


def _css_id(path: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_-]", "-", path)


def error_for_list(errors: dict[str, str], name: str) -> str | None:
    """Messages of "name[i]" (and "name[i].x") entries, as "#i+1: message" (lists)."""
    out = []
    for path, msg in errors.items():
        m = _INDEXED.match(path)
        if m and m.group(1) == name:
            out.append(f"#{int(m.group(2)) + 1}: {msg}")
    if name in errors:
        out.insert(0, errors[name])
    return "\n".join(out) or None


class FormScreen(Screen[None]):
    """Base of the form screens: Escape closes; snapshot, inventory and engine helpers."""

    DEFAULT_CSS = FORM_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="form.close"),
    ]
    TITLE_TEXT = ""
    #: dismiss this screen once its change has been applied and followed
    CLOSE_WHEN_DONE = True
    #: submitted once: every message shows, touched or not
    submitted = False

    def action_close(self) -> None:
        self.dismiss(None)

    def on_key(self, event: events.Key) -> None:
        take_key(self, event)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_close()

    def refused_invalid(self, valid: bool) -> bool:
        """Submitting a form with fields marked in red: mark every one (touched or not),
        say so, send nothing."""
        self.submitted = True
        if not valid:
            self.refresh_form()
            self.notify("fix the fields marked in red first", severity="warning")
        return not valid

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self.refresh_form()  # the part left is touched now (it heard the blur first)

    def shows(self, part: Touchable) -> bool:
        """Whether `part`'s messages show yet."""
        return self.submitted or part.touched

    @property
    def composed(self) -> bool:
        """The widgets exist (a snapshot may arrive before compose)."""
        return bool(self.query("#form-title"))

    @property
    def read_only(self) -> bool:
        return swarm_app(self).read_only

    @property
    def snapshot(self) -> Any:
        return swarm_app(self).snapshot

    def inventory(self) -> Inventory | None:
        """What the app's latest snapshot knows (no I/O); None before the first one."""
        snap = self.snapshot
        return Inventory.of(snap) if snap is not None else None

    def request_refresh(self, *kinds: str) -> None:
        store = swarm_app(self).store
        if store is not None:
            store.request(*(kinds or ("all",)))

    def show_snapshot(self, snapshot: Any, kinds: frozenset[str]) -> None:
        """Called by the app when a new snapshot arrives and this screen is in sight.
        Behind its confirmation or progress it is not judged again: what it sent is in
        the cluster now ("a service named 'web' already exists" behind "created")."""
        if self.app.screen is self:
            self.refresh_form()

    def refresh_form(self) -> None:
        """Re-validate and repaint (subclasses)."""

    def set_status(self, text: str, *, error: bool = False) -> None:
        for status in self.query("#form-status"):
            assert isinstance(status, Static)
            status.update(markup(text))
            status.set_class(error, "-error")

    def show_errors(self, fields: Iterable[Field], errors: dict[str, str],
                    lists: Iterable[str] = ()) -> list[str]:
        """Each field's message once it shows; the labels of those still waiting."""
        list_names = set(lists)
        waiting = []
        for f in fields:
            message = error_for_list(errors, f.path) if f.path in list_names \
                else errors.get(f.path)
            if message and not self.shows(f):
                waiting.append(f.label)
                message = None
            f.show_error(message)
        return waiting

    def submit(self, op: Operation) -> None:
        """Guard against what is on screen, then the confirmation, then apply + progress."""
        from swarmtui.ui.flow import confirmation

        self.app.push_screen(confirmation(swarm_app(self), op, origin=self))


class FieldsFormScreen(FormScreen):
    """A form of named fields (`fields`: path → Field), one CLI line (`#form-cli`) and a
    submit button (`#submit`): each repaint shows the verdict on all three."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, Field] = {}
        self.valid = False

    def _field(self, path: str, label: str, widget: Widget, hint: str = "") -> Field:
        f = Field(label, widget, path=path, hint=hint)
        self.fields[path] = f
        return f

    def show_verdict(self, errors: dict[str, str], cli: str, *, lists: Iterable[str] = (),
                     unchanged: bool = False) -> None:
        """Each field's message (`lists`: fields of one item per line), the CLI line, and
        submit enabled only for a valid form that changes something."""
        waiting = self.show_errors(self.fields.values(), errors, lists)
        self.query_one("#form-cli", Static).update(markup(cli))
        self.valid = not errors
        self.query_one("#submit", Button).disabled = not self.valid or unchanged
        # the rows are painted before: every message shown counts
        marked = sum(1 for e in self.query(".field-error") if not e.has_class("-empty"))
        later = f"to fill in: {', '.join(waiting)}" if waiting else ""
        if self.valid:
            self.set_status("nothing to change" if unchanged else "ready: ctrl+s to review")
        elif not marked:
            self.set_status(later or "to fill in: the rows added")
        else:
            self.set_status(f"fix the {fmt.count(marked, 'field')} marked in red"
                            + (f"; {later}" if later else ""), error=True)


def text_of(widget: Widget) -> str:
    if isinstance(widget, Input):
        return widget.value
    if isinstance(widget, TextArea):
        return widget.text
    raise TypeError(type(widget).__name__)
