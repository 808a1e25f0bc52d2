"""Swarm settings with validation — certificate expiry, dispatcher heartbeat, task history
limit — and the root CA's dates and rotation state."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button, Input, Static

from swarmtui.swarm import format as fmt
from swarmtui.swarm.create.units import parse_duration
from swarmtui.swarm.ops.runner import Sent
from swarmtui.swarm.swarmsettings import CAInfo, SwarmSettings, go_duration
from swarmtui.ui.screens.wizards.common import WizardScreen, act, labelled, markup_escape


def parse_settings(cert: str, heartbeat: str, history: str
                   ) -> tuple[SwarmSettings | None, list[str]]:
    """The form's text → SwarmSettings and its problems (SwarmSettings.validate too)."""
    errors: list[str] = []
    values: dict[str, Any] = {}
    for name, text, what in (("cert_expiry", cert, "certificate expiry"),
                             ("dispatcher_heartbeat", heartbeat, "dispatcher heartbeat")):
        try:
            values[name] = timedelta(microseconds=parse_duration(text, days=True) / 1000)
        except ValueError as exc:
            errors.append(f"{what}: {exc}")
    try:
        values["task_history_limit"] = int(history.strip())
    except ValueError:
        errors.append(f"task history limit {history.strip()!r} is not a whole number "
                      "(the default is 5)")
    if errors:
        return None, errors
    settings = SwarmSettings(**values)
    return settings, settings.validate()


def ca_lines(ca: CAInfo) -> list[str]:
    lines = [f"node certificates are valid for {go_duration(ca.node_cert_expiry)}"]
    if ca.root_subject:
        lines.append(f"root CA: {ca.root_subject}")
    if ca.root_not_before is not None:
        lines.append(f"root CA valid from {ca.root_not_before:%Y-%m-%d %H:%M} UTC")
    if ca.root_not_after is not None:
        left = ca.days_left()
        lines.append(f"root CA expires {ca.root_not_after:%Y-%m-%d %H:%M} UTC"
                     + (f" ({left} days left)" if left is not None else ""))
    lines.append("root CA rotation in progress" if ca.rotation_in_progress
                 else "no root CA rotation in progress")
    if ca.external_cas:
        lines.append(f"{fmt.count(ca.external_cas, 'external CA')} configured")
    lines += ca.notes
    return lines


class SettingsScreen(WizardScreen):
    TITLE_TEXT = "Swarm settings"
    HELP_TEXT = "Durations as the docker CLI takes them: 90d, 2160h, 5s, 1m30s."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "apply", "Apply", id="settings.apply"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.current: SwarmSettings | None = None

    def compose_body(self) -> ComposeResult:
        for wid, label in (("cert-expiry", "Certificate expiry"),
                           ("heartbeat", "Dispatcher heartbeat"),
                           ("history", "Task history limit")):
            yield labelled(label, Input(id=wid, disabled=True))
        yield from act("Apply \\[ctrl+s]", "settings-go", cli=True, errors=True)
        yield Static("Certificate authority", classes="section")
        yield Static("", id="ca")

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="settings-load", exit_on_error=False)
    def load(self) -> None:
        from swarmtui.swarm.swarmsettings import ca_info_from

        try:
            swarm = self.cluster_store().swarm_inspect()
        except Exception as exc:  # noqa: BLE001 - redacted SwarmSpecError
            self.app.call_from_thread(self.say, "status", f"Reading the swarm failed: {exc}",
                                      error=True)
            return
        self.app.call_from_thread(self._show, SwarmSettings.from_spec(swarm.spec),
                                  ca_info_from(swarm))

    def _show(self, settings: SwarmSettings, ca: CAInfo) -> None:
        self.current = settings
        for wid, value in (("cert-expiry", go_duration(settings.cert_expiry)),
                           ("heartbeat", go_duration(settings.dispatcher_heartbeat)),
                           ("history", str(settings.task_history_limit))):
            field = self.query_one(f"#{wid}", Input)
            field.value = value
            field.disabled = False
        self.query_one("#ca", Static).update("\n".join(markup_escape(x) for x in ca_lines(ca)))
        self._preview()

    def form(self) -> tuple[SwarmSettings | None, list[str]]:
        return parse_settings(*(self.query_one(f"#{w}", Input).value
                                for w in ("cert-expiry", "heartbeat", "history")))

    @on(Input.Changed)
    def _preview(self) -> None:
        if self.current is None:
            return
        settings, errors = self.form()
        cli = settings.cli(self.current) if settings is not None else ""
        if settings is not None and settings == self.current:
            cli = "(nothing changed)"
        self.query_one("#cli", Static).update(markup_escape(cli))
        self.query_one("#form-errors", Static).update("\n".join(markup_escape(e)
                                                                for e in errors))

    @on(Button.Pressed, "#settings-go")
    def action_apply(self) -> None:
        from swarmtui.swarm.ops.swarm import UpdateSwarmSettings

        if self.current is None:
            self.say("status", "The settings are not loaded yet.", error=True)
            return
        settings, errors = self.form()
        if settings is None or errors:
            self.say("status", "Fix the form first: " + "; ".join(errors), error=True)
            return
        if settings == self.current:
            self.say("status", "Nothing to change.", error=True)
            return
        self.change(UpdateSwarmSettings(settings, self.current), self._sent)

    def _sent(self, sent: Sent) -> None:
        out = sent.outcome
        extra = f" ({out.journal_error})" if out.journal_error else ""
        self.show_result("status", ("Done: " if out.ok else "Not applied: ") + out.message
                         + extra, error=not out.ok)
        if out.ok:
            self.load()
