"""Swarm secrets (join tokens, unlock keys): the `Secret` holder and redaction from text.

Join tokens look like ``SWMTKN-1-<base36>-<base36>`` and unlock keys like
``SWMKEY-1-<base64ish>``. Anything that may reach a log, the audit journal, an
exception message or the screen unasked goes through :func:`redact` first.
It sits at the top of the package (not in ``swarm/``) because the audit journal,
the domain and the UI all use it: no layer imports another for it.
"""

from __future__ import annotations

import re
from typing import Any

#: Matches a join token or an unlock key (the whole token, whatever follows the prefix).
SECRET_RE = re.compile(r"SWM(?:TKN|KEY)-1-[A-Za-z0-9+/=_\-]*")

#: The masks carry no SWMTKN-/SWMKEY- prefix, so a grep for the prefix finds no leak.
MASK_TOKEN = "<join token redacted>"
MASK_KEY = "<unlock key redacted>"


def _mask(match: re.Match[str]) -> str:
    return MASK_TOKEN if match.group(0).startswith("SWMTKN") else MASK_KEY


def mask_secret(value: str) -> str:
    """The fixed mask for a join token or an unlock key (no SWMTKN-/SWMKEY- prefix left,
    so a grep for the prefix finds no leak)."""
    if not value:
        return ""
    return MASK_KEY if value.startswith("SWMKEY") else MASK_TOKEN


def redact(text: str, *secrets: str | Secret | None) -> str:
    """Return `text` with every SWMTKN-1-… / SWMKEY-1-… replaced by a fixed mask, and
    any of `secrets` given (a sudo password, say) masked too, whatever they look like."""
    for s in secrets:
        raw = s.reveal() if isinstance(s, Secret) else s
        if raw:
            text = text.replace(raw, mask_secret(raw))
    return SECRET_RE.sub(_mask, text)


class Secret:
    """A string that masks itself in str(), repr() and f-strings; `.reveal()` gives it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    @property
    def masked(self) -> str:
        return mask_secret(self._value)

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"Secret({self.masked!r})"

    def __format__(self, spec: str) -> str:
        return format(self.masked, spec)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


def redact_obj(value: Any) -> Any:
    """Deep-copy `value` (dicts, lists, tuples, strings) with every string redacted.

    The ``JoinTokens`` key of a swarm inspect is dropped altogether.
    """
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_obj(v) for k, v in value.items() if k != "JoinTokens"}
    if isinstance(value, list | tuple):
        return type(value)(redact_obj(v) for v in value)
    return value


def contains_secret(text: str) -> bool:
    """True when `text` holds something that looks like a join token or unlock key."""
    return SECRET_RE.search(text) is not None
