"""Engine timestamps (RFC 3339, nanoseconds) → aware UTC datetimes; odd shapes → None."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from swarmtui.swarm.format import parse_ts


@pytest.mark.parametrize(("text", "want"), [
    ("2026-12-01T16:19:40.123456789Z", datetime(2026, 12, 1, 16, 19, 40, 123456, UTC)),
    ("2026-12-01T16:19:40Z", datetime(2026, 12, 1, 16, 19, 40, tzinfo=UTC)),
    ("2026-12-01T16:19:40.5+01:00", datetime(2026, 12, 1, 15, 19, 40, 500000, UTC)),
    ("2026-12-01T16:19:40-05:00", datetime(2026, 12, 1, 21, 19, 40, tzinfo=UTC)),
    ("2026-12-01T16:19:40", datetime(2026, 12, 1, 16, 19, 40, tzinfo=UTC)),  # no zone: UTC
])
def test_engine_shapes(text: str, want: datetime) -> None:
    got = parse_ts(text)
    assert got == want and got is not None and got.tzinfo is UTC


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00Z", "", "2026-12-01", "garbage",
                                  "2026-12-01T25:19:40Z", "2026-12-01T16:19:40.Z",
                                  "2026-12-01T16:19:40+0100", "2026-12-01 16:19:40Z"])
def test_zero_or_malformed_is_none(text: str) -> None:
    assert parse_ts(text) is None
