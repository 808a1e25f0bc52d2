"""Initialise a swarm on an engine that is not in one: advertise address (from the
host's interfaces), listen address, data path port, default address pool, autolock;
the `docker swarm init …` equivalent live; afterwards the join commands, masked."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button, Checkbox, Input, Select, Static

from swarmtui.secrets import Secret
from swarmtui.swarm.ops.runner import Sent
from swarmtui.swarm.ops.swarm import InitSwarm
from swarmtui.swarm.swarminit import AddressCandidate, InitOptions, InitResult
from swarmtui.ui.context import swarm_app
from swarmtui.ui.screens.wizards.common import (
    SecretLine,
    SecretsWizard,
    act,
    labelled,
    markup_escape,
)


def parse_form(advertise: str, listen: str, data_port: str, pools: str, subnet: str,
               autolock: bool) -> tuple[InitOptions, list[str]]:
    """The form's text → InitOptions and every problem with it (InitOptions.validate too)."""
    errors: list[str] = []
    port: int | None = None
    if data_port.strip():
        try:
            port = int(data_port.strip())
        except ValueError:
            errors.append(f"data path port {data_port.strip()!r} is not a number "
                          "(1024-49151; empty means 4789)")
    size: int | None = None
    if subnet.strip():
        try:
            size = int(subnet.strip().lstrip("/"))
        except ValueError:
            errors.append(f"subnet size {subnet.strip()!r} is not a number (e.g. 24)")
    pool = tuple(p.strip() for p in pools.replace(" ", ",").split(",") if p.strip())
    opts = InitOptions(advertise_addr=advertise.strip() or None,
                       listen_addr=listen.strip(), data_path_port=port,
                       default_addr_pool=pool, subnet_size=size, autolock=autolock)
    return opts, errors + opts.validate()


class InitSwarmScreen(SecretsWizard):
    TITLE_TEXT = "Initialise a swarm"
    HELP_TEXT = ("This engine is not in a swarm. `docker swarm init` makes it the first "
                 "manager; other hosts then join with a token.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "init", "Initialise", id="init.run"),
        Binding("f6", "toggle_reveal", "Reveal/mask", id="init.reveal"),
        Binding("f7", "copy('worker')", "Copy worker cmd", id="init.copy_worker"),
        Binding("f8", "copy('manager')", "Copy manager cmd", id="init.copy_manager"),
    ]

    def __init__(self, runner: Any = None) -> None:
        super().__init__()
        self.runner = runner  # a CommandRunner on the engine's host, to list interfaces
        self.candidates: list[AddressCandidate] = []
        self.result: InitResult | None = None

    def compose_body(self) -> ComposeResult:
        yield labelled("Advertise address",
                       Select[str]([], prompt="interfaces of the host…", id="advertise-choice",
                                   allow_blank=True),
                       Input(placeholder="address or interface (empty: Docker picks)",
                             id="advertise"))
        yield Static("", id="advertise-note", classes="warn")
        yield labelled("Listen address", Input("0.0.0.0:2377", id="listen"))
        yield labelled("Data path port",
                       Input(placeholder="e.g. 4789 (the default)", id="data-port"))
        yield labelled("Default address pool",
                       Input(placeholder="e.g. 10.20.0.0/16, 10.30.0.0/16 (empty: 10.0.0.0/8)",
                             id="pool"),
                       Input(placeholder="e.g. 24 (the default)", id="subnet"))
        yield Checkbox("Autolock managers (an unlock key is needed after each restart)",
                       id="autolock")
        yield from act("Initialise \\[ctrl+s]", "init-go", cli=True, errors=True)
        yield Static("Join commands", classes="section")
        yield SecretLine("worker", id="join-worker")
        yield SecretLine("manager", id="join-manager")
        yield SecretLine("unlock key", id="unlock-key")

    def on_mount(self) -> None:
        self._update_preview()
        self.load_addresses()

    @work(exclusive=True, group="init-addresses", exit_on_error=False)
    async def load_addresses(self) -> None:
        from swarmtui.swarm.swarminit import candidate_advertise_addresses

        note = self.query_one("#advertise-note", Static)
        if self.runner is None:
            note.update("The host's interfaces cannot be listed from here: type the address "
                        "other nodes reach this host on.")
            return
        try:
            found = await candidate_advertise_addresses(self.runner)
        except Exception as exc:  # noqa: BLE001 - shown, not raised
            note.update(markup_escape(f"Listing the host's interfaces failed: {exc}"))
            return
        self.candidates = found
        select = self.query_one("#advertise-choice", Select)
        select.set_options([(str(c), c.address) for c in found])
        if len(found) == 1:
            select.value = found[0].address
            note.update("")
        elif len(found) > 1:
            note.update(markup_escape(
                f"This host has {len(found)} addresses: choose the one the other nodes reach "
                "it on (Docker refuses to guess between several)."))
        else:
            note.update("No global address found on the host's interfaces: type one.")

    @on(Select.Changed, "#advertise-choice")
    def _chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.query_one("#advertise", Input).value = event.value

    @on(Input.Changed)
    @on(Checkbox.Changed)
    def _update_preview(self) -> None:
        opts, errors = self.options()
        self.query_one("#cli", Static).update(markup_escape(opts.cli()))
        self.query_one("#form-errors", Static).update(
            "\n".join(markup_escape(e) for e in errors))

    def options(self) -> tuple[InitOptions, list[str]]:
        def val(wid: str) -> str:
            return self.query_one(f"#{wid}", Input).value

        return parse_form(val("advertise"), val("listen"), val("data-port"), val("pool"),
                          val("subnet"), self.query_one("#autolock", Checkbox).value)

    @on(Button.Pressed, "#init-go")
    def action_init(self) -> None:
        opts, errors = self.options()
        if errors:
            self.say("status", "Fix the form first: " + "; ".join(errors), error=True)
            return
        if self.result is not None:
            self.say("status", "The swarm is already initialised.", error=True)
            return
        warnings = []
        if len(self.candidates) > 1 and not opts.advertise_addr:
            warnings.append("several addresses and none chosen: Docker will refuse")
        op = InitSwarm(opts, warnings)
        self.change(op, lambda sent: self._sent(op, sent))

    def _sent(self, op: InitSwarm, sent: Sent) -> None:
        out = sent.outcome
        result = op.applied.get("result")
        if not out.ok or not isinstance(result, InitResult):
            problem = f" ({out.journal_error})" if out.journal_error else ""
            self.show_result("status", f"{out.message}{problem}", error=True)
            return
        self._done(result, out.journal_error)

    def _done(self, result: InitResult, problem: str | None) -> None:
        self.result = result
        text = f"Swarm initialised: this engine is node {result.node_id[:12]}, the manager."
        if problem:
            text += f" Warning: {problem}"
        for role in ("worker", "manager"):
            self.query_one(f"#join-{role}", SecretLine).set_secret(
                result.tokens.join_command(role), result.tokens.join_command(role, reveal=True))
        key: Secret | None = result.unlock_key
        if key is not None:
            self.query_one("#unlock-key", SecretLine).set_secret(key.masked, key.reveal())
            swarm_app(self).unlock_key = key  # held for the session's unlock fields
        # the result and the join commands below it, in view at 80×24
        self.show_result("status", text + " The join commands are masked: F6 reveals them.")
        self.refresh_cluster()

