"""Merged logs: timestamp order whatever the arrival order, bounded, `since` values."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime, timedelta

import pytest

from swarmtui.swarm.logs import LogLine, merge_into, parse_log_line, since_time, stamp_key


def line(ts: str, text: str) -> LogLine:
    return parse_log_line(f"{ts} {text}", None)


def test_stamp_key_pads_the_trimmed_fraction() -> None:
    # the engine writes RFC3339Nano: trailing zeros trimmed, so ".5Z" is after ".123Z"
    assert stamp_key("2026-12-01T10:00:01.5Z") > stamp_key("2026-12-01T10:00:01.123Z")
    assert stamp_key("2026-12-01T10:00:01Z") < stamp_key("2026-12-01T10:00:01.000000001Z")
    assert stamp_key("no time") == ""
    assert line("2026-12-01T10:00:01.5Z", "x").time == "10:00:01.500"


def test_lines_in_order_are_appended() -> None:
    lines: deque[LogLine] = deque(maxlen=10)
    assert merge_into(lines, [line("2026-12-01T10:00:01Z", "a"),
                              line("2026-12-01T10:00:00Z", "b")])
    assert merge_into(lines, [line("2026-12-01T10:00:02Z", "c")])
    assert [ln.text for ln in lines] == ["b", "a", "c"]


def test_an_older_line_from_another_stream_rebuilds_the_order() -> None:
    lines: deque[LogLine] = deque(maxlen=10)
    merge_into(lines, [line(f"2026-12-01T10:00:0{i}Z", f"web {i}") for i in (1, 3, 5)])
    assert not merge_into(lines, [line(f"2026-12-01T10:00:0{i}Z", f"db {i}") for i in (2, 4)])
    assert [ln.text for ln in lines] == ["web 1", "db 2", "web 3", "db 4", "web 5"]


def test_scrollback_is_bounded_and_keeps_the_newest() -> None:
    lines: deque[LogLine] = deque(maxlen=3)
    merge_into(lines, [line(f"2026-12-01T10:00:0{i}Z", str(i)) for i in (2, 4, 6)])
    merge_into(lines, [line("2026-12-01T10:00:01Z", "1"), line("2026-12-01T10:00:05Z", "5")])
    assert [ln.text for ln in lines] == ["4", "5", "6"]


def test_since_durations_and_times() -> None:
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert since_time("10m", now) == now - timedelta(minutes=10)
    assert since_time("1h30m", now) == now - timedelta(minutes=90)
    assert since_time("2d", now) == now - timedelta(days=2)
    assert since_time("2026-12-01T10:00", now) == datetime(2026, 12, 1, 10, tzinfo=UTC)
    assert since_time("2026-12-01", now) == datetime(2026, 12, 1, tzinfo=UTC)
    for bad in ("soon", "10x", "", "2027-01-01"):
        with pytest.raises(ValueError, match="since"):
            since_time(bad, now)
