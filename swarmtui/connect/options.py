"""How to connect: `ConnectOptions` (trust callback, ssh_config files, timeouts,
keepalive, keys unlocked this run, warnings) and the callbacks it carries; `unasked()`
for connections that must not ask a person anything.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from swarmtui.connect.hostkeys import (
    SessionTrust,
    TrustCallback,
)

if TYPE_CHECKING:
    import asyncssh

log = logging.getLogger(__name__)

LostCallback = Callable[[Exception | None], None]


@dataclass
class ConnectOptions:
    """How to connect; shared by every connection of a ClusterLink."""

    trust: TrustCallback  # asked about unknown host keys
    ssh_config: Sequence[Path] = ()  # ssh_config files, ~/.ssh/config first (ssh_config_files())
    connect_timeout: float = 10.0  # seconds for TCP + SSH handshake + auth
    api_timeout: float = 30.0  # seconds per Docker API call through the APIClient
    keepalive_interval: float = 5.0  # SSH keepalive (ServerAliveInterval overrides)
    keepalive_count_max: int = 3
    session_trust: SessionTrust = field(default_factory=SessionTrust)  # ONCE-trusted keys
    #: asked for the passphrase of an encrypted key file that is not in ssh-agent (None:
    #: never ask, such keys are skipped); the answer is kept in memory only
    passphrase: PassphraseCallback | None = None
    #: keys unlocked with a passphrase during this run (in memory only), by file path
    unlocked_keys: dict[str, asyncssh.SSHKey] = field(default_factory=dict)
    #: things a person should know that did not stop the connection (a known_hosts line
    #: skipped, a key that could not be saved); each once
    warnings: list[str] = field(default_factory=list)

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            log.warning("%s", text)
            self.warnings.append(text)


#: `await ask(key_path)` -> the passphrase, or None to skip that key
PassphraseCallback = Callable[[str], Awaitable[str | None]]


_UNASKED: contextvars.ContextVar[bool] = contextvars.ContextVar("swarmtui_unasked",
                                                                default=False)


@contextlib.contextmanager
def unasked() -> Iterator[None]:
    """Connections opened within (this task's context) never ask a person: where the trust
    callback or the passphrase callback would be asked, WouldAskError is raised instead
    (the stats sampler's first look at a node nobody asked about yet)."""
    token = _UNASKED.set(True)
    try:
        yield
    finally:
        _UNASKED.reset(token)


def may_ask() -> bool:
    """Whether a connection opened now may ask a person (see `unasked`)."""
    return not _UNASKED.get()
