"""Join tokens and keys: the worker and manager join commands (masked until revealed,
copied with OSC 52), token rotation with its warning, autolock on/off, the unlock key
(masked; rotation keeps showing the old key), and unlocking a locked manager."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Static

from swarmtui.secrets import Secret
from swarmtui.swarm import health
from swarmtui.swarm.ops.base import Operation
from swarmtui.swarm.ops.runner import Sent
from swarmtui.swarm.ops.swarm import RotateJoinToken, RotateUnlockKey, SetAutolock, UnlockManager
from swarmtui.swarm.swarmkeys import JoinTokens, UnlockKeyRotation
from swarmtui.ui.context import swarm_app
from swarmtui.ui.screens.wizards.common import (
    SecretLine,
    SecretsWizard,
    WizardScreen,
    markup_escape,
)
from swarmtui.ui.widgets.dialog import Dialog


class TokensScreen(SecretsWizard):
    TITLE_TEXT = "Join tokens & keys"
    HELP_TEXT = "Secrets stay masked until revealed; copies go to the terminal's clipboard."
    #: each section's keys beside its title (at 80 columns the footer cannot hold them
    #: all), as k9s shows a view's keys in its body: (binding ids, what they do); a
    #: remapped key shows remapped
    KEY_HINTS: ClassVar[dict[str, tuple[tuple[tuple[str, ...], str], ...]]] = {
        "keys-intro": ((("tokens.reveal",), "reveal/mask"), (("tokens.reload",), "reload"),
                       (("app.help",), "every key")),
        "keys-join": ((("tokens.copy_worker", "tokens.copy_manager"), "copy"),
                      (("tokens.rotate_worker", "tokens.rotate_manager"), "rotate")),
        "keys-autolock": ((("tokens.autolock",), "on/off"), (("tokens.copy_key",), "copy the key"),
                          (("tokens.rotate_key",), "rotate it"),
                          (("tokens.unlock",), "unlock a manager")),
    }
    _SECTIONS: ClassVar[dict[str, str]] = {"keys-join": "Join commands",
                                           "keys-autolock": "Autolock"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "toggle_reveal", "Reveal/mask", id="tokens.reveal"),
        Binding("w", "copy('worker')", "Copy worker", id="tokens.copy_worker"),
        Binding("m", "copy('manager')", "Copy manager", id="tokens.copy_manager"),
        Binding("k", "copy('unlock-key')", "Copy unlock key", id="tokens.copy_key"),
        Binding("W", "rotate('worker')", "Rotate worker", id="tokens.rotate_worker"),
        Binding("M", "rotate('manager')", "Rotate manager", id="tokens.rotate_manager"),
        Binding("a", "autolock", "Autolock on/off", id="tokens.autolock"),
        Binding("K", "rotate_key", "Rotate unlock key", id="tokens.rotate_key"),
        Binding("u", "unlock", "Unlock a manager", id="tokens.unlock"),
        Binding("r", "reload", "Reload", id="tokens.reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.tokens: JoinTokens | None = None
        self.unlock_key: Secret | None = None
        self.old_unlock_key: Secret | None = None
        self.autolock: bool | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("", id="keys-intro", classes="whelp")
        yield Static("Join commands", classes="section", id="keys-join", markup=False)
        yield SecretLine("worker", id="join-worker")
        yield SecretLine("manager", id="join-manager")
        yield Static("Autolock", classes="section", id="keys-autolock", markup=False)
        yield Static("", id="autolock-state")
        yield SecretLine("unlock key", id="unlock-key")
        yield SecretLine("previous unlock key", id="old-unlock-key")
        yield Static("", id="key-advice", classes="warn")
        yield Static("", id="status", classes="status")

    def on_mount(self) -> None:
        self.show_keys()
        self.load()

    def show_keys(self) -> None:
        """ "Join commands  w / m copy · W / M rotate": the keys beside each section."""
        keys = {b.id: self.app.get_key_display(b)
                for _node, b, _on, _tip in self.active_bindings.values() if b.id}
        for widget_id, hints in self.KEY_HINTS.items():
            said = " · ".join(f"{' / '.join(keys[i] for i in ids)} {what}"
                              for ids, what in hints if all(i in keys for i in ids))
            text = Text()
            title = self._SECTIONS.get(widget_id)
            if title:
                text.append(title, "bold")
                text.append("  ")
            text.append(said, "not bold")
            self.query_one(f"#{widget_id}", Static).update(text)

    def action_reload(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="tokens-load", exit_on_error=False)
    def load(self) -> None:
        try:
            store = self.cluster_store()
            tokens = store.join_tokens()
            autolock = store.swarm_inspect().autolock
            key = store.unlock_key() if autolock else None
        except Exception as exc:  # noqa: BLE001 - SwarmSpecError is already redacted
            self.app.call_from_thread(self.say, "status", f"Reading the tokens failed: {exc}",
                                      error=True)
            return
        self.app.call_from_thread(self._show, tokens, autolock, key)

    def _show(self, tokens: JoinTokens | None, autolock: bool | None,
              key: Secret | None) -> None:
        if tokens is not None:
            self.tokens = tokens
            for role in ("worker", "manager"):
                self.query_one(f"#join-{role}", SecretLine).set_secret(
                    tokens.join_command(role), tokens.join_command(role, reveal=True))
        if autolock is not None:
            self.autolock = autolock
            self.unlock_key = key
            if key is not None:  # held for the session's unlock fields
                swarm_app(self).unlock_key = key
            self.query_one("#autolock-state", Static).update(
                "Autolock is ON: a restarted manager needs the unlock key." if autolock else
                "Autolock is off (a restarted manager rejoins by itself). a turns it on.")
            line = self.query_one("#unlock-key", SecretLine)
            if key is not None:
                line.set_secret(key.masked, key.reveal())
            else:
                line.clear()
        if self.old_unlock_key is not None:
            self.query_one("#old-unlock-key", SecretLine).set_secret(
                self.old_unlock_key.masked, self.old_unlock_key.reveal())

    # -------------------------------------------------------------- reveal/copy
    # ------------------------------------------------------------------ changes
    def _change(self, op: Operation) -> None:
        def sent(result: Sent) -> None:
            out = result.outcome
            text = out.message + (f" ({out.journal_error})" if out.journal_error else "")
            if not out.ok:
                self.show_result("status", f"{op.title}: {text}", error=True)
                return
            rotation = op.applied.get("rotation")
            if isinstance(rotation, UnlockKeyRotation):
                self.old_unlock_key = rotation.old
                self._advice(rotation.advice)
            self.show_result("status", f"Done: {text}.")
            self.refresh_cluster()
            self.load()

        self.change(op, sent)

    def action_rotate(self, role: str) -> None:
        self._change(RotateJoinToken(role))  # type: ignore[arg-type]

    def action_autolock(self) -> None:
        if self.autolock is None:
            self.say("status", "The swarm's state is not loaded yet (r reloads).", error=True)
            return
        self._change(SetAutolock(not self.autolock))

    def action_rotate_key(self) -> None:
        if not self.autolock:
            self.say("status", "Autolock is off: there is no unlock key to rotate.", error=True)
            return
        self._change(RotateUnlockKey())

    def _advice(self, text: str) -> None:
        self.query_one("#key-advice", Static).update(markup_escape(text))

    def action_unlock(self) -> None:
        self.app.push_screen(UnlockScreen())


class UnlockScreen(Dialog[None]):
    """Unlock a locked manager: connect to that node and enter its unlock key."""

    DEFAULT_CSS = """
    UnlockScreen { align: center middle; }
    UnlockScreen > Vertical { width: 90%; max-width: 100; height: auto;
        border: thick $primary; background: $surface; padding: 0 2; }
    UnlockScreen .cli { background: $boost; padding: 0 1; margin: 1 0; }
    UnlockScreen .errors { color: $error; }
    UnlockScreen Horizontal { height: auto; margin-top: 1; }
    UnlockScreen Button { margin-right: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="unlock.close"),
    ]

    def compose(self) -> ComposeResult:
        from swarmtui.swarm.swarmkeys import unlock_cli

        with Vertical():
            yield Static("Unlock a locked manager", id="unlock-title")
            yield Static("The node whose Docker restarted with autolock on (ssh alias or "
                         "user@host):")
            yield Input(placeholder="e.g. node2 or admin@10.0.0.2", id="unlock-node")
            yield Static("Its unlock key (SWMKEY-1-…; kept in memory only):")
            yield Input(password=True, placeholder="unlock key", id="unlock-key-input")
            yield Checkbox("show what I type", compact=True, id="unlock-reveal")
            yield Static(markup_escape(unlock_cli()), classes="cli")
            yield Static("", id="unlock-status")
            with Horizontal():
                yield Button("Unlock", id="unlock-go", variant="primary")
                yield Button("Close \\[Esc]", id="unlock-close")

    def on_mount(self) -> None:
        app = swarm_app(self)
        held = app.unlock_key
        if held is not None:  # the key this session saw, masked like any typed one
            self.query_one("#unlock-key-input", Input).value = held.reveal()
        node = self.query_one("#unlock-node", Input)
        snap = app.snapshot
        locked = sorted(n.hostname for n in snap.nodes.values()
                        if health.is_locked(snap, n.id)) if snap is not None else []
        if len(locked) == 1:  # the one manager the node doctor found locked
            node.value = locked[0]
            self.query_one("#unlock-key-input" if held is None else "#unlock-go").focus()
        else:
            node.focus()

    @on(Checkbox.Changed, "#unlock-reveal")
    def _reveal(self, event: Checkbox.Changed) -> None:
        self.query_one("#unlock-key-input", Input).password = not event.value

    @on(Button.Pressed, "#unlock-close")
    def action_close(self) -> None:
        self.dismiss(None)

    def _say(self, text: str, error: bool = False) -> None:
        from swarmtui.secrets import redact

        w = self.query_one("#unlock-status", Static)
        w.set_class(error, "errors")
        w.update(markup_escape(redact(text)))

    @on(Input.Submitted, "#unlock-key-input")
    @on(Button.Pressed, "#unlock-go")
    def _go(self) -> None:
        node = self.query_one("#unlock-node", Input).value.strip()
        key_input = self.query_one("#unlock-key-input", Input)
        key = key_input.value.strip()
        if not node:
            self._say("Type the locked node's ssh alias or user@host first.", True)
            return
        if not key.startswith("SWMKEY-1-"):
            self._say("That is not an unlock key: unlock keys start with SWMKEY-1-.", True)
            return
        key_input.value = ""  # the key leaves the widget at once
        self._say(f"connecting to {node}…")
        self.unlock(node, Secret(key))

    @work(exclusive=True, group="unlock", exit_on_error=False)
    async def unlock(self, node: str, key: Secret) -> None:
        from swarmtui.swarm.ops.runner import FixedEngine
        from swarmtui.ui.flow import ProgressScreen, audit_labels
        from swarmtui.ui.screens.wizards.sshhost import describe, open_engine_at

        owner = self._owner()
        trust = owner.ask_trust_callback() if owner else None
        extra = owner.ssh_config_extra() if owner else []
        try:
            engine = await open_engine_at(node, trust=trust, ssh_config_extra=extra)
        except Exception as exc:  # noqa: BLE001 - ConnectError says what to do
            self._say(describe(exc), True)
            return
        op = UnlockManager(node, key)
        said: list[Sent] = []
        try:  # the key typed here was the confirmation: the one runner sends it
            await self.app.push_screen_wait(ProgressScreen(
                op, None, read_only=swarm_app(self).read_only,
                source=FixedEngine(engine.api), cluster=audit_labels(swarm_app(self)),
                on_sent=said.append, close_when_done=True))
        finally:
            await engine.close()
        out = said[0].outcome if said else None
        if out is None:
            self._say("closed before the answer came: check the node (docker info)", True)
            return
        self._say(out.message + (f" ({out.journal_error})" if out.journal_error else ""),
                  not out.ok)
        if out.ok and owner:
            owner.refresh_cluster()

    def _owner(self) -> WizardScreen | None:
        for s in reversed(self.app.screen_stack):
            if isinstance(s, WizardScreen):
                return s
        return None
