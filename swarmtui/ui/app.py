"""The Textual app. It takes its store as an argument (harlequin's adapter pattern):
tests hand it an `ApiStore` on a lab socket or a `StaticStore`; `ui/launch.py` builds
the real `LinkStore` (ClusterLink over SSH) from the command line. The store owns
the current snapshot; one adapter (ui/store_adapter.py) turns its calls into messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from textual import events
from textual.binding import BindingType
from textual.message import Message
from textual.screen import ModalScreen, Screen

from swarmtui import codecache, startup
from swarmtui.config import Settings
from swarmtui.secrets import Secret
from swarmtui.swarm import format as fmt
from swarmtui.swarm.sync import gcpause, uiturn
from swarmtui.swarm.sync.store import Store
from swarmtui.swarm.task_model import Task
from swarmtui.ui import actions, themes
from swarmtui.ui.connecting import Connecting
from swarmtui.ui.crash import CrashGuard
from swarmtui.ui.keygate import KeyGate
from swarmtui.ui.keymap import KeymapProblem, keymap_scopes, validate_keymap
from swarmtui.ui.palette import JumpTo, SwarmtuiEntries, SystemCommands, ThemeCommands
from swarmtui.ui.screens.detail import SCREENS
from swarmtui.ui.screens.first_contact import (
    FirstContact,
    FirstContactScreen,
    ProfilePickerScreen,
)
from swarmtui.ui.screens.help import HelpScreen
from swarmtui.ui.screens.main import MainScreen
from swarmtui.ui.store_adapter import (
    ConnectionChanged,
    SnapshotChanged,
)
from swarmtui.ui.toasts import ToastsPerScreen
from swarmtui.ui.tour import Tour, TourPanel
from swarmtui.ui.walkthrough import (
    Walkthrough,
    WalkthroughPanel,
)

#: seconds after the app is mounted when the collector runs again at the latest
STARTED_AFTER_S = 2.0
#: what the user does: keys, clicks, the wheel (not the pointer's moves)
_INPUT = (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)


def in_sight(stack: Sequence[Screen[Any]]) -> list[Screen[Any]]:
    """The screens on view, top first: the top one, and the one beneath each dialog whose
    background lets it be seen (ModalScreen's dim)."""
    seen: list[Screen[Any]] = []
    for screen in reversed(stack):
        seen.append(screen)
        if not (isinstance(screen, ModalScreen) and screen.styles.background.a < 1):
            break
    return seen


class SwarmApp(CrashGuard, ToastsPerScreen, Connecting):
    TITLE = "swarmtui"
    CSS = """
    Screen { background: $background; }
    KeysFooter { background: $panel; }
    /* a placeholder is an example, never a value already filled in: dim and italic */
    Input > .input--placeholder, TextArea > .text-area--placeholder {
        color: $text-disabled; text-style: italic; }
    /* toasts never cover a button or the tour (issue 16): on the main screen bottom-left
       above the status bar, the filter and the marks bar (the tour and walkthrough
       panels are on the right); on dialogs, forms and wizards at the top right (their
       buttons are at the bottom or left), only their own (ui/toasts.py); no blank rows.
       Textual's width (60, at most half the screen) is kept: a narrower toast wraps a
       short result ("… ended (exit status 5)") mid-phrase. */
    ToastRack { dock: top; align: right top; margin-bottom: 0; }
    Toast { padding: 0 1; margin-top: 0; }
    MainScreen ToastRack { dock: bottom; align: left bottom; margin-bottom: 2; }
    MainScreen.-one-bar ToastRack { margin-bottom: 3; }  /* above the filter, the marks */
    MainScreen.-two-bars ToastRack { margin-bottom: 4; }
    MainScreen ToastHolder { align-horizontal: left; }
    """
    #: the app's keys (every screen), generated from the action registry (ui/actions.py)
    BINDINGS: ClassVar[list[BindingType]] = list(actions.bindings("app"))
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = {SystemCommands, SwarmtuiEntries, JumpTo, ThemeCommands}

    def __init__(self, store: Store | None = None, *, settings: Settings | None = None,
                 theme: str | None = None, read_only: bool | None = None,
                 first_contact: FirstContact | None = None,
                 ssh_config: Sequence[str] = (), trust_mode: str = "ask",
                 target: str | None = None, profile: str | None = None,
                 theme_dirs: Sequence[Path] = (), tour: bool = False,
                 early: startup.Early | None = None) -> None:
        super().__init__()
        #: a store that began connecting before the app was built (swarmtui/startup.py)
        self.early = early
        #: the session's actions, for the walkthrough panel and the script export
        self.walkthrough = Walkthrough()
        #: keys read at once are handled in order, each where the last left the focus
        self.key_gate = KeyGate(self, self._fresh_key)
        #: where `W` offers to write the session's script (None: the state dir's exports/)
        self.export_dir: Path | None = None
        #: the swarm's unlock key when this session saw it (init, the tokens screen), kept
        #: in memory only: the unlock fields are prefilled with it (masked)
        self.unlock_key: Secret | None = None
        #: the newcomer's tour (`--tour`), checked on every snapshot
        self.tour: Tour | None = Tour() if tour else None
        self.keymap_problems: list[KeymapProblem] = []
        #: operation progress screens whose result is not in the walkthrough yet
        #: where the cluster comes from: the one owner of the current snapshot
        self.store: Store | None = store
        self.settings: Settings | None = settings
        self.requested_theme = theme
        self.read_only_arg = read_only
        self.first_contact = first_contact
        self.ssh_config = list(ssh_config)
        self.trust_mode = trust_mode
        self.target = target
        self.profile = profile
        self.theme_dirs = list(theme_dirs)
        self.theme_errors: list[themes.ThemeError] = []
        self._load_themes()

    def post_message(self, message: Message) -> bool:
        # the terminal's reader thread posts each input event: from then on the background
        # threads step aside until the UI thread has handled it (swarm/sync/uiturn.py)
        if isinstance(message, _INPUT):
            uiturn.input_now()
        return super().post_message(message)

    async def on_event(self, event: events.Event) -> None:
        """A key read from the terminal waits for the one before it (ui/keygate.py)."""
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self.key_gate.admit(event):
                await self._fresh_key(event)
            return
        await super().on_event(event)

    async def _fresh_key(self, event: events.Key) -> None:
        target = self.focused or self.screen
        await super().on_event(event)
        self.key_gate.handled(event, target)

    # -------------------------------------------------------------- set-up
    def _load_themes(self) -> None:
        dirs = [themes.builtin_theme_dir(), *self.theme_dirs]
        if self.settings is not None:
            dirs.append(Path(self.settings.path).parent / "themes")
        loaded, self.theme_errors = themes.load_themes(dirs)
        for theme in loaded:
            self.register_theme(theme)
        wanted = self.requested_theme or themes.wanted_theme(self._profile(), self.settings)
        if wanted not in self.available_themes:
            known = ", ".join(sorted(self.available_themes))
            self.theme_errors.append(themes.ThemeError(
                Path(str(wanted)), "", f"no theme of that name (known: {known})"))
            wanted = themes.DEFAULT_THEME
            if wanted not in self.available_themes:
                wanted = "textual-dark"
        self.theme = wanted

    def _theme_for_profile(self) -> None:
        """A profile's theme (production in red) unless --theme chose one; a profile
        without one gets the config's theme (or the default) back."""
        if self.requested_theme:
            return
        wanted = themes.wanted_theme(self._profile(), self.settings)
        if wanted in self.available_themes:
            self.theme = wanted
        else:
            self.notify(f"profile {self.profile!r}: no theme named {wanted!r}; keeping "
                        f"{self.theme}", severity="warning")

    def on_mount(self) -> None:
        # the start paused the collector until 1 s after the first view (MainScreen);
        # a start that shows no cluster (a question, a failure) lets it run soon too —
        # and the store's node pool, which waits for the first view, begins then at the
        # latest (a screen opened over the main one before the first snapshot came)
        self.set_timer(STARTED_AFTER_S, self._settled)
        if self.theme_errors:
            self.notify("\n".join(str(e) for e in self.theme_errors),
                        title="theme problems (using the default)", severity="warning",
                        timeout=10)
        settings = self.settings
        if settings is not None and settings.problems:
            self.notify("\n".join(str(p) for p in settings.problems), title="config problems",
                        severity="warning", timeout=10)
        if settings is not None and settings.keymap:
            self.apply_keymap(settings.keymap)
        if self.early is not None:
            self._theme_for_profile()
            self.use_store(self.early.store, self.early.tried, self.early.default_target)
            self.early.app_ready(self)
        elif self.store is not None:
            self.use_store(self.store)
        elif self.first_contact is not None:
            self.push_screen(FirstContactScreen(self.first_contact))
        else:
            profiles = settings.profiles if settings is not None else {}
            default = settings.default_profile if settings is not None else None
            if not self.target and not self.profile and not default and len(profiles) > 1:
                self.push_screen(ProfilePickerScreen({
                    name: ", ".join(p.managers) for name, p in sorted(profiles.items())}))
            else:
                self.connect_target(self.target, profile=self.profile,
                                    use_default=not (self.target or self.profile))

    def _settled(self) -> None:
        gcpause.started()
        codecache.save()  # the start's dataclass code, for the next start (no-op if known)
        if self.store is not None:
            self.store.shown()

    def apply_keymap(self, keymap: dict[str, str]) -> None:
        """Check `[keymap]` (unknown ids, clashing keys) and apply what is good."""
        good, self.keymap_problems = validate_keymap(keymap, keymap_scopes(type(self)))
        if self.keymap_problems:
            self.notify("\n".join(str(p) for p in self.keymap_problems),
                        title="keymap problems (those entries are ignored)",
                        severity="warning", timeout=12)
        self.set_keymap(good)

    def clock(self) -> datetime:
        """Now, for ages ("5 seconds ago"): the store's clock (fixed for a recorded state)."""
        return self.store.now() if self.store is not None else fmt.now_utc()

    # ---------------------------------------------------------- messages
    def on_snapshot_changed(self, message: SnapshotChanged) -> None:
        snap = self.snapshot  # the store's current one (maybe newer than the message's)
        if not self.screen_stack or snap is None:
            return  # shutting down
        # every screen in sight shows it: the top one and those seen behind a dialog (what
        # the panes behind say agrees with the dialog's progress view); a main screen out
        # of sight catches up when it is resumed
        seen = in_sight(self.screen_stack)
        for s in seen:
            show = getattr(s, "show_snapshot", None)
            if show is not None:
                show(snap, message.kinds)
        for s in self.screen_stack:
            if isinstance(s, MainScreen) and s not in seen:
                s.stale_kinds |= message.kinds
        self.tour_update()

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        for s in self.screen_stack:
            show = getattr(s, "show_link", None)
            if show is not None:
                show(message.view)

    # ---------------------------------------------------------- navigation
    def open_object(self, kind: str, object_id: str) -> None:
        screen_cls = SCREENS.get(kind)
        if screen_cls is not None:
            self.push_screen(screen_cls(object_id))

    def action_open_object(self, kind: str, object_id: str) -> None:
        """For `@click` links (the problem lines of the health header)."""
        self.open_object(kind, object_id)

    def open_inspect(self, kind: str, object_id: str) -> None:
        from swarmtui.ui.screens.inspect import InspectScreen  # rich.syntax, pygments: later

        raw = None
        if self.snapshot is not None:
            obj = getattr(self.snapshot, kind, {}).get(object_id)
            # a task keeps only what the app reads: that, until the engine's whole object
            raw = obj.as_api() if isinstance(obj, Task) else getattr(obj, "raw", None)
        self.push_screen(InspectScreen(kind, object_id, raw))

    def open_logs(self, *service_ids: str, what: str = "") -> None:
        """The logs of a service, or of several merged (`what` names them: "stack app")."""
        if self.store is None or not self.store.live:
            self.notify("logs need a live connection", severity="warning")
            return
        from swarmtui.ui.screens.logs import LogScreen

        self.push_screen(LogScreen(service_ids, what))

    def open_task_logs(self, task_id: str) -> None:
        """`l` on a task: a task that ended shows its container's logs from its node (its
        service's may be empty); a live one follows its service's logs."""
        from swarmtui.ui.screens.deadlogs import ended_task_screen

        snap = self.snapshot
        if snap is None or task_id not in snap.tasks:
            return
        screen = ended_task_screen(snap, task_id)
        if screen is None:
            self.open_logs(snap.tasks[task_id].service_id)
        elif self.store is None or not self.store.live:
            self.notify("logs need a live connection", severity="warning")
        else:
            self.push_screen(screen)

    def action_help(self) -> None:
        """`?`: the keys of the current screen (again: close)."""
        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
        else:
            self.push_screen(HelpScreen(self.screen))

    # ------------------------------------------------------ walkthrough, tour
    def action_toggle_walkthrough(self) -> None:
        wt = self.walkthrough
        wt.shown = not wt.shown
        panels = [p for s in self.screen_stack for p in s.query(WalkthroughPanel)]
        for panel in panels:
            panel.set_class(wt.shown, "shown")
        for s in self.screen_stack:
            if isinstance(s, MainScreen) and s.is_mounted:
                s.sync_side()
        where = "" if panels else " (on the main screen)"
        self.notify(("walkthrough on: each action's docker command and what Swarm does"
                     + where) if wt.shown else "walkthrough off", timeout=3)

    def action_export_walkthrough(self) -> None:
        if not self.walkthrough.actions:
            self.notify("no action taken yet: nothing to export", timeout=3)
            return
        from swarmtui.ui.screens.export import ExportScreen

        self.push_screen(ExportScreen())

    def start_tour(self) -> None:
        if self.tour is not None and not self.tour.done:
            return
        self.tour = Tour()
        for s in self.screen_stack:
            if isinstance(s, MainScreen):
                s.show_tour(self.tour)
        self.tour_update()

    def end_tour(self) -> None:
        """Close the tour's panel (palette → end the tour), done or not."""
        self.tour = None
        for s in self.screen_stack:
            for panel in s.query(TourPanel):
                panel.remove()
            if isinstance(s, MainScreen) and s.is_mounted:
                s.sync_side()

    def tour_update(self) -> None:
        """Check the tour's current step on the latest snapshot (and the pane shown)."""
        tour = self.tour
        if tour is None or tour.done or self.snapshot is None:
            return
        main = next((s for s in self.screen_stack if isinstance(s, MainScreen)), None)
        pane = main.active_kind if main is not None and main.is_mounted else ""
        step = tour.current
        advanced = tour.update(self.snapshot, pane)
        if advanced and step is not None and not (self.screen is main and main.query(TourPanel)):
            # the panel on screen already says it (✔ and the lesson); a dialog hides it
            self.notify(f"✔ {step.title}: {step.lesson}", title="tour", timeout=6)
        for s in self.screen_stack:
            for panel in s.query(TourPanel):
                panel.refresh_tour()

    async def action_quit(self) -> None:
        await self.shutdown_store()
        self.exit(0)

    async def shutdown_store(self) -> None:
        """Stop the store: its threads end and its log streams close."""
        if self.store is not None:
            await self.store.stop()

    async def on_unmount(self) -> None:
        await self.shutdown_store()
