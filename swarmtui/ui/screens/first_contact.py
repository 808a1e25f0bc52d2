"""First contact: nothing reachable (or the target failed). Say what was tried; offer ways in."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from swarmtui.ui.widgets.footer import KeysFooter

if TYPE_CHECKING:
    from swarmtui.ui.app import SwarmApp


@dataclass
class Attempt:
    """One way in that was tried, and what happened."""

    what: str  # "$DOCKER_HOST (tcp://…)", "docker context prod", "local socket /var/run/…"
    result: str  # "not set", "connection refused: …"


@dataclass
class FirstContact:
    """What the first screen explains."""

    title: str
    attempts: list[Attempt] = field(default_factory=list)
    hint: str = ""
    #: profiles from the config, to pick from
    profiles: list[str] = field(default_factory=list)
    #: the target that failed (to retry), None when it was the default engine
    target: str | None = None


def lab_possible() -> bool:
    """Root on Linux with dockerd installed: the sandbox lab can run here."""
    return (sys.platform.startswith("linux") and hasattr(os, "geteuid") and os.geteuid() == 0
            and shutil.which("dockerd") is not None)


class FirstContactScreen(Screen[None]):
    DEFAULT_CSS = """
    FirstContactScreen { align: center top; }
    FirstContactScreen > VerticalScroll { width: 100%; max-width: 110; padding: 1 2; }
    FirstContactScreen #fc-title { text-style: bold; color: $warning; margin-bottom: 1; }
    FirstContactScreen .tried { color: $text-muted; }
    FirstContactScreen .section { text-style: bold; color: $primary; margin-top: 1; }
    FirstContactScreen Horizontal { height: auto; }
    FirstContactScreen #ssh-target { width: 1fr; }
    FirstContactScreen OptionList { height: auto; max-height: 8; }
    FirstContactScreen #lab-status { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+l", "lab", "Start the lab", id="first.lab"),
        Binding("ctrl+r", "retry", "Retry", id="first.retry"),
    ]

    def __init__(self, info: FirstContact) -> None:
        super().__init__()
        self.info = info

    @property
    def swarm_app(self) -> SwarmApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        info = self.info
        with VerticalScroll():
            yield Static(escape(info.title), id="fc-title")
            if info.attempts:
                yield Static("What was tried:")
                for a in info.attempts:
                    yield Static(f"  • {escape(a.what)}: {escape(a.result)}", classes="tried")
            if info.hint:
                yield Static(escape(info.hint), classes="tried")
            yield Static("Connect to a manager over SSH", classes="section")
            with Horizontal():
                yield Input(placeholder="ssh://user@host, an ssh_config alias, tcp://host:2376 …",
                            value=info.target or "", id="ssh-target")
                yield Button("Connect", id="connect", variant="primary")
            if info.profiles:
                yield Static("…or pick a cluster profile", classes="section")
                yield OptionList(*[Option(p, id=p) for p in info.profiles], id="profiles")
            if lab_possible():
                yield Static("…or practise on a sandbox lab", classes="section")
                yield Static("Three real Docker hosts in a swarm, on this machine, reached "
                             "over real SSH (`swarmtui lab up`). Takes a few seconds.")
                with Horizontal():
                    yield Button("Start the lab and open it", id="lab", variant="success")
                yield Static("", id="lab-status")
            with Horizontal():
                if info.target:
                    yield Button("Retry", id="retry")
                yield Button("Quit", id="quit", variant="error")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#ssh-target", Input).focus()

    @on(Button.Pressed, "#connect")
    @on(Input.Submitted, "#ssh-target")
    def _connect(self) -> None:
        text = self.query_one("#ssh-target", Input).value.strip()
        if not text:
            self.notify("type an SSH target first, e.g. ssh://admin@manager1", severity="warning")
            return
        self.swarm_app.connect_target(text)

    @on(OptionList.OptionSelected, "#profiles")
    def _profile(self, event: OptionList.OptionSelected) -> None:
        self.swarm_app.connect_target(None, profile=str(event.option.id))

    @on(Button.Pressed, "#lab")
    def action_lab(self) -> None:
        if not lab_possible():
            self.notify("the sandbox lab needs root on Linux with dockerd installed",
                        severity="warning")
            return
        for b in self.query("#lab"):
            b.disabled = True
        self.set_lab_status("starting the lab: 3 hosts, a swarm of 1 manager and 2 workers…")
        self.swarm_app.start_lab()

    def set_lab_status(self, text: str) -> None:
        for s in self.query("#lab-status"):
            s.update(escape(text))  # type: ignore[attr-defined]

    def lab_failed(self, text: str) -> None:
        self.set_lab_status(text)
        for b in self.query("#lab"):
            b.disabled = False

    @on(Button.Pressed, "#retry")
    def action_retry(self) -> None:
        if self.info.target:
            self.swarm_app.connect_target(self.info.target)

    @on(Button.Pressed, "#quit")
    def _quit(self) -> None:
        self.app.exit(1)


class ProfilePickerScreen(Screen[None]):
    """Several profiles and no target: pick one (or the local engine)."""

    DEFAULT_CSS = """
    ProfilePickerScreen { align: center middle; }
    ProfilePickerScreen > Vertical { width: 70; height: auto; border: thick $primary;
                                     padding: 1 2; background: $surface; }
    ProfilePickerScreen OptionList { height: auto; max-height: 16; }
    """

    def __init__(self, profiles: dict[str, str]) -> None:
        super().__init__()
        self.profiles = profiles

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("[b]Which cluster?[/b]  (Enter to connect)")
            yield OptionList(
                *[Option(f"{escape(name)}  [$text-muted]{escape(desc)}[/]", id=name)
                  for name, desc in self.profiles.items()],
                Option("[$text-muted]the local engine / $DOCKER_HOST[/]", id="\0default"),
                id="picker")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        app: SwarmApp = self.app  # type: ignore[assignment]
        choice = str(event.option.id)
        if choice == "\0default":
            app.connect_target(None, profile=None, use_default=True)
        else:
            app.connect_target(None, profile=choice)


def default_attempts(error: str, env: dict[str, str] | None = None) -> list[Attempt]:
    """What "no argument" tried: $DOCKER_HOST, the docker context, the local socket."""
    from swarmtui.connect.endpoint import DEFAULT_SOCKET, current_context_name

    env = dict(os.environ) if env is None else env
    out = []
    host = env.get("DOCKER_HOST")
    out.append(Attempt("$DOCKER_HOST", f"{host}: {error}" if host else "not set"))
    try:
        ctx = current_context_name(env)
    except Exception:
        ctx = None
    if host:
        out.append(Attempt("docker context", "not tried ($DOCKER_HOST wins)"))
    elif ctx and ctx != "default":
        out.append(Attempt(f"docker context {ctx!r}", error))
    else:
        out.append(Attempt("docker context", "none chosen (docker context use NAME)"))
    if not host and (not ctx or ctx == "default"):
        sock = Path(DEFAULT_SOCKET)
        result = error if sock.exists() else "no socket there: is dockerd running on this machine?"
        out.append(Attempt(f"local socket {DEFAULT_SOCKET}", result))
    return out
