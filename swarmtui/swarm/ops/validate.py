"""Validation of what a person types for an operation: counts, labels, image names.

Each parser takes the raw string and raises :class:`InputError` whose message
says what is wrong and what to type instead.
"""

from __future__ import annotations

import re
from pathlib import Path


class InputError(ValueError):
    """Bad user input; the message is meant for the user."""


MAX_REPLICAS = 100_000
_LABEL_KEY_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._/-]*[A-Za-z0-9])?$")
_IMAGE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:@+-]*$")


def parse_replicas(raw: str) -> int:
    """ "5" → 5. Refuses empty, negative, fractional, non-numeric and absurd counts, and
    digits other than ASCII 0–9 (the CLI line shows the number sent, in ASCII)."""
    text = raw.strip()
    if not text:
        raise InputError("type a number of replicas (0 or more)")
    if _ASCII_INT.fullmatch(text):
        if len(text.lstrip("0")) > len(str(MAX_REPLICAS)):
            raise InputError(f"{_clip(text)} replicas is more than this tool allows "
                             f"({MAX_REPLICAS})")
        value = int(text.lstrip("0") or "0")  # 4,301 zeros are still 0
        if value > MAX_REPLICAS:
            raise InputError(f"{value} replicas is more than this tool allows ({MAX_REPLICAS})")
        return value
    if text.startswith("-") and _ASCII_INT.fullmatch(text[1:].strip()):
        raise InputError(f"{_clip(text)} is negative: the number of replicas must be 0 or more")
    if any(c.isdigit() and not c.isascii() for c in text):
        raise InputError(f"{_clip(text)!r}: type the number with the digits 0–9")
    if _ASCII_FLOAT.fullmatch(text):
        if text.startswith("-"):
            raise InputError(f"{_clip(text)} is negative: the number of replicas must be 0 "
                             "or more")
        raise InputError(f"{_clip(text)} is not a whole number: replicas are counted in whole "
                         "tasks")
    raise InputError(f"{_clip(text)!r} is not a whole number: type e.g. 3")


_ASCII_INT = re.compile(r"[0-9]+")
_ASCII_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _clip(text: str, limit: int = 40) -> str:
    """What the person typed, shortened for a message (4,000 digits help nobody)."""
    return text if len(text) <= limit else text[:limit] + "…"


def parse_label(raw: str) -> tuple[str, str]:
    """ "zone=a" → ("zone", "a"); "ssd" → ("ssd", "") as `--label-add` accepts."""
    text = raw.strip()
    if not text:
        raise InputError("type a label as key=value (e.g. zone=a)")
    key, sep, value = text.partition("=")
    key = key.strip()
    if not key:
        raise InputError(f"{text!r} has no key: type key=value (e.g. zone=a)")
    if not _LABEL_KEY_RE.match(key):
        raise InputError(
            f"{key!r} is not a valid label key: use letters, digits, '.', '-', '_' and '/' "
            "(starting and ending with a letter or digit)"
        )
    if any(c in value for c in "\n\r\t\0"):
        raise InputError("a label value cannot contain tabs or line breaks")
    if sep and value != value.strip():
        raise InputError(f"the value of {key!r} starts or ends with spaces: remove them")
    return key, value


def parse_label_key(raw: str) -> str:
    """A label key to remove ("zone"; "zone=a" is accepted and the value ignored)."""
    key, _value = parse_label(raw)
    return key


def validate_image(raw: str) -> str:
    """An image reference such as "busybox:1.36" or "registry:5000/app@sha256:…"."""
    text = raw.strip()
    if not text:
        raise InputError("type an image, e.g. busybox:latest")
    if not _IMAGE_RE.match(text) or text.endswith((":", "/", "@")):
        raise InputError(f"{text!r} is not a valid image reference (e.g. nginx:1.27)")
    return text


def user_path(raw: str | Path) -> Path:
    """A path typed by a person, `~` and `~user` expanded; InputError for an unknown user
    (Path.expanduser raises RuntimeError, which would end the app)."""
    text = str(raw).strip()
    try:
        return Path(text).expanduser()
    except RuntimeError:
        user = text.split("/", 1)[0]
        raise InputError(f"{user}: there is no user {user[1:]!r} for ~ to stand for; "
                         "type the whole path") from None
