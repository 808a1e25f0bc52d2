"""Units a person types in a form — sizes, durations, CPUs — parsed and formatted.

The grammar follows the docker CLI so that what works on the command line works
here: sizes as ``RAMInBytes`` (binary multiples: ``512M`` = 512 MiB), durations
as Go's ``time.ParseDuration`` (``5s``, ``1m30s``, ``250ms``), CPUs as a decimal
(``0.5`` → 500 000 000 NanoCPUs). Each ``parse_*`` raises :class:`UnitError`
with a sentence for a person; each ``format_*`` is its exact inverse on the
values the parser produces, so a form filled from a spec round-trips.
"""

from __future__ import annotations

import re
from decimal import Decimal, localcontext


class UnitError(ValueError):
    """A value a person typed could not be read; the message says why and what to type."""


def _clip(text: str, limit: int = 40) -> str:
    """What the person typed, shortened for a message."""
    return text if len(text) <= limit else text[:limit] + "…"


_SIZE_RE = re.compile(r"^([0-9]{1,30}(?:\.[0-9]{1,30})?) ?([kKmMgGtTpP])?[iI]?[bB]?$")
MAX_INT64 = 2**63 - 1  # the Engine keeps sizes and durations in an int64
_SIZE_MULT = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}


def parse_size(text: str) -> int:
    """ "512M" → 536870912 (binary multiples, as `docker service create --limit-memory`)."""
    t = text.strip()
    m = _SIZE_RE.match(t)
    if not m:
        raise UnitError(f"'{text}' is not a size: write a number with a unit, like 512M or 1.5G")
    number, unit = m.group(1), (m.group(2) or "").lower()
    with localcontext(prec=100):  # exact for the 30 + 30 digits the pattern allows
        value = int(Decimal(number) * _SIZE_MULT[unit])
    if value > MAX_INT64:
        raise UnitError(f"'{_clip(text)}' is too large a size (at most 8E)")
    return value


def format_size(value: int) -> str:
    """536870912 → "512M"; exact (never rounds), so parse_size(format_size(n)) == n."""
    for unit in ("P", "T", "G", "M", "K"):
        mult = _SIZE_MULT[unit.lower()]
        if value >= mult and value % mult == 0:
            return f"{value // mult}{unit}"
    return f"{value}B" if value else "0"


_DUR_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h|d)")
_DUR_NS = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 1_000_000, "s": 10**9, "m": 60 * 10**9,
           "h": 3600 * 10**9, "d": 86400 * 10**9}


def parse_duration(text: str, *, days: bool = False) -> int:
    """ "1m30s" → 90_000_000_000 nanoseconds (Go's time.ParseDuration, no sign).

    The one duration parser of swarmtui. `days=True` also takes "d" (the swarm
    settings' certificate expiry, "90d"); service durations do not (the docker CLI
    refuses them there).
    """
    t = text.strip()
    if t == "0":
        return 0
    if not t:
        raise UnitError("a duration is empty: write one like 10s, 500ms or 1m30s")
    if len(t) > 100:
        raise UnitError(f"'{_clip(text)}' is too long for a duration: write one like 1m30s")
    pos = 0
    total = Decimal(0)
    with localcontext(prec=200):  # exact for the 100 characters allowed
        for m in _DUR_PART.finditer(t):
            if m.start() != pos or (m.group(2) == "d" and not days):
                break
            total += Decimal(m.group(1)) * _DUR_NS[m.group(2)]
            pos = m.end()
    if pos != len(t):
        if re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", t):
            raise UnitError(f"'{text}' has no unit: write {t}s for seconds (or ms, m, h)")
        raise UnitError(f"'{_clip(text)}' is not a duration: write one like 10s, 500ms or "
                        "1m30s" + (" (or 90d)" if days else ""))
    if total > MAX_INT64:
        raise UnitError(f"'{_clip(text)}' is too long a duration (at most about 290 years)")
    return int(total)


def format_duration(ns: int) -> str:
    """90_000_000_000 → "1m30s"; 500_000_000 → "500ms" (exact, like Go's Duration.String)."""
    if ns == 0:
        return "0s"
    if ns % 10**9:
        for unit, mult in (("ms", 10**6), ("us", 10**3)):
            if ns % mult == 0:
                return f"{ns // mult}{unit}"
        return f"{ns}ns"
    secs = ns // 10**9
    h, rest = divmod(secs, 3600)
    m, s = divmod(rest, 60)
    out = ""
    if h:
        out += f"{h}h"
    if m:
        out += f"{m}m"
    if s or not out:
        out += f"{s}s"
    return out


def parse_cpus(text: str) -> int:
    """ "0.5" → 500_000_000 NanoCPUs (as `--limit-cpu 0.5`)."""
    t = text.strip()
    if not re.fullmatch(r"-?[0-9]{0,30}(?:\.[0-9]{0,30})?", t) or t in ("", ".", "-", "-."):
        raise UnitError(f"'{_clip(text)}' is not a number of CPUs: write one like 0.5 or 2")
    value = Decimal(t)
    if value <= 0:
        raise UnitError(f"'{text}' CPUs: the number must be above 0, like 0.5 or 2")
    if value > 1_000_000:
        raise UnitError(f"'{_clip(text)}' CPUs is more than any machine has")
    with localcontext(prec=100):
        nano = value * 10**9
    if nano != nano.to_integral_value():
        raise UnitError(f"'{text}' CPUs has too many decimals (at most 9)")
    return int(nano)


def format_cpus(nano: int) -> str:
    """500_000_000 → "0.5"; 2_000_000_000 → "2"."""
    d = Decimal(nano) / 10**9
    text = format(d.normalize(), "f")
    return text


def whole_number(text: str) -> int:
    """int() of a whole number `parse_int` accepted ("007", "+5", 4,301 zeros: int() of
    more than 4,300 digits raises, leading zeros or not)."""
    t = text.strip()
    sign, digits = ("-" if t.startswith("-") else ""), t.lstrip("+-").lstrip("0") or "0"
    return int(sign + digits)


def parse_int(text: str, what: str, *, minimum: int = 0, maximum: int | None = None) -> int:
    """A whole number typed by a person, within bounds; the message names `what`."""
    t = text.strip()
    if not re.fullmatch(r"[+-]?[0-9]+", t):
        if any(c.isdigit() and not c.isascii() for c in t):
            raise UnitError(f"{what}: type the number with the digits 0–9, not '{_clip(text)}'")
        raise UnitError(f"{what} must be a whole number, not '{_clip(text)}'")
    if len(t.lstrip("+-").lstrip("0")) > 30:  # int() of 4,301 digits raises; bounds say why
        far = f"at most {maximum}" if t[0] != "-" and maximum is not None else \
            f"at least {minimum}" if t[0] == "-" else "a smaller number"
        raise UnitError(f"{what} must be {far}, not '{_clip(text)}'")
    value = whole_number(t)
    if value < minimum:
        raise UnitError(f"{what} must be at least {minimum}, not {value}")
    if maximum is not None and value > maximum:
        raise UnitError(f"{what} must be at most {maximum}, not {value}")
    return value
