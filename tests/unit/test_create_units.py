"""Sizes, durations and CPUs as a person types them (docker CLI grammar)."""

from __future__ import annotations

import pytest

from swarmtui.swarm.create.units import (
    UnitError,
    format_cpus,
    format_duration,
    format_size,
    parse_cpus,
    parse_duration,
    parse_int,
    parse_size,
)


@pytest.mark.parametrize(("text", "value"), [
    ("512M", 512 * 2**20), ("512m", 512 * 2**20), ("1G", 2**30), ("1.5G", 3 * 2**29),
    ("64MiB", 64 * 2**20), ("100", 100), ("2k", 2048), ("1 g", 2**30), ("1T", 2**40),
])
def test_parse_size(text: str, value: int) -> None:
    assert parse_size(text) == value


@pytest.mark.parametrize("text", ["", "M", "12Q", "-5M", "1.2.3G", "five"])
def test_bad_size_says_how_to_write_one(text: str) -> None:
    with pytest.raises(UnitError, match="is not a size: write a number with a unit, like 512M"):
        parse_size(text)


@pytest.mark.parametrize("value", [512 * 2**20, 2**30, 3 * 2**29, 100, 2048, 6 * 2**20 + 1])
def test_size_round_trips(value: int) -> None:
    assert parse_size(format_size(value)) == value


def test_format_size_picks_the_largest_exact_unit() -> None:
    assert format_size(512 * 2**20) == "512M"
    assert format_size(3 * 2**29) == "1536M"
    assert format_size(100) == "100B"


@pytest.mark.parametrize(("text", "ns"), [
    ("5s", 5 * 10**9), ("1m30s", 90 * 10**9), ("500ms", 5 * 10**8), ("1h", 3600 * 10**9),
    ("1.5s", 15 * 10**8), ("0", 0), ("250us", 250_000), ("2h45m", (2 * 3600 + 45 * 60) * 10**9),
])
def test_parse_duration(text: str, ns: int) -> None:
    assert parse_duration(text) == ns


def test_duration_without_unit_suggests_seconds() -> None:
    with pytest.raises(UnitError, match="'10' has no unit: write 10s for seconds"):
        parse_duration("10")


@pytest.mark.parametrize("text", ["ten seconds", "5 s", "s5", "1d", "-5s"])
def test_bad_duration(text: str) -> None:
    with pytest.raises(UnitError, match="is not a duration: write one like 10s, 500ms or 1m30s"):
        parse_duration(text)


@pytest.mark.parametrize("ns", [0, 5 * 10**9, 90 * 10**9, 5 * 10**8, 3600 * 10**9, 250_000, 7])
def test_duration_round_trips(ns: int) -> None:
    assert parse_duration(format_duration(ns)) == ns


def test_format_duration_reads_like_go() -> None:
    assert format_duration(90 * 10**9) == "1m30s"
    assert format_duration(5 * 10**8) == "500ms"
    assert format_duration(3600 * 10**9) == "1h"


def test_cpus() -> None:
    assert parse_cpus("0.5") == 500_000_000
    assert parse_cpus("2") == 2_000_000_000
    assert format_cpus(500_000_000) == "0.5"
    assert format_cpus(2_000_000_000) == "2"
    with pytest.raises(UnitError, match="'abc' is not a number of CPUs: write one like 0.5"):
        parse_cpus("abc")
    with pytest.raises(UnitError, match="must be above 0"):
        parse_cpus("0")
    with pytest.raises(UnitError, match="too many decimals"):
        parse_cpus("0.0000000001")


def test_parse_int_names_the_field() -> None:
    assert parse_int(" 3 ", "replicas") == 3
    with pytest.raises(UnitError, match="replicas must be a whole number, not '2.5'"):
        parse_int("2.5", "replicas")
    with pytest.raises(UnitError, match="the published port must be at most 65535, not 70000"):
        parse_int("70000", "the published port", minimum=1, maximum=65535)
