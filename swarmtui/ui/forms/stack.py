"""Deploy a stack from a compose file on this machine, through the Engine API.

Path + stack name → parse (thread worker: reads the file and the files its secrets
and configs name) → the plan against the cluster: create / update / unchanged per
object, warnings for compose features Swarm ignores, errors that stop the deploy →
Deploy → confirmation → progress (every service converged).
"""

from __future__ import annotations

import re
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from swarmtui.swarm import format as fmt
from swarmtui.swarm.create.compose import ComposeError, load_compose
from swarmtui.swarm.create.compose_plan import StackPlan
from swarmtui.swarm.create.stack import DeployStack
from swarmtui.swarm.ops.validate import InputError, user_path
from swarmtui.ui.context import swarm_app
from swarmtui.ui.flow import guard_now
from swarmtui.ui.forms.common import Field, FormScreen, markup
from swarmtui.ui.widgets.footer import KeysFooter


def default_stack_name(path: str) -> str:
    """The compose file's folder name, made a valid stack name ("my app" → "my_app")."""
    try:
        p = user_path(path)
    except InputError:
        return ""  # the path's own message is given when it is read
    base = p.resolve().parent.name if p.name else ""
    return re.sub(r"[^a-zA-Z0-9_-]", "_", base).strip("_-")


class StackDeployScreen(FormScreen):
    """`docker stack deploy -c FILE STACK` without a docker CLI."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+l", "plan", "Plan", id="forms.stack.plan"),
        Binding("ctrl+s", "submit", "Deploy", id="forms.stack.deploy"),
    ]
    DEFAULT_CSS = """
    StackDeployScreen #plan { height: auto; }
    StackDeployScreen .plan-create { color: $success; }
    StackDeployScreen .plan-update { color: $warning; }
    StackDeployScreen .plan-warn { color: $warning; }
    StackDeployScreen .plan-error { color: $error; }
    """

    def __init__(self, path: str = "", stack: str = "") -> None:
        super().__init__()
        self.initial_path = path
        self.initial_stack = stack
        self.plan: StackPlan | None = None
        self.op: DeployStack | None = None
        self._shown: object = None

    def compose(self) -> ComposeResult:
        yield Static("Deploy a stack", id="form-title")
        with VerticalScroll(id="form-body"):
            yield Field("Compose file (a path on this machine)",
                        Input(self.initial_path, placeholder="e.g. ./docker-compose.yml", id="path",
                              compact=True), path="path")
            yield Field("Stack name (empty: the file's folder name)",
                        Input(self.initial_stack, placeholder="e.g. app", id="stack", compact=True),
                        path="stack")
            yield Vertical(id="plan")
        with Vertical(id="form-bottom"):
            yield Static("", id="form-cli")
            yield Static("type the path, then Enter (or ctrl+l) to see the plan",
                         id="form-status")
            with Horizontal(id="form-buttons"):
                yield Button("Plan", id="plan-button", compact=True)
                yield Button("Deploy", id="submit", variant="primary", disabled=True,
                             compact=True)
                yield Button("Cancel \\[Esc]", id="cancel", compact=True)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    def _stack(self) -> str:
        typed = self.query_one("#stack", Input).value.strip()
        return typed or default_stack_name(self.query_one("#path", Input).value)

    @on(Input.Changed)
    def _changed(self) -> None:
        # the plan is of another file / name now: plan again before deploying
        self.plan, self.op = None, None
        self.query_one("#submit", Button).disabled = True

    @on(Input.Submitted)
    @on(Button.Pressed, "#plan-button")
    def action_plan(self) -> None:
        path = self.query_one("#path", Input).value.strip()
        if not path:
            self.set_status("type the path of a compose file first", error=True)
            return
        stack = self._stack()
        if not stack:
            self.set_status("give the stack a name", error=True)
            return
        self.set_status(f"reading {path}…")
        self._load(path, stack)

    @work(thread=True, exclusive=True, exit_on_error=False, group="forms-stack")
    def _load(self, path: str, stack: str) -> None:
        try:
            plan: StackPlan | str = load_compose(path, stack)
        except ComposeError as exc:
            plan = str(exc)
        except Exception as exc:  # an unreadable secret file, a YAML oddity …
            plan = f"the compose file could not be read: {exc}"
        self.app.call_from_thread(self._show_plan, plan)

    def _show_plan(self, plan: StackPlan | str) -> None:
        box = self.query_one("#plan", Vertical)
        box.remove_children()
        if isinstance(plan, str):
            self.plan, self.op = None, None
            self.set_status(plan, error=True)
            self.query_one("#submit", Button).disabled = True
            return
        self.plan = plan
        self.op = DeployStack(plan)
        self.refresh_form()

    def refresh_form(self) -> None:
        if self.op is None or not self.composed:
            return
        guard = guard_now(swarm_app(self), self.op)
        if (self.op, guard) == self._shown:
            return  # the same plan: no repaint (keeps the scroll position)
        self._shown = (self.op, guard)
        box = self.query_one("#plan", Vertical)
        box.remove_children()
        lines: list[Static] = [Static(f"Plan for stack {markup(self.op.target)}:",
                                      classes="hint")]
        for line in guard.preview:
            action = line.split(" ", 1)[0]
            head, *details = line.split("\n")
            lines.append(Static(markup(head), classes=f"plan-{action}"))
            lines.extend(Static("    · " + markup(d.strip()), classes="hint") for d in details)
        for line in guard.warnings:
            lines.append(Static("⚠ " + markup(line), classes="plan-warn"))
        for line in guard.blocks:
            lines.append(Static("✗ " + markup(line), classes="plan-error"))
        box.mount_all(lines)
        self.query_one("#form-cli", Static).update(markup(self.op.cli))
        self.query_one("#submit", Button).disabled = not guard.allowed
        if guard.allowed:
            self.set_status("ready: ctrl+s to deploy")
        else:
            self.set_status(f"{fmt.count(len(guard.blocks), 'problem')} "
                            f"{fmt.plural(len(guard.blocks), 'stops', 'stop')} the deploy",
                            error=True)

    @on(Button.Pressed, "#submit")
    def action_submit(self) -> None:
        if self.op is None:
            self.set_status("plan first (Enter in the path field)", error=True)
            return
        self.submit(self.op)
