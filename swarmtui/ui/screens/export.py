"""`W`: where to write the session's commands as a shell script, then where it went.

The path is offered (the state dir's exports/, or the app's export_dir), editable;
Enter writes it (new, mode 0700, never through a symlink: bootstrap/export.py), a
problem is said in the dialog with the path kept, and the written path is said in
a notification that stays 10 s. Escape cancels and says so.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from swarmtui.bootstrap.export import ExportError
from swarmtui.swarm import format as fmt
from swarmtui.ui.context import swarm_app
from swarmtui.ui.flow.dialog_parts import dialog_css, see_through
from swarmtui.ui.walkthrough import default_export_path, export_script
from swarmtui.ui.widgets.dialog import Dialog


class ExportScreen(Dialog[None]):
    DEFAULT_CSS = dialog_css("ExportScreen", "#export-dialog", border="round $primary") + """
    ExportScreen #export-title { text-style: bold; margin-bottom: 1; }
    ExportScreen #export-error.empty { display: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
    ]

    def compose(self) -> ComposeResult:
        app = swarm_app(self)
        n = len(app.walkthrough.actions)
        failed = sum(1 for a in app.walkthrough.actions if not a.ok)
        with Vertical(id="export-dialog"):
            yield Static("Export the session's commands as a shell script", id="export-title")
            yield Static(fmt.count(n, "command")
                         + (f", {failed} failed (commented out)" if failed else "")
                         + "; join tokens and keys are redacted. Write it to:",
                         classes="ops-label", markup=False)
            yield Input(str(default_export_path(app)), id="export-path")
            yield Static("", id="export-error", classes="ops-error empty", markup=False)
            with Horizontal():
                yield Button("Write", id="export-go", variant="primary")
                yield Button("Cancel \\[Esc]", id="export-cancel")

    def on_mount(self) -> None:
        see_through(self)
        field = self.query_one("#export-path", Input)
        field.focus()
        field.cursor_position = len(field.value)

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-go")
    def action_write(self) -> None:
        raw = self.query_one("#export-path", Input).value.strip()
        error = self.query_one("#export-error", Static)
        if not raw:
            error.update("Type the path of the script to write.")
            error.remove_class("empty")
            return
        app = swarm_app(self)
        try:
            path = export_script(app, raw)
        except ExportError as exc:
            error.update(str(exc))
            error.remove_class("empty")
            return
        self.dismiss(None)
        app.notify(f"{fmt.count(len(app.walkthrough.actions), 'command')} written to {path}",
                   title="session exported", timeout=10)

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
        self.app.notify("export cancelled: nothing written", timeout=3)
