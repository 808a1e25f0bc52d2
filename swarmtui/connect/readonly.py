"""The second read-only wall: a docker APIClient that sends only reads.

The one runner (swarm/ops/runner.py) refuses every mutating Operation in read-only mode
before any I/O; this wall sits below it, in the transport. `refuse_writes(api)` makes
the client raise `ReadOnlyTransportError` for any HTTP method but GET and HEAD *before*
a byte is sent, so a code path that forgot the runner still cannot change the cluster.
Reads (lists, inspect, logs, events, ping) go through untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from swarmtui.connect.errors import ConnectError

#: HTTP methods the Engine API uses for reads only
READ_METHODS = frozenset({"GET", "HEAD"})
_MARK = "_swarmtui_read_only"


class ReadOnlyTransportError(ConnectError):
    """A write reached the transport in read-only mode; nothing was sent."""

    retryable = False


def refuse_writes(api: Any) -> Any:
    """Make `api` (a docker APIClient, a requests.Session) refuse every non-read request.

    Idempotent; returns `api`. The client is changed in place: every user of this
    connection is in the same read-only session.
    """
    if getattr(api, _MARK, False):
        return api
    send: Callable[..., Any] = api.request

    def request(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if str(method).upper() not in READ_METHODS:
            path = urlsplit(str(url)).path or str(url)
            raise ReadOnlyTransportError(
                f"read-only mode: {str(method).upper()} {path} was refused before it was "
                "sent", "restart swarmtui without --read-only (or the profile's "
                "read_only = true) to change the cluster")
        return send(method, url, *args, **kwargs)

    api.request = request
    setattr(api, _MARK, True)
    return api


def is_read_only(api: Any) -> bool:
    """True when `refuse_writes` walls this client."""
    return bool(getattr(api, _MARK, False))
