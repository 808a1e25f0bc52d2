"""Raw inspect JSON of any object, highlighted (Rich Syntax). Escape goes back."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.syntax import Syntax
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from swarmtui.secrets import redact_obj
from swarmtui.swarm.fetch import INSPECT, FetchError
from swarmtui.ui.widgets.footer import KeysFooter

if TYPE_CHECKING:
    from swarmtui.ui.app import SwarmApp



class InspectScreen(Screen[None]):
    DEFAULT_CSS = """
    InspectScreen #title { background: $panel; padding: 0 1; color: $text-muted; }
    InspectScreen #json-box { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace,q", "back", "Back", id="inspect.back"),
        Binding("j,down", "scroll('down')", "Down", show=False, id="inspect.down"),
        Binding("k,up", "scroll('up')", "Up", show=False, id="inspect.up"),
        Binding("g,home", "scroll('top')", "Top", show=False, id="inspect.top"),
        Binding("G,end", "scroll('bottom')", "Bottom", show=False, id="inspect.bottom"),
    ]

    def __init__(self, kind: str, object_id: str, raw: dict[str, Any] | None) -> None:
        super().__init__()
        self.kind = kind
        self.object_id = object_id
        self.raw = raw
        self.source = "from the last list"

    @property
    def swarm_app(self) -> SwarmApp:
        return cast("SwarmApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static(f"{self.kind[:-1]} {self.object_name(self.raw)} — inspect", id="title")
        with VerticalScroll(id="json-box"):
            yield Static("loading…", id="json")
        yield KeysFooter()

    def on_mount(self) -> None:
        if self.raw is not None:
            self._show(self.raw, self.source)
        self.query_one("#json-box").focus()
        self._load()

    def _show(self, data: dict[str, Any], source: str) -> None:
        text = json.dumps(redact_obj(data), indent=2, sort_keys=True, default=str)
        theme = "monokai" if self.app.current_theme.dark else "default"
        self.query_one("#json", Static).update(Syntax(text, "json", theme=theme,
                                                      word_wrap=True, line_numbers=False))
        # the CLI has no `docker task inspect`: `docker inspect` takes a task's ID
        cli = "docker inspect" if self.kind == "tasks" else f"docker {self.kind[:-1]} inspect"
        self.query_one("#title", Static).update(
            f"{self.kind[:-1]} {self.object_name(data)} — {cli} · {source}")

    def object_name(self, data: dict[str, Any] | None) -> str:
        """The object by its name (a node by its hostname), with its short id."""
        short = self.object_id[:12]
        data = data or {}
        if self.kind == "nodes":
            name = (data.get("Description") or {}).get("Hostname")
        elif self.kind == "tasks":  # a task is named by its service and slot: web.2
            snap = self.swarm_app.snapshot
            task = snap.tasks.get(self.object_id) if snap is not None else None
            name = snap.task_name(task) if snap is not None and task is not None else None
        else:
            name = (data.get("Spec") or {}).get("Name") or data.get("Name")
        return f"{name} ({short})" if name and name != short else short

    @work(thread=True, exit_on_error=False, group="inspect")
    def _load(self) -> None:
        store = self.swarm_app.store
        if store is None or not store.live or self.kind not in INSPECT:
            return
        try:
            data = store.inspect(self.kind, self.object_id)
        except FetchError as exc:
            self.app.call_from_thread(self.notify, f"inspect failed: {exc}", severity="warning")
            return
        self.app.call_from_thread(self._show, data, "live")

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_scroll(self, where: str) -> None:
        box = self.query_one("#json-box", VerticalScroll)
        {"down": box.scroll_down, "up": box.scroll_up, "top": box.scroll_home,
         "bottom": box.scroll_end}[where]()
