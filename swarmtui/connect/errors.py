"""Connection errors written for a person: what happened, and what to do about it.

Every error of the connection layer is a `ConnectError`; `str(err)` is the full
message (`what`, then `hint`), ready to show on screen. No secret ever goes in.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence


class ConnectError(Exception):
    """Base of every connection failure. `what` happened; `hint` says what to do."""

    #: False for failures that retrying cannot fix (a changed host key, a refused trust).
    retryable: bool = True

    def __init__(self, what: str, hint: str = "") -> None:
        self.what = what
        self.hint = hint
        super().__init__(f"{what} — {hint}" if hint else what)


class EndpointError(ConnectError, ValueError):
    """The user gave something that is not an endpoint we understand."""

    retryable = False


class HostUnreachableError(ConnectError):
    """TCP/SSH transport could not be established (DNS, refused, timeout, route)."""


class AuthFailedError(ConnectError):
    """The SSH server refused every key/method we offered."""

    retryable = False


class HostKeyChangedError(ConnectError):
    """The host presented a key that differs from the one recorded in known_hosts."""

    retryable = False

    def __init__(self, host: str, fingerprint: str, known_hosts: str, line: int) -> None:
        self.host = host
        self.fingerprint = fingerprint
        self.known_hosts = known_hosts
        self.line = line
        super().__init__(
            f"REFUSED: the SSH host key of {host} has CHANGED (it now presents {fingerprint}); "
            f"the old key is in {known_hosts} line {line}",
            "this can mean someone is intercepting the connection. If the host was really "
            f"reinstalled, check the new key with its admin and remove line {line} from "
            f"{known_hosts} (ssh-keygen -R {host} -f {known_hosts})",
        )


class SessionHostKeyChangedError(HostKeyChangedError):
    """The host presented a key other than the one trusted "once" earlier in this run."""

    def __init__(self, host: str, fingerprint: str, trusted: str) -> None:
        self.host = host
        self.fingerprint = fingerprint
        self.known_hosts = ""
        self.line = 0
        self.trusted = trusted
        ConnectError.__init__(
            self,
            f"REFUSED: the SSH host key of {host} has CHANGED during this run (it now presents "
            f"{fingerprint}; {trusted} was trusted for this run earlier)",
            "this can mean someone is intercepting the connection. Check the new key with the "
            "host's admin; restart swarmtui to be asked about it again",
        )


class HostKeyRevokedError(ConnectError):
    retryable = False


class HostKeyNotTrustedError(ConnectError):
    """An unknown host key was not accepted (cancelled, or --trust-host-key never)."""

    retryable = False


class WouldAskError(ConnectError):
    """A connection opened `unasked()` needed a person's answer (an unknown host key, a key's
    passphrase): nothing was asked, nothing was decided (not a failure of the host)."""


class ForwardingRefusedError(ConnectError):
    """Neither direct-streamlocal forwarding nor `docker system dial-stdio` worked."""

    def __init__(self, host: str, reasons: Sequence[str]) -> None:
        self.reasons = list(reasons)
        super().__init__(
            f"could not reach the Docker socket on {host}: " + "; ".join(self.reasons),
            "allow stream-local forwarding in the server's sshd_config "
            "(AllowStreamLocalForwarding yes) or install the docker CLI on the host",
        )


class SocketPermissionDeniedError(ConnectError):
    retryable = False

    def __init__(self, host: str, user: str, socket_path: str) -> None:
        self.socket_path = socket_path
        super().__init__(
            f"permission denied on {socket_path} on {host} for user {user}",
            f"add {user} to the docker group on {host} (usermod -aG docker {user}, then log in "
            "again) or connect as root",
        )


class EngineNotAnsweringError(ConnectError):
    """The tunnel is up but the Docker Engine does not answer /_ping."""


class NotConnectedError(ConnectError):
    """No engine is available right now (connecting, reconnecting, or closed)."""


class AllEndpointsFailedError(ConnectError):
    """None of the endpoints of a target could be reached; holds each reason."""

    def __init__(self, failures: Sequence[tuple[str, ConnectError]]) -> None:
        self.failures = list(failures)
        if len(self.failures) == 1:
            label, err = self.failures[0]
            super().__init__(f"{label}: {err.what}", err.hint)
        else:
            lines = "; ".join(f"{label}: {err}" for label, err in self.failures)
            super().__init__(f"no manager could be reached ({lines})",
                             "check that at least one manager is up and reachable")
        self.retryable = any(err.retryable for _, err in self.failures)


def host_key_changed(exc: BaseException) -> bool:
    """True when `exc` is, wraps (``__cause__``) or lists among its failures a changed host key."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, HostKeyChangedError):
            return True
        todo.append(e.__cause__)
        if isinstance(e, AllEndpointsFailedError):
            todo += [sub for _label, sub in e.failures]
    return False
# --- a sentence for an exception from below (requests, urllib3, sockets, docker) -------------

# innermost cause (by class name, so no import of requests/urllib3 here) -> a plain phrase
_PHRASES = {
    "RemoteDisconnected": "the engine closed the connection without answering",
    "ConnectionResetError": "the connection was reset",
    "ConnectionRefusedError": "the connection was refused",
    "ConnectionAbortedError": "the connection was aborted",
    "BrokenPipeError": "the connection broke",
    "FileNotFoundError": "the local socket is gone",
    "TimeoutError": "no answer in time",
    "timeout": "no answer in time",
    "ReadTimeout": "no answer in time",
    "ReadTimeoutError": "no answer in time",
    "ConnectTimeout": "no answer in time",
    "ConnectTimeoutError": "no answer in time",
    "IncompleteRead": "the answer was cut off",
    "ChunkedEncodingError": "the answer was cut off",
    "ConnectionLost": "the connection was lost",
}


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and what it wraps: __cause__/__context__, urllib3's `.reason`, and exceptions
    carried in `args` (requests wraps urllib3 errors that way), outermost first."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        inner = [a for a in getattr(e, "args", ()) if isinstance(a, BaseException)]
        reason = getattr(e, "reason", None)
        if isinstance(reason, BaseException):
            inner.append(reason)
        inner += [c for c in (e.__cause__, e.__context__) if c is not None]
        todo.extend(inner)


def describe_failure(exc: BaseException | None) -> str:
    """A short sentence for a failed Docker API call or transport error — never a repr.

    `requests` puts tuples in its messages ("('Connection aborted.',
    RemoteDisconnected(...))"); this names the innermost known cause instead.
    """
    if exc is None:
        return "the connection was lost"
    if isinstance(exc, ConnectError):
        return exc.what
    explanation = getattr(exc, "explanation", None)
    status = getattr(exc, "status_code", None)
    if status is not None and explanation:  # docker.errors.APIError: the engine answered
        return f"the engine answered {status}: {explanation}"
    causes = list(_causes(exc))
    for cause in reversed(causes):  # innermost first
        phrase = _PHRASES.get(type(cause).__name__)
        if phrase:
            return phrase
    for cause in reversed(causes):
        text = str(cause).strip()
        if text and not text.startswith(("(", "<", "[")) and "object at 0x" not in text:
            return text if len(text) <= 160 else text[:160] + "…"
    return f"unexpected {type(exc).__name__}"
