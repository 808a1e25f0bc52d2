"""The early start (issue 17): connect and list while the UI is still being imported.

`swarmtui [TARGET]` spends about half a second importing Textual and building the app;
the SSH handshake and the first lists need about as long, mostly waiting on the network.
`begin(args)` resolves the target the way the app would and starts its `LinkStore` on an
asyncio loop in a thread *before* `swarmtui.ui.app` is imported; `Early.handover` stops
that thread and the app runs on the same loop (`App.run(loop=…)`), attaching to the store
as if it had made it (`LinkStore.start` tells it what was found meanwhile).

An unknown host key still asks the user: the question waits until the app is up. With
several profiles and no choice made, or a target that does not resolve, there is no
early start: the app asks, or says why. No textual here.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from swarmtui.config import Profile, Settings, load_settings
from swarmtui.connect import sockdir
from swarmtui.connect.errors import ConnectError

if TYPE_CHECKING:
    from swarmtui.connect.hostkeys import HostKeyQuestion, TrustCallback, TrustDecision
    from swarmtui.swarm.sync.link import LinkStore


def profile_of(settings: Settings | None, name: str | None) -> Profile | None:
    if settings is None or not name:
        return None
    return settings.profiles.get(name)


def ssh_config_files(given: Sequence[str], settings: Settings | None,
                     prof: Profile | None) -> list[str]:
    """--ssh-config files, then the config's, then the profile's."""
    return [*given, *(settings.ssh_config if settings else []),
            *(prof.ssh_config if prof else [])]


def read_only_of(arg: bool | None, settings: Settings | None, prof: Profile | None) -> bool:
    """--read-only, else the profile's `read_only`, else the config's."""
    if arg:
        return True
    if prof is not None and prof.read_only is not None:
        return prof.read_only
    return settings.read_only if settings is not None else False


def poll_interval_of(settings: Settings | None) -> float:
    return (settings.task_poll_interval if settings else 0.0) or 2.0


def stats_interval_of(settings: Settings | None, prof: Profile | None) -> float:
    """The profile's `stats_interval`, else the config's (seconds between live stats)."""
    if prof is not None and prof.stats_interval is not None:
        return prof.stats_interval
    return settings.stats_interval if settings else 5.0


@dataclass
class Early:
    """A store already connecting on `loop` (run by a thread until `handover`)."""

    store: LinkStore
    #: the endpoints the first connection tries (for the first-contact screen)
    tried: list[str]
    #: no target and no profile were given (the default engine)
    default_target: bool
    settings: Settings
    loop: asyncio.AbstractEventLoop
    _thread: threading.Thread
    _app: asyncio.Future[Any]

    def handover(self) -> asyncio.AbstractEventLoop:
        """Stop the thread's loop and return it: the caller runs it from now on."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        return self.loop

    def app_ready(self, app: Any) -> None:
        """The app is up (call it on the loop, from the app): a host-key question may be
        asked now — in the app's context (Textual's active app is a context variable,
        unset in the connect task that began before the app)."""
        if not self._app.done():
            self._app.set_result((app, contextvars.copy_context()))


def _deferred_trust(ready: asyncio.Future[Any]) -> TrustCallback:
    async def ask(question: HostKeyQuestion) -> TrustDecision:
        app, context = await ready
        asked: asyncio.Future[TrustDecision] = context.run(asyncio.ensure_future,
                                                           app.ask_trust(question))
        return await asked

    return ask


def begin(args: argparse.Namespace) -> Early | None:
    """Start connecting to what `swarmtui [TARGET]` would open (None: the app decides)."""
    from swarmtui.connect.endpoint import resolve_target

    settings = load_settings(getattr(args, "config", None))
    target, profile = args.target, args.profile
    if not target and not profile and not settings.default_profile \
            and len(settings.profiles) > 1:
        return None  # the profile picker first
    try:
        resolved = resolve_target(target, profile=profile, settings=settings)
    except ConnectError:
        return None  # the first-contact screen says why
    if any(ep.kind == "ssh" for ep in resolved.endpoints):
        from swarmtui.connect.sshlib import import_asyncssh

        # here, before the early thread runs (two threads importing one package can meet
        # half-made modules), without its gcc/ld library probes (~45 ms of wall: sshlib.py);
        # a local socket or TCP never needs it (~0.2 s of CPU)
        import_asyncssh()
    from swarmtui.connect.hostkeys import fixed_trust
    from swarmtui.connect.link import ClusterLink
    from swarmtui.swarm.sync.link import LinkStore

    prof = profile_of(settings, profile)
    loop = asyncio.new_event_loop()
    app: asyncio.Future[Any] = loop.create_future()
    mode = getattr(args, "trust_host_key", "ask")
    trust = fixed_trust(mode) if mode != "ask" else _deferred_trust(app)
    link = ClusterLink(resolved, trust=trust,
                       ssh_config=ssh_config_files(args.ssh_config or [], settings, prof))
    store = LinkStore(link, poll_interval=poll_interval_of(settings),
                      read_only=read_only_of(args.read_only, settings, prof),
                      node_map=dict(prof.nodes) if prof else {},
                      stats_interval=stats_interval_of(settings, prof), reach_when_shown=True)
    sockdir.prepare()  # signal handlers: only the main thread can set them

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(store.begin)
        loop.run_forever()

    thread = threading.Thread(target=run, name="swarmtui-early", daemon=True)
    thread.start()
    return Early(store, [ep.label for ep in resolved.endpoints],
                 default_target=not target and not profile, settings=settings, loop=loop,
                 _thread=thread, _app=app)


def finish(loop: asyncio.AbstractEventLoop) -> None:
    """What `asyncio.run` does after its main task: cancel what is left, close the loop."""
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in tasks:
        task.cancel()
    with contextlib.suppress(Exception):
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
    loop.close()
