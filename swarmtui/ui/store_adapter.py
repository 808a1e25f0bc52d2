"""The one adapter from the store's listener calls to Textual messages, and those messages.

The store calls its listener from its own threads (and the link's loop);
`post_message` hands each call to the app's message queue thread-safely.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import App
from textual.message import Message

from swarmtui.connect.errors import host_key_changed
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.swarm.sync.view import LinkView


class SnapshotChanged(Message):
    """The store has a new snapshot; `kinds` changed ("nodes", "services", …; none: only
    its time moved)."""

    def __init__(self, snapshot: ClusterSnapshot, kinds: frozenset[str]) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.kinds = kinds


class ConnectionChanged(Message):
    def __init__(self, view: LinkView) -> None:
        super().__init__()
        self.view = view


class ConnectFailed(Message):
    """The first connection failed: say what was tried and why."""

    def __init__(self, message: str, tried: list[str], hint: str = "",
                 default_target: bool = False, host_key_changed: bool = False) -> None:
        super().__init__()
        self.message = message
        self.tried = tried
        self.hint = hint
        self.default_target = default_target
        self.host_key_changed = host_key_changed


class StoreAdapter:
    """A `StoreListener` that posts `SnapshotChanged`, `ConnectionChanged`, `ConnectFailed`."""

    def __init__(self, app: App[int], tried: Sequence[str] = (),
                 default_target: bool = False) -> None:
        self.app = app
        #: the endpoints the first connection tries (for the first-contact screen)
        self.tried = list(tried)
        self.default_target = default_target

    def on_snapshot(self, snapshot: ClusterSnapshot, kinds: frozenset[str]) -> None:
        self.app.post_message(SnapshotChanged(snapshot, kinds))

    def on_link(self, view: LinkView) -> None:
        self.app.post_message(ConnectionChanged(view))

    def on_connect_failed(self, error: BaseException) -> None:
        self.app.post_message(ConnectFailed(
            str(error), self.tried, default_target=self.default_target,
            host_key_changed=host_key_changed(error)))
