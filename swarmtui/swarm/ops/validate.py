"""Validation of what a person types for an operation: counts, labels, image names.

Each parser takes the raw string and raises :class:`InputError` whose message
says what is wrong and what to type instead.
"""

from __future__ import annotations

import re


class InputError(ValueError):
    """Bad user input; the message is meant for the user."""


MAX_REPLICAS = 100_000
_LABEL_KEY_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._/-]*[A-Za-z0-9])?$")
_IMAGE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:@+-]*$")


def parse_replicas(raw: str) -> int:
    """ "5" → 5. Refuses empty, negative, fractional, non-numeric and absurd counts."""
    text = raw.strip()
    if not text:
        raise InputError("type a number of replicas (0 or more)")
    if text.startswith("-") and text[1:].strip().isdigit():
        raise InputError(f"{text} is negative: the number of replicas must be 0 or more")
    if not text.isdigit():
        try:
            value = float(text)
        except ValueError:
            raise InputError(f"{text!r} is not a whole number: type e.g. 3") from None
        if value < 0:
            raise InputError(f"{text} is negative: the number of replicas must be 0 or more")
        raise InputError(f"{text} is not a whole number: replicas are counted in whole tasks")
    value_i = int(text)
    if value_i > MAX_REPLICAS:
        raise InputError(f"{value_i} replicas is more than this tool allows ({MAX_REPLICAS})")
    return value_i


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
