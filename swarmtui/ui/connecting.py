"""Where the app's cluster comes from: the store it shows, and how it gets one — a
target, a profile or the default engine resolved and linked over SSH (ClusterLink), a
manager picked on a worker, the host-key prompt, the first-contact screen when nothing
answers, the sandbox lab. `SwarmApp` (ui/app.py) is composed with it."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual import work
from textual.app import App

from swarmtui import startup
from swarmtui.config import Profile, Settings
from swarmtui.connect.link import ClusterLink
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.swarm.sync.link import LinkStore
from swarmtui.swarm.sync.store import Store
from swarmtui.ui.screens.first_contact import (
    Attempt,
    FirstContact,
    FirstContactScreen,
    default_attempts,
)
from swarmtui.ui.screens.main import MainScreen
from swarmtui.ui.screens.trust import RefusedScreen, TrustScreen
from swarmtui.ui.store_adapter import ConnectFailed, StoreAdapter

if TYPE_CHECKING:
    from swarmtui.connect.endpoint import Endpoint, Target
    from swarmtui.connect.hostkeys import HostKeyQuestion, TrustCallback, TrustDecision

LAB_NAME = "lab"


class Connecting(App[int]):
    """The app's store and its connection (the app sets these in its __init__)."""

    #: where the cluster comes from: the one owner of the current snapshot
    store: Store | None
    settings: Settings | None
    #: the target and profile asked for (the command line, the palette, first contact)
    target: str | None
    profile: str | None
    #: --read-only (None: the config and the profile decide)
    read_only_arg: bool | None
    #: --ssh-config files (the lab's is put first when it starts)
    ssh_config: list[str]
    #: "ask" (the trust prompt), else a fixed answer (connect/hostkeys.py: fixed_trust)
    trust_mode: str

    def _theme_for_profile(self) -> None:
        """The profile's theme, when a connection starts (the app's themes)."""

    def switch_profile(self, name: str) -> None:
        """Connect to another cluster profile (from the command palette)."""
        self.connect_target(None, profile=name)

    def remember_managers(self) -> None:
        """Add the managers learned from the swarm to the profile connected to, in the
        config file (comments kept): the next start can fail over to them too."""
        from swarmtui.config_write import ConfigWriteError, remember_managers

        learned = self.store.learned_managers() if self.store is not None else []
        if self.profile is None or not learned:
            self.notify("no profile, or no manager learned beyond the profile's", timeout=4)
            return
        path = self.settings.path if self.settings is not None else None
        try:
            changed = remember_managers(self.profile, learned, path=path)
        except ConfigWriteError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return
        where = f"[profiles.{self.profile}] managers in {path or 'the config file'}"
        self.notify((f"added {', '.join(learned)} to {where}" if changed
                     else f"{where} already lists them"), timeout=6)

    def _profile(self) -> Profile | None:
        return startup.profile_of(self.settings, self.profile)

    @property
    def snapshot(self) -> ClusterSnapshot | None:
        """The store's current snapshot (the store is its one owner)."""
        return self.store.snapshot if self.store is not None else None

    @property
    def read_only(self) -> bool:
        if self.store is not None and self.store.read_only:
            return True
        return startup.read_only_of(self.read_only_arg, self.settings, self._profile())

    def ssh_config_files(self) -> list[str]:
        """--ssh-config files, then the config's, then the profile's."""
        return startup.ssh_config_files(self.ssh_config, self.settings, self._profile())

    def use_store(self, store: Store, tried: Sequence[str] = (),
                  default_target: bool = False) -> None:
        old = self.store
        if old is not None and old is not store:
            self.run_worker(old.stop(), exit_on_error=False)
        self.store = store
        main = MainScreen(read_only=self.read_only)
        if len(self.screen_stack) > 1:
            self.switch_screen(main)
        else:
            self.push_screen(main)
        store.start(StoreAdapter(self, tried, default_target))

    def _link_store(self, target: Target, default_target: bool = False) -> None:
        link = ClusterLink(target, trust=self.trust_callback(), ssh_config=self.ssh_config_files())
        prof = self._profile()
        self.use_store(LinkStore(link, poll_interval=startup.poll_interval_of(self.settings),
                                 read_only=self.read_only,
                                 node_map=dict(prof.nodes) if prof else {},
                                 stats_interval=startup.stats_interval_of(self.settings,
                                                                          prof)),
                       tried=[ep.label for ep in target.endpoints],
                       default_target=default_target)

    def connect_target(self, target: str | None, profile: str | None = None,
                       use_default: bool = False) -> None:
        """Resolve a target (or profile, or the default engine) and connect with a ClusterLink."""
        from swarmtui.connect.endpoint import resolve_target
        from swarmtui.connect.errors import ConnectError

        self.target, self.profile = target, profile
        self._theme_for_profile()
        try:
            resolved = resolve_target(target, profile=profile, settings=self.settings)
        except ConnectError as exc:
            self._first_contact(str(exc), [], default=use_default)
            return
        self._link_store(resolved, default_target=use_default and not target and not profile)

    def pick_manager(self) -> None:
        """On a worker: choose one of the managers it knows and reconnect there."""
        from swarmtui.ui.screens.managers import ManagerPickerScreen

        snap = self.snapshot
        managers = snap.remote_managers if snap is not None else []
        if snap is None or snap.is_manager or not managers:
            self.notify("this is not a worker that knows its managers", timeout=3)
            return

        def picked(addr: str | None) -> None:
            if addr:
                self.connect_manager(addr)

        self.push_screen(ManagerPickerScreen(snap.engine_name or "this engine", managers),
                         callback=picked)

    def connect_manager(self, addr: str) -> None:
        """Reach the manager at `addr` ("ip:2377") the same way as the current engine."""
        from swarmtui.connect.endpoint import Target
        from swarmtui.connect.errors import ConnectError

        current = self.link_endpoint()
        host = addr.rsplit(":", 1)[0].strip("[]")
        if current is None:
            self.notify(f"connect to {host} with `swarmtui ssh://USER@{host}`", timeout=6)
            return
        try:
            ep = current.with_host(host)
        except ConnectError as exc:
            self.notify(str(exc), severity="warning")
            return
        self.target, self.profile = ep.url, None
        self._link_store(Target((ep,), label=ep.label))

    def link_endpoint(self) -> Endpoint | None:
        """The endpoint of the current ClusterLink (None without a live link)."""
        return self.store.link.endpoint if isinstance(self.store, LinkStore) else None

    def trust_callback(self) -> TrustCallback:
        from swarmtui.connect.hostkeys import fixed_trust

        if self.trust_mode != "ask":
            return fixed_trust(self.trust_mode)
        return self.ask_trust

    async def ask_trust(self, question: HostKeyQuestion) -> TrustDecision:
        """The ClusterLink's trust callback: the trust prompt, answered by the user."""
        from swarmtui.connect.hostkeys import TrustDecision

        loop = asyncio.get_running_loop()
        answer: asyncio.Future[TrustDecision] = loop.create_future()

        def done(decision: TrustDecision | None) -> None:
            if not answer.done():
                answer.set_result(decision if decision is not None else TrustDecision.CANCEL)

        self.push_screen(TrustScreen(question), callback=done)
        return await answer

    def on_connect_failed(self, message: ConnectFailed) -> None:
        self._first_contact(message.message, message.tried, default=message.default_target)
        if message.host_key_changed:
            # on top of the first-contact screen; it has no button that accepts the key
            self.push_screen(RefusedScreen("SSH host key CHANGED — connection refused",
                                           message.message))

    def _first_contact(self, error: str, tried: list[str], default: bool) -> None:
        profiles = sorted(self.settings.profiles if self.settings is not None else {})
        if default:
            info = FirstContact("No Docker engine could be reached.",
                                default_attempts(error), hint="", profiles=profiles)
        else:
            info = FirstContact(f"Could not connect to {self.target or self.profile or ''}.",
                                [Attempt(t, "failed") for t in tried],
                                hint=error, profiles=profiles, target=self.target)
        screen = FirstContactScreen(info)
        if len(self.screen_stack) > 1:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    @work(thread=True, exit_on_error=False, group="lab")
    def start_lab(self) -> None:
        """Bring up the sandbox lab (or reuse it) and connect to its node1 over SSH."""
        from swarmtui.lab import Lab, LabError

        def status(text: str, failed: bool = False) -> None:
            screen = self.screen
            if isinstance(screen, FirstContactScreen):
                (screen.lab_failed if failed else screen.set_lab_status)(text)

        try:
            lab = Lab(os.environ.get("SWARMTUI_LAB_NAME", LAB_NAME))
            if not lab.is_up():
                lab.up(nodes=3, managers=1)
                lab.seed_sample()
        except (LabError, OSError) as exc:
            self.call_from_thread(status, f"the lab could not start: {exc}", True)
            return
        self.call_from_thread(status, f"lab up: connecting to node1 with {lab.ssh_config}")
        self.ssh_config = [str(lab.ssh_config), *self.ssh_config]
        self.call_from_thread(self.connect_target, "node1")
