"""Text the docker CLI would print, for table cells and messages (no UI imports).

The helpers follow the docker CLI's own formatting (cli/command/formatter,
go-units `HumanDuration`), so a pane and `docker … ls` show the same strings.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

_TS_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$")

#: Docker's zero time ("0001-01-01T00:00:00Z") means "never"; we map it to None.
_ZERO_YEAR = 1


def parse_ts(value: object) -> datetime | None:
    """Parse an Engine API RFC 3339 timestamp (nanoseconds allowed) to an aware datetime.

    Returns None for empty, malformed or zero ("0001-01-01…") values.
    """
    if not isinstance(value, str) or not value:
        return None
    if value[10:11] == "T" and value[19:20] in (".", "Z", "+", "-") \
            and (value[-1] == "Z" or value[-3:-2] == ":") and value[20:21] not in ("Z", "+", "-"):
        # the Engine's own shape: fromisoformat takes it whole (nanoseconds are cut to
        # micro), 15× faster than the pattern below — 40,000 timestamps at 20,000 tasks
        try:
            fast = datetime.fromisoformat(value)
        except ValueError:
            fast = None
        if fast is not None and fast.tzinfo is not None:
            return None if fast.year == _ZERO_YEAR else fast.astimezone(UTC)
    m = _TS_RE.match(value)
    if not m:
        return None
    date, time_, frac, tz = m.groups()
    frac = (frac or "0")[:6].ljust(6, "0")
    tz = "+00:00" if tz in (None, "Z") else tz
    try:
        dt = datetime.fromisoformat(f"{date}T{time_}.{frac}{tz}")
    except ValueError:
        return None
    if dt.year == _ZERO_YEAR:
        return None
    return dt.astimezone(UTC)


def now_utc() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def human_duration(delta: timedelta) -> str:
    """go-units `HumanDuration`: "Less than a second", "5 seconds", "About a minute", "3 hours"…"""
    seconds = int(delta.total_seconds())
    if seconds < 1:
        return "Less than a second"
    if seconds == 1:
        return "1 second"
    if seconds < 60:
        return f"{seconds} seconds"
    minutes = int(delta.total_seconds() / 60)
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = int(delta.total_seconds() / 3600 + 0.5)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(delta.total_seconds() / 3600) // 24 // 365} years"


def ago(ts: datetime | None, now: datetime | None = None) -> str:
    """ "5 seconds ago", "less than a second ago" — as `docker service ps` prints; "" if None."""
    if ts is None:
        return ""
    now = now or now_utc()
    delta = max(now - ts, timedelta(0))
    return f"{human_duration(delta).lower()} ago"


def ago_until(ts: datetime, now: datetime) -> datetime:
    """When `ago(ts, now)` may next read differently (a moment after `now`): the next
    second while under a minute, the next minute while under an hour, then the next
    half hour (where `human_duration` rounds to the next hour)."""
    seconds = max((now - ts).total_seconds(), 0.0)
    if seconds < 60:
        step = int(seconds) + 1.0
    elif seconds < 3600:
        step = (int(seconds / 60) + 1) * 60.0
    else:
        step = (int(seconds / 3600 + 0.5) + 0.5) * 3600
    return ts + timedelta(seconds=step)


def short_age(ts: datetime | None, now: datetime | None = None) -> str:
    """A compact age for messages: "12 s", "2 min", "3 h", "4 d"; "" if None."""
    if ts is None:
        return ""
    now = now or now_utc()
    s = max(int((now - ts).total_seconds()), 0)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    if s < 86400 * 2:
        return f"{s // 3600} h"
    return f"{s // 86400} d"


#: go-units' words (human_duration) → k9s-style units, for `compact_state`
_COMPACT = (
    (re.compile(r"Less than a second ago$", re.IGNORECASE), "<1s"),
    (re.compile(r"About a minute ago$", re.IGNORECASE), "1m"),
    (re.compile(r"About an hour ago$", re.IGNORECASE), "1h"),
    (re.compile(r"(\d+) seconds? ago$", re.IGNORECASE), r"\1s"),
    (re.compile(r"(\d+) minutes ago$", re.IGNORECASE), r"\1m"),
    (re.compile(r"(\d+) hours ago$", re.IGNORECASE), r"\1h"),
    (re.compile(r"(\d+) days ago$", re.IGNORECASE), r"\1d"),
    (re.compile(r"(\d+) weeks ago$", re.IGNORECASE), r"\1w"),
    (re.compile(r"(\d+) months ago$", re.IGNORECASE), r"\1mo"),
    (re.compile(r"(\d+) years ago$", re.IGNORECASE), r"\1y"),
)


#: the widest `compact_state` of a task state: "Allocated 11mo"
COMPACT_STATE_WIDTH = 14


def compact_state(text: str) -> str:
    """CURRENT STATE where it does not fit: "Running 22 seconds ago" → "Running 22s",
    "Failed about an hour ago" → "Failed 1h" (the state first: it is the point)."""
    for pattern, unit in _COMPACT:
        short, n = pattern.subn(unit, text)
        if n:
            return short
    return text


def pretty(state: str | None) -> str:
    """The CLI's PrettyPrint: first letter upper-cased ("running" → "Running")."""
    if not state:
        return ""
    return state[:1].upper() + state[1:]


