"""Redaction of Swarm secrets (join tokens, unlock keys) from any text.

Join tokens look like ``SWMTKN-1-<base36>-<base36>`` and unlock keys like
``SWMKEY-1-<base64ish>``. Anything that may reach a log, the audit journal, an
exception message or the screen unasked goes through :func:`redact` first.
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


def redact(text: str) -> str:
    """Return `text` with every SWMTKN-1-… / SWMKEY-1-… replaced by a fixed mask."""
    return SECRET_RE.sub(_mask, text)


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