def current_state(state: str, ts: datetime | None, now: datetime | None = None) -> str:
    """`docker service ps` CURRENT STATE: "Running 5 seconds ago"."""
    if ts is None:
        return pretty(state)
    return f"{pretty(state)} {ago(ts, now)}"


def strip_digest(image: str) -> str:
    """ "busybox:latest@sha256:…" → "busybox:latest" (what `docker service ls` shows)."""
    return image.split("@", 1)[0]


def plural(n: int, noun: str, many: str | None = None) -> str:
    """The noun for `n` of it: "line" for 1, "lines" (or `many`) otherwise."""
    return noun if n == 1 else many or f"{noun}s"


def count(n: int, noun: str, many: str | None = None) -> str:
    """The count with its noun: 1 line, 2 lines (`many`: an irregular plural)."""
    return f"{n} {plural(n, noun, many)}"


def short_id(object_id: str) -> str:
    """The 12-character ID the CLI prints in its ID columns."""
    return object_id[:12]


def truncate(text: str, width: int) -> str:
    """Cut `text` to `width` characters with an ellipsis, as the CLI does for ERROR."""
    if len(text) <= width:
        return text
    return text[: max(width - 1, 0)] + "…"


def replicas_text(
    mode: str,
    running: int | None,
    desired: int | None,
    *,
    completed: int | None = None,
    total_completions: int | None = None,
    max_per_node: int = 0,
) -> str:
    """`docker service ls` REPLICAS: "2/3", "3/3", "1/1 (max 1 per node)", jobs with completions."""
    r, d, c = running or 0, desired or 0, completed or 0
    if mode == "replicated-job":
        total = total_completions if total_completions is not None else d
        return f"{r}/{d} ({c}/{total} completed)"
    if mode == "global-job":
        return f"{r}/{d} ({c}/{d + c} completed)"
    if max_per_node > 0:
        return f"{r}/{d} (max {max_per_node} per node)"
    return f"{r}/{d}"


def ports_text(ports: Iterable[tuple[int, int | None, str, str]]) -> str:
    """`docker service ls` PORTS from (target, published, protocol, mode) tuples.

    Only ingress-published ports are listed, consecutive ranges are merged:
    "*:8080->80/tcp", "*:8080-8081->80-81/tcp", joined by ", " — as the CLI does.
    """
    ingress = sorted(
        (p for p in ports if p[3] == "ingress" and p[1]),
        key=lambda p: (p[2], p[1] or 0),
    )
    out: list[str] = []
    start: tuple[int, int, str] | None = None  # (published, target, proto)
    end: tuple[int, int] | None = None

    def flush() -> None:
        if start is None or end is None:
            return
        pub0, tgt0, proto = start
        pub1, tgt1 = end
        if pub0 == pub1:
            out.append(f"*:{pub0}->{tgt0}/{proto}")
        else:
            out.append(f"*:{pub0}-{pub1}->{tgt0}-{tgt1}/{proto}")

    for target, published, proto, _mode in ingress:
        assert published is not None
        if (
            start is not None
            and end is not None
            and proto == start[2]
            and published == end[0] + 1
            and target == end[1] + 1
        ):
            end = (published, target)
            continue
        flush()
        start = (published, target, proto)
        end = (published, target)
    flush()
    return ", ".join(out)


def task_name(service_name: str, slot: int | None, node_id: str | None) -> str:
    """`docker service ps` NAME: "web.2" (replicated) or "web.<node id>" (global)."""
    if slot:
        return f"{service_name}.{slot}"
    if node_id:
        return f"{service_name}.{node_id}"
    return service_name


def labels_text(labels: dict[str, str]) -> str:
    """ "k=v, k2" — labels for a table cell, sorted by key."""
    return ", ".join(f"{k}={v}" if v else k for k, v in sorted(labels.items()))


def cli_join(*words: str) -> str:
    """Join a command line, quoting each word as a shell would need (names stay bare)."""
    return " ".join(shlex.quote(w) for w in words)
